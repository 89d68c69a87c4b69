"""The learner website over HTTP: security headers, CORS allow-list, the progress API."""
from __future__ import annotations

import pytest
import requests

pytestmark = pytest.mark.server


def test_page_has_a_content_security_policy(servers):
    response = requests.get(servers.web_url + "/", timeout=10)
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "object-src 'none'" in policy
    assert f"connect-src 'self' {servers.url}" in policy
    assert f'data-server="{servers.url}"' in response.text
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_widget_assets_are_served_locally(servers):
    for name in ("pause-check-widget.js", "pause-check-widget.css", "page.css"):
        assert requests.get(f"{servers.web_url}/widget/{name}", timeout=10).status_code == 200


def test_progress_api(servers):
    servers.say("web-learner", '/start_module{"module":"verify_leaks"}')  # not offered: plain text
    servers.say("web-learner", "start verify leaks")
    modules = requests.get(f"{servers.web_url}/api/progress/web-learner", timeout=10).json()["modules"]
    assert [module["id"] for module in modules] == ["verify_leaks", "resist_resharing", "reporting_tools"]
    assert modules[0]["status"] == "in_progress" and modules[0]["position_label"].startswith("check 1 of")
    assert modules[1]["share_done"] == 0.0
    bad = requests.get(f"{servers.web_url}/api/progress/not%20an%20id", timeout=10)
    assert bad.status_code == 400


@pytest.mark.parametrize("server", ["web", "rasa"])
def test_cors_allows_only_the_configured_origin(servers, server):
    url = f"{servers.web_url}/api/progress/x" if server == "web" else f"{servers.url}/webhooks/rest/webhook"
    method = requests.get if server == "web" else requests.options
    extra = {} if server == "web" else {"Access-Control-Request-Method": "POST"}
    allowed = method(url, headers={"Origin": servers.web_url, **extra}, timeout=10)
    assert allowed.headers.get("Access-Control-Allow-Origin") == servers.web_url
    refused = method(url, headers={"Origin": "http://evil.example", **extra}, timeout=10)
    assert "Access-Control-Allow-Origin" not in refused.headers

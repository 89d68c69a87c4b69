"""What the servers log at their default level (INFO): no message text and no facilitator token, ever.

Sends messages carrying a marker through both chat channels (plain text, a forged payload, an over-long message, a
class code that does not exist, metadata) and uses a facilitator token every way the dashboard takes it (form, cookie, bearer, a wrong
secret), then reads the combined log of the action server, the Rasa server and the website.
"""
from __future__ import annotations

import uuid

import pytest
import requests

from bot.reports.cohorts import Cohorts
from bot.store import ProgressStore
from tests.chat import socketio_exchange

pytestmark = pytest.mark.server


def test_logs_hold_no_message_text_and_no_token(servers):
    marker = f"zq{uuid.uuid4().hex[:12]}"
    for message in (f"is the {marker} video real", f'/answer{{"option":"a","question":"{marker}"}}',
                    f"{marker} " * 300, f"my class code is {marker}"):
        assert servers.post({"sender": "learner-logged", "message": message, "metadata": {"note": marker}}).ok
    assert socketio_exchange(servers, "learner-logged-socket", f"{marker} over socket.io")

    store = ProgressStore(servers.workdir / "progress.db")
    _, token = Cohorts(store).create("Logged class")
    store.close()
    prefix, selector, secret = token.split(".")
    wrong = f"{prefix}.{selector}.{secret[::-1]}"
    site = servers.web_url + "/facilitator"
    with requests.Session() as session:
        signed_in = session.post(f"{site}/sign-in", data={"token": token}, headers={"Origin": servers.web_url},
                                 allow_redirects=False, timeout=30)
        assert signed_in.status_code == 303 and session.cookies
        assert session.get(site, timeout=30).ok
    bearer = {"Authorization": f"Bearer {token}"}
    assert requests.get(f"{site}/report.json", headers=bearer, timeout=30).ok
    assert requests.get(f"{site}/report.csv?table=learners&token={token}", headers=bearer, timeout=30).ok
    failed = requests.post(f"{site}/sign-in", data={"token": wrong}, headers={"Origin": servers.web_url},
                           allow_redirects=False, timeout=30)
    assert failed.status_code == 401

    log = (servers.workdir / "servers.log").read_text(encoding="utf-8", errors="replace")
    assert "Action endpoint is up and running" in log and "Rasa server is up and running" in log  # INFO is there
    assert marker not in log
    for secret_part in (secret, secret[::-1]):
        assert secret_part not in log

"""Serves requests' calls from an ASGI app (the website's Sanic app from `web.server.create_app`) in the test's own
process: no port, no server process, and the tests keep requests' sessions, cookies and redirects."""
from __future__ import annotations

import asyncio
import io
from http.client import HTTPMessage
from urllib.parse import unquote, urlsplit

import requests
from requests.adapters import HTTPAdapter
from sanic import Sanic
from urllib3 import HTTPResponse

# The address every request comes from, as a socket peer would: the sign-in limit counts failures per client.
CLIENT = ("127.0.0.1", 50_000)


class _Exchange:
    """Stands in for http.client's response, where requests reads Set-Cookie headers from (`msg`)."""

    def __init__(self, headers: list[tuple[str, str]]) -> None:
        self.msg = HTTPMessage()
        for name, value in headers:
            self.msg.add_header(name, value)

    def isclosed(self) -> bool:
        return True

    def close(self) -> None:
        pass


class AsgiAdapter(HTTPAdapter):
    """Runs the app on its own event loop: started (ASGI lifespan) when made, stopped by stop(). A session's close()
    leaves it running, so many sessions can share one app."""

    def __init__(self, app: Sanic) -> None:
        super().__init__()
        self.app = app
        self.loop = asyncio.new_event_loop()
        # Sanic's test mode, as its test clients use it, for the start only: without it the second app started in a
        # process fails, its start-up rewriting (TouchUp) methods already rewritten for the first.
        Sanic.test_mode = True
        try:
            self.loop.run_until_complete(self._start())
        finally:
            Sanic.test_mode = False

    async def _start(self) -> None:
        self._lifespan_in: asyncio.Queue[dict] = asyncio.Queue()
        self._lifespan_out: asyncio.Queue[dict] = asyncio.Queue()
        self._lifespan = asyncio.ensure_future(self.app({"type": "lifespan", "asgi": {"version": "3.0"}},
                                                        self._lifespan_in.get, self._lifespan_out.put))
        await self._lifespan_in.put({"type": "lifespan.startup"})
        await self._lifespan_message("lifespan.startup.complete")

    async def _lifespan_message(self, expected: str) -> None:
        """Waits for the app's answer, or its failure (raised here rather than waited for forever)."""
        answer = asyncio.ensure_future(self._lifespan_out.get())
        await asyncio.wait([answer, self._lifespan], return_when=asyncio.FIRST_COMPLETED)
        if not answer.done():
            answer.cancel()
            self._lifespan.result()
        assert answer.result()["type"] == expected, answer.result()

    async def _stop(self) -> None:
        await self._lifespan_in.put({"type": "lifespan.shutdown"})
        await self._lifespan_message("lifespan.shutdown.complete")
        # Sanic 21.12 then handles the finished lifespan as if it were a request, which fails for want of one: the
        # messages above are what count.
        await asyncio.gather(self._lifespan, return_exceptions=True)

    def stop(self) -> None:
        self.loop.run_until_complete(self._stop())
        self.loop.close()

    def send(self, request: requests.PreparedRequest, **kwargs) -> requests.Response:
        status, headers, body = self.loop.run_until_complete(self._call(request))
        raw = HTTPResponse(body=io.BytesIO(body), headers=headers, status=status, preload_content=False,
                           original_response=_Exchange(headers))
        return self.build_response(request, raw)

    async def _call(self, request: requests.PreparedRequest) -> tuple[int, list[tuple[str, str]], bytes]:
        url = urlsplit(request.url)
        headers = {"host": url.netloc, **{name.lower(): value for name, value in request.headers.items()}}
        body = request.body or b""
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": request.method,
            "scheme": url.scheme, "path": unquote(url.path), "raw_path": url.path.encode(), "root_path": "",
            "query_string": url.query.encode(), "client": CLIENT, "server": (url.hostname, url.port or 80),
            "headers": [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()],
        }
        request_body = [{"type": "http.request", "body": body.encode() if isinstance(body, str) else body}]
        response: dict = {"headers": [], "body": b""}

        async def receive() -> dict:
            return request_body.pop() if request_body else {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            if message["type"] == "http.response.start":
                response["status"] = message["status"]
                response["headers"] = [(name.decode("latin-1"), value.decode("latin-1"))
                                       for name, value in message["headers"]]
            else:
                response["body"] += message.get("body", b"")

        await self.app(scope, receive, send)
        return response["status"], response["headers"], response["body"]


def session(base_url: str, adapter: AsgiAdapter) -> requests.Session:
    """A new requests session (its own cookies) whose calls to base_url go to the adapter's app."""
    new = requests.Session()
    new.mount(base_url, adapter)
    return new

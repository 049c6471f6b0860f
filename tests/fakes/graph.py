"""A fake Microsoft Graph: a real HTTP server on 127.0.0.1 answering
``GET /v1.0/teams/{team}/channels/{channel}/messages/{root}/replies`` from what a
:class:`FakeBotConnector` holds, as Graph shows channel messages (a card's content as a JSON
string). Only tokens the fake Entra ID issued for this server are accepted; ``refuse`` makes it
answer an error instead (403: the app not permitted; 503: Graph down)."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

import jwt

from tests.fakes.bot_connector import FakeBotConnector

#: The key the fake Entra ID signs its tokens with.
ENTRA_SECRET = "fake-entra-secret-0123456789abcdef"
_REPLIES = re.compile(
    r"^/v1\.0/teams/(?P<team>[^/]+)/channels/(?P<channel>[^/]+)/messages/(?P<root>[^/]+)/replies$"
)


@dataclass
class GraphCall:
    path: str
    status: int


@dataclass
class FakeGraph:
    connector: FakeBotConnector
    team_id: str
    calls: list[GraphCall] = field(default_factory=list)
    refusing: int | None = None

    def __post_init__(self) -> None:
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> FakeGraph:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeGraph:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def refuse(self, status: int | None) -> None:
        self.refusing = status

    def answer(self, path: str, authorization: str) -> tuple[int, dict[str, Any]]:
        status, body = self._answer(path, authorization)
        self.calls.append(GraphCall(path, status))
        return status, body

    def _answer(self, path: str, authorization: str) -> tuple[int, dict[str, Any]]:
        try:
            claims = jwt.decode(authorization.removeprefix("Bearer "), ENTRA_SECRET, algorithms=["HS256"],
                                options={"verify_aud": False})
        except jwt.PyJWTError:
            return 401, {"error": {"code": "InvalidAuthenticationToken"}}
        if claims.get("aud") != self.url:
            return 401, {"error": {"code": "InvalidAuthenticationToken", "message": "wrong audience"}}
        if self.refusing is not None:
            return self.refusing, {"error": {"code": "Forbidden" if self.refusing == 403 else "ServiceError"}}
        match = _REPLIES.match(path)
        if match is None or unquote(match["team"]) != self.team_id:
            return 404, {"error": {"code": "NotFound"}}
        thread = f"{unquote(match['channel'])};messageid={unquote(match['root'])}"
        replies = []
        for activity_id, (conversation, body) in list(self.connector.messages.items()):
            if conversation != thread:
                continue
            attachments = [
                {"id": str(i), "contentType": a.get("contentType"), "content": json.dumps(a.get("content"))}
                for i, a in enumerate(body.get("attachments") or [])
            ]
            replies.append({"id": activity_id, "replyToId": unquote(match["root"]), "messageType": "message",
                            "attachments": attachments, "from": {"application": {"displayName": "redteam"}}})
        return 200, {"value": replies}


def _handler_for(fake: FakeGraph) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            status, body = fake.answer(urlsplit(self.path).path, self.headers.get("Authorization", ""))
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler

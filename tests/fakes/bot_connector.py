"""A fake Bot Connector (Teams' outbound REST API): a real HTTP server on 127.0.0.1 that records
every call.

Activities sent to the bot carry ``serviceUrl = fake.service_url``, so the SDK's replies land
here. Faults are injected per kind of call: HTTP 429 with ``Retry-After``, 5xx, a 500 after the
write went through, slowness. Each call records the bearer token it carried.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from tests.serving import serve_in_thread, stop_serving

_CONVERSATIONS = "/v3/conversations"
_ACTIVITIES = re.compile(r"^/v3/conversations/(?P<conv>[^/]+)/activities(?:/(?P<activity>[^/]+))?$")


@dataclass
class ConnectorCall:
    kind: str  # "send", "reply", "update", "delete", "typing", "create_conversation"
    method: str
    conversation_id: str
    activity_id: str | None
    body: dict[str, Any]
    authorization: str
    status: int = 200
    at: float = field(default_factory=time.monotonic)

    @property
    def card(self) -> dict[str, Any] | None:
        """The Adaptive Card the call carries, if any."""
        for attachment in self.body.get("attachments") or []:
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
                content: dict[str, Any] = attachment["content"]
                return content
        return None


@dataclass
class _Fault:
    remaining: int
    status: int
    retry_after: str | None = None
    #: the call is carried out (and recorded as such) before the error is answered
    after_write: bool = False
    delay: float = 0.0


@dataclass
class FakeBotConnector:
    def __post_init__(self) -> None:
        self.calls: list[ConnectorCall] = []
        #: the messages as they stand: activity id -> (conversation id, last body); deletes remove
        self.messages: dict[str, tuple[str, dict[str, Any]]] = {}
        self.delay = 0.0
        #: Teams' per-conversation limit when set: more calls than this in one second get 429
        self.per_second_limit: int | None = None
        #: Teams' limit for the app, all conversations together, when set: likewise
        self.app_per_second_limit: int | None = None
        #: conversations (ids, or a channel id covering its threads) where the bot may not post: 403
        self.forbidden: set[str] = set()
        self._recent: dict[str, list[float]] = {}
        self._faults: dict[str, list[_Fault]] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1_700_000_000_001)
        self._server: ThreadingHTTPServer | None = None

    # --- lifecycle -------------------------------------------------------------------
    def start(self) -> FakeBotConnector:
        self._server = serve_in_thread(_handler_for(self))
        return self

    def stop(self) -> None:
        stop_serving(self._server)
        self._server = None

    def __enter__(self) -> FakeBotConnector:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def service_url(self) -> str:
        assert self._server is not None, "start() the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    # --- test controls ---------------------------------------------------------------
    def rate_limit_next(self, kind: str, count: int = 1, retry_after: str = "1") -> None:
        """The next ``count`` calls of ``kind`` answer 429 with ``Retry-After``."""
        self._add(kind, _Fault(count, 429, retry_after=retry_after))

    def server_error_next(self, kind: str, count: int = 1, status: int = 500) -> None:
        self._add(kind, _Fault(count, status))

    def error_after_write_next(self, kind: str, count: int = 1) -> None:
        """The next ``count`` calls are carried out, then answered 500 all the same."""
        self._add(kind, _Fault(count, 500, after_write=True))

    def slow_next(self, kind: str, seconds: float, count: int = 1) -> None:
        self._add(kind, _Fault(count, 200, delay=seconds))

    def calls_of(self, kind: str) -> list[ConnectorCall]:
        with self._lock:
            return [c for c in self.calls if c.kind == kind]

    def ok_calls_of(self, kind: str) -> list[ConnectorCall]:
        return [c for c in self.calls_of(kind) if c.status < 300]

    def recover(self, kind: str) -> None:
        """Drop the faults still queued for ``kind``: the Connector takes those calls again."""
        with self._lock:
            self._faults.pop(kind, None)

    # --- internals -------------------------------------------------------------------
    def _add(self, kind: str, fault: _Fault) -> None:
        with self._lock:
            self._faults.setdefault(kind, []).append(fault)

    def _take(self, kind: str) -> _Fault | None:
        with self._lock:
            faults = self._faults.get(kind)
            if not faults:
                return None
            fault = faults[0]
            fault.remaining -= 1
            if fault.remaining <= 0:
                faults.pop(0)
            return fault

    def answer(
        self, method: str, path: str, body: dict[str, Any], authorization: str
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        if path == _CONVERSATIONS and method == "POST":
            call = ConnectorCall("create_conversation", method, "", None, body, authorization)
            fault = self._take("create_conversation")
            if fault is not None and fault.status >= 300:
                # As Teams answers when it may not open that chat (the app not installed for
                # the person, or a policy against it).
                call.status = fault.status
                self._record(call)
                return fault.status, {"error": {"code": "Forbidden"}}, {}
            self._record(call)
            members = body.get("members") or [{}]
            return 200, {"id": f"a:personal-{members[0].get('id', '')}"}, {}
        match = _ACTIVITIES.match(path)
        if match is None:
            return 404, {"error": {"code": "NotFound", "message": path}}, {}
        conversation = unquote(match["conv"])
        activity_id = unquote(match["activity"]) if match["activity"] else None
        kind = {"PUT": "update", "DELETE": "delete"}.get(method) or (
            "typing" if body.get("type") == "typing" else "reply" if activity_id else "send"
        )
        call = ConnectorCall(kind, method, conversation, activity_id, body, authorization)
        if conversation in self.forbidden or conversation.split(";")[0] in self.forbidden:
            call.status = 403
            self._record(call)
            return 403, {"error": {"code": "BotNotInConversationRoster"}}, {}
        if self._over_limit(conversation):
            call.status = 429
            self._record(call)
            return 429, {"error": {"code": "Throttled"}}, {"Retry-After": "1"}
        fault = self._take(kind)
        time.sleep(self.delay + (fault.delay if fault else 0.0))
        if fault is not None and fault.status >= 300 and not fault.after_write:
            call.status = fault.status
            self._record(call)
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            code = "Throttled" if fault.status == 429 else "ServiceError"
            return fault.status, {"error": {"code": code}}, headers
        answer: dict[str, Any] = {}
        with self._lock:
            if kind in ("send", "reply"):
                new_id = str(next(self._ids))
                self.messages[new_id] = (conversation, body)
                answer = {"id": new_id}
            elif kind == "update" and activity_id is not None:
                if activity_id not in self.messages:
                    call.status = 404
                else:
                    self.messages[activity_id] = (conversation, body)
                    answer = {"id": activity_id}
            elif kind == "delete" and activity_id is not None:
                self.messages.pop(activity_id, None)
        if fault is not None and fault.after_write:
            call.status = fault.status
        self._record(call)
        if call.status >= 300:
            return call.status, {"error": {"code": "ServiceError"}}, {}
        return 200, answer, {}

    def _over_limit(self, conversation: str) -> bool:
        limits = [(conversation, self.per_second_limit), ("", self.app_per_second_limit)]
        limits = [(key, limit) for key, limit in limits if limit is not None]
        if not limits:
            return False
        now = time.monotonic()
        with self._lock:
            over = False
            for key, limit in limits:
                recent = self._recent[key] = [t for t in self._recent.get(key, []) if now - t < 1.0]
                over = over or len(recent) >= (limit or 0)
            if not over:  # a refused call does not count against the limits
                for key, _ in limits:
                    self._recent[key].append(now)
            return over

    def _record(self, call: ConnectorCall) -> None:
        with self._lock:
            self.calls.append(call)


def _handler_for(fake: FakeBotConnector) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else {}
            except ValueError:
                body = {"_unparsed": raw.decode("utf-8", "replace")}
            status, answer, headers = fake.answer(
                self.command, urlsplit(self.path).path, body if isinstance(body, dict) else {},
                self.headers.get("Authorization", ""),
            )
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        do_POST = do_PUT = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler

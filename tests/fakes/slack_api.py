"""A fake Slack Web API: a real HTTP server on 127.0.0.1 that records every call.

The app's ``AsyncWebClient`` is pointed at ``base_url`` (``SLACK_API_URL``); interaction
payloads carry ``response_url(...)`` so Bolt's ``respond()`` lands here too. Faults are
injected per method: Slack errors (``not_in_channel``...), HTTP 429 with ``Retry-After``, 5xx,
a 5xx answered after the message was stored, and Slack's per-channel pace for posts (a token
bucket). Posts keep their ``metadata``; ``conversations.replies`` returns it when asked with
``include_all_metadata``.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.serving import serve_in_thread, stop_serving

BOT_USER_ID = "UREDTEAM"
BOT_ID = "BREDTEAM"
TEAM_ID = "T0TEAM"

#: Methods that post a message and so need a channel the bot can see.
_POSTING = {"chat.postMessage", "chat.update", "chat.postEphemeral", "chat.delete"}


@dataclass
class Call:
    method: str  # "chat.postMessage", ... or "response_url"
    path: str
    params: dict[str, Any]
    headers: dict[str, str]
    status: int = 200
    at: float = field(default_factory=time.monotonic)  # when the call arrived (benchmarks)


@dataclass
class _Fault:
    remaining: int
    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    #: a body that is not JSON (e.g. a proxy's HTML error page), sent as is
    raw: str | None = None
    #: do the call's work (store the post), then answer with the fault anyway
    after_work: bool = False


@dataclass
class _Bucket:
    """Slack's pace for posts into one channel: ``per_second`` refill, ``burst`` capacity."""

    per_second: float
    burst: int
    tokens: float = 0.0
    at: float = 0.0

    def take(self, now: float) -> float | None:
        """None when a post may go now (a token taken), else the seconds until one is free."""
        self.tokens = min(float(self.burst), self.tokens + (now - self.at) * self.per_second)
        self.at = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return None
        return (1.0 - self.tokens) / self.per_second


@dataclass
class FakeSlackAPI:
    bot_user_id: str = BOT_USER_ID
    bot_id: str = BOT_ID
    team_id: str = TEAM_ID
    #: channel id -> name, answered by conversations.info
    channels: dict[str, str] = field(default_factory=dict)
    #: channels where posting fails with not_in_channel (ephemeral posts too)
    not_in: set[str] = field(default_factory=set)
    socket_mode_url: str | None = None
    #: user group id -> member user ids, answered by usergroups.users.list
    usergroups: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.calls: list[Call] = []
        self.messages: list[dict[str, Any]] = []
        self._faults: dict[str, list[_Fault]] = {}
        self._post_limit: tuple[float, int] | None = None
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None

    # --- lifecycle -------------------------------------------------------------------
    def start(self) -> FakeSlackAPI:
        self._server = serve_in_thread(_handler_for(self))
        return self

    def stop(self) -> None:
        stop_serving(self._server)
        self._server = None

    def __enter__(self) -> FakeSlackAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "start() the fake first"
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"http://127.0.0.1:{self.port}/response/{name}"

    # --- test controls ---------------------------------------------------------------
    def fail_next(self, method: str, error: str, count: int = 1) -> None:
        """The next ``count`` calls of ``method`` answer ``{"ok": false, "error": error}``."""
        self._add_fault(method, _Fault(remaining=count, error=error))

    def rate_limit_next(self, method: str, count: int = 1, retry_after: int = 1) -> None:
        """The next ``count`` calls of ``method`` answer HTTP 429 with ``Retry-After``."""
        self._add_fault(
            method, _Fault(remaining=count, status=429, error="ratelimited", retry_after=retry_after)
        )

    def server_error_next(self, method: str, count: int = 1, status: int = 503) -> None:
        self._add_fault(method, _Fault(remaining=count, status=status, error="service_unavailable"))

    def server_error_after_storing_next(self, method: str, count: int = 1, status: int = 500) -> None:
        """The next ``count`` calls of ``method`` do their work (a post is stored and shown in
        the thread), then answer HTTP ``status``: the client cannot know it landed."""
        self._add_fault(
            method, _Fault(remaining=count, status=status, error="internal_error", after_work=True)
        )

    def limit_posts_per_channel(self, per_second: float, burst: int = 1) -> None:
        """Slack's per-channel pace for ``chat.postMessage``: a token bucket per channel; a post
        with no token left is answered 429 with ``Retry-After`` (whole seconds, as Slack sends)."""
        with self._lock:
            self._post_limit = (per_second, burst)
            self._buckets.clear()

    def posts_in(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        """The bot's messages stored in a thread (whatever the client was answered)."""
        with self._lock:
            return [
                m
                for m in self.messages
                if m["channel"] == channel and m.get("thread_ts") == thread_ts and m.get("bot_id")
            ]

    def garbage_next(self, method: str, count: int = 1, status: int = 502,
                     body: str = "<html><body>502 Bad Gateway</body></html>") -> None:
        """The next ``count`` calls of ``method`` answer ``status`` with a body that is not JSON."""
        self._add_fault(method, _Fault(remaining=count, status=status, error="not_json", raw=body))

    def add_message(
        self,
        channel: str,
        text: str,
        *,
        user: str = "UALICE",
        ts: str | None = None,
        thread_ts: str | None = None,
        bot_id: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> str:
        """Put a message into the fake's history (what conversations.replies returns)."""
        ts = ts or self._next_ts()
        msg: dict[str, Any] = {"type": "message", "channel": channel, "text": text, "user": user, "ts": ts}
        if thread_ts:
            msg["thread_ts"] = thread_ts
        if bot_id:
            msg["bot_id"] = bot_id
        if metadata:
            msg["metadata"] = metadata
        with self._lock:
            self.messages.append(msg)
        return ts

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def ok_calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls_to(method) if c.status == 200 and c.params.get("_ok", True)]

    def calls_as_json(self, method: str | None = None, since: int = 0) -> list[dict[str, Any]]:
        """Calls (optionally of one method) as JSON-ready dicts: method, status, at, thread_ts, channel.

        ``since``: skip that many of the matching calls (a poller asks only for what is new, so
        polling stays cheap however many calls there have been).
        """
        with self._lock:
            calls = [c for c in self.calls if method is None or c.method == method][since:]
        return [
            {
                "method": c.method,
                "status": c.status,
                "ok": c.params.get("_ok", True),
                "at": c.at,
                "thread_ts": c.params.get("thread_ts"),
                "channel": c.params.get("channel"),
            }
            for c in calls
        ]

    def reset_calls(self) -> None:
        with self._lock:
            self.calls.clear()

    def recover(self, method: str) -> None:
        """Drop the faults still queued for ``method``: Slack takes its calls again."""
        with self._lock:
            self._faults.pop(method, None)

    # --- internals -------------------------------------------------------------------
    def _add_fault(self, method: str, fault: _Fault) -> None:
        with self._lock:
            self._faults.setdefault(method, []).append(fault)

    def _take_fault(self, method: str) -> _Fault | None:
        with self._lock:
            faults = self._faults.get(method) or []
            while faults and faults[0].remaining <= 0:
                faults.pop(0)
            if not faults:
                return None
            faults[0].remaining -= 1
            return faults[0]

    def _next_ts(self) -> str:
        return f"1800000000.{next(self._ts):06d}"

    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        """(status, body, extra headers) for one Web API call."""
        fault = self._take_fault(method)
        if fault is not None and not fault.after_work:
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            if fault.raw is not None:
                headers["X-Fake-Raw-Body"] = fault.raw
            return fault.status, {"ok": False, "error": fault.error}, headers
        channel = str(params.get("channel", ""))
        if method in _POSTING and channel in self.not_in:
            return 200, {"ok": False, "error": "not_in_channel"}, {}
        if method == "chat.postMessage":
            wait = self._take_post_token(channel)
            if wait is not None:
                headers = {"Retry-After": str(max(1, math.ceil(wait)))}
                return 429, {"ok": False, "error": "ratelimited"}, headers
        handler = _METHODS.get(method)
        if handler is None:
            return 200, {"ok": False, "error": "unknown_method"}, {}
        body = handler(self, params)
        if fault is not None:  # the work is done; the answer says otherwise
            return fault.status, {"ok": False, "error": fault.error}, {}
        return 200, body, {}

    def _take_post_token(self, channel: str) -> float | None:
        with self._lock:
            if self._post_limit is None:
                return None
            now = time.monotonic()
            bucket = self._buckets.get(channel)
            if bucket is None:
                per_second, burst = self._post_limit
                bucket = self._buckets[channel] = _Bucket(per_second, burst, tokens=float(burst), at=now)
            return bucket.take(now)


def _auth_test(fake: FakeSlackAPI, params: dict[str, Any]) -> dict[str, Any]:
    return {
        "ok": True,
        "url": "https://fake.slack.com/",
        "team": "Fake",
        "user": "redteam",
        "team_id": fake.team_id,
        "user_id": fake.bot_user_id,
        "bot_id": fake.bot_id,
    }


def _post_message(fake: FakeSlackAPI, params: dict[str, Any]) -> dict[str, Any]:
    channel = str(params.get("channel", ""))
    ts = fake.add_message(
        channel,
        str(params.get("text", "")),
        user=fake.bot_user_id,
        thread_ts=params.get("thread_ts"),
        bot_id=fake.bot_id,
        metadata=_metadata(params.get("metadata")),
    )
    return {
        "ok": True,
        "channel": channel,
        "ts": ts,
        "message": {"text": params.get("text", ""), "ts": ts, "bot_id": fake.bot_id},
    }


def _metadata(value: Any) -> dict[str, Any] | None:
    if isinstance(value, str):  # form-encoded: a JSON string
        with contextlib.suppress(ValueError):
            value = json.loads(value)
    return value if isinstance(value, dict) and value.get("event_type") else None


def _update(fake: FakeSlackAPI, params: dict[str, Any]) -> dict[str, Any]:
    return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts"), "text": params.get("text")}


def _ephemeral(fake: FakeSlackAPI, params: dict[str, Any]) -> dict[str, Any]:
    return {"ok": True, "message_ts": fake._next_ts()}


def _ok(fake: FakeSlackAPI, params: dict[str, Any]) -> dict[str, Any]:
    return {"ok": True}


def _conversations_info(fake: FakeSlackAPI, params: dict[str, Any]) -> dict[str, Any]:
    channel = str(params.get("channel", ""))
    name = fake.channels.get(channel)
    if name is None:
        return {"ok": False, "error": "channel_not_found"}
    return {"ok": True, "channel": {"id": channel, "name": name, "is_channel": True}}


def _conversations_replies(fake: FakeSlackAPI, params: dict[str, Any]) -> dict[str, Any]:
    channel, ts = str(params.get("channel", "")), str(params.get("ts", ""))
    with fake._lock:
        msgs = [
            m
            for m in fake.messages
            if m["channel"] == channel and (m["ts"] == ts or m.get("thread_ts") == ts)
        ]
    msgs.sort(key=lambda m: m["ts"])
    if str(params.get("include_all_metadata", "")).lower() not in ("1", "true"):
        msgs = [{k: v for k, v in m.items() if k != "metadata"} for m in msgs]
    return {"ok": True, "messages": msgs, "has_more": False}


def _conversations_history(fake: FakeSlackAPI, params: dict[str, Any]) -> dict[str, Any]:
    """The channel's top-level messages, newest first."""
    channel = str(params.get("channel", ""))
    with fake._lock:
        msgs = [m for m in fake.messages if m["channel"] == channel and not m.get("thread_ts")]
    msgs.sort(key=lambda m: m["ts"], reverse=True)
    msgs = msgs[: int(params.get("limit") or 100)]
    if str(params.get("include_all_metadata", "")).lower() not in ("1", "true"):
        msgs = [{k: v for k, v in m.items() if k != "metadata"} for m in msgs]
    return {"ok": True, "messages": msgs, "has_more": False}


def _views_open(fake: FakeSlackAPI, params: dict[str, Any]) -> dict[str, Any]:
    return {"ok": True, "view": {"id": "VFAKE", **(params.get("view") or {})}}


def _usergroups_users_list(fake: FakeSlackAPI, params: dict[str, Any]) -> dict[str, Any]:
    users = fake.usergroups.get(str(params.get("usergroup", "")))
    if users is None:
        return {"ok": False, "error": "no_such_subteam"}
    return {"ok": True, "users": list(users)}


def _connections_open(fake: FakeSlackAPI, params: dict[str, Any]) -> dict[str, Any]:
    if fake.socket_mode_url is None:
        return {"ok": False, "error": "not_allowed_token_type"}
    return {"ok": True, "url": fake.socket_mode_url}


_METHODS: dict[str, Callable[[FakeSlackAPI, dict[str, Any]], dict[str, Any]]] = {
    "auth.test": _auth_test,
    "chat.postMessage": _post_message,
    "chat.update": _update,
    "chat.delete": _ok,
    "chat.postEphemeral": _ephemeral,
    "reactions.add": _ok,
    "reactions.remove": _ok,
    "conversations.info": _conversations_info,
    "conversations.replies": _conversations_replies,
    "conversations.history": _conversations_history,
    "views.open": _views_open,
    "usergroups.users.list": _usergroups_users_list,
    "apps.connections.open": _connections_open,
}


def _parse_params(query: str, content_type: str, body: bytes) -> dict[str, Any]:
    params: dict[str, Any] = {k: v[-1] for k, v in parse_qs(query).items()}
    if not body:
        return params
    if "json" in content_type:
        params.update(json.loads(body))
    else:
        for key, values in parse_qs(body.decode()).items():
            value: Any = values[-1]
            # slack_sdk form-encodes nested arguments (blocks, view) as JSON strings
            if key in ("blocks", "view", "attachments") and isinstance(value, str):
                with contextlib.suppress(ValueError):
                    value = json.loads(value)
            params[key] = value
    for key in ("blocks", "view"):
        if isinstance(params.get(key), str):
            with contextlib.suppress(ValueError):
                params[key] = json.loads(params[key])
    return params


def _handler_for(fake: FakeSlackAPI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

        def do_GET(self) -> None:
            self._handle()

        def do_POST(self) -> None:
            self._handle()

        def _handle(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            params = _parse_params(url.query, self.headers.get("Content-Type", ""), body)
            headers = {k: v for k, v in self.headers.items()}
            if url.path.startswith("/api/"):
                method = url.path[len("/api/") :]
                status, answer, extra = fake.answer(method, params)
            elif url.path == "/_fake/calls":
                # for a benchmark running the fake in another process: what was posted, and when
                since = int(params.get("since") or 0)
                self._send(200, fake.calls_as_json(params.get("method"), since), {})
                return
            elif url.path.startswith("/response/"):
                method, status, answer, extra = "response_url", 200, {"ok": True}, {}
            else:
                method, status, answer, extra = "unknown", 404, {"ok": False, "error": "not_found"}, {}
            recorded = dict(params)
            if not answer.get("ok", False):
                recorded["_ok"] = False
                recorded["_error"] = answer.get("error")
            fake._record(Call(method=method, path=url.path, params=recorded, headers=headers, status=status))
            self._send(status, answer, extra)

        def _send(self, status: int, answer: Any, extra: dict[str, str]) -> None:
            raw = extra.pop("X-Fake-Raw-Body", None)
            data = json.dumps(answer).encode() if raw is None else raw.encode()
            self.send_response(status)
            # A raw body keeps the JSON content type, as a misbehaving proxy's does.
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for key, value in extra.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler

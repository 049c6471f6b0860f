"""A fake OpenAI-compatible server: real HTTP on 127.0.0.1, canned answers, injected faults.

Point the real ``openai`` client (or ``Settings(OPENAI_BASE_URL=fake.base_url)``) at it::

    with FakeOpenAI() as fake:                     # or the ``fake_openai`` fixture (tests/conftest.py
        settings = Settings(OPENAI_BASE_URL=fake.base_url, OPENAI_API_KEY="sk-test")   # or import it)
        fake.enqueue(content={...})                # the next chat completion's message content
        fake.enqueue(status=429, headers={"Retry-After": "1"})   # a fault (error body filled in)
        fake.enqueue(hang=5)                       # wait 5 s (or until close) before answering
        fake.enqueue(raw="not json at all")        # a raw HTTP body
        fake.enqueue(content="{broken")            # invalid JSON as the model's answer
        ...
        fake.requests[-1].json["messages"]         # every request, recorded (method, path, headers, json)
        fake.max_in_flight                         # most requests handled at once

API
---
``FakeOpenAI(model="fake-model", supports_json_schema=True, api_key=None, models=None)``
    ``supports_json_schema=False`` answers a ``json_schema`` response_format with HTTP 400, like
    servers that only know JSON mode. ``api_key``: when set, any other key gets HTTP 401.
    ``models``: when set, other model names get HTTP 404 ("The model `x` does not exist").
``.base_url``  ``http://127.0.0.1:<port>/v1``; Azure-style paths (``/openai/deployments/<d>/chat/
    completions``) are served too.
``.enqueue(content=None, *, status=200, headers=None, body=None, raw=None, hang=0.0, refusal=None,
    finish_reason="stop", usage=None)``  queue one reply (first in, first out). ``content`` (str, or
    a dict sent as JSON) becomes the assistant message; ``body`` replaces the whole JSON body;
    ``raw`` is sent as is (text/plain); an error status without a body gets an OpenAI-style error.
``.enqueue_review(**overrides)``  queue a valid review (see ``review_json``) with fields replaced.
``.requests``  list of ``Recorded`` (method, path, query, headers, json, arrived: monotonic time).
``.chat_requests``  only the chat completions.
``.hold_until(n, timeout=5.0)``  from now on, each request waits until ``n`` requests are in
    flight (or ``timeout`` passes) before answering: proves concurrency without timing.
``.in_flight`` / ``.max_in_flight``
``.timings()`` / ``GET <root_url>/_fake/timings``  each chat completion's arrival and answer times
    (monotonic) and its draft's first line: the benchmark's split of draft-to-review time.
Default responder (empty queue): a plausible review built from the request — every offline hint
(``H1: category=... words="..."``) confirmed, those hints' words as risks, three personas, two
gentler alternatives — or, for calls without ``response_format`` (thread answers, probes), a
short plain-text answer. ``usage`` is an ESTIMATE (characters / 4), not a real tokenizer count.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

_DRAFT = re.compile(r"<<<DRAFT (\w+)>>>\n(.*?)\n<<<END DRAFT \1>>>", re.DOTALL)
_HINT = re.compile(r"^(H\d+): category=(\S+) severity=(\S+) words=(\".*\")$", re.MULTILINE)


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    json: dict[str, Any] | None
    arrived: float
    answered: float = 0.0  # monotonic time the answer was ready (0 until then)


@dataclass
class Reply:
    content: str | dict[str, Any] | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None
    raw: str | None = None
    hang: float = 0.0
    refusal: str | None = None
    finish_reason: str = "stop"
    usage: dict[str, Any] | None = None


def review_json(**overrides: Any) -> dict[str, Any]:
    """A valid LLM review (the ``LLMReview`` shape) with no risks; pass fields to replace."""
    data: dict[str, Any] = {
        "summary": "Looks fine to post.",
        "verdict": "ship",
        "risks": [],
        "worst_reactions": [
            {"persona": "A loyal customer", "reply": "Cute, thanks!", "category": None},
            {"persona": "A privacy advocate", "reply": "Nothing to see here.", "category": None},
            {"persona": "A journalist", "reply": "Brand posts a thank-you.", "category": None},
        ],
        "alternatives": [
            {"text": "Thanks for watching with us this season!", "what_changed": "Warmer, no data."},
            {"text": "Lots of you re-watched our holiday films. We're with you.", "what_changed": "Trend."},
        ],
        "hints": [],
    }
    data.update(overrides)
    return data


def estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4)


class FakeOpenAI:
    def __init__(
        self,
        *,
        model: str = "fake-model",
        supports_json_schema: bool = True,
        api_key: str | None = None,
        models: set[str] | None = None,
    ) -> None:
        self.model = model
        self.supports_json_schema = supports_json_schema
        self.api_key = api_key
        self.models = models
        self.requests: list[Recorded] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._queue: deque[Reply] = deque()
        self._lock = threading.Condition()
        self._closing = threading.Event()
        self._hold: tuple[int, float] | None = None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -----------------------------------------------------------------------
    def start(self) -> FakeOpenAI:
        fake = self

        class Handler(_Handler):
            owner = fake

        server = _Server(("127.0.0.1", 0), Handler)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.02,), name="fake-openai", daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        self._closing.set()
        with self._lock:
            self._lock.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    @property
    def root_url(self) -> str:
        return self.base_url[: -len("/v1")]

    # --- scripting -----------------------------------------------------------------------
    def enqueue(self, content: str | dict[str, Any] | None = None, **kwargs: Any) -> None:
        with self._lock:
            self._queue.append(Reply(content=content, **kwargs))

    def enqueue_review(self, **overrides: Any) -> None:
        self.enqueue(content=review_json(**overrides))

    def hold_until(self, n: int, timeout: float = 5.0) -> None:
        self._hold = (n, timeout)

    @property
    def chat_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    # --- serving (called on the server's threads) -------------------------------------------
    def _next(self) -> Reply | None:
        with self._lock:
            return self._queue.popleft() if self._queue else None

    def _enter(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self._lock.notify_all()
            if self._hold is not None:
                n, timeout = self._hold
                deadline = time.monotonic() + timeout
                while self.max_in_flight < n and not self._closing.is_set():
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._lock.wait(left)

    def _leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def timings(self) -> list[dict[str, Any]]:
        """Each chat completion's arrival and answer times with its draft's first line (benchmarks)."""
        with self._lock:
            chats = [r for r in self.requests if r.path.endswith("/chat/completions")]
        out = []
        for r in chats:
            user = next((str(m.get("content", "")) for m in (r.json or {}).get("messages", [])
                         if m.get("role") == "user"), "")
            found = _DRAFT.search(user)
            first = found.group(2).strip().splitlines()[0] if found and found.group(2).strip() else ""
            out.append({"arrived": r.arrived, "answered": r.answered, "draft": first})
        return out

    def respond(self, rec: Recorded) -> tuple[int, dict[str, str], bytes]:
        if rec.path == "/_fake/timings":
            return _json(200, {"timings": self.timings()})
        if not rec.path.endswith("/chat/completions"):
            if rec.path.endswith("/models") and rec.method == "GET":
                names = sorted(self.models or {self.model})
                return _json(200, {"object": "list", "data": [{"id": m, "object": "model"} for m in names]})
            return _error(404, f"no route {rec.method} {rec.path}", "not_found")
        req = rec.json or {}
        reply = self._next()
        if reply is not None and reply.hang:
            self._closing.wait(reply.hang)
        auth = rec.headers.get("authorization", "")
        if (
            self.api_key is not None
            and auth != f"Bearer {self.api_key}"
            and rec.headers.get("api-key") != self.api_key
        ):
            return _error(401, "Incorrect API key provided.", "invalid_api_key")
        model = str(req.get("model", ""))
        if self.models is not None and model not in self.models:
            return _error(
                404, f"The model `{model}` does not exist or you do not have access to it.", "model_not_found"
            )
        fmt = req.get("response_format") or {}
        if fmt.get("type") == "json_schema" and not self.supports_json_schema:
            return _error(
                400,
                "response_format of type json_schema is not supported by this server",
                "invalid_request_error",
            )
        if reply is None:
            reply = Reply(content=default_content(req))
        if reply.raw is not None:
            return reply.status, {"Content-Type": "text/plain", **reply.headers}, reply.raw.encode()
        if reply.status >= 400:
            body = reply.body or {
                "error": {
                    "message": f"fake error {reply.status}",
                    "type": "server_error",
                    "code": None,
                    "param": None,
                }
            }
            status, headers, data = _json(reply.status, body)
            return status, {**headers, **reply.headers}, data
        if reply.body is not None:
            status, headers, data = _json(reply.status, reply.body)
            return status, {**headers, **reply.headers}, data
        content = reply.content if reply.content is not None else default_content(req)
        text = content if isinstance(content, str) else json.dumps(content)
        prompt_text = "".join(str(m.get("content", "")) for m in req.get("messages", []))
        # Providers count the response_format schema as prompt tokens too.
        prompt_text += json.dumps(req.get("response_format") or "")
        usage = reply.usage or {
            "prompt_tokens": estimate_tokens(prompt_text),
            "completion_tokens": estimate_tokens(text),
            "total_tokens": estimate_tokens(prompt_text) + estimate_tokens(text),
        }
        body = {
            "id": f"chatcmpl-fake{len(self.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model or self.model,
            "choices": [
                {
                    "index": 0,
                    "message": {
                        "role": "assistant",
                        "content": None if reply.refusal else text,
                        "refusal": reply.refusal,
                    },
                    "finish_reason": reply.finish_reason,
                }
            ],
            "usage": usage,
        }
        status, headers, data = _json(200, body)
        return status, {**headers, **reply.headers}, data


def default_content(req: dict[str, Any]) -> str:
    """A plausible answer to ``req``: a review for structured calls, a sentence otherwise."""
    if not req.get("response_format"):
        return "Short answer: the risk is in the exact words quoted in the review; soften them."
    user = next((str(m.get("content", "")) for m in req.get("messages", []) if m.get("role") == "user"), "")
    found = _DRAFT.search(user)
    draft = found.group(2) if found else ""
    hints = _HINT.findall(user)
    risks = [
        {
            "category": cat,
            "severity": sev,
            "quote": json.loads(words),
            "explanation": "Confirmed by the fake.",
            "who_could_be_hurt": "Customers",
            "suggestion": "Soften it.",
        }
        for _, cat, sev, words in hints
    ]
    first_line = draft.strip().splitlines()[0][:60] if draft.strip() else "our post"
    return json.dumps(
        review_json(
            summary=f"The fake reviewed: {first_line}",
            verdict="revise" if hints else "ship",
            risks=risks,
            hints=[{"hint": h, "decision": "confirm", "reason": "real in context"} for h, *_ in hints],
        )
    )


def _json(status: int, body: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json"}, json.dumps(body).encode()


def _error(status: int, message: str, code: str) -> tuple[int, dict[str, str], bytes]:
    return _json(
        status, {"error": {"message": message, "type": "invalid_request_error", "code": code, "param": None}}
    )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # listen() backlog: the concurrency test opens 20 connections at once

    def handle_error(self, request: Any, client_address: Any) -> None:
        # a client that hangs up (its timeout, the app stopping) is no error to print
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    owner: FakeOpenAI
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet in tests
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = None
        url = urlsplit(self.path)
        rec = Recorded(
            self.command,
            url.path,
            parse_qs(url.query),
            {k.lower(): v for k, v in self.headers.items()},
            payload,
            time.monotonic(),
        )
        fake = self.owner
        if rec.path == "/_fake/timings":  # the benchmark's own question, not a request to record
            status, headers, data = fake.respond(rec)
        else:
            with fake._lock:
                fake.requests.append(rec)
            fake._enter()
            try:
                status, headers, data = fake.respond(rec)
            finally:
                fake._leave()
            rec.answered = time.monotonic()
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (its timeout): exactly what a hang test wants

    do_POST = _handle
    do_GET = _handle


def settings_for(fake: FakeOpenAI, **overrides: Any) -> Any:
    """``Settings`` pointed at ``fake``, isolated from the environment and ``.env``; short budgets."""
    from bot.settings import Settings

    values: dict[str, Any] = {
        "OPENAI_BASE_URL": fake.base_url,
        "OPENAI_API_KEY": "sk-test",
        "AZURE_OPENAI_ENDPOINT": None,
        "AZURE_OPENAI_API_KEY": None,
        "model": fake.model,
        "llm_timeout_seconds": 10.0,
        "llm_retry_seconds": 1.0,
        "brand_profile": None,
        "prompts_dir": None,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


try:  # a fixture for suites that want one: ``pytest_plugins = ["tests.fakes.openai_server"]``
    import pytest

    @pytest.fixture
    def fake_openai() -> Any:
        with FakeOpenAI() as fake:
            yield fake
except ImportError:  # pragma: no cover - pytest is always there in the test environment
    pass

"""Measure the full reviewer (offline checker + LLM) without an API key: someone plays the model.

Three steps, each through the real product (``redteam eval``, the ``ReviewService`` and the real
``openai`` client talking HTTP to a local OpenAI-compatible server):

1. ``capture SET.jsonl --out DIR``: runs ``redteam eval`` on the set against a local server that
   records every review request (the exact messages and the response schema the product sends)
   into ``DIR/requests/<key>.json`` and answers with an empty review. Labels never leave the set:
   the request files hold only what the model would see.
2. Whoever plays the model writes ``DIR/answers/<key>.json``: the JSON object the schema asks for,
   one per request file, having seen nothing but that request.
3. ``replay SET.jsonl --answers DIR``: runs ``redteam eval`` again against a server that answers
   each request with its recorded answer (matched by the hash of the user message, so a changed
   prompt or hint list is noticed as a missing answer). Extra arguments go to ``redteam eval``.
   ``--answers`` also takes a JSON Lines file of ``{"key": ..., "answer": {...}}``, as kept in
   ``bench/data/`` for the figures in docs/quality.md.

A figure obtained this way says so: it measures the product's prompt, verification and merge with
a stand-in model, not any particular provider's model.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EMPTY_REVIEW = {"hints": [], "risks": [], "worst_reactions": [], "alternatives": [],
                "summary": "No answer recorded.", "verdict": "ship"}


def request_key(messages: list[dict[str, Any]]) -> str:
    """The file name of a request: the hash of its per-draft (user) message."""
    user = next((m.get("content") or "" for m in messages if m.get("role") == "user"), "")
    return hashlib.sha256(str(user).encode("utf-8")).hexdigest()[:20]


def _completion(content: str, model: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-roleplay", "object": "chat.completion", "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, mode: str, folder: Path) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mode = mode
        self.folder = folder
        self.recorded: dict[str, str] = {}
        if mode == "replay" and folder.is_file():
            for line in folder.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    entry = json.loads(line)
                    self.recorded[entry["key"]] = json.dumps(entry["answer"], ensure_ascii=False)
        elif mode == "replay":
            for path in (folder / "answers").glob("*.json"):
                self.recorded[path.stem] = path.read_text(encoding="utf-8")
        self.missing: list[str] = []
        self.answered = 0
        self.lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        messages = body.get("messages") or []
        key = request_key(messages)
        content = json.dumps(EMPTY_REVIEW)
        if body.get("response_format") is None:
            content = "No answer recorded."  # a thread answer or a probe, not a review
        elif self.server.mode == "capture":
            out = self.server.folder / "requests" / f"{key}.json"
            out.write_text(json.dumps({"key": key, "messages": messages,
                                       "response_format": body.get("response_format")},
                                      ensure_ascii=False, indent=1), encoding="utf-8")
        else:
            recorded = self.server.recorded.get(key)
            if recorded is not None:
                content = recorded
                with self.server.lock:
                    self.server.answered += 1
            else:
                with self.server.lock:
                    self.server.missing.append(key)
                self._send(500, {"error": {"message": "no recorded answer", "type": "server_error"}})
                return
        self._send(200, _completion(content, str(body.get("model") or "roleplay")))

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _run_eval(server: _Server, dataset: Path, extra: list[str]) -> int:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    env = dict(os.environ)
    env.update({
        "OPENAI_BASE_URL": f"http://127.0.0.1:{server.server_address[1]}/v1",
        "OPENAI_API_KEY": "sk-roleplay",
        # a missing answer falls back to the offline review at once instead of being retried
        "REDTEAM_LLM_RETRY_SECONDS": "0",
        "REDTEAM_LLM_CACHE_SIZE": "0",
    })
    env.pop("AZURE_OPENAI_ENDPOINT", None)
    cmd = [sys.executable, "-m", "bot.cli.main", "eval", str(dataset), *extra]
    try:
        return subprocess.call(cmd, env=env, cwd=ROOT)
    finally:
        server.shutdown()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="step", required=True)
    cap = sub.add_parser("capture", help="record the exact review requests the product sends")
    cap.add_argument("dataset", type=Path)
    cap.add_argument("--out", type=Path, required=True)
    rep = sub.add_parser("replay", help="evaluate with the recorded answers as the model's")
    rep.add_argument("dataset", type=Path)
    rep.add_argument("--answers", type=Path, required=True)
    args, extra = parser.parse_known_args(argv)
    if args.step == "capture":
        (args.out / "requests").mkdir(parents=True, exist_ok=True)
        (args.out / "answers").mkdir(parents=True, exist_ok=True)
        code = _run_eval(_Server("capture", args.out), args.dataset, ["--format", "json", *extra])
        count = len(list((args.out / "requests").glob("*.json")))
        print(f"{count} review requests recorded in {args.out / 'requests'}", file=sys.stderr)
        return 0 if code in (0, 1) else code
    server = _Server("replay", args.answers)
    code = _run_eval(server, args.dataset, extra)
    print(f"answered from recordings: {server.answered}; without a recorded answer (offline "
          f"fallback): {len(server.missing)}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())

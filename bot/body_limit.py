"""Request bodies over a size limit are answered 413 before they are read whole.

An ASGI middleware for every route of the server: a declared ``Content-Length`` over the limit is
refused at once, unread; a body sent without one (chunked) is counted as it arrives and refused
as soon as it passes the limit. So memory holds at most the limit per request, whatever is sent.
"""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

#: Bodies Slack sends are a few kilobytes; a modal's state is the largest, well under this.
DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024


class BodyLimit:
    """Refuses request bodies over ``max_bytes`` with 413 (one log line, no traceback)."""

    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_REQUEST_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            log.warning("refused a request to %s: body of %d bytes is over the limit of %d",
                        scope.get("path", "?"), declared, self.max_bytes)
            await PlainTextResponse("request body too large", status_code=413)(scope, receive, send)
            return
        received = 0
        path = scope.get("path", "?")
        limit = self.max_bytes

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    log.warning("refused a request to %s: body over the limit of %d bytes", path, limit)
                    # Starlette's exception handling turns this into the 413 response; the rest
                    # of the body is never read.
                    raise HTTPException(status_code=413, detail="request body too large")
            return message

        await self.app(scope, counting_receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server itself refuses a malformed length
    return None

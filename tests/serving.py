"""Serving on loopback for the tests and their fakes: threaded HTTP servers for the fakes, the
real ASGI app under uvicorn, and waiting for a condition instead of for time."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

import uvicorn

T = TypeVar("T")


def _quiet_disconnects(server: ThreadingHTTPServer, request: Any, client_address: Any) -> None:
    """A client that hangs up (a test ending, a benchmark stopping the app) is no error to print."""
    if isinstance(sys.exc_info()[1], ConnectionError | ssl.SSLError):
        return
    ThreadingHTTPServer.handle_error(server, request, client_address)


def _prompt(handler: type[BaseHTTPRequestHandler]) -> type[BaseHTTPRequestHandler]:
    """``handler`` answering without Nagle's delay: it writes a response's head and body apart,
    and the second write waited for the client's delayed acknowledgement of the first (40 ms on
    Linux), as no real server makes every call wait."""

    def setup(self: BaseHTTPRequestHandler) -> None:
        handler.setup(self)
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    return type(handler.__name__, (handler,), {"setup": setup})


def serve_in_thread(
    handler: type[BaseHTTPRequestHandler], context: ssl.SSLContext | None = None
) -> ThreadingHTTPServer:
    """``handler`` served on 127.0.0.1 (an ephemeral port) by a daemon thread; TLS with ``context``."""
    # A listen backlog big enough for 100 drafts' calls at once (the default 5 drops SYNs, and
    # the client's retransmit adds whole seconds).
    server_class = type(
        "_Server",
        (ThreadingHTTPServer,),
        {"request_queue_size": 512, "daemon_threads": True, "handle_error": _quiet_disconnects},
    )
    server = server_class(("127.0.0.1", 0), _prompt(handler))
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    # Stopping waits for the serving thread's next look at its stop flag: every 10 ms, so the
    # fakes of a test stop at once rather than a 50 ms wait each.
    threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True).start()
    return server


def stop_serving(server: ThreadingHTTPServer | None) -> None:
    if server is not None:
        server.shutdown()
        server.server_close()


async def wait_for(check: Callable[[], T], timeout: float = 5.0, interval: float = 0.01) -> T:
    """Poll ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {check}")
        await asyncio.sleep(interval)


@asynccontextmanager
async def serving_asgi(asgi: Any) -> AsyncIterator[str]:
    """``asgi`` (lifespan on) under uvicorn on 127.0.0.1; yields its base URL.

    The server is started and stopped here rather than by ``uvicorn.Server.serve``, which notices
    a stop only at its next 0.1 s tick and then pauses 0.1 s more before closing connections: a
    quarter of a second for every app a test starts. Stopping still closes the listener, asks
    every open connection to finish, waits for them and their requests, then runs the lifespan's
    shutdown, as uvicorn does."""
    config = uvicorn.Config(asgi, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    config.load()
    server = uvicorn.Server(config)
    server.lifespan = config.lifespan_class(config)
    try:
        await server.startup()
    except SystemExit as exc:
        # uvicorn exits when the lifespan fails; its log above says why
        raise RuntimeError("the app did not start: see the captured log") from exc
    # The tick keeps the Date header current; stopping cancels it instead of waiting for it.
    ticks = asyncio.create_task(server.main_loop())
    try:
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        ticks.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticks
        for listener in server.servers:
            listener.close()
        for connection in list(server.server_state.connections):
            connection.shutdown()
        state = server.server_state
        while state.connections or state.tasks:
            await asyncio.sleep(0.005)
        for listener in server.servers:
            await listener.wait_closed()
        await server.lifespan.shutdown()

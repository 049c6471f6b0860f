"""The Bot Connector's HTTP connections: httpx's client (which the Teams SDK calls) over aiohttp's
connection pool, as the LLM's client is (``bot.llm.client``).

httpx's own pool (httpcore) checks every pooled connection on each request and again when its
response is closed (a readability probe and a peer-name lookup, two system calls per idle
connection), and matches each queued request against every connection. With a burst of replies
that is most of a call's cost: measured against the fake Bot Connector, 11 ms of CPU per call at
100 concurrent calls over 50 connections, 2.2 ms at 16; over aiohttp's pool, 1 ms either way.

Only the carrying changes: requests are built, authorised and retried by the SDK's client and
its middleware as before, and failures are raised as httpx's own exceptions, split as httpx
splits them (a request that never left: ``ConnectError``/``ConnectTimeout``; one that may have
reached Teams: ``ReadTimeout``, ``RemoteProtocolError``, ``ReadError``), which the outbox relies on
to tell a post that may have landed from one that surely did not. Proxies from the environment
keep going through httpx's own transports (httpx mounts them ahead of this one).
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

import aiohttp
import httpx

#: Connections kept open per event loop (the review loop, where replies go out).
CONNECTIONS = 50
KEEPALIVE_SECONDS = 60.0


def _seconds(timeouts: dict[str, Any], name: str) -> float | None:
    value = timeouts.get(name)
    return float(value) if value is not None else None


class AiohttpTransport(httpx.AsyncBaseTransport):
    """An httpx transport over one aiohttp session per event loop."""

    def __init__(self, *, connections: int = CONNECTIONS, keepalive: float = KEEPALIVE_SECONDS,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self._connections = connections
        self._keepalive = keepalive
        self._ssl = ssl_context
        self._sessions: dict[asyncio.AbstractEventLoop, aiohttp.ClientSession] = {}
        #: Requests carried so far.
        self.requests = 0

    def _session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        session = self._sessions.get(loop)
        if session is None or session.closed:
            if self._ssl is None:
                self._ssl = httpx.create_ssl_context()  # the CAs httpx would trust
            connector = aiohttp.TCPConnector(limit=self._connections, keepalive_timeout=self._keepalive,
                                             ssl=self._ssl)
            # Bodies are passed on as they came: httpx decodes them, as with its own transport.
            session = aiohttp.ClientSession(connector=connector, auto_decompress=False,
                                            skip_auto_headers=("User-Agent", "Accept-Encoding"))
            self._sessions[loop] = session
        return session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeouts: dict[str, Any] = request.extensions.get("timeout", {})
        connect, pool = _seconds(timeouts, "connect"), _seconds(timeouts, "pool")
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=None if connect is None and pool is None else (connect or 0.0) + (pool or 0.0),
            sock_connect=connect,
            sock_read=_seconds(timeouts, "read"),
        )
        body = await request.aread()
        self.requests += 1
        try:
            async with self._session().request(
                request.method, str(request.url), data=body or None,
                headers=list(request.headers.multi_items()), allow_redirects=False, timeout=timeout,
                compress=None,
            ) as response:
                content = await response.read()
                headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in response.raw_headers]
                return httpx.Response(response.status, headers=headers, content=content, request=request,
                                      extensions={"http_version": b"HTTP/1.1"})
        except aiohttp.ConnectionTimeoutError as exc:
            raise httpx.ConnectTimeout(str(exc) or "timed out connecting", request=request) from exc
        except aiohttp.ClientConnectorError as exc:
            raise httpx.ConnectError(str(exc) or "could not connect", request=request) from exc
        except (aiohttp.ServerTimeoutError, TimeoutError) as exc:
            raise httpx.ReadTimeout(str(exc) or "timed out waiting for the answer", request=request) from exc
        except aiohttp.ServerDisconnectedError as exc:
            raise httpx.RemoteProtocolError(str(exc) or "the server disconnected", request=request) from exc
        except aiohttp.ClientError as exc:
            raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from exc

    async def aclose(self) -> None:
        loop = asyncio.get_running_loop()
        session = self._sessions.pop(loop, None)
        if session is not None:
            await session.close()

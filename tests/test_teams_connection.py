"""The Bot Connector's connections: the SDK's client carried over aiohttp's pool
(``bot/teams/connection.py``). Replies really go that way, and each kind of failure comes back as
the httpx exception the outbox tells "never sent" from "may have landed" by."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from bot.teams.connection import AiohttpTransport
from bot.teams.port import may_have_landed
from tests.drafts import NETFLIX
from tests.teams_harness import REVIEW_CHANNEL, channel_post, running_server, wait_for

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextlib.asynccontextmanager
async def tcp_server(handle: Handler) -> AsyncIterator[str]:
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()


async def read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    return head + (await reader.readexactly(length) if length else b"")


async def test_replies_go_through_the_aiohttp_pool(ident, tmp_path):
    async with running_server(ident, tmp_path / "db.sqlite3") as server:
        post = channel_post(ident.connector, NETFLIX)
        assert (await server.post(post))[0] == 200
        await server.settle()
        connection = server.runtime.teams.connection
        assert connection is not None
        carried = connection.requests
    thread = f"{REVIEW_CHANNEL};messageid={post['id']}"
    calls = [c for c in ident.connector.calls if c.conversation_id == thread]
    assert [c.kind for c in calls] == ["send", "update"]  # the "Reviewing…" card, then the review
    assert carried >= len(calls)


async def test_status_headers_and_body_come_back_as_sent() -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await read_request(reader)
        assert request.startswith(b"POST /v3/conversations/c/activities HTTP/1.1")
        assert b'{"type":"message"}' in request
        body = b'{"ok":false}'
        writer.write(b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 3\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        await writer.drain()
        writer.close()

    async with tcp_server(answer) as url, httpx.AsyncClient(transport=AiohttpTransport()) as client:
        response = await client.post(f"{url}/v3/conversations/c/activities", content=b'{"type":"message"}',
                                     headers={"Content-Type": "application/json"})
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3"
    assert response.json() == {"ok": False}


async def test_a_connection_refused_is_a_request_that_never_left() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    async with httpx.AsyncClient(transport=AiohttpTransport()) as client:
        with pytest.raises(httpx.ConnectError) as caught:
            await client.post(f"http://127.0.0.1:{port}/v3/conversations/c/activities", content=b"{}")
    assert not may_have_landed(caught.value)


async def test_no_answer_in_time_is_a_request_that_may_have_landed() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await asyncio.sleep(5)
        writer.close()

    async with tcp_server(silent) as url, httpx.AsyncClient(transport=AiohttpTransport(),
                                                            timeout=0.3) as client:
        with pytest.raises(httpx.ReadTimeout) as caught:
            await client.post(f"{url}/v3/conversations/c/activities", content=b"{}")
    assert may_have_landed(caught.value)


async def test_a_connection_dropped_after_the_request_may_have_landed() -> None:
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.close()

    async with tcp_server(hang_up) as url, httpx.AsyncClient(transport=AiohttpTransport()) as client:
        with pytest.raises(httpx.TransportError) as caught:
            await client.post(f"{url}/v3/conversations/c/activities", content=b"{}")
    assert not isinstance(caught.value, httpx.ConnectError | httpx.ConnectTimeout)
    assert may_have_landed(caught.value)


async def test_each_event_loop_gets_its_own_connections() -> None:
    async def ok(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                await read_request(reader)
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
            await writer.drain()

    transport = AiohttpTransport()
    client = httpx.AsyncClient(transport=transport)
    async with tcp_server(ok) as url:
        assert (await client.get(url)).status_code == 200

        def elsewhere() -> int:
            async def get() -> int:
                status = (await client.get(url)).status_code
                await transport.aclose()
                return status

            return asyncio.run(get())

        # Another loop (another thread) using the same client works, on connections of its own.
        assert await asyncio.to_thread(elsewhere) == 200
        await wait_for(lambda: transport.requests == 2)
        await client.aclose()

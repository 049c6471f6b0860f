"""Teams' token signing keys are fetched off the serving loop (bot/teams/signing_keys.py), which
reaches into the SDK's validator: these tests fail loudly if the SDK moves it."""

from __future__ import annotations

import asyncio
import time

from bot.teams.signing_keys import OffLoopSigningKeys
from tests.teams_harness import channel_post, running_teams, wait_for


async def _longest_pause_while(action) -> float:
    worst = 0.0
    done = asyncio.Event()

    async def probe() -> None:
        nonlocal worst
        while not done.is_set():
            before = time.perf_counter()
            await asyncio.sleep(0.005)
            worst = max(worst, time.perf_counter() - before - 0.005)

    task = asyncio.create_task(probe())
    await asyncio.sleep(0.02)
    await action()
    done.set()
    await task
    return worst


async def test_installed_in_the_sdks_validator_and_loaded_before_serving(ident):
    async with running_teams(ident, lambda teams: None) as h:
        keys = h.teams.signing_keys
        assert isinstance(keys, OffLoopSigningKeys)
        assert h.teams.app.server._token_validator._service_validator._jwks_client is keys
        assert keys.jwks_uri == ident.keys.base_url + "/keys"
        assert ident.keys.key_fetches == 1  # at startup, before any request


async def test_a_slow_key_host_does_not_pause_the_serving_loop(ident):
    ident.keys.keys_delay = 0.5
    async with running_teams(ident, lambda teams: None) as h:
        async def one_request() -> None:
            assert (await h.post(channel_post(ident.connector, "draft")))[0] == 200

        # The SDK's own client fetched here, on the loop: a pause as long as the key host's delay.
        assert await _longest_pause_while(one_request) < 0.2


async def test_a_rotated_key_is_refused_once_then_picked_up(ident):
    async with running_teams(ident, lambda teams: None) as h:
        h.teams.signing_keys.min_refetch_seconds = 0.0
        ident.keys.rotate()
        token = ident.token()
        assert (await h.post(channel_post(ident.connector, "draft"), token=token))[0] == 401
        await wait_for(lambda: ident.keys.key_fetches == 2)
        # Teams redelivers; by then the new key is known.
        status = 0
        for _ in range(100):
            status = (await h.post(channel_post(ident.connector, "draft"), token=token))[0]
            if status == 200:
                break
            await asyncio.sleep(0.02)
        assert status == 200


async def test_unknown_key_ids_refetch_at_most_once_per_cooldown(ident):
    async with running_teams(ident, lambda teams: None) as h:
        for n in range(10):
            forged = ident.token(kid=f"made-up-{n}")
            status, _ = await h.post(channel_post(ident.connector, "x"), token=forged)
            assert status == 401
        await asyncio.sleep(0.1)
    assert ident.keys.key_fetches <= 2


async def test_entra_issued_tokens_are_refused_without_a_tenant_key_fetch(ident):
    tenant = "11111111-2222-3333-4444-555555555555"
    # The SDK takes a token for Entra-issued when its issuer starts with the cloud's login host.
    token = ident.token(issuer=f"{ident.entra.login_url}/{tenant}/v2.0", claims={"tid": tenant})
    async with running_teams(ident, lambda teams: None) as h:
        started = time.monotonic()
        assert (await h.post(channel_post(ident.connector, "x"), token=token))[0] == 401
        assert time.monotonic() - started < 1.0
        assert h.teams.app.server._token_validator._entra_validators_by_tenant == {}

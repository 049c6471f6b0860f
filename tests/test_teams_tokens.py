"""The bot's own token: asked of (fake) Entra ID over TLS once, then reused from memory until
shortly before it expires."""

from __future__ import annotations

from bot.teams.tokens import REFRESH_BEFORE_SECONDS, BotTokenSource
from tests.fakes.bot_auth import FakeEntra
from tests.fakes.bot_auth import TestCertificates as Certificates
from tests.teams_harness import APP_ID, CLIENT_SECRET, TENANT_ID

SCOPE = "https://api.botframework.com/.default"


def source(entra: FakeEntra, certificates: Certificates) -> BotTokenSource:
    return BotTokenSource(APP_ID, CLIENT_SECRET, login_url=entra.login_url, default_tenant=TENANT_ID,
                          custom_authority=True, http_client=certificates.session())


async def test_a_token_is_reused_from_memory(tmp_path):
    certificates = Certificates(tmp_path)
    entra = FakeEntra(certificates, APP_ID, CLIENT_SECRET).start()
    try:
        tokens = source(entra, certificates)
        asked: list[str] = []
        acquire = tokens._acquire

        def counted(tenant, scopes):
            asked.append(tenant)  # each one is a hop to a thread, for MSAL
            return acquire(tenant, scopes)

        tokens._acquire = counted  # type: ignore[method-assign]
        first = await tokens(SCOPE)
        assert [await tokens(SCOPE) for _ in range(20)] == [first] * 20
        assert entra.issued == [first] and asked == [TENANT_ID]
    finally:
        entra.stop()


async def test_a_token_about_to_expire_is_not_kept(tmp_path):
    certificates = Certificates(tmp_path)
    entra = FakeEntra(certificates, APP_ID, CLIENT_SECRET, expires_in=REFRESH_BEFORE_SECONDS).start()
    try:
        tokens = source(entra, certificates)
        await tokens(SCOPE)
        await tokens(SCOPE)
        # MSAL's own cache answers the second time; what matters is that memory did not keep a
        # token whose remaining life is shorter than the refresh margin.
        assert tokens._recent == {}
    finally:
        entra.stop()

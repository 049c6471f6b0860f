"""``redteam check`` asks each configured chat platform whether it accepts the bot's credentials:
Teams through a bot token from (fake) Entra ID over TLS, Slack through ``auth.test``."""

from __future__ import annotations

import os

import pytest

from bot.cli.main import main
from tests.fakes.bot_auth import FakeEntra
from tests.fakes.bot_auth import TestCertificates as Certificates
from tests.fakes.slack_api import FakeSlackAPI
from tests.teams_harness import APP_ID, CLIENT_SECRET, TENANT_ID


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith(("REDTEAM_", "OPENAI_", "AZURE_OPENAI_", "SLACK_", "TEAMS_")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


@pytest.fixture
def entra(clean_env, tmp_path):
    certificates = Certificates(tmp_path)
    # MSAL's own HTTP client (requests) trusts the test's CA through the standard variable.
    clean_env.setenv("REQUESTS_CA_BUNDLE", str(certificates.ca_file))
    fake = FakeEntra(certificates, APP_ID, CLIENT_SECRET).start()
    clean_env.setenv("TEAMS_CLIENT_ID", APP_ID)
    clean_env.setenv("TEAMS_TENANT_ID", TENANT_ID)
    clean_env.setenv("TEAMS_LOGIN_URL", fake.login_url)
    yield fake
    fake.stop()


def test_check_gets_a_teams_bot_token(capsys, clean_env, entra):
    clean_env.setenv("TEAMS_CLIENT_SECRET", CLIENT_SECRET)
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert "Teams: bot token issued by" in out and TENANT_ID in out
    assert len(entra.issued) == 1


def test_check_says_why_teams_refused_and_never_shows_the_secret(capsys, clean_env, entra):
    clean_env.setenv("TEAMS_CLIENT_SECRET", "a-wrong-secret")
    assert main(["check"]) == 2
    err = capsys.readouterr().err
    assert "Invalid client secret" in err and "a-wrong-secret" not in err
    assert entra.issued == []


def test_check_asks_slack_about_its_token(capsys, clean_env):
    with FakeSlackAPI() as slack:
        clean_env.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
        clean_env.setenv("SLACK_API_URL", slack.base_url)
        assert main(["check"]) == 0
        assert "Slack: token accepted (redteam in Fake)" in capsys.readouterr().out
        assert [c.method for c in slack.calls][-1:] == ["auth.test"]

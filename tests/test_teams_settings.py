"""Teams settings: what turns Teams on, clouds, the signing-key URL, and clear errors."""

from __future__ import annotations

import logging
import os

import pytest
from pydantic import ValidationError

from bot.settings import Settings
from bot.teams.app import TeamsConfigError, build_teams_app, check_teams_settings, cloud_for

APP_ID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_teams_is_on_with_its_app_id_alone_and_needs_no_slack_setting():
    settings = _settings(TEAMS_CLIENT_ID=APP_ID, TEAMS_CLIENT_SECRET="s")
    assert settings.teams_enabled and not settings.slack_enabled
    check_teams_settings(settings)
    assert not _settings().teams_enabled


def test_a_missing_secret_is_named():
    with pytest.raises(TeamsConfigError, match="TEAMS_CLIENT_SECRET"):
        check_teams_settings(_settings(TEAMS_CLIENT_ID=APP_ID))
    with pytest.raises(TeamsConfigError, match="TEAMS_CLIENT_ID"):
        check_teams_settings(_settings())
    # Without a token check the bot still needs its secret to send, once it has an app id.
    with pytest.raises(TeamsConfigError, match="TEAMS_CLIENT_SECRET"):
        check_teams_settings(
            _settings(TEAMS_CLIENT_ID=APP_ID, TEAMS_DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS=True)
        )
    check_teams_settings(_settings(TEAMS_DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS=True))


@pytest.mark.parametrize(
    ("name", "keys", "issuer"),
    [
        ("Public", "https://login.botframework.com/v1/.well-known/openidconfiguration", "https://api.botframework.com"),
        ("usgov", "https://login.botframework.azure.us/v1/.well-known/openidconfiguration", "https://api.botframework.us"),
        ("USGovDoD", "https://login.botframework.azure.us/v1/.well-known/openidconfiguration",
         "https://api.botframework.us"),
        ("China", "https://login.botframework.azure.cn/v1/.well-known/openidconfiguration",
         "https://api.botframework.azure.cn"),
    ],
)
def test_each_cloud_has_its_own_keys_and_issuer(name, keys, issuer):
    cloud = cloud_for(_settings(TEAMS_CLOUD=name))
    assert cloud.openid_metadata_url == keys
    assert cloud.token_issuer == issuer


def test_an_unknown_cloud_is_refused():
    with pytest.raises(ValidationError, match="TEAMS_CLOUD"):
        _settings(TEAMS_CLOUD="Moon")


def test_the_openid_metadata_url_overrides_the_clouds_and_must_end_in_openidconfiguration():
    url = "https://keys.example/v1/.well-known/openidconfiguration"
    assert cloud_for(_settings(TEAMS_OPENID_METADATA_URL=url + "/")).openid_metadata_url == url
    for wrong in ("https://keys.example/v1/.well-known/keys", "keys.example/openidconfiguration"):
        with pytest.raises(ValidationError, match="must be an http"):
            _settings(TEAMS_OPENID_METADATA_URL=wrong)


def test_the_login_url_must_be_https():
    assert cloud_for(_settings(TEAMS_LOGIN_URL="https://login.example/")).login_endpoint == "https://login.example"
    with pytest.raises(ValidationError, match="TEAMS_LOGIN_URL"):
        _settings(TEAMS_LOGIN_URL="http://login.example")


def test_review_channels_are_ids_or_names(monkeypatch):
    monkeypatch.setenv("REDTEAM_TEAMS_REVIEW_CHANNELS", "19:abc@thread.tacv2, Social review ,")
    assert Settings(_env_file=None).teams_review_channel_list == ["19:abc@thread.tacv2", "Social review"]  # type: ignore[call-arg]


def test_generic_sdk_variables_do_not_change_how_the_bot_authenticates(monkeypatch):
    # The SDK falls back to CLIENT_ID / CLIENT_SECRET / CLOUD...; redteam passes its own settings.
    monkeypatch.setenv("CLIENT_SECRET", "someone-elses")
    monkeypatch.setenv("CLOUD", "China")
    monkeypatch.setenv("DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS", "true")
    teams = build_teams_app(_settings(TEAMS_CLIENT_ID=APP_ID, TEAMS_CLIENT_SECRET="ours"))
    assert type(teams.app.credentials).__name__ == "TokenCredentials"  # our MSAL source, our secret
    assert teams.app.cloud.token_issuer == "https://api.botframework.com"
    assert teams.app.options.dangerously_allow_unauthenticated_requests is False


def test_unauthenticated_mode_warns_when_built(caplog):
    with caplog.at_level(logging.WARNING, logger="bot.teams"):
        build_teams_app(_settings(TEAMS_DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS="true"))
    assert "TEAMS_DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS is on" in caplog.text


def test_workers_on_one_host_share_teams_budget_unless_it_was_set(monkeypatch: pytest.MonkeyPatch):
    from bot.server import TEAMS_BUDGET_ENV, share_teams_budget

    monkeypatch.delenv(TEAMS_BUDGET_ENV, raising=False)
    teams = _settings(TEAMS_CLIENT_ID=APP_ID, TEAMS_CLIENT_SECRET="s")
    environ: dict[str, str] = {}
    assert share_teams_budget(teams, 4, environ) == 12
    monkeypatch.setenv(TEAMS_BUDGET_ENV, environ[TEAMS_BUDGET_ENV])
    assert _settings().teams_app_requests_per_second == 12  # what each worker then reads

    untouched: dict[str, str] = {}
    assert share_teams_budget(teams, 1, untouched) is None
    assert share_teams_budget(_settings(), 4, untouched) is None  # no Teams: nothing to share
    chosen = _settings(TEAMS_CLIENT_ID=APP_ID, TEAMS_CLIENT_SECRET="s", teams_app_requests_per_second=40)
    assert share_teams_budget(chosen, 4, untouched) is None  # the operator's figure stands
    assert untouched == {}
    assert share_teams_budget(teams, 100, environ) == 1  # never below one call a second


def test_serve_with_several_workers_gives_each_its_share_before_they_start(tmp_path, monkeypatch):
    from bot import server
    from bot.server import TEAMS_BUDGET_ENV

    # serve() writes the share into this process's environment: the test's teardown takes it out.
    monkeypatch.setenv(TEAMS_BUDGET_ENV, "unset")
    for name in list(os.environ):
        if name.startswith(("REDTEAM_", "OPENAI_", "AZURE_OPENAI_", "SLACK_", "TEAMS_")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TEAMS_CLIENT_ID", APP_ID)
    monkeypatch.setenv("TEAMS_CLIENT_SECRET", "s")
    monkeypatch.setenv("REDTEAM_DATABASE_URL", f"sqlite:///{tmp_path / 'redteam.sqlite3'}")
    seen: dict[str, str | None] = {}
    monkeypatch.setattr(server, "_run_workers",
                        lambda **_: seen.update(budget=os.environ.get(TEAMS_BUDGET_ENV)))
    server.serve(Settings(), "127.0.0.1", 0, workers=3)
    assert seen == {"budget": "16"}

"""slack/manifest.yaml and Procfile agree with the code (bot/slack/ids.py, the CLI)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import yaml

from bot.slack import ids

ROOT = Path(__file__).resolve().parents[1]


def manifest() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "slack" / "manifest.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_manifest_declares_the_command_the_code_answers() -> None:
    commands = manifest()["features"]["slash_commands"]
    assert [c["command"] for c in commands] == [ids.SLASH_COMMAND]
    assert commands[0]["url"].endswith("/slack/events")
    assert commands[0]["should_escape"] is False  # the code turns <@U…> tokens back into names itself
    assert len(commands[0]["description"]) <= 100


def test_manifest_declares_the_message_shortcut() -> None:
    shortcuts = manifest()["features"]["shortcuts"]
    assert shortcuts == [
        {
            "name": "Red-team this message",
            "type": "message",
            "callback_id": ids.MESSAGE_SHORTCUT_CALLBACK_ID,
            "description": shortcuts[0]["description"],
        }
    ]
    assert len(shortcuts[0]["description"]) <= 80


def test_manifest_scopes_and_events_match_the_code() -> None:
    data = manifest()
    assert sorted(data["oauth_config"]["scopes"]["bot"]) == sorted(ids.BOT_SCOPES)
    assert "chat:write.public" not in data["oauth_config"]["scopes"]["bot"]
    events = data["settings"]["event_subscriptions"]
    assert sorted(events["bot_events"]) == sorted(ids.BOT_EVENTS)
    # Each event needs its scope.
    needs = {
        "app_mention": "app_mentions:read",
        "message.channels": "channels:history",
        "message.groups": "groups:history",
    }
    for event in ids.BOT_EVENTS:
        assert needs[event] in ids.BOT_SCOPES


def test_manifest_settings() -> None:
    data = manifest()
    settings = data["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["interactivity"]["request_url"].endswith("/slack/events")
    assert settings["event_subscriptions"]["request_url"].endswith("/slack/events")
    assert settings["socket_mode_enabled"] is True
    assert data["features"]["bot_user"]["display_name"] == "redteam"
    # Private replies fall back to a DM (chat.postMessage to the user id): the Messages tab.
    assert data["features"]["app_home"]["messages_tab_enabled"] is True
    assert len(data["display_information"]["name"]) <= 35
    assert len(data["display_information"]["description"]) <= 140


def test_procfile_runs_http_on_port_and_socket_mode_worker() -> None:
    lines = (ROOT / "Procfile").read_text(encoding="utf-8").splitlines()
    assert lines == ["web: redteam serve --host 0.0.0.0 --port $PORT", "worker: redteam slack"]
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["scripts"]["redteam"] == "bot.cli.main:main"
    assert pyproject["project"]["optional-dependencies"]["postgres"] == ["psycopg[binary]>=3.1"]

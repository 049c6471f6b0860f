"""The Teams app package: the shipped manifest declares what the bot needs, the command fills in
the app id and writes an uploadable zip, and a manifest Teams would refuse is refused here."""

from __future__ import annotations

import copy
import json
import zipfile

import pytest

from bot.cli.main import main
from bot.review.platforms import PLATFORMS
from bot.teams.package import (
    APP_ID_PLACEHOLDER,
    ManifestError,
    fill_app_id,
    manifest_dir,
    png_size,
    validate_manifest,
)

APP_ID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"


def _shipped() -> tuple[dict, dict[str, bytes]]:
    folder = manifest_dir()
    manifest = fill_app_id((folder / "manifest.json").read_text(encoding="utf-8"), APP_ID)
    icons = {name: (folder / name).read_bytes() for name in manifest["icons"].values()}
    return manifest, icons


def test_shipped_manifest_declares_the_bot_the_message_action_and_the_permission():
    manifest, icons = _shipped()
    validate_manifest(manifest, icons)
    assert manifest["$schema"].endswith(f"/v{manifest['manifestVersion']}/MicrosoftTeams.schema.json")
    [bot] = manifest["bots"]
    assert bot["botId"] == APP_ID and set(bot["scopes"]) == {"team", "groupChat", "personal"}
    [extension] = manifest["composeExtensions"]
    command, form = extension["commands"]
    assert (command["id"], command["type"], command["context"]) == ("redteamMessage", "action", ["message"])
    assert (form["id"], form["type"], form["fetchTask"]) == ("redteamDraft", "action", False)
    assert set(form["context"]) == {"compose", "commandBox"}
    assert manifest["webApplicationInfo"]["id"] == APP_ID
    assert {"name": "ChannelMessage.Read.Group", "type": "Application"} in (
        manifest["authorization"]["permissions"]["resourceSpecific"]
    )
    assert png_size(icons["color.png"]) == (192, 192)
    assert png_size(icons["outline.png"]) == (32, 32)


def _break(change) -> str:
    manifest, icons = _shipped()
    broken = copy.deepcopy(manifest)
    change(broken, icons)
    with pytest.raises(ManifestError) as caught:
        validate_manifest(broken, icons)
    return str(caught.value)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda m, i: m.pop("developer"), "developer is required"),
        (lambda m, i: m.pop("accentColor"), "accentColor"),
        (lambda m, i: m.update(version="1.0"), "version"),
        (lambda m, i: m["name"].update(short="x" * 31), "name.short is 31 characters"),
        (lambda m, i: m["developer"].update(privacyUrl="http://insecure.example"), "developer.privacyUrl"),
        (lambda m, i: i.update({"color.png": i["outline.png"]}), "icons.color must be a 192x192 PNG"),
        (lambda m, i: i.pop("outline.png"), "icons.outline"),
        (lambda m, i: m["bots"][0].update(scopes=["personal"]), "team, groupChat and personal"),
        (lambda m, i: m["bots"][0].update(botId="other"), "botId is the app id"),
        (lambda m, i: m["composeExtensions"][0]["commands"][0].update(context=["compose"]), "redteamMessage"),
        (lambda m, i: m["composeExtensions"][0]["commands"].pop(), "redteamDraft"),
        (lambda m, i: m["composeExtensions"][0]["commands"][1]["parameters"].pop(), "platform and notes"),
        (lambda m, i: m["composeExtensions"][0]["commands"][1].update(fetchTask=True), "fetchTask false"),
        (lambda m, i: m.pop("webApplicationInfo"), "webApplicationInfo"),
        (lambda m, i: m.pop("authorization"), "ChannelMessage.Read.Group"),
    ],
)
def test_a_manifest_teams_would_refuse_is_refused_with_the_reason(change, named):
    assert named in _break(change)


def test_the_draft_forms_platforms_are_the_ones_every_front_end_offers():
    manifest, _ = _shipped()
    form = next(c for c in manifest["composeExtensions"][0]["commands"] if c["id"] == "redteamDraft")
    [platform] = [p for p in form["parameters"] if p["name"] == "platform"]
    assert [(c["value"], c["title"]) for c in platform["choices"]] == list(PLATFORMS)


def test_the_app_id_must_be_a_guid():
    with pytest.raises(ManifestError, match="GUID"):
        fill_app_id('{"id": "{{TEAMS_APP_ID}}"}', "my-bot")


def test_command_writes_the_zip_with_the_app_id_from_the_flag(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TEAMS_CLIENT_ID", raising=False)
    out = tmp_path / "pkg" / "redteam-teams.zip"
    assert main(["teams-package", "--out", str(out), "--app-id", APP_ID]) == 0
    with zipfile.ZipFile(out) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        text = package.read("manifest.json").decode()
        assert png_size(package.read("color.png")) == (192, 192)
    assert APP_ID_PLACEHOLDER not in text
    assert json.loads(text)["id"] == APP_ID


def test_command_takes_the_app_id_from_teams_client_id(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TEAMS_CLIENT_ID", APP_ID)
    assert main(["teams-package", "--out", "app.zip"]) == 0
    with zipfile.ZipFile(tmp_path / "app.zip") as package:
        assert json.loads(package.read("manifest.json"))["bots"][0]["botId"] == APP_ID


def test_command_without_an_app_id_says_what_to_set(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TEAMS_CLIENT_ID", raising=False)
    assert main(["teams-package"]) == 2
    assert "TEAMS_CLIENT_ID" in capsys.readouterr().err
    assert not (tmp_path / "redteam-teams.zip").exists()

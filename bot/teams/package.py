"""The Teams app package: ``teams/manifest.json`` with the app id filled in, and its two icons,
zipped for upload to Teams (Apps → Manage your apps → Upload an app).

The manifest schema cannot be fetched here, so :func:`validate_manifest` checks what the schema
requires and what Teams refuses on upload: the required fields, their formats and lengths, the
icons' sizes, and that the bot, the message action, the draft form and the permission this
product needs are declared with the same app id.
"""

from __future__ import annotations

import json
import re
import struct
import zipfile
from pathlib import Path
from typing import Any

from bot.paths import data_dir

APP_ID_PLACEHOLDER = "{{TEAMS_APP_ID}}"
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_SEMVER = re.compile(r"^\d+\.\d+\.\d+$")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_ICON_SIZES = {"color": 192, "outline": 32}
_REQUIRED = ("manifestVersion", "version", "id", "developer", "name", "description", "icons", "accentColor")


class ManifestError(ValueError):
    """The manifest or its icons would be refused by Teams; the message lists every problem."""


def manifest_dir() -> Path:
    """The folder holding manifest.json and the icons (the checkout's ``teams/``)."""
    return data_dir("teams")


def fill_app_id(template: str, app_id: str) -> dict[str, Any]:
    """The manifest with every ``{{TEAMS_APP_ID}}`` replaced by ``app_id``."""
    app_id = app_id.strip()
    if not _GUID.match(app_id):
        raise ManifestError(f"the app id must be a GUID (the Azure Bot's Microsoft App ID), not {app_id!r}")
    manifest: dict[str, Any] = json.loads(template.replace(APP_ID_PLACEHOLDER, app_id))
    return manifest


def png_size(data: bytes) -> tuple[int, int] | None:
    """``(width, height)`` of a PNG, or None when ``data`` is not one."""
    if len(data) < 24 or data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def _text(problems: list[str], node: Any, path: str, limit: int) -> None:
    if not isinstance(node, str) or not node.strip():
        problems.append(f"{path} is required")
    elif len(node) > limit:
        problems.append(f"{path} is {len(node)} characters; Teams allows {limit}")


def _url(problems: list[str], node: Any, path: str) -> None:
    if not isinstance(node, str) or not node.startswith("https://"):
        problems.append(f"{path} must be an https URL")


def validate_manifest(manifest: dict[str, Any], icons: dict[str, bytes]) -> None:
    """Raise ManifestError listing every problem; ``icons`` maps file names to their bytes."""
    problems: list[str] = [f"{key} is required" for key in _REQUIRED if key not in manifest]
    app_id = manifest.get("id")
    if not isinstance(app_id, str) or not _GUID.match(app_id):
        problems.append("id must be a GUID")
    if not _SEMVER.match(str(manifest.get("version", ""))):
        problems.append("version must be MAJOR.MINOR.PATCH, e.g. 1.0.0")
    if not _COLOR.match(str(manifest.get("accentColor", ""))):
        problems.append("accentColor must be #RRGGBB")
    developer = manifest.get("developer") or {}
    _text(problems, developer.get("name"), "developer.name", 32)
    for key in ("websiteUrl", "privacyUrl", "termsOfUseUrl"):
        _url(problems, developer.get(key), f"developer.{key}")
    name = manifest.get("name") or {}
    _text(problems, name.get("short"), "name.short", 30)
    if "full" in name:
        _text(problems, name.get("full"), "name.full", 100)
    description = manifest.get("description") or {}
    _text(problems, description.get("short"), "description.short", 80)
    _text(problems, description.get("full"), "description.full", 4000)
    for kind, size in _ICON_SIZES.items():
        file = (manifest.get("icons") or {}).get(kind)
        data = icons.get(file) if isinstance(file, str) else None
        if data is None:
            problems.append(f"icons.{kind}: file {file!r} is missing")
        elif png_size(data) != (size, size):
            problems.append(f"icons.{kind} must be a {size}x{size} PNG")

    bots = manifest.get("bots") or []
    if len(bots) != 1 or bots[0].get("botId") != app_id:
        problems.append("bots must declare one bot whose botId is the app id")
    elif not {"team", "groupChat", "personal"} <= set(bots[0].get("scopes") or []):
        problems.append("bots[0].scopes must include team, groupChat and personal")
    commands = [
        command
        for extension in manifest.get("composeExtensions") or []
        if extension.get("botId") == app_id
        for command in extension.get("commands") or []
    ]
    action = next((c for c in commands if c.get("id") == "redteamMessage"), None)
    if action is None or action.get("type") != "action" or "message" not in (action.get("context") or []):
        problems.append("composeExtensions must declare the action command redteamMessage in context message")
    elif action is not None:
        _text(problems, action.get("title"), "the redteamMessage command's title", 32)
    form = next((c for c in commands if c.get("id") == "redteamDraft"), None)
    names = [p.get("name") for p in (form or {}).get("parameters") or []]
    if form is None or form.get("type") != "action" or "compose" not in (form.get("context") or []):
        problems.append("composeExtensions must declare the action command redteamDraft in context compose")
    elif form.get("fetchTask") is not False or names != ["draft", "platform", "notes"]:
        problems.append("the redteamDraft command is a form of its own (fetchTask false) with the "
                        "parameters draft, platform and notes")
    else:
        _text(problems, form.get("title"), "the redteamDraft command's title", 32)
        for parameter in form["parameters"]:
            named = f"the {parameter['name']} parameter's"
            _text(problems, parameter.get("title"), f"{named} title", 32)
            _text(problems, parameter.get("description"), f"{named} description", 128)
            if len(parameter.get("choices") or []) > 10:
                problems.append(f"{named} choices are more than 10")
    info = manifest.get("webApplicationInfo") or {}
    if info.get("id") != app_id or not str(info.get("resource", "")).startswith("api://"):
        problems.append("webApplicationInfo needs the app id and an api:// resource")
    rsc = ((manifest.get("authorization") or {}).get("permissions") or {}).get("resourceSpecific") or []
    if not any(p.get("name") == "ChannelMessage.Read.Group" and p.get("type") == "Application" for p in rsc):
        problems.append("authorization.permissions.resourceSpecific must grant ChannelMessage.Read.Group")
    if APP_ID_PLACEHOLDER in json.dumps(manifest):
        problems.append(f"{APP_ID_PLACEHOLDER} is left in the manifest")
    if problems:
        raise ManifestError("the Teams manifest would be refused:\n- " + "\n- ".join(problems))


def build_package(app_id: str, out: Path, *, source: Path | None = None) -> dict[str, Any]:
    """Write the zip to ``out`` (manifest.json and the icons at its root); the filled manifest."""
    folder = source or manifest_dir()
    manifest = fill_app_id((folder / "manifest.json").read_text(encoding="utf-8"), app_id)
    icon_files = {f for f in (manifest.get("icons") or {}).values() if isinstance(f, str)}
    icons = {name: (folder / name).read_bytes() for name in icon_files if (folder / name).is_file()}
    validate_manifest(manifest, icons)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        for name, data in sorted(icons.items()):
            package.writestr(name, data)
    return manifest

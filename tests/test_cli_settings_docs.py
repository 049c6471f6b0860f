"""Every setting is documented in docs/settings.md and .env.example, with the real default."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.cli.context import env_name
from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
FIELDS = sorted(Settings.model_fields)


def _readme_rows() -> dict[str, str]:
    """``{variable: default cell}`` from the table in docs/settings.md."""
    section = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    rows = {}
    for line in section.splitlines():
        match = re.match(r"^\|\s*`([A-Z0-9_]+)`\s*\|([^|]*)\|", line)
        if match:
            rows[match.group(1)] = match.group(2).strip().strip("`")
    return rows


def _env_example() -> dict[str, str]:
    """``{variable: example value}`` from .env.example lines ``VAR=...`` or ``# VAR=...``."""
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return dict(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$", text, flags=re.MULTILINE))


def _shown(default: object) -> str:
    if default is None:
        return ""
    if isinstance(default, bool):
        return str(default).lower()
    return str(default)


@pytest.mark.parametrize("field", FIELDS)
def test_every_setting_is_in_the_readme_with_its_default(field):
    rows = _readme_rows()
    name = env_name(field)
    assert name in rows, f"docs/settings.md has no row for {name} (Settings.{field})"
    assert rows[name] == _shown(Settings.model_fields[field].default), f"docs/settings.md default of {name}"


@pytest.mark.parametrize("field", FIELDS)
def test_every_setting_is_in_env_example(field):
    assert env_name(field) in _env_example(), f".env.example has no line for {env_name(field)}"


def test_docs_name_no_setting_that_does_not_exist():
    known = {env_name(f) for f in FIELDS}
    assert set(_readme_rows()) - known == set()
    assert set(_env_example()) - known == set()


def test_env_example_defaults_match_the_code():
    examples = _env_example()
    for field in FIELDS:
        default = Settings.model_fields[field].default
        name = env_name(field)
        if default is not None and name in examples:
            assert examples[name] == _shown(default), f".env.example shows a stale default for {name}"


def test_env_example_as_is_is_a_valid_configuration(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AZURE_OPENAI_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=ROOT / ".env.example")  # type: ignore[call-arg]
    assert not settings.llm_configured  # copying the example must not point the bot at an LLM

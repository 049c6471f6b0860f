"""The platform-free core imports no chat platform: each adapter stands on it, never the reverse."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parent.parent / "bot"
CORE = ("conversation", "review", "llm", "store", "runtime")
PLATFORM_MODULES = (
    "slack_sdk",
    "slack_bolt",
    "slack",
    "microsoft_teams",
    "botbuilder",
    "bot.slack",
    "bot.teams",
)


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def is_platform(module: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in PLATFORM_MODULES)


@pytest.mark.parametrize("package", CORE)
def test_the_core_imports_no_chat_platform(package: str) -> None:
    files = sorted((BOT / package).rglob("*.py"))
    assert files, f"bot/{package} has no modules"
    offending = {
        f"{path.relative_to(BOT.parent)}: {module}"
        for path in files
        for module in imported_modules(path)
        if is_platform(module)
    }
    assert not offending, "platform imports in the core:\n" + "\n".join(sorted(offending))


def test_the_check_sees_a_platform_import(tmp_path: Path) -> None:
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text(
        "def f():\n    from slack_sdk.errors import SlackApiError\n    import bot.teams.cards\n"
    )
    assert {m for m in imported_modules(sneaky) if is_platform(m)} == {"slack_sdk.errors", "bot.teams.cards"}

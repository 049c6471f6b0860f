"""`redteam review` through main([...]) in-process: formats, exit codes and every bad-input case."""

from __future__ import annotations

import io
import json
import sys
import types

import pytest

from bot.cli.main import main
from bot.review.models import Review, Verdict

NETFLIX = (
    "To the 53 people who've watched A Christmas Prince every day for the past 18 days: Who hurt you?"
)
BENIGN = "Our Main Street store opens at 9am on Monday. See you there."


@pytest.fixture(autouse=True)
def offline_env(monkeypatch, tmp_path):
    """No LLM configured and no .env to pick up: the review is the offline checker's."""
    import os

    for name in list(os.environ):
        if name.startswith(("REDTEAM_", "OPENAI_", "AZURE_OPENAI_")) or name in {"NO_COLOR", "SLACK_API_URL"}:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_is_the_review_model_with_evidence_quoted_from_the_draft(capsys):
    code, out, err = run(capsys, "review", "--offline", "--format", "json", NETFLIX)
    assert code == 0, err
    review = Review.model_validate_json(out)
    assert review.draft.text == NETFLIX
    assert review.verdict is not Verdict.ship
    assert review.risks
    for risk in review.risks:
        assert NETFLIX[risk.evidence.start : risk.evidence.end] == risk.evidence.quote
    assert "offline" in review.engines


def test_text_format_shows_verdict_risks_and_engines_without_colour_off_a_terminal(capsys):
    code, out, _ = run(capsys, "review", "--offline", NETFLIX)
    assert code == 0
    review = _json_review(capsys, NETFLIX)
    first = out.splitlines()[0]
    assert first.startswith({"revise": "REVISE", "do_not_post": "DO NOT POST"}[review.verdict.value])
    assert f"risk: {review.risk_level.value}" in first
    assert "\x1b[" not in out  # capsys is not a terminal
    for risk in review.risks:
        assert risk.evidence.quote in out
        assert f"[{risk.severity.value}]" in out
    assert "Why it is risky:" in out and "Who gets hurt:" in out
    if review.alternatives:
        assert "Gentler alternatives" in out and "Residual risk:" in out
    if review.worst_reactions:
        assert "Worst reactions to expect" in out
    assert out.rstrip().endswith("Engines: offline")


def test_colour_can_be_forced_and_no_color_is_honoured(capsys, monkeypatch):
    _, coloured, _ = run(capsys, "review", "--offline", "--color", "always", NETFLIX)
    assert "\x1b[" in coloured
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    _, plain, _ = run(capsys, "review", "--offline", NETFLIX)
    assert "\x1b[" not in plain


def test_markdown_has_the_same_content(capsys):
    code, out, _ = run(capsys, "review", "--offline", "--format", "markdown", NETFLIX)
    assert code == 0
    review = _json_review(capsys, NETFLIX)
    assert out.startswith("## ")
    assert f"risk: {review.risk_level.value}" in out.splitlines()[0]
    assert "### Draft" in out and f"### Risks ({len(review.risks)})" in out
    assert "_Engines: offline_" in out


def test_unconfigured_llm_means_an_offline_review_with_a_notice(capsys):
    code, out, _ = run(capsys, "review", "--format", "json", BENIGN)
    assert code == 0
    review = Review.model_validate_json(out)
    assert any("offline" in notice.lower() for notice in review.notices)
    _, text, _ = run(capsys, "review", BENIGN)
    assert "Notices" in text
    assert review.notices[0].split()[0] in text


def test_platform_and_notes_reach_the_draft(capsys):
    _, out, _ = run(capsys, "review", "--offline", "--format", "json", "--platform", "linkedin",
                    "--notes", "year-end campaign", BENIGN)
    draft = Review.model_validate_json(out).draft
    assert (draft.platform, draft.notes) == ("linkedin", "year-end campaign")


def test_unquoted_words_are_one_draft(capsys):
    _, out, _ = run(capsys, "review", "--offline", "--format", "json", "Happy", "holidays", "everyone")
    assert Review.model_validate_json(out).draft.text == "Happy holidays everyone"


@pytest.mark.parametrize(("level", "expected"), [("low", 1), ("critical", None)])
def test_fail_on_exits_1_when_the_risk_reaches_it(capsys, level, expected):
    review = _json_review(capsys, NETFLIX)
    code, out, err = run(capsys, "review", "--offline", "--fail-on", level, NETFLIX)
    reached = review.risk_level.rank >= {"low": 1, "critical": 4}[level]
    assert code == (1 if reached else 0)
    if expected is not None:
        assert code == expected
        assert f"reaches --fail-on {level}" in err
    assert out  # the review is printed either way


def test_fail_on_passes_a_harmless_draft(capsys):
    code, _, err = run(capsys, "review", "--offline", "--fail-on", "medium", BENIGN)
    assert code == 0, err


def test_a_windows_file_reads_like_any_other(capsys, tmp_path):
    path = tmp_path / "draft.txt"
    path.write_bytes(b"\xef\xbb\xbfLine one\r\nLine two\r\n")
    _, out, _ = run(capsys, "review", "--offline", "--format", "json", "--file", str(path))
    assert Review.model_validate_json(out).draft.text == "Line one\nLine two"


def test_file_and_stdin(capsys, tmp_path, monkeypatch):
    path = tmp_path / "draft.txt"
    path.write_text(NETFLIX + "\n", encoding="utf-8")
    _, out, _ = run(capsys, "review", "--offline", "--format", "json", "--file", str(path))
    assert Review.model_validate_json(out).draft.text == NETFLIX
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(NETFLIX.encode()), encoding="utf-8"))
    _, out, _ = run(capsys, "review", "--offline", "--format", "json", "-")
    assert Review.model_validate_json(out).draft.text == NETFLIX


@pytest.mark.parametrize(
    "text",
    [
        "Happy Diwali 🪔✨ from all of us! 🎉",
        "عيد مبارك من فريقنا — Eid Mubarak from our team",
        "New\u200b drop\u200d tomorrow\u2060 at noon",
        "שבוע טוב 👋🏽 see you Sunday",
    ],
)
def test_emoji_rtl_and_zero_width_characters_work(capsys, text):
    code, out, err = run(capsys, "review", "--offline", text)
    assert code == 0, err
    assert text in out
    code, out, _ = run(capsys, "review", "--offline", "--format", "json", text)
    assert json.loads(out)["draft"]["text"] == text


def test_terminal_escape_sequences_in_a_draft_are_shown_not_run(capsys):
    code, out, _ = run(capsys, "review", "--offline", "Sale\x1b]0;pwned\x07 now\x1b[2J on")
    assert code == 0
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b]0;pwned\\x07" in out


# --- bad input: a clear message on stderr, exit 2, never a traceback ----------------------


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["review", "--offline", ""], "empty"),
        (["review", "--offline", "   \n\t "], "empty"),
        (["review", "--offline", "\u200b\u200b"], "empty"),
        (["review", "--offline", "x" * 100_000], "100,000 characters"),
        (["review", "--offline"], "No draft given"),
        (["review", "--offline", "--file", "missing.txt"], "missing.txt: no such file"),
        (["review", "--offline", "--file", "."], "is a folder"),
        (["review", "--offline", "--format", "yaml", "hi"], "invalid choice"),
        (["review", "--offline", "--fail-on", "severe", "hi"], "invalid choice"),
        (["frobnicate"], "invalid choice"),
        ([], "required"),
    ],
)
def test_bad_input_exits_2_with_a_message(capsys, argv, needle):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert needle in err
    assert "Traceback" not in err
    assert out == ""


def test_text_and_file_together_is_a_usage_error(capsys, tmp_path):
    path = tmp_path / "d.txt"
    path.write_text("hello", encoding="utf-8")
    code, _, err = run(capsys, "review", "--offline", "--file", str(path), "also text")
    assert code == 2 and "Give the draft once" in err


def test_a_file_that_is_not_utf8_is_named(capsys, tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Caf\u00e9 opening, d\u00e9j\u00e0 vu".encode("latin-1"))
    code, out, err = run(capsys, "review", "--offline", "--file", str(path))
    assert code == 2 and out == ""
    assert str(path) in err and "not UTF-8" in err


def test_help_exits_0(capsys):
    code, out, _ = run(capsys, "review", "--help")
    assert code == 0 and "--fail-on" in out and "exit codes" in out


def test_version_is_the_installed_packages(capsys):
    from importlib.metadata import version

    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert out == f"redteam {version('redteam-reviewer')}\n"


def test_every_command_says_what_it_does_in_its_help(capsys):
    _, top, _ = run(capsys, "--help")
    listed = top[top.index("COMMAND\n") : top.index("options:")]
    commands = [line.split()[0] for line in listed.splitlines() if line.startswith("    ") and line[4] != " "]
    assert {"review", "batch", "eval", "check", "serve", "slack"} <= set(commands)
    for name in commands:
        code, out, _ = run(capsys, name, "--help")
        assert code == 0, name
        # The paragraph between the usage lines and the first list of arguments.
        description = out.split("\n\n")[1]
        assert not description.rstrip().endswith(":") and len(description.split()) >= 8, name


def test_bad_configuration_names_the_variable_but_not_its_value(capsys, monkeypatch):
    monkeypatch.setenv("REDTEAM_LLM_CACHE_SIZE", "sekrit-value")
    code, _, err = run(capsys, "review", "--offline", BENIGN)
    assert code == 2
    assert "REDTEAM_LLM_CACHE_SIZE" in err and "sekrit-value" not in err


def test_an_unexpected_error_is_one_line_and_exit_3(capsys, monkeypatch):
    from bot.review import service

    async def broken(self, draft):
        raise RuntimeError("disk on fire")

    # Nothing real fails on demand here, so the service's method stands in for a bug.
    monkeypatch.setattr(service.ReviewService, "review", broken)
    code, out, err = run(capsys, "review", "--offline", BENIGN)
    assert code == 3 and out == ""
    assert err.count("\n") == 1 and "disk on fire" in err and "--debug" in err
    code, _, err = run(capsys, "review", "--offline", "--debug", BENIGN)
    assert code == 3 and "Traceback" in err and "disk on fire" in err


def test_serve_and_slack_call_the_slack_engineers_entry_points(capsys, monkeypatch):
    calls = []
    server = types.ModuleType("bot.server")
    server.serve = lambda settings, host, port, workers: calls.append(("serve", host, port, workers))  # type: ignore[attr-defined]
    socket_mode = types.ModuleType("bot.slack.socket_mode")
    socket_mode.run = lambda settings: calls.append(("slack",))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "bot.server", server)
    monkeypatch.setitem(sys.modules, "bot.slack.socket_mode", socket_mode)
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    assert run(capsys, "serve", "--host", "0.0.0.0", "--port", "8080")[0] == 0
    assert run(capsys, "slack")[0] == 0
    assert run(capsys, "serve", "--workers", "3")[0] == 0
    assert calls == [("serve", "0.0.0.0", 8080, 1), ("slack",), ("serve", "127.0.0.1", 3000, 3)]
    assert run(capsys, "serve", "--port", "70000")[0] == 2


def test_a_missing_entry_point_is_a_clear_error(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "bot.server", types.ModuleType("bot.server"))
    code, _, err = run(capsys, "serve")
    assert code == 2 and "not available" in err and "serve()" in err


def _json_review(capsys, text: str) -> Review:
    assert main(["review", "--offline", "--format", "json", text]) == 0
    return Review.model_validate_json(capsys.readouterr().out)


@pytest.mark.parametrize("command", [["slack"], ["serve", "--port", "3999"]])
def test_the_bot_without_a_slack_token_is_a_usage_error_naming_the_setting(capsys, monkeypatch, command):
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    code, _out, err = run(capsys, *command)
    assert code == 2
    assert "SLACK_BOT_TOKEN" in err
    assert "internal error" not in err


def test_the_readme_shows_what_its_first_command_prints(capsys):
    """The sample output at the top of README.md is this command's real output, kept in step."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    start = readme.index("```text\n", readme.index("./redteam review --offline")) + len("```text\n")
    shown = readme[start : readme.index("```", start)]
    code, out, _ = run(capsys, "review", "--offline", NETFLIX)
    assert code == 0
    assert out.strip() == shown.strip()

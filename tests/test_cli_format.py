"""The text and Markdown layouts on a hand-built review (independent of the rule set)."""

from __future__ import annotations

import asyncio
import io

import pyte

from bot.cli.batch_cmd import RowResult, TextTableWriter, review_rows
from bot.cli.calendar_loader import BatchRow, Calendar
from bot.cli.markdown_format import format_markdown, md_escape
from bot.cli.terminal import Progress, Style, safe, wants_color
from bot.cli.text_format import format_text
from bot.review.models import (
    Alternative,
    Draft,
    Evidence,
    Review,
    Risk,
    RiskLevel,
    Severity,
    Verdict,
    WorstReaction,
)

TEXT = "To the 53 people who've watched A Christmas Prince every day for the past 18 days: Who hurt you?"


def _risk(category: str, severity: Severity, quote: str) -> Risk:
    evidence = Evidence.locate(TEXT, quote)
    assert evidence is not None
    return Risk(category=category, severity=severity, evidence=evidence,
                explanation=f"{category} explanation", who_could_be_hurt=f"{category} people",
                suggestion=f"{category} fix")


def _review() -> Review:
    mockery = _risk("customer_mockery", Severity.high, "Who hurt you?")
    tracking = _risk("surveillance_reveal", Severity.critical, "53 people")
    return Review(
        draft=Draft(text=TEXT, platform="twitter"),
        verdict=Verdict.do_not_post,
        risk_level=RiskLevel.critical,
        summary="It mocks paying customers and shows how closely viewing is tracked.",
        risks=[mockery, tracking],
        worst_reactions=[WorstReaction(persona="A privacy advocate", reply="Netflix is watching you watch.")],
        alternatives=[
            Alternative(text="To everyone watching A Christmas Prince on repeat: we're with you.",
                        what_changed="Dropped the number and the jab.", residual_risk=RiskLevel.low,
                        residual_risks=[_risk("customer_mockery", Severity.low, "Who hurt you?")]),
        ],
        engines=["offline"],
        notices=["Offline review only: no LLM is configured."],
    )


def test_text_layout_puts_the_verdict_first_and_the_worst_risk_first():
    out = format_text(_review(), Style(False), label_for=lambda c: c.upper(), width=80)
    lines = out.splitlines()
    assert lines[0] == "DO NOT POST  ·  risk: critical  ·  2 risks found"
    assert out.index("SURVEILLANCE_REVEAL [critical]") < out.index("CUSTOMER_MOCKERY [high]")
    assert "     Words: “53 people”" in lines
    assert "     Who gets hurt: customer_mockery people" in lines
    assert "  • A privacy advocate: “Netflix is watching you watch.”" in lines
    assert "     Residual risk: low (CUSTOMER_MOCKERY)" in lines
    assert "  ! Offline review only: no LLM is configured." in lines
    assert lines[-1] == "Engines: offline"
    assert max(len(line) for line in lines if not line.startswith("  To the")) <= 80


def test_colour_marks_the_verdict_and_the_evidence_in_the_draft():
    out = format_text(_review(), Style(True), width=80)
    assert out.startswith("\x1b[1;31mDO NOT POST\x1b[0m")
    assert "\x1b[1;31m53 people\x1b[0m" in out and "\x1b[1;31mWho hurt you?\x1b[0m" in out


def test_markdown_escapes_draft_words_and_lists_everything():
    review = _review()
    review.draft.text = "# Big *news* [click](http://x)"
    out = format_markdown(review, label_for=lambda c: c)
    assert out.splitlines()[0] == "## ⛔ Verdict: do not post (risk: critical)"
    assert r"> \# Big \*news\* \[click\](http://x)" in out
    assert "1. **surveillance\\_reveal** (critical): `53 people`" in out
    assert "- **A privacy advocate**: “Netflix is watching you watch.”" in out
    assert "   - Residual risk: low (customer\\_mockery)" in out
    assert md_escape("a|b") == r"a\|b"


def test_no_color_and_dumb_terminals_get_plain_text(monkeypatch):
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    assert wants_color(Tty()) is True
    assert wants_color(io.StringIO()) is False
    assert wants_color(io.StringIO(), "always") is True
    monkeypatch.setenv("NO_COLOR", "1")
    assert wants_color(Tty()) is False
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("TERM", "dumb")
    assert wants_color(Tty()) is False


def test_safe_shows_control_characters_and_keeps_the_rest():
    assert safe("a\x1b[2Jb\tc\nd é 🎉") == "a\\x1b[2Jb\tc\nd é 🎉"


def test_progress_draws_only_on_a_terminal():
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty = Tty()
    bar = Progress(2, stream=tty)
    bar.advance()
    bar.advance()
    bar.clear()
    assert "1/2 reviewed" in tty.getvalue() and "2/2 reviewed" in tty.getvalue()
    assert tty.getvalue().endswith("\r\x1b[1A\x1b[2K")  # the bar's line is erased
    pipe = io.StringIO()
    quiet = Progress(2, stream=pipe)
    quiet.advance()
    assert pipe.getvalue() == ""


def _advice_review() -> Review:
    advice = Alternative(text="Post a plain tribute with no product. Leave out “53 people”.",
                         what_changed="No rewording makes this idea safe.", kind="advice")
    return _review().model_copy(update={"alternatives": [advice]})


def test_advice_reads_as_what_to_do_instead_not_as_a_rewrite():
    text = format_text(_advice_review(), Style(False), width=200)
    assert "  1. Instead: Post a plain tribute with no product. Leave out “53 people”." in text.splitlines()
    assert "Residual risk" not in text and "What changed" not in text
    markdown = format_markdown(_advice_review())
    assert "1. **Instead:** Post a plain tribute with no product." in markdown
    assert "Residual risk" not in markdown


class _Terminal(io.StringIO):
    """Standard output and standard error of one terminal, shown on an emulated screen."""

    def __init__(self, columns: int = 80) -> None:
        super().__init__()
        self.screen = pyte.Screen(columns, 30)
        self._stream = pyte.Stream(self.screen)

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._stream.feed(text.replace("\n", "\r\n"))  # as a terminal's line discipline does
        return len(text)

    def lines(self) -> list[str]:
        return [line.rstrip() for line in self.screen.display if line.strip()]


def test_the_progress_bar_redraws_only_itself_between_the_rows_of_a_batch():
    terminal = _Terminal()
    rows = [BatchRow(row=n, text=f"Post {n}: doors open at {n} o'clock.", id=f"p{n}") for n in range(2, 9)]
    calendar = Calendar(format="csv", columns=["id", "text"], rows=rows)
    table = TextTableWriter(terminal, color=True, last_row=8)
    bars_seen: list[int] = []
    bars_while_reviewing: list[int] = []

    def writer(result: RowResult) -> None:
        bars_seen.append(sum("reviewed" in line for line in terminal.lines()))
        table(result)

    async def review(draft: Draft) -> Review:
        await asyncio.sleep(0.001 * len(draft.text) % 3)
        bars_while_reviewing.append(sum("reviewed" in line for line in terminal.lines()))
        return Review(draft=draft, verdict=Verdict.ship, risk_level=RiskLevel.none, engines=["offline"])

    progress = Progress(len(rows), stream=terminal)
    asyncio.run(review_rows(calendar, review, writer, concurrency=3, progress=progress))
    screen = terminal.lines()
    assert set(bars_while_reviewing) == {0, 1}  # drawn once the first review is in, and never twice
    assert bars_seen == [0] * len(rows)  # taken off the screen before each row is written
    assert not any("reviewed" in line or "━" in line for line in screen)  # and gone at the end
    assert screen[0].split() == ["ROW", "ID", "VERDICT", "RISK", "CATEGORIES", "/", "DRAFT"]
    assert [line.split()[:3] for line in screen[1::2]] == [[str(n), f"p{n}", "ship"] for n in range(2, 9)]
    assert [line.split()[:2] for line in screen[2::2]] == [["Post", f"{n}:"] for n in range(2, 9)]

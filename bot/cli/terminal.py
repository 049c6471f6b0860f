"""Terminal output through Rich: whether to colour, draft text made safe to print, styles, wrapping,
and the progress bar of a long run.

Colour is on for a terminal, off in a pipe or a file, with NO_COLOR set or on TERM=dumb; ``--color
always|never`` overrides that. Plain output carries no escape codes at all.
"""

from __future__ import annotations

import io
import os
import re
import sys
from functools import cache
from typing import Literal, TextIO

from rich.color import ColorSystem
from rich.console import Console
from rich.style import Style as RichStyle
from rich.text import Text

ColorChoice = Literal["auto", "always", "never"]

#: Rich styles of the verdicts and of risk levels and severities, wherever they are shown.
VERDICT_STYLE = {"ship": "bold green", "revise": "bold yellow", "do_not_post": "bold red"}
LEVEL_STYLE = {"none": "green", "low": "cyan", "medium": "yellow", "high": "red", "critical": "bold red"}

# C0/C1 control characters other than newline and tab. A draft is untrusted text: printed raw,
# an escape sequence in it could rewrite the terminal (clear it, retitle it, hide lines).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def wants_color(stream: TextIO, choice: ColorChoice = "auto") -> bool:
    """Whether to colour output written to ``stream``; see https://no-color.org."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def safe(text: str) -> str:
    """``text`` with control characters shown as ``\\xNN`` instead of acted on by the terminal."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def console_for(stream: TextIO, color: bool, width: int | None = None) -> Console:
    """A Rich console writing to ``stream``: styled when ``color``, otherwise with no escape codes.

    Markup, emoji codes and highlighting are off: draft words such as ``[b]`` or ``:fire:`` are
    printed as written.
    """
    return Console(file=stream, width=width, force_terminal=color, no_color=not color,
                   color_system="standard" if color else None, highlight=False, markup=False,
                   emoji=False, legacy_windows=False)


@cache
def _rich_style(name: str) -> RichStyle:
    return RichStyle.parse(name)


class Style:
    """Rich styles by name ("bold red") as ANSI codes when colour is on; the identity when it is off."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, style: str) -> str:
        if not self.color or not text:
            return text
        return _rich_style(style).render(text, color_system=ColorSystem.STANDARD)


@cache
def _measuring_console() -> Console:
    return Console(file=io.StringIO(), color_system=None, legacy_windows=False)


def wrap(text: str, width: int) -> list[str]:
    """One paragraph in lines of at most ``width`` terminal cells (a wide emoji takes two).

    Lines break between words; a word longer than a line is folded.
    """
    lines = Text(text).wrap(_measuring_console(), max(width, 1), overflow="fold")
    return [line.plain.rstrip() for line in lines]


class Progress:
    """A progress bar on ``stream`` (standard error), drawn only when it is a terminal.

    Rich redraws the bar in place. ``clear`` takes it off the screen so a line of output can be
    written where it was; ``draw`` (or the next ``advance``) puts it back below that line.
    """

    def __init__(self, total: int, stream: TextIO | None = None, enabled: bool | None = None) -> None:
        # Imported here: `redteam review` draws no bar and starts quicker without it.
        from rich.progress import BarColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as RichProgress

        console = Console(file=stream if stream is not None else sys.stderr, highlight=False,
                          markup=False, emoji=False, legacy_windows=False)
        if enabled is None:
            enabled = console.is_terminal and not console.is_dumb_terminal
        self.enabled = enabled and total > 0
        # No redirection of stdout: the review's output must stay on stdout, wherever it goes.
        self._bar = RichProgress(
            BarColumn(), TextColumn("{task.completed:.0f}/{task.total:.0f} reviewed"), TimeElapsedColumn(),
            console=console, transient=True, auto_refresh=False, redirect_stdout=False,
            redirect_stderr=False, disable=not self.enabled,
        )
        self._task = self._bar.add_task("review", total=total)
        self._shown = False

    @property
    def done(self) -> int:
        return int(self._bar.tasks[0].completed)

    def advance(self) -> None:
        self._bar.advance(self._task)
        self.draw()

    def draw(self) -> None:
        if not self.enabled:
            return
        if self._shown:
            self._bar.refresh()
        else:
            self._bar.start()
            self._shown = True

    def clear(self) -> None:
        """Erase the bar so a line of output can be written in its place (then ``draw`` again)."""
        if self._shown:
            self._bar.stop()
            self._shown = False

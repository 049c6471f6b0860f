"""Terminal colour: ANSI on a terminal, plain text otherwise; NO_COLOR and TERM=dumb are honoured."""

from __future__ import annotations

import os
import re
from typing import Literal, TextIO

ColorChoice = Literal["auto", "always", "never"]

_CODES = {
    "bold": "1",
    "dim": "2",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "magenta": "35",
    "cyan": "36",
    "bold_red": "1;31",
    "bold_green": "1;32",
    "bold_yellow": "1;33",
}

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


class Style:
    """Wraps text in ANSI codes when colour is on, and is the identity when it is off."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, style: str) -> str:
        if not self.color or not text:
            return text
        return f"\x1b[{_CODES[style]}m{text}\x1b[0m"

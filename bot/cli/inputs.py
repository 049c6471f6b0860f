"""Reading drafts and files the way a person hands them over: an argument, a file or stdin."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import BinaryIO

from bot.cli.context import UsageError

log = logging.getLogger(__name__)


def decode_utf8(data: bytes, source: str) -> str:
    """``data`` as text; a clear UsageError naming ``source`` when it is not UTF-8.

    A leading byte-order mark is dropped (spreadsheet programs add one to "CSV UTF-8" exports)
    and Windows line ends become ``\n``: a post has line breaks, not carriage returns.
    """
    try:
        return data.decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1].hex()
        raise UsageError(
            f"{source} is not UTF-8 text (byte 0x{bad} at offset {exc.start}). "
            "Save it as UTF-8 (in most editors: Save As > Encoding > UTF-8) and try again."
        ) from None


def read_text_file(path: Path) -> str:
    """The UTF-8 text of ``path``; a UsageError that names the file for every way reading can fail."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file.") from None
    except IsADirectoryError:
        raise UsageError(f"{path} is a folder, not a file.") from None
    except PermissionError:
        raise UsageError(f"{path}: permission denied.") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot be read ({exc.strerror or exc}).") from None
    return decode_utf8(data, str(path))


def read_stdin(stream: BinaryIO | None = None) -> str:
    """All of standard input, decoded as UTF-8 whatever the terminal's locale says."""
    source = stream if stream is not None else sys.stdin.buffer
    if stream is None and sys.stdin.isatty():
        sys.stderr.write("Reading the draft from standard input; end it with Ctrl-D.\n")
    log.debug("reading standard input")
    return decode_utf8(source.read(), "standard input")


def draft_text(words: list[str], file: Path | None) -> str:
    """The draft from exactly one of: TEXT words, ``--file PATH``, or ``-`` (standard input)."""
    if file is not None and words:
        raise UsageError("Give the draft once: as TEXT, with --file PATH, or as - for standard input.")
    # The final newline that editors and `echo` add is not part of the post.
    if file is not None:
        return read_text_file(file).rstrip("\n")
    if words == ["-"]:
        return read_stdin().rstrip("\n")
    if not words:
        raise UsageError(
            "No draft given. Pass it as TEXT (in quotes), with --file PATH, or as - to read standard input."
        )
    # Unquoted words are joined so `redteam review Happy holidays` works like the quoted form.
    return " ".join(words)

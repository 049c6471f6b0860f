"""Where the editable data files (prompts, rule packs) live.

In a checkout they are the top-level ``prompts/`` and ``rules/`` folders, so a comms lead edits
them in place; in an installed wheel they are packaged under ``bot/_data/``.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent


def data_dir(name: str) -> Path:
    """The folder ``name`` (``prompts`` or ``rules``): the checkout's copy first, then the wheel's."""
    for candidate in (_CHECKOUT / name, _PACKAGE / "_data" / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the {name}/ folder is missing from this installation")

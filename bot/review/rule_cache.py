"""Remembers which rule folders have been checked, so each start does not check them again.

Checking every pattern of the rule files on its own (so an error names the file, the rule and the
pattern) is most of the cost of loading them. Once a folder passes, a small file in the cache
folder records a digest of every rule file's contents and of the code that reads them; a later
start with the same digest loads without the per-pattern checks. Any change to a rule file (or
an upgrade) changes the digest, so the files are checked again. The cache is safe to delete.

Where: the ``cache_dir`` setting (``REDTEAM_CACHE_DIR``), else ``$XDG_CACHE_HOME/redteam``, else
``~/.cache/redteam``. A folder that cannot be written is not an error: the rules are then checked
at every start.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

_CODE = ("matching.py", "rulepack.py", "lexicons.py", "rewrites.py")


def cache_dir(given: Path | None = None) -> Path:
    """The folder the cache files live in (it may not exist yet): ``given`` (the ``cache_dir``
    setting), else ``$REDTEAM_CACHE_DIR``, else the user's cache folder."""
    if given is not None:
        return given.expanduser()
    named = os.environ.get("REDTEAM_CACHE_DIR")
    if named:
        return Path(named).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "redteam"


def digest(rules_dir: Path, extra: Iterable[Path | None] = ()) -> str:
    """A digest of every file under ``rules_dir`` (names and contents), the ``extra`` files
    (the checker's config) and the code that reads them."""
    h = hashlib.sha256()
    files = sorted(p for p in rules_dir.rglob("*") if p.is_file())
    here = Path(__file__).resolve().parent
    for path in [*files, *(p for p in extra if p is not None), *(here / name for name in _CODE)]:
        h.update(str(path).encode() + b"\0")
        try:
            h.update(path.read_bytes())
        except OSError:
            h.update(b"<missing>")
        h.update(b"\0")
    return h.hexdigest()


def _marker(key: str, folder: Path | None) -> Path:
    return cache_dir(folder) / f"rules-checked-{key[:32]}"


def already_checked(key: str, folder: Path | None = None) -> bool:
    """True when rule files with this digest were checked and passed before."""
    try:
        return _marker(key, folder).read_text(encoding="utf-8") == key
    except OSError:
        return False


def remember_checked(key: str, folder: Path | None = None) -> None:
    """Record that rule files with this digest passed (atomically; failures are ignored)."""
    marker = _marker(key, folder)
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=marker.parent, prefix=".rules-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(key)
            os.replace(tmp, marker)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        pass  # an unwritable cache only costs the next start its speed-up

"""Exit codes and the one exception type that carries a user-facing message to the exit."""

from __future__ import annotations

#: The review ran and the draft is below the ``--fail-on`` threshold (or none was given).
EXIT_OK = 0
#: The risk reached ``--fail-on``: a pre-publish pipeline should stop here.
EXIT_RISK = 1
#: The command could not run as asked: bad arguments, unreadable input, a rejected draft.
EXIT_USAGE = 2
#: Something went wrong inside redteam itself.
EXIT_INTERNAL = 3
#: Interrupted with Ctrl-C (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """The input or the arguments are wrong; ``str(exc)`` says how, in plain words (exit 2)."""

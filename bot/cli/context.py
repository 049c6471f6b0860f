"""What every subcommand works with: exit codes, the UsageError that carries a plain message to
the exit, the settings, the review service, and the words for verdicts and categories."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pydantic import ValidationError

from bot.review.models import RiskLevel, Verdict
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.review.service import ReviewService

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


# --- settings ------------------------------------------------------------------------------


def env_name(field: str) -> str:
    """The environment variable that sets ``field`` (its alias, or ``REDTEAM_`` + its name)."""
    info = Settings.model_fields.get(field)
    alias = info.validation_alias if info is not None else None
    choices = getattr(alias, "choices", None)
    if choices:
        return str(choices[0])
    if isinstance(alias, str):
        return alias
    return "REDTEAM_" + field.upper()


def load_settings() -> Settings:
    """``Settings()`` from the environment and ``.env``; a UsageError naming each bad variable.

    The message never includes the rejected values: one of them may be a secret.
    """
    try:
        return Settings()
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_input=False, include_url=False):
            field = str(error["loc"][0]) if error["loc"] else "?"
            problems.append(f"{env_name(field)}: {error['msg']}")
        raise UsageError(
            "The configuration is not valid (environment or .env):\n  " + "\n  ".join(problems)
        ) from None


# --- the review service --------------------------------------------------------------------


def open_service(settings: Settings, offline: bool) -> ReviewService:
    """``ReviewService(settings, offline_only=offline)``; callers ``await service.aclose()``."""
    # Imported here: the service pulls in the LLM client, which `redteam --help` does not need.
    from bot.review.service import ReviewService

    return ReviewService(settings, offline_only=offline)


def reaches(level: RiskLevel, fail_on: str | None) -> bool:
    """Whether ``level`` reaches the ``--fail-on`` threshold (never, when none was given)."""
    return fail_on is not None and level.rank >= RiskLevel(fail_on).rank


# --- words for verdicts and categories -----------------------------------------------------

LabelFor = Callable[[str], str]

VERDICT_WORDS = {
    Verdict.ship: "ship",
    Verdict.revise: "revise",
    Verdict.do_not_post: "do not post",
}

VERDICT_MEANING = {
    Verdict.ship: "no risk worth a rewrite was found",
    # The wording, or for a post made wrong by its moment the timing: the summary says which.
    Verdict.revise: "the idea can stay; change it before it goes out",
    Verdict.do_not_post: "the idea itself is the problem",
}


def humanize(category: str) -> str:
    """``customer_mockery`` -> ``Customer mockery``: the fallback when the taxonomy has no label."""
    words = category.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:] if words else category


def label_for(service: ReviewService) -> LabelFor:
    """Category labels from the taxonomy a comms lead edits; an unknown id (say, one an LLM
    made up) is shown humanized rather than dropped."""
    taxonomy = service.checker.taxonomy

    def label(category: str) -> str:
        return taxonomy.get(category).label if category in taxonomy else humanize(category)

    return label

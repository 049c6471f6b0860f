"""Settings for the command line, with configuration mistakes turned into plain messages."""

from __future__ import annotations

from pydantic import ValidationError

from bot.cli.errors import UsageError
from bot.settings import Settings


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

"""What every loader of the rules/ folder shares: reading YAML and naming the first problem.

Each loader (taxonomy, packs, lexicons, signals, reactions, rewrites, checker config) turns a
bad file into a ``RuleFileError`` whose message names the file, and the rule or list, so a
comms lead editing YAML sees where to look.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError


class RuleFileError(ValueError):
    """A rules/ data file is unreadable or invalid; the message names the file (and rule)."""


_Model = TypeVar("_Model", bound=BaseModel)


def first_problem(exc: ValidationError) -> str:
    """``field: message`` (just the message for the entry as a whole) for the first thing pydantic
    rejected: one problem at a time reads better in a start-up error than pydantic's full list."""
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    return f"{field}: {message}" if field else message


def validated(model: type[_Model], raw: object, where: str) -> _Model:
    """``model`` from ``raw``, or a RuleFileError ``where: field: message`` for its first problem."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise RuleFileError(f"{where}: {first_problem(exc)}") from exc


# libyaml parses the rules folder ten times faster than the pure-Python parser (the same
# documents, as safe); start-up reads every file of it.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> object:
    """Parse one YAML data file, turning any failure into a RuleFileError naming it."""
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.load(handle, Loader=_Loader)
    except FileNotFoundError as exc:
        raise RuleFileError(f"{path}: file not found") from exc
    except yaml.YAMLError as exc:
        raise RuleFileError(f"{path}: not valid YAML: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleFileError(f"{path}: cannot be read: {exc}") from exc

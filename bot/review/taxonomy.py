"""The risk taxonomy: what each category means, who it hurts and how to rewrite it.

The categories live in ``rules/taxonomy.yaml`` so a comms lead can edit the wording; the ids
are the contract shared by the rule packs, the LLM prompt and the corpus labels.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, Field, ValidationError

from bot.paths import data_dir
from bot.review.models import Grading


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


class Category(BaseModel):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    definition: str
    example: str
    who_is_hurt: str
    rewrite_strategy: str
    grading: Grading = Field(default_factory=Grading)


class Taxonomy(BaseModel):
    categories: list[Category]

    @property
    def grading(self) -> dict[str, Grading]:
        """Category id -> how its risks grade a draft (``verdict_for`` reads it)."""
        return {c.id: c.grading for c in self.categories}

    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.categories]

    def get(self, category_id: str) -> Category:
        """The category ``category_id``; KeyError names the known ids when it is unknown."""
        for category in self.categories:
            if category.id == category_id:
                return category
        raise KeyError(f"unknown risk category {category_id!r}; known: {', '.join(self.ids)}")

    def __contains__(self, category_id: object) -> bool:
        return any(c.id == category_id for c in self.categories)

    def require(self, category_id: str, where: str) -> str:
        """``category_id`` when it is known; otherwise a RuleFileError at ``where`` listing the ids."""
        if category_id not in self:
            raise RuleFileError(f"{where}: unknown category {category_id!r} (known: {', '.join(self.ids)})")
        return category_id

    def label(self, category_id: str) -> str:
        """A human label, falling back to the id made readable for unknown ids."""
        try:
            return self.get(category_id).label
        except KeyError:
            return category_id.replace("_", " ")

    def as_prompt_text(self) -> str:
        """The taxonomy as compact markdown for an LLM prompt (one block per category)."""
        blocks = []
        for c in self.categories:
            blocks.append(
                f"- `{c.id}` ({c.label}): {c.definition}\n"
                f"  Example: {c.example}\n"
                f"  Who is hurt: {c.who_is_hurt}\n"
                f"  Rewrite strategy: {c.rewrite_strategy}"
            )
        return "\n".join(blocks)


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


def load_taxonomy(rules_dir: Path | None = None) -> Taxonomy:
    """Load ``taxonomy.yaml`` from ``rules_dir`` (default: the project's rules/ folder)."""
    path = (rules_dir or data_dir("rules")) / "taxonomy.yaml"
    raw = read_yaml(path)
    if not isinstance(raw, dict) or not isinstance(raw.get("categories"), list):
        raise RuleFileError(f"{path}: expected a mapping with a 'categories' list")
    taxonomy = validated(Taxonomy, raw, str(path))
    seen: set[str] = set()
    for category in taxonomy.categories:
        if category.id in seen:
            raise RuleFileError(f"{path}: category {category.id!r} is defined twice")
        seen.add(category.id)
    return taxonomy

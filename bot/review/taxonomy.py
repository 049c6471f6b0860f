"""The risk taxonomy: what each category means, who it hurts and how to rewrite it.

The categories live in ``rules/taxonomy.yaml`` so a comms lead can edit the wording; the ids
are the contract shared by the rule packs, the LLM prompt and the corpus labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from types import MappingProxyType

from pydantic import BaseModel, Field

from bot.paths import data_dir
from bot.review.models import Grading
from bot.review.rule_files import RuleFileError, read_yaml, validated

# RuleFileError and read_yaml are part of this module's interface too: the reactions and
# rewrites loaders import them from here.
__all__ = ["INJECTION_CATEGORY", "Category", "RuleFileError", "Taxonomy", "load_taxonomy", "read_yaml"]

#: The category of words a draft aims at the reviewer, not at its audience.
INJECTION_CATEGORY = "prompt_injection"


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

    # Made once (the categories are not changed after loading): every finding of every draft
    # asks for its category.
    @cached_property
    def by_id(self) -> Mapping[str, Category]:
        """Category id -> the category (the first of that id)."""
        return MappingProxyType({c.id: c for c in reversed(self.categories)})

    @cached_property
    def grading(self) -> Mapping[str, Grading]:
        """Category id -> how its risks grade a draft (``verdict_for`` reads it)."""
        return MappingProxyType({c.id: c.grading for c in self.categories})

    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.categories]

    def get(self, category_id: str) -> Category:
        """The category ``category_id``; KeyError names the known ids when it is unknown."""
        category = self.by_id.get(category_id)
        if category is None:
            raise KeyError(f"unknown risk category {category_id!r}; known: {', '.join(self.ids)}")
        return category

    def __contains__(self, category_id: object) -> bool:
        return category_id in self.by_id

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

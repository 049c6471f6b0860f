"""The checker's local configuration: rules turned off, terms allow-listed, severities changed.

Pointed to by the ``REDTEAM_CHECKER_CONFIG`` setting; see ``rules/config.example.yaml``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from bot.review.matching import Pattern
from bot.review.models import Severity
from bot.review.rule_files import RuleFileError, read_yaml, validated
from bot.review.rulepack import terms_alternative


class CheckerConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    disabled_rules: list[str] = Field(
        default_factory=list,
        description="Rule ids, detector ids (e.g. 'surveillance') or id prefixes ending in '.'.",
    )
    disabled_categories: list[str] = Field(default_factory=list)
    allow_terms: list[str] = Field(
        default_factory=list, description="Words never treated as risky (a product name, a film title)."
    )
    severity_overrides: dict[str, Severity] = Field(default_factory=dict, description="rule id -> severity")
    brand_terms: list[str] = Field(
        default_factory=list,
        description="The brand's own names, products and mascots: next to a tragedy they count as promotion.",
    )

    def rule_disabled(self, rule_id: str) -> bool:
        return any(
            rule_id == d or (d.endswith(".") and rule_id.startswith(d)) for d in self.disabled_rules
        )

    def allow_pattern(self) -> Pattern | None:
        """One pattern matching every allow-listed term in folded text, or None."""
        terms = [t for t in self.allow_terms if t.strip()]
        if not terms:
            return None
        return Pattern([terms_alternative(terms)])


def load_checker_config(path: Path | None) -> CheckerConfig:
    """Load the config YAML (an empty file means defaults); errors name the file and the key."""
    if path is None:
        return CheckerConfig()
    raw = read_yaml(path)
    if raw is None:
        return CheckerConfig()
    if not isinstance(raw, dict):
        raise RuleFileError(f"{path}: expected a mapping (disabled_rules, allow_terms, ...)")
    return validated(CheckerConfig, raw, str(path))

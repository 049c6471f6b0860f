"""How every subcommand gets its ReviewService, category labels and ``--fail-on`` test."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.cli.labels import LabelFor, humanize
from bot.review.models import RiskLevel, Severity
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.review.service import ReviewService


def open_service(settings: Settings, offline: bool) -> ReviewService:
    """``ReviewService(settings, offline_only=offline)``; callers ``await service.aclose()``."""
    # Imported here: the service pulls in the LLM client, which `redteam --help` does not need.
    from bot.review.service import ReviewService

    return ReviewService(settings, offline_only=offline)


def label_for(service: ReviewService) -> LabelFor:
    """Category labels from the taxonomy a comms lead edits; an unknown id (say, one an LLM
    made up) is shown humanized rather than dropped."""
    taxonomy = service.checker.taxonomy

    def label(category: str) -> str:
        return taxonomy.get(category).label if category in taxonomy else humanize(category)

    return label


def reaches(level: RiskLevel, fail_on: str | None) -> bool:
    """Whether ``level`` reaches the ``--fail-on`` threshold (never, when none was given)."""
    return fail_on is not None and level.rank >= Severity(fail_on).rank

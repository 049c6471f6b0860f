"""Detectors in code, for risks a word list cannot see (see each module's docstring).

Each detector is ``(scan) -> None`` and adds findings to the scan; the ones listed later may
read the findings of those before them (and of the rule packs, which run first).
"""

from __future__ import annotations

from bot.review.detectors.base import Detector, Finding, Scan
from bot.review.detectors.causes import (
    detect_cause_day_promotion,
    detect_cause_day_slight,
    detect_cause_pivot,
)
from bot.review.detectors.judgement import detect_judgement
from bot.review.detectors.surveillance import detect_surveillance
from bot.review.detectors.tragedy import detect_hashtag_hijack, detect_tragedy

#: Detector id (usable in the config's ``disabled_rules``) -> detector, in running order.
DETECTORS: dict[str, Detector] = {
    "judgement": detect_judgement,
    "surveillance": detect_surveillance,
    "tragedy": detect_tragedy,
    "hashtag": detect_hashtag_hijack,
    "cause": detect_cause_pivot,
    "cause-day": detect_cause_day_slight,
    "cause-day-sale": detect_cause_day_promotion,
}

__all__ = ["DETECTORS", "Detector", "Finding", "Scan"]

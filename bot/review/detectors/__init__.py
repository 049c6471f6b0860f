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
from bot.review.detectors.signals import (
    detect_cause_day_levity,
    detect_death_trade_levity,
    detect_gender_split,
    detect_group_slight,
    detect_hardship_mockery,
    detect_health_promise,
    detect_holy_day_taboo,
    detect_knowing_wink,
    detect_mishap_levity,
    detect_named_private_matter,
    detect_named_scold,
    detect_politics,
    detect_reviewer_injection,
    detect_talking_down,
)
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
    # Compositional signal families (see bot.review.detectors.signals).
    "signals.hardship": detect_hardship_mockery,
    "signals.mishap": detect_mishap_levity,
    "signals.death-care": detect_death_trade_levity,
    "signals.group": detect_group_slight,
    "signals.gender-split": detect_gender_split,
    "signals.holy-day": detect_holy_day_taboo,
    "signals.politics": detect_politics,
    "signals.named-scold": detect_named_scold,
    "signals.named-private": detect_named_private_matter,
    "signals.knowing": detect_knowing_wink,
    "signals.cause-day": detect_cause_day_levity,
    "signals.injection": detect_reviewer_injection,
    "signals.talking-down": detect_talking_down,
    "signals.health-promise": detect_health_promise,
}

__all__ = ["DETECTORS", "Detector", "Finding", "Scan"]

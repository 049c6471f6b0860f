"""Detectors in code, for risks a word list cannot see (see each module's docstring).

Each detector is ``(scan) -> None`` and adds findings to the scan; the ones listed later may
read the findings of those before them (and of the rule packs, which run first). Their words
come from ``rules/detector_texts.yaml`` (``TEXT_NEEDS`` says which rule ids must be there).

The signal-family combinations (``signals.hardship``, ``signals.politics``...) are data in
``rules/signals.yaml``, run after these by one ``SignalDetector`` (see ``signals``); their
detector ids work in ``disabled_rules`` like the ones below.
"""

from __future__ import annotations

from bot.review.detectors import causes, context, disclosure, judgement, surveillance, tragedy
from bot.review.detectors.base import Detector, Finding, Scan
from bot.review.detectors.causes import (
    detect_cause_day_promotion,
    detect_cause_day_slight,
    detect_cause_pivot,
)
from bot.review.detectors.context import detect_context_timing, detect_private_detail_in_image
from bot.review.detectors.disclosure import (
    detect_child_identified,
    detect_named_private_matter,
    detect_reader_record_told,
)
from bot.review.detectors.faith import detect_holy_day_greeting
from bot.review.detectors.judgement import detect_judgement
from bot.review.detectors.signals import SignalDetector
from bot.review.detectors.surveillance import detect_surveillance
from bot.review.detectors.tragedy import detect_hashtag_hijack, detect_tragedy

#: Detector id (usable in the config's ``disabled_rules``) -> detector, in running order.
DETECTORS: dict[str, Detector] = {
    "judgement": detect_judgement,
    "surveillance": detect_surveillance,
    "named-private": detect_named_private_matter,
    "child": detect_child_identified,
    "reader-record": detect_reader_record_told,
    "tragedy": detect_tragedy,
    "hashtag": detect_hashtag_hijack,
    "cause": detect_cause_pivot,
    "cause-day": detect_cause_day_slight,
    "cause-day-sale": detect_cause_day_promotion,
    "context": detect_context_timing,
    "image": detect_private_detail_in_image,
    "greeting": detect_holy_day_greeting,
}

#: Every rule id these detectors report -> what it needs in rules/detector_texts.yaml.
TEXT_NEEDS: dict[str, tuple[str, ...]] = {
    **judgement.TEXTS, **surveillance.TEXTS, **tragedy.TEXTS, **causes.TEXTS, **context.TEXTS,
    **disclosure.TEXTS,
}

__all__ = ["DETECTORS", "TEXT_NEEDS", "Detector", "Finding", "Scan", "SignalDetector"]

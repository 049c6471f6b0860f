"""Customer shaming: second-person judgement or diagnosis aimed at the brand's own customers.

"Who hurt you?" is harmless in a group chat; from a paid service, aimed at people it has just
counted, it diagnoses its customers in public. Aimed at a heckler who started it (a reply), it
is a roast, which the audience usually enjoys, so that stays a note.
"""

from __future__ import annotations

import re

from bot.review.detectors.base import Scan
from bot.review.models import Severity

_REPLY = re.compile(r"^\W*@\w|\b(?:reply|replying|replied|response|responding) to\b")
_SUGGESTION = "Thank instead of judge: swap the punchline for warmth (\"we're with you\")."
_REWRITE = "We're with you."


def detect_judgement(scan: Scan) -> None:
    judgements = scan.hits("diagnosis")
    if not judgements:
        return
    group = scan.has("cohort_count") or scan.has("cohort_individual") or scan.has("cohort_address")
    reply = _REPLY.search(scan.folded) is not None
    for start, end in judgements[:3]:
        # Quote the question or exclamation mark too: "Who hurt you?" is the line people share.
        while end < len(scan.folded) and scan.folded[end] in "?!":
            end += 1
        hit = (start, end)
        if group and not reply:
            scan.add(
                "judgement.diagnoses-customers", "customer_shaming", Severity.high, hit,
                "A judgement or mock diagnosis aimed at the customers the post singles out: the "
                "brand laughs at people for using what they pay for.",
                _SUGGESTION, rewrite=_REWRITE,
            )
            scan.add(
                "judgement.diagnoses-customers", "sarcasm_misfire", Severity.medium, hit,
                "The joke depends on tone; in a screenshot it reads as contempt.",
                _SUGGESTION, rewrite=_REWRITE,
            )
        elif reply:
            scan.add(
                "judgement.roast", "sarcasm_misfire", Severity.low, hit,
                "A roast in a reply: fine when the target picked the fight, harsh if they did not.",
                "Check who the reply is aimed at before posting.",
            )
        else:
            scan.add(
                "judgement.second-person", "customer_shaming", Severity.medium, hit,
                "A second-person judgement or mock diagnosis: your audience is the 'you'.",
                _SUGGESTION, rewrite=_REWRITE,
            )

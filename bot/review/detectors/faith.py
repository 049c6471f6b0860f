"""A holy day greeted as people greet it: no risk the classifier should read into the faith's words.

The classifier learns from labelled drafts in which a holy day's name sat mostly next to a sale
or a joke, so a plain greeting for it ("Selamat menunaikan ibadah puasa Ramadan", "Blessed
Ramadan to all our riders 🙏") can read as risky, and more so for some faiths than for others.
A greeting that holds nothing that sells, jokes, or pairs the day with what the faith avoids is
what a brand is expected to post: the classifier does not add a religion finding to it. The rule
packs still judge it (``religion.sacred-as-promo-or-joke`` and the taboo pairings).
"""

from __future__ import annotations

import re

from bot.review.detectors.base import Scan

_HOLY_DAYS = ("religious_day_hindu", "religious_day_muslim", "religious_day_jewish")
_TABOOS = ("taboo_hindu", "taboo_muslim", "taboo_jewish")
# Families whose words make a greeting something else: an offer, a joke, a taboo, a side taken.
_NOT_A_GREETING = (
    "promotion", "product_pun", "levity", "celebration", *_TABOOS, "partisan", "jab",
    "snark", "sneer",
)


# What turns a greeting towards the brand's own offer ("our all-you-can-eat lounge", "our rye")
# or puts a question to those who keep the day ("Fasting all day?"). The brand's own people and
# customers ("to all our riders") are greeted, not sold to.
_OFFER_OR_QUESTION = re.compile(
    r"\?|\bour\s+(?!(?:community|communities|riders?|drivers?|customers?|teams?|staff|colleagues?"
    r"|partners?|friends?|famil(?:y|ies)|members?|neighbou?rs?|guests?|clients?|patients?|students?"
    r"|employees?|people|fans?|volunteers?|muslim|jewish|hindu|sikh|christian)\b)\w"
    r"|\byour\s+(?!(?:famil(?:y|ies)|loved|homes?|friends?|communit(?:y|ies)|neighbou?rs?|kids|children"
    r"|dear|near|table|prayers?)\b)\w|\bwe(?:'ve| have|'ll| will)\b"
    # A faith's sacred figures in the same post ("Jesus was a carpenter, and even he..."), or
    # the holiday set against another's greeting ("about Christ, not 'the holidays'"), are read
    # by the rule packs; a plain greeting needs neither.
    r"|\b(?:jesus|christ|allah|prophet|muhammad|mohammed|buddha|krishna|moses"
    r"|he is risen|he rose|has risen)\b"
    r"|\bnot\s+['\"‘“]?(?:the\s+)?(?:happy\s+)?holidays\b"
)


def detect_holy_day_greeting(scan: Scan) -> None:
    named = scan.has("holy_day_greeting")
    if not named and not (scan.has("greeting_words") and any(scan.has(day) for day in _HOLY_DAYS)):
        return
    if any(scan.has(family) for family in _NOT_A_GREETING) or _OFFER_OR_QUESTION.search(scan.folded):
        return
    if scan.context is not None and any(scan.lexicons[taboo].spans(scan.context.folded)
                                        for taboo in _TABOOS):
        return  # the picture pairs the day with what the faith avoids (a pint and a bacon roll)
    scan.ruled_out.add("politics_religion")

"""Risk from co-occurring signal families, not from phrasings.

Each family in ``rules/lexicons.yaml`` is a wide word class: a hardship (illness, disability,
poverty, job loss), a mishap a service caused (a cancelled train, an outage, a breach), levity
(lol, 😂, 😉, 🙄, "funny how"), a group of people (a nationality, a gender as addressee),
politics, a holy day, a named member of the public, a private matter, mitigators (an apology, a
donation, a commitment, consent). None of them is a risk alone; the combinations a comms reviewer
would stop are data, in ``rules/signals.yaml`` (loaded and checked by ``bot.review.signal_rules``),
so a new wording of a known mistake still lands in the same families, and a comms lead adds a
combination without touching code.

Most combinations share one shape, ``Combination.pair_in``: for each word of the anchor families,
the first word of a partner family within a window, unless a blocker family occurs anywhere in
the post; the anchor is reported, the partner quoted as supporting evidence. A few pairs need
logic a list of families cannot express; they are the ``FINDERS`` below, named from the file,
which still gives their category, severity and words:

- ``gender-split``: two genders (or parent roles) each opening a clause, not joined by "and";
- ``named-scold``: a first name as the addressee ("It's called electricity, Karen."), found by its
  capital letter in the original text, next to a scold or a laugh, with no warmth;
- ``laughing-at-a-letdown``: what a group of customers gave up on or cancelled, with a laugh at
  them (not a teaser 👀 or a cool 😎).

``SignalDetector`` is the one detector that runs them all, in the file's order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.review.detectors.base import CALENDAR_WORDS, Hit, Scan, closest, near
from bot.review.models import Severity

#: Lists of families, read entry by entry; the families of one entry (a group) are read together,
#: in reading order. ``near`` returns the first hit in the window, so this order decides which
#: partner is quoted.
Families = tuple[tuple[str, ...], ...]
#: An anchor and its partner (None: the anchor alone is the evidence).
Pair = tuple[Hit, Hit | None]
#: Code that finds the pair of a combination the families alone cannot describe.
Finder = Callable[[Scan], Pair | None]

_POST = 400  # one post: signals anywhere in it combine


def _read(scan: Scan, families: Families) -> list[Hit]:
    if len(families) == 1 and len(families[0]) == 1:
        return scan.hits(families[0][0])  # the cached list: read, never changed
    hits: list[Hit] = []
    for entry in families:
        if len(entry) == 1:
            hits += scan.hits(entry[0])
        else:
            hits += sorted([h for name in entry for h in scan.hits(name)])
    return hits


@dataclass(frozen=True, slots=True)
class Also:
    """The same evidence reported under a second category."""

    category: str
    severity: Severity
    on_partner: bool
    message: str
    suggestion: str | None


@dataclass(frozen=True, slots=True)
class Combination:
    """One entry of ``rules/signals.yaml``, with its families resolved to lexicon names."""

    rule_id: str
    category: str
    severity: Severity
    message: str
    suggestion: str | None
    partner_message: str = ""
    anchor: Families = ()
    partners: Families = ()
    unless: tuple[str, ...] = ()
    requires_near: tuple[str, ...] = ()
    window: int = _POST
    first_anchor_only: bool = False
    finder: Finder | None = None
    also: tuple[Also, ...] = ()
    #: The single anchor family, when there is one: checked before anything else (most drafts
    #: have none of it, and this is the whole cost of the combination for them).
    lone_anchor: str | None = None

    def pair_in(self, scan: Scan) -> Pair | None:
        """The first anchor with a partner in its window (and the required company), or None."""
        anchors = _read(scan, self.anchor)
        if not anchors:
            return None
        partners = _read(scan, self.partners) if self.partners else None
        if partners is not None and not partners:
            return None
        for name in self.unless:
            if scan.has(name):
                return None
        company = [h for name in self.requires_near for h in scan.hits(name)] if self.requires_near else None
        if company is not None and not company:
            return None
        window = self.window
        for anchor in anchors[:1] if self.first_anchor_only else anchors:
            if company is not None and near(company, anchor, window, window) is None:
                continue
            if partners is None:
                return anchor, None
            partner = near(partners, anchor, window, window)
            if partner is not None:
                return anchor, partner
        return None

    def fire(self, scan: Scan) -> bool:
        """Report the combination if the draft has it; True when it did."""
        pair = self.finder(scan) if self.finder is not None else self.pair_in(scan)
        if pair is None:
            return False
        anchor, partner = pair
        scan.add(self.rule_id, self.category, self.severity, anchor, self.message, self.suggestion)
        if partner is not None and partner != anchor:
            scan.add(self.rule_id, self.category, self.severity, partner, self.partner_message,
                     self.suggestion, primary=False)
        for also in self.also:
            hit = partner if also.on_partner else anchor
            if hit is not None:
                scan.add(self.rule_id, also.category, also.severity, hit, also.message, also.suggestion)
        return True


class SignalDetector:
    """Runs every enabled detector of ``rules/signals.yaml``: each is a run of combinations,
    tried in order until one fires, so a post gets one finding per detector at most."""

    __slots__ = ("_detectors",)

    def __init__(self, detectors: list[tuple[Combination, ...]]) -> None:
        self._detectors = tuple(detectors)

    def __call__(self, scan: Scan) -> None:
        hits = scan.hits
        for combinations in self._detectors:
            for combination in combinations:
                lone = combination.lone_anchor
                if lone is not None and not hits(lone):
                    continue
                if combination.fire(scan):
                    break


# --- finders: pairs found by code ----------------------------------------------------------------


def _mockery(scan: Scan) -> list[Hit]:
    return sorted(scan.hits("levity") + scan.hits("belittle") + scan.hits("diagnosis") + scan.hits("jab"))


_JOINED = re.compile(r"^(?:'s|s')?\s*(?:and|&|or|n|,|/|\+|-)\s*(?:the\s+|all\s+|their\s+|your\s+)?$")
_CLAUSE_START = re.compile(r"(?:^|[.!?:\n]|[^\w\s,;-])\s*$")


def _addressed(scan: Scan, hit: Hit) -> bool:
    """True when the group word opens a clause ("Girls: ...", "Moms, we made you...")."""
    return _CLAUSE_START.search(scan.folded, max(0, hit[0] - 4), hit[0]) is not None


def find_gender_split(scan: Scan) -> Pair | None:
    """Two genders (or parent roles) addressed separately, each handed its own role."""
    women = [h for h in scan.hits("female_group") if _addressed(scan, h)]
    if not women:
        return None
    men = [h for h in scan.hits("male_group") if _addressed(scan, h)]
    if not men:
        return None
    for w in women:
        m = closest(men, w)
        first, second = sorted([w, m])
        if _JOINED.match(scan.folded[first[1]:second[0]]):
            continue
        if abs(w[0] - m[0]) > 250:
            continue
        return first, second
    return None


# "It's called electricity, Karen." — a first name as the addressee, after a scold.
# "It's a pizza, Dana, not a..." — the name can also sit between two commas.
_VOCATIVE = re.compile(r",\s+([A-Z][a-z]{2,})\s*(?:[.!?…]|,\s+(?:not|it'?s|we|you|that)\b|[^\w\s,;:'’-]|$)")
_NOT_NAMES = frozenset({
    "Everyone", "Everybody", "Friends", "Folks", "Team", "Fam", "Family", "Guys", "Besties", "Bestie",
    "Fans", "Friend", "Pals", "Buddy", "Babe", "All", "Too", "Though", "Please", "Thanks",
    "Today", "Tomorrow", "Tonight", "Again", "Anyway", "Yet", "Still", "Now", "Here", "There",
    "Honestly", "Seriously", "Really", "Sadly", "Luckily", "Obviously", "Also", "Plus", "Well",
    # A day, a month or a season greeted with an eye-roll ("Oh good, Monday 🙃") is no customer.
    "Weekend", "Spring", "Summer", "Autumn", "Fall", "Winter",
    *(word.capitalize() for word in CALENDAR_WORDS),
})


def find_named_scold(scan: Scan) -> Pair | None:
    """A customer called out by first name next to a scold or a laugh, with no warmth."""
    original = scan.text.original
    vocatives = [m for m in _VOCATIVE.finditer(original) if m.group(1) not in _NOT_NAMES]
    if not vocatives:
        return None
    scolds = scan.hits("scold") + scan.hits("levity") + scan.hits("jab") + scan.hits("diagnosis")
    if not scolds:
        return None
    # "Thanks, Derek 🙄" is still a scold; plain warmth or good wishes without an eye-roll are not.
    if scan.has("care") or ((scan.has("warmth") or scan.has("good_wishes")) and not scan.has("jab")):
        return None
    for m in vocatives:
        # Vocatives are found in the original (capitals matter); scolds in the folded copy.
        if original.isascii():
            name_hit: Hit | None = (m.start(1), m.end(1))
        else:
            name_hit = scan.text.folded_range(m.start(1), m.end(1))
        if name_hit is None:
            continue
        partner = near(sorted(scolds), name_hit, _POST, _POST)
        if partner is not None:
            return name_hit, partner
    return None


def find_laughing_at_a_letdown(scan: Scan) -> Pair | None:
    """A laugh at what a group of customers gave up on, cancelled or complained about."""
    letdowns = scan.hits("letdown")
    if not letdowns:
        return None
    mockery = _mockery(scan)
    if not mockery or scan.has("care"):
        return None
    groups = scan.hits("behaviour_group") + scan.hits("cohort_count") + scan.hits("cohort_individual")
    if not groups or (scan.has("warmth") and not scan.has("jab")):
        return None
    # A teaser 👀 or a cool 😎 is not a laugh at anyone.
    laughs = [h for h in mockery if scan.folded[h[0]:h[1]] not in ("👀", "😎")]
    for letdown in letdowns:
        group = near(groups, letdown, 120, 40)
        partner = near(laughs, letdown, _POST, _POST) if group is not None else None
        if partner is not None:
            return letdown, partner
    return None


#: Finder name (``finder:`` in rules/signals.yaml) -> code.
FINDERS: Mapping[str, Finder] = {
    "gender-split": find_gender_split,
    "named-scold": find_named_scold,
    "laughing-at-a-letdown": find_laughing_at_a_letdown,
}

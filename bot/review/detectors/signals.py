"""Risk from co-occurring signal families, not from phrasings.

Each family in ``rules/lexicons.yaml`` is a wide word class: a hardship (illness, disability,
poverty, job loss), a mishap a service caused (a cancelled train, an outage, a breach), levity
(lol, 😂, 😉, 🙄, "funny how"), a group of people (a nationality, a gender as addressee),
politics, a holy day, a named member of the public, a private matter, mitigators (an apology, a
donation, a commitment, consent). None of them is a risk alone; the rules below score the
combinations a comms reviewer would stop, so a new wording of a known mistake still lands in the
same families:

- hardship x (levity | belittling) without care: punching down;
- a service mishap x levity without an apology: off-brand tone (and sarcasm);
- a death-care business x levity: off-brand tone;
- a nationality x disgust or insinuation, a group or its day x a stereotyped prop, two genders
  addressed separately: stereotype;
- a holy day x what that faith avoids (beef on Diwali, a wink at Ramadan's fast): religion;
- an election x a party badge, a protest x levity: politics;
- a named customer called out with a scold ("It's called electricity, Karen."): shaming;
- a lesson or sneer ("reading is free 🙄"), or a laugh at what a group of customers gave up on or
  cancelled: shaming;
- a named member of the public x a health, pregnancy or money matter: privacy disclosure;
- "we know what's going on" x a precise time or place x a wink, or what people typed in private
  counted and judged: surveillance;
- a cause day x levity, or a mood "fix" on an awareness day: trivialising the cause;
- the automated reviewer addressed x a verdict control word: prompt injection.
"""

from __future__ import annotations

import re

from bot.review.detectors.base import Hit, Scan, closest, near
from bot.review.models import Severity

_POST = 400  # one post: signals anywhere in it combine


def _pair(scan: Scan, anchor: Hit, partner: Hit | None, rule_id: str, category: str,
          severity: Severity, message: str, suggestion: str, partner_message: str) -> None:
    """Report the anchor words, and the partner words as supporting evidence."""
    scan.add(rule_id, category, severity, anchor, message, suggestion)
    if partner is not None and partner != anchor:
        scan.add(rule_id, category, severity, partner, partner_message, suggestion, primary=False)


def _mockery(scan: Scan) -> list[Hit]:
    return sorted(scan.hits("levity") + scan.hits("belittle") + scan.hits("diagnosis") + scan.hits("jab"))


def detect_hardship_mockery(scan: Scan) -> None:
    """Illness, disability, poverty or job loss next to a laugh, a party emoji or a put-down."""
    hardships = scan.hits("hardship")
    if not hardships:
        return
    mockery = _mockery(scan) + scan.hits("party")
    if not mockery or scan.has("care"):
        return
    for hardship in hardships:
        partner = near(mockery, hardship, _POST, _POST)
        if partner is None:
            continue
        _pair(
            scan, hardship, partner, "signals.hardship-as-joke", "punching_down", Severity.medium,
            "Illness, disability, poverty or job loss is the set-up of a joke or a sales hook: the "
            "people living with it are the punchline.",
            "Drop the joke; if the product really helps people in this situation, say how, plainly.",
            "This is what turns the hardship into a joke.",
        )
        return


def detect_mishap_levity(scan: Scan) -> None:
    """A delay, outage, breach or price rise the brand caused, told with a laugh and no apology."""
    mishaps = scan.hits("mishap")
    if not mishaps:
        return
    levity = scan.hits("levity")
    if not levity or scan.has("care"):
        return
    for mishap in mishaps:
        partner = near(levity, mishap, _POST, _POST)
        if partner is None:
            continue
        _pair(
            scan, mishap, partner, "signals.mishap-with-a-laugh", "off_brand_tone", Severity.medium,
            "Something went wrong for the people you serve, and the post laughs about it: to the "
            "stranded, the hacked or the overcharged it reads as contempt.",
            "Own it plainly: what happened, what you are doing, when it will be fixed. Save the joke.",
            "This is the laugh or wink that lands on the affected customers.",
        )
        scan.add("signals.mishap-with-a-laugh", "sarcasm_misfire", Severity.medium, partner,
                 "A wink or laugh about a failure reads as mockery in a screenshot.",
                 "Own the failure plainly; no wink.")
        return


def detect_death_trade_levity(scan: Scan) -> None:
    """A funeral home, hospice or cemetery being jokey about the thing it exists for."""
    trade = scan.hits("death_trade")
    if not trade:
        return
    levity = scan.hits("levity")
    partner = near(levity, trade[0], _POST, _POST) if levity else None
    if partner is None:
        return
    _pair(
        scan, trade[0], partner, "signals.death-care-joke", "off_brand_tone", Severity.medium,
        "Death care and grief with a wink or a laugh: the people reading are the bereaved and the dying.",
        "Keep the voice calm and kind; let the service and the people speak, without puns.",
        "This is the joke or wink.",
    )


def detect_group_slight(scan: Scan) -> None:
    """A people or place with disgust or insinuation; a group or its day with a stereotyped prop."""
    groups = scan.hits("nationality")
    disgust = scan.hits("disgust")
    for group in groups:
        partner = near(disgust, group, _POST, _POST)
        if partner is not None:
            _pair(
                scan, group, partner, "signals.people-with-disgust", "stereotype_bias", Severity.medium,
                "A country, people or place paired with disgust or a knowing 'you know': the joke "
                "is a stereotype about the people who live there.",
                "Sell the product on what it does, not on a stereotype about a place or people.",
                "This is the disgust or insinuation.",
            )
            return
    props = scan.hits("stereotype_prop")
    if not props:
        return
    anchors = groups + scan.hits("cause_day") + [h for day, _ in _TABOOS for h in scan.hits(day)]
    for prop in props:
        partner = near(anchors, prop, _POST, _POST) if anchors else None
        if partner is not None:
            _pair(
                scan, prop, partner, "signals.stereotyped-prop", "stereotype_bias", Severity.high,
                "A food, costume or prop that is a known stereotype about the group (or the day "
                "that honours it).",
                "Honour the group or the day with substance; never with the stereotype.",
                "This is the group or day it is pinned to.",
            )
            return


_JOINED = re.compile(r"^(?:'s|s')?\s*(?:and|&|or|n|,|/|\+|-)\s*(?:the\s+|all\s+|their\s+|your\s+)?$")
_CLAUSE_START = re.compile(r"(?:^|[.!?:\n]|[^\w\s,;-])\s*$")


def _addressed(scan: Scan, hit: Hit) -> bool:
    """True when the group word opens a clause ("Girls: ...", "Moms, we made you...")."""
    return _CLAUSE_START.search(scan.folded, max(0, hit[0] - 4), hit[0]) is not None


def detect_gender_split(scan: Scan) -> None:
    """Two genders (or parent roles) addressed separately, each handed its own role."""
    women = [h for h in scan.hits("female_group") if _addressed(scan, h)]
    men = [h for h in scan.hits("male_group") if _addressed(scan, h)]
    if not women or not men:
        return
    for w in women:
        m = closest(men, w)
        first, second = sorted([w, m])
        if _JOINED.match(scan.folded[first[1]:second[0]]):
            continue
        if abs(w[0] - m[0]) > 250:
            continue
        _pair(
            scan, first, second, "signals.gender-split", "stereotype_bias", Severity.medium,
            "Two genders (or mums and dads) are addressed separately and handed different roles: "
            "whichever way round, one of them gets the stereotype.",
            "Address everyone together, or give both the same options.",
            "This is the other group in the split.",
        )
        return


_TABOOS = (("religious_day_hindu", "taboo_hindu"), ("religious_day_muslim", "taboo_muslim"),
           ("religious_day_jewish", "taboo_jewish"))


def detect_holy_day_taboo(scan: Scan) -> None:
    """A holy day promoted with what that faith avoids, or with a wink at its observance."""
    for day_list, taboo_list in _TABOOS:
        days = scan.hits(day_list)
        if not days:
            continue
        taboos = scan.hits(taboo_list)
        partner = near(taboos, days[0], _POST, _POST) if taboos else None
        if partner is None:
            continue
        _pair(
            scan, days[0], partner, "signals.holy-day-taboo", "politics_religion", Severity.high,
            "A holy day used to sell something its observers avoid, or with a wink at its "
            "observance: it reads as not knowing, or mocking, the faith.",
            "Greet the day sincerely, or leave the product out of it.",
            "This is what the faith avoids, or the wink.",
        )
        return


def detect_politics(scan: Scan) -> None:
    """An election with a side taken, or protesters mocked."""
    elections = scan.hits("politics")
    protests = scan.hits("protest")
    if (not elections and not protests) or scan.has("civic_neutral"):
        return
    partisan = scan.hits("partisan")
    for election in elections:
        partner = near(partisan, election, _POST, _POST) if partisan else None
        if partner is not None:
            _pair(
                scan, election, partner, "signals.takes-a-side", "politics_religion", Severity.medium,
                "The brand takes a side in an election or a policy fight: half the audience hears "
                "that it is against them.",
                "Encourage people to vote without hinting at whom for, or leave politics out.",
                "This is where the post takes a side.",
            )
            return
    mockery = _mockery(scan)
    for protest in protests:
        partner = near(mockery, protest, _POST, _POST) if mockery else None
        if partner is not None:
            _pair(
                scan, protest, partner, "signals.protest-as-joke", "politics_religion", Severity.medium,
                "Protest or protesters are the butt of a joke or a product moment: people marching "
                "for a cause see the brand siding against them.",
                "Leave protests out of marketing; if you support a cause, say what you do for it.",
                "This is the joke or put-down.",
            )
            scan.add("signals.protest-as-joke", "trivializing_social_cause", Severity.medium, protest,
                     "A real protest turned into a joke or a product moment.",
                     "Leave protests out of marketing.")
            return


# "It's called electricity, Karen." — a first name as the addressee, after a scold.
# "It's a pizza, Dana, not a..." — the name can also sit between two commas.
_VOCATIVE = re.compile(r",\s+([A-Z][a-z]{2,})\s*(?:[.!?…]|,\s+(?:not|it'?s|we|you|that)\b|[^\w\s,;:'’-]|$)")
_NOT_NAMES = frozenset({
    "Everyone", "Everybody", "Friends", "Folks", "Team", "Fam", "Family", "Guys", "Besties", "Bestie",
    "Fans", "Friend", "Pals", "Buddy", "Babe", "All", "Too", "Though", "Please", "Thanks",
    "Today", "Tomorrow", "Tonight", "Again", "Anyway", "Yet", "Still", "Now", "Here", "There",
    "Honestly", "Seriously", "Really", "Sadly", "Luckily", "Obviously", "Also", "Plus", "Well",
})


def detect_named_scold(scan: Scan) -> None:
    """A customer called out by first name next to a scold or a laugh, with no warmth."""
    original = scan.text.original
    vocatives = [m for m in _VOCATIVE.finditer(original) if m.group(1) not in _NOT_NAMES]
    if not vocatives:
        return
    scolds = scan.hits("scold") + scan.hits("levity") + scan.hits("jab") + scan.hits("diagnosis")
    if not scolds:
        return
    # "Thanks, Derek 🙄" is still a scold; plain warmth without an eye-roll is not.
    if scan.has("care") or (scan.has("warmth") and not scan.has("jab")):
        return
    for m in vocatives:
        # Vocatives are found in the original (capitals matter); scolds in the folded copy.
        if original.isascii():
            name_hit: Hit | None = (m.start(1), m.end(1))
        else:
            name_hit = _folded_hit(scan, m.start(1), m.end(1))
        if name_hit is None:
            continue
        partner = near(sorted(scolds), name_hit, _POST, _POST)
        if partner is None:
            continue
        _pair(
            scan, name_hit, partner, "signals.named-customer-scolded", "customer_shaming", Severity.medium,
            "A customer is called out by name and scolded or laughed at in public: everyone who has "
            "ever complained sees how the brand talks about them.",
            "Answer the complaint privately and kindly; never name and mock a customer.",
            "This is the scold or the laugh aimed at them.",
        )
        scan.add("signals.named-customer-scolded", "sarcasm_misfire", Severity.medium, partner,
                 "Sarcasm aimed at a named customer reads as contempt.",
                 "Drop the sarcasm.")
        return


def _folded_hit(scan: Scan, start: int, end: int) -> Hit | None:
    """The folded range for an original range (drafts with non-ASCII text have an index map)."""
    word = scan.text.original[start:end].lower()
    at = scan.folded.find(word)
    while at >= 0:
        span = scan.text.span(at, at + len(word))
        if span.start == start:
            return at, at + len(word)
        at = scan.folded.find(word, at + 1)
    return None


def detect_named_private_matter(scan: Scan) -> None:
    """A named member of the public with their health, pregnancy or money in the post."""
    people = scan.hits("named_person")
    if not people:
        return
    matters = scan.hits("private_matter")
    if not matters or scan.has("consent"):
        return
    for person in people:
        partner = near(matters, person, _POST, _POST) if matters else None
        if partner is not None:
            _pair(
                scan, person, partner, "signals.named-private-matter", "privacy_disclosure", Severity.high,
                "A named customer, patient or account holder, with their health, pregnancy or money "
                "in public: it discloses what they told you in confidence.",
                "Never name the person; with their written consent, let them tell it themselves.",
                "This is the private matter disclosed.",
            )
            return


def detect_knowing_wink(scan: Scan) -> None:
    """'We know what's going on' about a precise time or place, or private typing counted and judged."""
    knowings = scan.hits("knowing")
    private = scan.hits("private_content")
    if not knowings and not private:
        return
    mockery = _mockery(scan) if knowings else []
    precise = (scan.hits("precise_window") + scan.hits("precise_location") + scan.hits("exact_time")
               + scan.hits("cohort_count") + scan.hits("cohort_individual"))
    for knowing in knowings if mockery else []:
        if near(precise, knowing, _POST, _POST) is None:
            continue
        partner = near(mockery, knowing, _POST, _POST)
        if partner is not None:
            _pair(
                scan, knowing, partner, "signals.knowing-wink", "surveillance_creep", Severity.high,
                "The brand says it knows what people do at a precise time or place, with a wink: "
                "everyone who uses the product wonders what it knows about them.",
                "Share trends only, without times, places or hints about what people get up to.",
                "This is the wink that makes the data personal.",
            )
            return
    judging = scan.hits("scold") + scan.hits("diagnosis") + scan.hits("jab")
    for typed in private:
        partner = near(judging, typed, _POST, _POST) if judging else None
        if partner is not None:
            _pair(
                scan, typed, partner, "signals.private-content-judged", "surveillance_creep", Severity.medium,
                "What people typed, searched or said in private is counted and then commented on: "
                "it tells users their private words are read.",
                "Do not publish what people type or search; if at all, only as a warm, anonymous trend.",
                "This is the comment on what they typed.",
            )
            return


def detect_cause_day_levity(scan: Scan) -> None:
    """An awareness day, heritage month or Pride turned into a joke, or into a mood 'fix'."""
    days = scan.hits("cause_day")
    if not days:
        return
    partner = near(scan.hits("levity") + scan.hits("mood_fix"), days[0], _POST, _POST)
    if partner is None or scan.has("care") or scan.has("donation"):
        return
    _pair(
        scan, days[0], partner, "signals.cause-day-as-joke", "trivializing_social_cause", Severity.medium,
        "A day about a group's struggle or history is used for a joke or a mood-lifting pitch, "
        "with nothing done for the cause.",
        "Mark the day with something real (a donation, a commitment, people's own stories) or skip it.",
        "This is what makes light of the day.",
    )


def detect_reviewer_injection(scan: Scan) -> None:
    """The automated reviewer addressed, with the words of a verdict it should give."""
    # Role tags ("[SYSTEM]", "<|im_start|>") only ever speak to a model: no partner needed.
    tags = scan.hits("role_tag")
    if tags and not scan.has("injection_talk"):
        scan.add("signals.reviewer-instructed", "prompt_injection", Severity.high, tags[0],
                 "The draft carries a chat-model role tag: text written to steer an AI, not for readers.",
                 "Remove the tag and whatever follows it; the review judges the post as the public sees it.")
        return
    addresses = scan.hits("reviewer_address")
    # A post *about* prompt injection (a security webinar, a joke about the brand's chatbot)
    # quotes the attack; it is not one.
    if not addresses or scan.has("injection_talk"):
        return
    controls = scan.hits("verdict_control")
    for address in addresses:
        partner = near(controls, address, 200, 200) if controls else None
        if partner is not None:
            _pair(
                scan, address, partner, "signals.reviewer-instructed", "prompt_injection", Severity.high,
                "The draft talks to the automated reviewer and tells it what verdict to give.",
                "Remove the instructions; the review judges the post as the public will see it.",
                "This is the verdict it asks for.",
            )
            return


def detect_talking_down(scan: Scan) -> None:
    """A lesson or a sneer aimed at customers, or a laugh at what a group of them did."""
    lessons = scan.hits("condescend")
    letdowns = scan.hits("letdown")
    if not lessons and not letdowns:
        return
    mockery = _mockery(scan)
    if not mockery or scan.has("care"):
        return
    for lesson in lessons:
        partner = near(mockery, lesson, _POST, _POST)
        if partner is not None:
            _pair(
                scan, lesson, partner, "signals.talking-down", "customer_shaming", Severity.medium,
                "A lesson or a sneer aimed at the people who asked or complained: the audience sees "
                "the brand talking down to its customers.",
                "Help instead: answer the question or fix the problem, without the lesson or the eye-roll.",
                "This is the eye-roll or laugh that goes with it.",
            )
            # The eye-roll is what makes it sarcasm, and it is what gets screenshotted.
            scan.add("signals.talking-down", "sarcasm_misfire", Severity.medium, partner,
                     "Sarcasm aimed at customers reads as contempt.", "Drop the eye-roll.")
            return
    groups = scan.hits("behaviour_group") + scan.hits("cohort_count") + scan.hits("cohort_individual")
    if not groups or (scan.has("warmth") and not scan.has("jab")):
        return
    # A teaser 👀 or a cool 😎 is not a laugh at anyone.
    laughs = [h for h in mockery if scan.folded[h[0]:h[1]] not in ("👀", "😎")]
    for letdown in letdowns:
        group = near(groups, letdown, 120, 40)
        partner = near(laughs, letdown, _POST, _POST) if group is not None else None
        if partner is not None:
            _pair(
                scan, letdown, partner, "signals.laughing-at-a-letdown", "customer_shaming", Severity.medium,
                "Customers singled out for something they gave up on, cancelled or complained about, "
                "with a laugh: they are the joke.",
                "Laugh at the brand, not at what customers did; or encourage them instead.",
                "This is the laugh aimed at them.",
            )
            return


def detect_health_promise(scan: Scan) -> None:
    """A body or health outcome with a miracle promise: the claims a regulator or a doctor quotes back."""
    promises = scan.hits("health_promise")
    if not promises:
        return
    targets = scan.hits("health_target")
    # A post that debunks the claim ("Sunscreen from the inside? No such thing.") quotes it.
    if not targets or scan.has("debunk"):
        return
    for promise in promises:
        partner = near(targets, promise, _POST, _POST) if targets else None
        if partner is not None:
            _pair(
                scan, promise, partner, "signals.health-promise", "misinformation_claims", Severity.medium,
                "A health or body outcome promised with miracle wording (overnight, while you sleep, "
                "proven with an asterisk, instead of the proven protection): a claim the product "
                "cannot back, and unsafe if believed.",
                "State only what the evidence supports, with its source; never suggest replacing "
                "medical care.",
                "This is the health outcome promised.",
            )
            return

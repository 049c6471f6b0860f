"""What the author's notes say about the moment: a promotion or a joke posted during a disaster.

The notes (``Draft.notes``: the CLI's ``--notes``, the Slack form's notes field) are not
published, so nothing in them is quoted as evidence; they are read for the moment the post will
land in ("the morning after the earthquake", "during the hurricane", "on the anniversary of the
attack"). The evidence is the draft's own words that make it promotional or light-hearted.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.review.detectors.base import CALENDAR_WORDS, Finding, Hit, Scan, near, offered
from bot.review.detectors.tragedy import plain_remembrance
from bot.review.models import Severity
from bot.review.text import FoldedText, sentence_bounds

#: The rule ids reported -> what each needs in rules/detector_texts.yaml besides a message.
TEXTS: dict[str, tuple[str, ...]] = {
    "context.promotion-in-a-crisis": (),
    "context.business-as-usual-in-a-crisis": (),
    "context.disaster-echoed-to-sell": (),
    "context.cleared-by-notes": (),
    "context.consent-in-notes": (),
    "context.private-detail-in-image": (),
}

_MAX_NOTE_QUOTE = 80
# The families that turn a post into a sale or a joke, most telling first.
_LIGHT = ("promotion", "product_pun", "levity", "celebration")
# Of those, the ones words of sympathy do not excuse: an offer, a pun, a joke ("sorry! 😅").
_SELLING = ("promotion", "product_pun", "levity")
# Offer words that give rather than sell: a donation, a free meal for those a day honours,
# safety advice, closures and relief.
_GIVING = ("donation", "tribute_offer", "safety_notice")


# Words that make the grave word before them the name of what the organisation is or does
# ("Funeral director.", "Bereavement charity", "Memorial fund"): who is posting, not the moment.
_ORGANISATION = re.compile(
    r"[\s-]*(?:directors?|homes?|parlou?rs?|plans?|planning|insurers?|insurance|charit(?:y|ies)"
    r"|funds?|trusts?|foundations?|providers?|compan(?:y|ies)|firms?|business(?:es)?|accounts?|brands?"
    r"|teams?|cover|support\s+(?:group|line|service)s?|counsell?(?:ing|ors?)|stonemasons?"
    r"|relief|response|responders?|recovery|preparedness)\b"
)
# The same when a word family's match takes the work in ("disaster-relief").
_ORGANISATION_TAIL = re.compile(r"[\s-](?:relief|response|responders?|recovery|preparedness)$")


def _note_hit(scan: Scan) -> tuple[int, int] | None:
    """Where the notes name a disaster, a death, a day of mourning or a crisis, if they do: not
    where the word names the organisation's own work (a funeral director's notes say so)."""
    notes = scan.context
    if notes is None or scan.noted("notes_clear"):
        return None
    for lexicon in ("tragedy", "commemoration", "crisis_moment"):
        for found in scan.lexicons[lexicon].spans(notes.folded):
            if (_ORGANISATION.match(notes.folded, found[1]) is None
                    and _ORGANISATION_TAIL.search(notes.folded, found[0], found[1]) is None
                    and not _denied(notes.folded, found)):
                return found
    return None


# A disaster word the notes deny ("there is no tsunami in the news", "not an actual flood").
def _denied(notes: str, hit: Hit) -> bool:
    """Whether the notes deny the disaster word at ``hit``: a word, not a moment ("during a
    heatwave" says when, and "homes without cooling during a heatwave" denies nothing)."""
    return (_MOMENT.match(notes, hit[0]) is None
            and _NOTE_DENIED.search(notes, max(0, hit[0] - 24), hit[0]) is not None)


_MOMENT = re.compile(r"(?:during|after|since|amid|following|before|in|on|at|from|over)\b")
_NOTE_DENIED = re.compile(
    r"(?:\bno|\bnot|\bnever|\bwithout|\bnothing about)\s+(?:an?\s+|any\s+|the\s+)?"
    # a qualifier ("no active fires", "no building collapse") or a list ("no quake/tsunami news")
    r"(?:(?!after\b|during\b|since\b|before\b|following\b|amid\b)[\w-]+\s+)?(?:[\w-]+\s*/\s*)*$"
)


# The word of the disaster itself ("flood" of "the floods", "heat" of "the heatwave"), as the
# draft might echo it: its first letters, the length of a short stem.
_STEM = 4
_WORD = re.compile(r"[^\W\d_]{4,}")


def _echo(scan: Scan, note: Hit) -> Hit | None:
    """Where the draft itself names or puns on what the notes say happened: its own words of a
    disaster or a death, or a word that starts as the notes' word does ("Flood your cart" the
    week of the floods, "Delhi heat" in the heatwave)."""
    own = sorted(scan.hits("tragedy") + scan.hits("crisis_moment"))
    if own:
        return own[0]
    notes = scan.context
    assert notes is not None
    # The day of the week of "Remembrance Sunday" dates the post; a "Sunday" in it is no echo.
    named = {m.group()[:_STEM] for lexicon in ("tragedy", "crisis_moment")
             for found in [note, *scan.lexicons[lexicon].spans(notes.folded)]
             for m in _WORD.finditer(notes.folded, found[0], found[1])
             if m.group() not in CALENDAR_WORDS}
    named -= {"duri", "afte", "befo", "week", "with", "from", "this", "that", "morn", "nigh", "days",
              "stil", "were", "have", "been", "some", "more", "over"}
    if not named:
        return None
    for m in _WORD.finditer(scan.folded):
        if m.group()[:_STEM] in named:
            return m.start(), m.end()
    return None


def _notes_said(notes: FoldedText) -> str:
    """The notes as a finding's message repeats them: on one line, cut at ``_MAX_NOTE_QUOTE``."""
    said = " ".join(notes.original.split())
    return said if len(said) <= _MAX_NOTE_QUOTE else said[: _MAX_NOTE_QUOTE - 1].rstrip() + "…"


def _first_sentence(scan: Scan) -> Hit | None:
    for bound in sentence_bounds(scan.folded):
        if scan.folded[bound.start:bound.end].strip():
            return bound.start, bound.end
    return None


# Notes saying the draft answers someone ("Reply to a customer who...", "responding to her DM").
_REPLY = re.compile(
    r"\brepl(?:y|ies|ying)\s+(?:to|under)\b|\brespond(?:s|ing)?\s+to\s+(?:a|her|his|their)\s+"
    r"(?:customer|user|fan|follower|comment|question|complaint|dm|message|tweet|post|review)s?\b"
)


# The words of the care family that act rather than console: money given ("$38,900 raised",
# "proceeds"), a silence kept, promotions paused, nothing to buy.
_GIVEN = re.compile(r"donat|proceeds|fundrais|raised|pledg|scholarship|match|giv|[$£€]|paid|pay|silen"
                    r"|paus|out of respect|no purchase")
# An order a customer has already placed, or could not place, is no offer ("DM us your order
# number", "your flower order", "if you couldn't place an order").
_NOT_AN_OFFER_AFTER = re.compile(r"s?\s+(?:numbers?|no\b|#|status|details|ref|reference|id\b)")
_NOT_AN_OFFER_BEFORE = re.compile(
    r"(?:(?:n't|\bnot|\bnever|\bunable to)\s+(?:\w+\s+){0,2}|\b(?:your|his|her|their)\s+(?:\w+\s+){0,2}"
    r"|\balready\s+)$")


def _still_selling(scan: Scan, family: str) -> list[Hit]:
    """The family's hits that still sell after words of sympathy: not denied ("no sale today"),
    not a customer's own order being looked after."""
    folded = scan.folded
    return [hit for hit in offered(scan, family)
            if not (folded[hit[0]:hit[1]].startswith("order")
                    and (_NOT_AN_OFFER_AFTER.match(folded, hit[1])
                         or _NOT_AN_OFFER_BEFORE.search(folded, max(0, hit[0] - 30), hit[0])))]


def detect_context_timing(scan: Scan) -> None:
    """A promotional or joking draft whose notes place it in a disaster or a day of mourning."""
    note = _note_hit(scan)
    if note is None or scan.context is None:
        return
    # A tribute or an apology is what the moment asks for; an offer or a pun after it is still
    # one ("So sorry to everyone affected. Use code DRY for 10% off"), unless the offer words
    # serve the moment: money given, a free meal for those the day honours, help and closures.
    caring = scan.has("care") or scan.has("solidarity")
    if caring and (any(scan.has(family) for family in _GIVING)
                   or any(_GIVEN.search(scan.folded, *hit) for hit in scan.hits("care"))):
        return
    said_note = _notes_said(scan.context)
    for family in _SELLING if caring else _LIGHT:
        hits = _still_selling(scan, family) if caring else scan.hits(family)
        if hits:
            # Medium, so "revise": held until the moment has passed, the same post can go out.
            # A draft that itself uses the disaster to sell is "do not post" by the tragedy rules.
            said = scan.texts.said("context.promotion-in-a-crisis", "insensitive_timing")
            scan.add("context.promotion-in-a-crisis", "insensitive_timing", Severity.medium, hits[0],
                     f"{said.message} (The notes say: “{said_note}”.)", said.suggestion)
            echo = _echo(scan, note)
            if echo is not None and family != "celebration":
                # The sale or the joke plays on the disaster itself: no later day makes it right.
                said = scan.texts.said("context.disaster-echoed-to-sell", "tragedy_exploitation")
                scan.add("context.disaster-echoed-to-sell", "tragedy_exploitation", Severity.high, echo,
                         f"{said.message} (The notes say: “{said_note}”.)", said.suggestion)
            return
    if caring or scan.has("safety_notice") or plain_remembrance(scan):
        # Sympathy, safety advice, a closure or a holding statement is what the moment asks for.
        return
    if _REPLY.search(scan.context.folded) is not None:
        # A reply answers someone, in a conversation the moment is part of: no broadcast that
        # carries on as if nothing happened, and the notes' words of the loss are no evidence
        # for the classifier to find its timing wrong either.
        scan.ruled_out.add("insensitive_timing")
        return
    sentence = _first_sentence(scan)
    if sentence is not None:
        said = scan.texts.said("context.business-as-usual-in-a-crisis", "insensitive_timing")
        scan.add("context.business-as-usual-in-a-crisis", "insensitive_timing", Severity.medium, sentence,
                 f"{said.message} (The notes say: “{said_note}”.)", said.suggestion)


# The findings the notes can clear: what only looked like a disaster used to sell, and a named
# person's story told with the consent the notes record.
_CLEARED_CATEGORIES = frozenset({"tragedy_exploitation", "insensitive_timing", "hashtag_hijack"})
_STORY_RULES = frozenset({
    "signals.named-private-matter", "privacy.named-person-private-matter", "privacy.child-identified",
    "privacy.what-one-person-did", "privacy.patient-or-guest-details", "classifier",
    "context.private-detail-in-image",
})


# Consent the notes say is missing ("no patient consent form is on file", "has not given
# written consent", "consent was refused").
_NO_CONSENT = re.compile(
    r"(?:\b(?:no|not|never|without|yet to|nor)|n't|\brefused|\bdeclined|\bwithdr[ae]wn?)"
    r"(?:\s+[\w'-]+){0,3}\s*$")
_CONSENT_REFUSED = re.compile(
    r"\s*(?:was |is |has been |had been )?(?:refused|declined|withdrawn|denied|not given|pending)\b")


def _consent_noted(scan: Scan) -> bool:
    """Whether the notes record consent, and do not say it is missing or was refused."""
    notes = scan.context
    assert notes is not None
    found = scan.lexicons["consent"].spans(notes.folded) + scan.lexicons["consent_given"].spans(notes.folded)
    return bool(found) and not any(
        _NO_CONSENT.search(notes.folded, max(0, start - 40), start) is not None
        or _CONSENT_REFUSED.match(notes.folded, end) is not None for start, end in found)


def _notes_deny(scan: Scan) -> bool:
    """Whether the notes name a disaster or a death only to deny it ("checked: there is no
    tsunami in the news")."""
    notes = scan.context
    assert notes is not None
    named = [h for lexicon in ("tragedy", "crisis_moment")
             for h in scan.lexicons[lexicon].spans(notes.folded)]
    return bool(named) and all(_denied(notes.folded, h) for h in named)


def _disaster_cleared(finding: Finding) -> bool:
    return finding.category in _CLEARED_CATEGORIES


def _story_consented(finding: Finding) -> bool:
    return finding.category == "privacy_disclosure" and finding.rule_id in _STORY_RULES


def clear_by_notes(scan: Scan) -> None:
    """After every detector: the notes' word against what the draft's words only seem to say.

    Notes that say the disaster is a name, a story or the brand's own mascot ("the outbreak is
    fictional", "Tsunami is the blender's name") lower those findings to one note; so do notes
    that record a named person's consent to their story. A note, not silence: a reader never
    sees the notes, only the words."""
    if scan.context is None:
        return
    if scan.noted("notes_clear") or _notes_deny(scan):
        _lower(scan, "context.cleared-by-notes", _disaster_cleared)
    if _consent_noted(scan):
        _lower(scan, "context.consent-in-notes", _story_consented)


def _lower(scan: Scan, rule_id: str, clears: Callable[[Finding], bool]) -> None:
    """The findings ``clears`` picks, above a note, replaced by one note of ``rule_id``."""
    cleared = [f for f in scan.findings if clears(f) and f.severity.rank > Severity.low.rank]
    if not cleared:
        return
    first = min((f for f in cleared if f.primary), key=lambda f: f.span.start, default=cleared[0])
    scan.findings = [f for f in scan.findings if f not in cleared]
    said = scan.texts.said(rule_id, first.category)
    scan.findings.append(Finding(rule_id, first.category, Severity.low, first.span, said.message,
                                 said.suggestion))


# How far apart, in the notes, the picture and the private detail it shows may be: one sentence.
_IMAGE_REACH = 120


def detect_private_detail_in_image(scan: Scan) -> None:
    """The notes say the photo, the video or a screen in shot shows a private detail readably (a
    customer's chat, name badges, a prescription label): the post publishes it, whatever its words.
    The evidence is the draft's first sentence, since the notes are never quoted as the post."""
    notes = scan.context
    if notes is None or scan.noted("notes_image_hidden"):
        return
    shown = scan.lexicons["notes_image"].spans(notes.folded)
    if not shown:
        return
    detail = next((d for d in scan.lexicons["notes_private_detail"].spans(notes.folded)
                   if near(shown, d, _IMAGE_REACH, _IMAGE_REACH) is not None), None)
    sentence = _first_sentence(scan)
    if detail is None or sentence is None:
        return
    said = scan.texts.said("context.private-detail-in-image", "privacy_disclosure")
    scan.add("context.private-detail-in-image", "privacy_disclosure", Severity.medium, sentence,
             f"{said.message} (The notes say: “{_notes_said(notes)}”.)", said.suggestion)

"""A named member of the public next to what they bought, took or live with.

"Big thanks to Tom Becker, who picked up his new hearing aids today" tells everyone a patient's
condition; "Jenna Morales on Fairview Ave" and "Priya S." pin a real person as surely as an
address. The name is found by its capitals (the folded text has none), so this cannot be a
word list: a first name and a surname or an initial, introduced as a person ("to", "of", "who",
"on ... Ave"), with a health, pregnancy, recovery or money matter in the same sentence or the
next. Staff introduced by their role ("Meet Maria Lopez, our new store manager") carry no
private matter and stay quiet; a consent phrase ("shared with her permission") stops it.
"""

from __future__ import annotations

import re
from bisect import bisect_left

import re2

from bot.review.detector_texts import PARTNER
from bot.review.detectors.base import CALENDAR_WORDS, Hit, Scan
from bot.review.models import Severity

#: The rule ids reported -> what each needs in rules/detector_texts.yaml besides a message.
TEXTS: dict[str, tuple[str, ...]] = {
    "privacy.named-person-private-matter": (),
    "privacy.child-identified": (PARTNER,),
    "privacy.reader-record-told": (PARTNER,),
}

# Capitalised words that start sentences and greetings, not names.
_NOT_NAMES = frozenset({
    "a", "an", "the", "our", "we", "big", "huge", "special", "happy", "congrats",
    "congratulations", "thanks", "thank", "shout", "shoutout", "so", "very", "meet", "welcome",
    "say", "hello", "hi", "hey", "dear", "to", "for", "from", "with", "and", "but", "or", "this",
    "that", "these", "those", "today", "tonight", "new", "all", "every",
}) | CALENDAR_WORDS
_NAME = re.compile(r"\b([A-Z][a-z]{1,20})\s+([A-Z][a-z]{1,20}|[A-Z]\.)(?=[\s,!.:;'’)]|$)")
# What makes the capitalised pair a person the post is about.
_PERSON_CUE = re.compile(
    r"(?:\bto|\bof|\bcongrat\w*|\bthanks?|\bwelcome|\bproud|\bfor|\blegend|\bregulars?|\b[Nn]ame:)\s*"
    # A title between the cue and the name ("love to Dr. Hannah Ortiz", "Officer Dan Kim").
    r"(?:(?i:dr|mr|mrs|ms|mx|miss|prof|professor|officer|nurse|coach|pastor|captain|sgt|sergeant|cllr|councillor)\.?\s+)?$"
)
_AFTER_CUE = re.compile(
    r"^,?\s*(?:who\b|on\s+[A-Z]\w+\s+(?:Ave|Avenue|Street|St|Road|Rd|Lane|Close|Drive|Crescent|Way)\b|"
    r"from\s+[A-Z]\w+\s+(?:Ave|Avenue|Street|St|Road|Rd|Lane|Close|Drive|Crescent|Way)\b|"
    r"(?:from|in|of|at)\s+[A-Z]\w+\s*[,!.]|'s\b|’s\b)"
)
_REACH = 160
# One first name is a person too when the post introduces them as a customer ("our customer
# Liam from Geelong", "our patient Sarah, who"): the role says who they are.
_CUSTOMER_NAME = re.compile(
    r"\b(?i:our|a|one of our) (?i:customers?|patients?|clients?|members?|guests?|regulars?|"
    r"shoppers?|passengers?|residents?|students?|diners?) ([A-Z][a-z]{1,20})\b(?!\s+[A-Z])"
)


def _names(scan: Scan) -> list[Hit]:
    original = scan.text.original
    found: list[Hit] = []
    for m in _CUSTOMER_NAME.finditer(original):
        if m.group(1).lower() not in _NOT_NAMES:
            found.append((scan.text.folded_index(m.start(1)), scan.text.folded_index(m.end(1))))
    for m in _NAME.finditer(original):
        if m.group(1).lower() in _NOT_NAMES or m.group(2).rstrip(".").lower() in _NOT_NAMES:
            continue
        before = original[max(0, m.start() - 25):m.start()]
        after = original[m.end():m.end() + 60]
        if _PERSON_CUE.search(before) is None and _AFTER_CUE.search(after) is None:
            continue
        found.append((scan.text.folded_index(m.start()), scan.text.folded_index(m.end())))
    return found


def detect_named_private_matter(scan: Scan) -> None:
    private = scan.hits("private_matter")
    if not private or scan.has("consent"):
        return
    for name in _names(scan):
        matter = next((h for h in private if name[1] <= h[0] <= name[1] + _REACH), None)
        if matter is None:
            continue
        scan.report("privacy.named-person-private-matter", "privacy_disclosure", Severity.high, name)
        scan.report("privacy.named-person-private-matter", "privacy_disclosure", Severity.high, matter)
        return


# --- the reader's own record, read out in public -----------------------------------------------
# "Hi Marc, looking at your account, your heating's been on from 8 to 6 when nobody's home": a
# public reply to one person that tells everyone what the brand's records say about them, or
# names their health or money matter ("so glad your HIV meds are working, Dana!"). The reply
# is found by how it addresses one person: a greeting and a name or a handle, or a name set off
# at the end of a clause ("thanks for the review, Dana!").
_GREETING = (r"(?:Hi|Hiya|Hey|Hello|Dear|Morning|Evening|Afternoon|Thanks|Thank you|Congrats|"
             r"Congratulations|Sorry)")
_ADDRESSED = re.compile(
    rf"(?:^|[.!?]\s+)(?:@\w+\s+)*{_GREETING},?\s+"
    r"(?P<name>@\w+|[A-Z][a-z]{1,20})(?=\s*[,!.:?]|\s+[A-Z]\.)"
    r"|^(?P<handle>@\w+)"
    r"|,\s+(?P<late>[A-Z][a-z]{1,20})\s*[!.?]"
)
# Capitalised words a reply addresses that are not one person: a crowd, a team, a pet name.
_NOT_ONE_PERSON = frozenset({
    "everyone", "everybody", "all", "team", "friends", "folks", "guys", "fam", "legends", "there",
    "y'all", "gang", "crew", "family", "neighbours", "neighbors", "london", "again", "sir", "madam",
})
# The reader's own matter, said to them: "your HIV meds", "your payment plan".
_YOURS = re.compile(r"\byour\s+(?:\w+\s+){0,2}$")
_RECORD_REACH = 240
_GENERIC_MATTER = re.compile(
    r"(?:first |usual )?(?:prescriptions?|medications?|meds|(?:prescription|medication|meds) refills?)")


def _addressed(original: str) -> re.Match[str] | None:
    for m in _ADDRESSED.finditer(original):
        name = m.group("name") or m.group("handle") or m.group("late") or ""
        word = name.lstrip("@").lower()
        if word and word not in _NOT_NAMES and word not in _NOT_ONE_PERSON:
            return m
    return None


def detect_reader_record_told(scan: Scan) -> None:
    """A reply to one named person that reads out their record (medium: the reply belongs in a
    private message) or names their health or money matter (high: it was theirs to tell)."""
    original = scan.text.original
    if not any(c.isupper() for c in original) and not original.startswith("@"):
        return
    if scan.has("consent") or scan.has("consent_given") or scan.has("discretion"):
        return
    address = _addressed(original)
    if address is None:
        return
    private = scan.hits("private_matter")
    folded = scan.folded
    mine = [h for h in private if _YOURS.search(folded, max(0, h[0] - 30), h[0]) is not None]
    if mine:
        # "Your prescription is ready" tells little; "your HIV meds" tells a diagnosis.
        matter = mine[0]
        telling = (_GENERIC_MATTER.fullmatch(folded, matter[0], matter[1]) is None
                   and any(h[0] < matter[1] and matter[0] < h[1] for h in scan.hits("sensitive_inference")))
        scan.report("privacy.reader-record-told", "privacy_disclosure",
                    Severity.high if telling else Severity.medium, matter)
        return
    # Not screened for (``lexicons.UNSCREENED``): searched here, once a reply names one person.
    records = scan.lexicons["record_read"].spans(folded)
    if not records:
        return
    at = scan.text.folded_index(address.start())
    details = sorted(scan.lexicons["record_detail"].spans(folded) + private)
    for record in records:
        detail = next((d for d in details if abs(d[0] - record[0]) <= _RECORD_REACH), None)
        if detail is None or abs(record[0] - at) > _RECORD_REACH * 2:
            continue
        scan.report("privacy.reader-record-told", "privacy_disclosure", Severity.medium, record)
        scan.report("privacy.reader-record-told", "privacy_disclosure", Severity.medium, detail, partner=True)
        return


# --- a child made findable -----------------------------------------------------------------------
# A brand that thanks "Maisie from Year 2 at St Columba's Primary" has told every stranger where a
# child spends the day. A first name is harmless; with a school, a class, a street or a health
# matter it identifies a child, and parents and regulators read it as the brand's failure.

# Names in Latin script, accents included ("Lucía", "Zoë").
_LOWER = "a-zß-öø-ÿ"
_FIRST = rf"(?P<name>[A-ZÀ-ÖØ-Þ][{_LOWER}]{{1,20}})"
_SURNAME = rf"(?: [A-ZÀ-ÖØ-Þ][{_LOWER}]+| [A-Z]\.)"
# A school's name ("St Columba's Primary", "Colegio Montessori Coyoacán") or a class ("Year 2",
# "Grade 4", "classe 2ª B", "Cabin 3"); "{faculty}" is where "School of Nursing" is ruled out,
# "{start}" where a name must start a word (inside "AAAA…" no try runs on to the end: linear).
_SCHOOL_SHAPE = (
    r"(?:{start}(?:St\.? |Saint )?(?:[A-Z][\w'’-]+ ){{1,3}}(?:Primary|Elementary|Infants?|Junior|Nursery|"
    r"Pre-?[Ss]chool|Kindergarten|Montessori|Academy|Middle School|High School|Public School|School|"
    r"Grammar|Prep|Daycare|Grundschule|Gymnasium)\b{faculty}"
    r"|(?:Colegio|Escuela|Escola|[Ss]cuola|École|Ecole|Collège|Schule|Shule|Paaralan)"
    r"(?: (?:de |del |da |do |di |della |des |du |ng )?[A-Z][\w'’-]+){{1,3}}"
    r"|(?:Year|Grade|Class|Reception|Primary|Form|Std\.?|Standard|[Cc]lasse|[Cc]lase|[Tt]urma|Klasse|"
    r"[Gg]rado|Cabin|Bunk) ?\d{{1,2}}(?:[ªº°])?(?: ?[A-Z]\b)?)"
)
_SCHOOL = _SCHOOL_SHAPE.format(faculty=r"(?! of\b)", start=r"(?<![\w'’-])")
_AGE_WORDS = r"(?:años|anos|anni|ans|Jahre|Jahren|taong gulang|taon|years? old)"
# A child named with the words that make them a child: an age ("9-year-old Jack", "Maisie, 7",
# "Valentina, de 8 años"), "baby Isla", "little Noah", their school or class ("Tom from Year 4",
# "Ananya Sharma (Class 10"), a birthday's count ("6th birthday to Arlo"). "{alone}" is where a
# surname must not follow, "{age_ends}" what must follow an age set off by a comma.
_CHILD_SHAPES = (
    r"\b(?P<age>\d{{1,2}})[- ](?:year|yr)[- ]old,? {first}\b{alone}",
    r"\b(?:[Bb]aby|little|toddler|[Nn]ewborn|birthday (?:girl|boy)|(?:his|her|their) "
    r"(?:son|daughter|little one)|[Ss]on|[Dd]aughter),? {first}\b{alone}",
    # The age set off by a comma or brackets, or "aged": "Maisie, 7," "Jack (9)", "Ava aged 6".
    r"\b{first}(?:, (?:aged? )?| \(| aged? )(?P<age>\d{{1,2}}){age_ends}",
    r"\b{first}{surname}?,? (?:de |di |com |con |mit )?(?P<age>\d{{1,2}}) {age_words}",
    r"\b{first}{surname}?(?:,? (?:from|in|at|of|del|de|da|della|di|du|von|aus) (?:the |la |il |el )?"
    r"|, | \()",  # then the school
    r"\b(?P<age>\d{{1,2}})(?:st|nd|rd|th) birthday(?: wishes)?(?: to|,)? (?:little )?{first}\b{alone}",
)


def _shape(shape: str, *, screen: bool) -> str:
    # The screen drops what RE2 cannot run (look-arounds) and what it reads otherwise (its \b,
    # \w and \d are ASCII's; Python's are Unicode's): it matches wherever the shape does, and more.
    school = _SCHOOL_SHAPE.format(faculty="", start="") if screen else _SCHOOL
    pattern = shape.format(first=_FIRST, surname=_SURNAME, age_words=_AGE_WORDS,
                           alone="" if screen else r"(?!\s+[A-Z])",
                           age_ends="" if screen else r"(?=[,!.)]|$| (?:years? old|yo|y/o)\b)")
    pattern += school if shape.endswith(r"|, | \()") else ""
    if screen:
        pattern = (pattern.replace("(?P<name>", "(").replace("(?P<age>", "(").replace(r"\b", "")
                   .replace(r"\w", r"\pL\pN_").replace(r"\d", r"\p{Nd}"))
    return pattern


_CHILD_NAMED = [re.compile(_shape(shape, screen=False)) for shape in _CHILD_SHAPES]
# One linear pass says whether any shape can match: most drafts name no child, and the shapes
# above, each run by Python's engine, cost a tenth of a draft's check.
_CHILD_SCREEN = re2.compile("|".join(f"(?:{_shape(shape, screen=True)})" for shape in _CHILD_SHAPES))
# What places the child: a school or class, a street, a birth, a home "just round the corner".
_PLACED = re.compile(
    _SCHOOL + r"|\b[A-Z][a-z]+ (?:Road|Rd|Street|St|Avenue|Ave|Lane|Close|Drive|Crescent|Way|Estate|"
    r"Gardens)\b|\b(?:lives|living) (?:just )?(?:round|around|near|by|on|in|at|down)\b"
    r"|\bborn (?:on |at |in )?\d|\bborn (?:at|in) [A-Z]"
)
# Capitalised words that sit where a child's name would: a class, a place, a cheer.
_NOT_CHILD_NAMES = frozenset({
    "Year", "Grade", "Class", "Form", "Room", "Table", "Team", "Size", "Cabin", "University",
    "College", "Institute", "Department", "Faculty", "Bravo", "Brava", "Well", "Go", "Yay", "Hooray",
    "Wow", "Cheers", "Calling", "Attention", "Parents", "Families", "Students", "Pupils", "Kids",
    "Day", "Night", "Week", "Fair", "Show", "Party", "Club", "Camp", "Trip", "Festival", "Concert",
    "Sale", "Event", "Assembly", "Sports", "Disco", "Wizard", "Hero", "Champion", "Star",
})
_MAX_CHILD_AGE = 15
_CHILD_REACH = 200


def _named_children(original: str) -> list[tuple[int, int]]:
    found = []
    for pattern in _CHILD_NAMED:
        for m in pattern.finditer(original):
            name = m.group("name")
            if name.lower() in _NOT_NAMES or name in _NOT_CHILD_NAMES:
                continue
            age = m.groupdict().get("age")
            if age is not None and not 0 < int(age) <= _MAX_CHILD_AGE:
                continue
            found.append(m.span())
    return sorted(found)


def detect_child_identified(scan: Scan) -> None:
    """A child's first name with what finds them (a school, a class, a street) or what is theirs
    to keep (a health matter, a family's circumstances): medium when only the child is placed, so
    the post can thank them without the details; high when their private matter is told."""
    original = scan.text.original
    if not any(c.isupper() for c in original) or scan.has("consent") or scan.has("consent_given"):
        return
    if _CHILD_SCREEN.search(original) is None:
        return
    children = _named_children(original)
    if not children:
        return
    # Not screened for (``lexicons.UNSCREENED``): searched here, once a child is named.
    matters = sorted(scan.lexicons["child_matter"].spans(scan.folded) + scan.hits("private_matter"))
    # Found once, in reading order: a draft naming a thousand children is read once, not per child.
    placed = [m.start() for m in _PLACED.finditer(original)]
    for start, end in children:
        child = (scan.text.folded_index(start), scan.text.folded_index(end))
        matter = _within(matters, child)
        if matter is not None:
            scan.report("privacy.child-identified", "privacy_disclosure", Severity.high, child)
            scan.report("privacy.child-identified", "privacy_disclosure", Severity.high, matter, partner=True)
            return
    for start, end in children:
        # The school in the words that name the child counts too ("Tom from Year 4").
        at = bisect_left(placed, start - _CHILD_REACH)
        if at < len(placed) and placed[at] <= end + _CHILD_REACH:
            child = (scan.text.folded_index(start), scan.text.folded_index(end))
            scan.report("privacy.child-identified", "privacy_disclosure", Severity.medium, child)
            return


def _within(hits: list[Hit], anchor: Hit) -> Hit | None:
    """The first of ``hits`` (in reading order) starting within ``_CHILD_REACH`` of ``anchor``."""
    at = bisect_left(hits, (anchor[0] - _CHILD_REACH, -1))
    if at < len(hits) and hits[at][0] <= anchor[1] + _CHILD_REACH:
        return hits[at]
    return None

"""Promotion or celebration next to a death, tragedy, disaster or commemoration.

A tribute is not a sale: a death or a memorial alone is fine; it is the product, mascot, offer
or party next to it that makes a tribute read as an ad.
"""

from __future__ import annotations

import re

from bot.review.detector_texts import PARTNER
from bot.review.detectors.base import Hit, Scan, near, offered
from bot.review.models import Severity

#: The rule ids reported -> what each needs in rules/detector_texts.yaml besides a message.
TEXTS: dict[str, tuple[str, ...]] = {
    "tragedy.promotion-nearby": (PARTNER,),
    "tragedy.mock-mourning": (),
    "tragedy.turn-to-the-brand": (PARTNER,),
    "tragedy.brand-outlasts-disaster": (),
    "timing.commemoration-sale": (),
    "hashtag.trend-to-sell": (PARTNER,),
    "hashtag.sensitive-tag-to-sell": (),
    "hashtag.tag-then-turn-to-product": (PARTNER,),
    "hashtag.tag-to-own-product": (),
    "hashtag.cause-tag-as-hook": (),
}

_REACH = 400  # chars either side: one post, not a whole pasted document
_TAG_BEFORE = re.compile(r"#\w+\s*$")
_LIFE = re.compile(r"\s+(?:the |her |his |their )?li(?:fe|ves)\b")
_TURN_WORDS = (r"also|anyway|anyways|btw|by the way|speaking of|"
               r"on (?:a|another) (?:lighter|happier|different) note|in other news|"
               r"don't forget|do not forget|meanwhile|but hey|p\.?s\.?")
_TURN = re.compile(rf"(?<![a-z])(?:{_TURN_WORDS})(?![a-z])")
# The brand's own product or offer; "our team is delivering water" is help, not a pivot.
_OWN = re.compile(
    r"\b(?:our(?!\s+(?:team|teams|staff|people|volunteers|hearts?|thoughts|prayers|crews?|drivers|"
    r"employees|partners|colleagues|friends|neighbou?rs|community|stores?\s+(?:is|are|will|close[sd]?|closing|opens?|remain|stay)))|"
    r"order|shop|grab|try)\b"
)


def _celebrations(scan: Scan) -> list[Hit]:
    # "Celebrating the life of ..." is how careful tributes are worded, not a party.
    return [h for h in scan.hits("celebration") if not _LIFE.match(scan.folded, h[1])]


# "Closed through Thursday": a closure's dates, not an offer's.
_CLOSURE = re.compile(r"\b(?:clos(?:ed|es|ing|ure)|shut|reopen(?:s|ing)?)\b")
_UNTIL = re.compile(r"(?:through|thru|until|till)\b")


def _selling(scan: Scan) -> list[Hit]:
    """The draft's words of selling (``promotion``), less those a post about a loss uses for
    something else: a sale denied, and the dates of a closure."""
    folded = scan.folded
    kept = []
    for hit in offered(scan, "promotion"):
        if (_UNTIL.match(folded, hit[0])
                and _CLOSURE.search(folded, max(0, hit[0] - 60), hit[0]) is not None):
            continue
        kept.append(hit)
    return kept


# "Thoughts and prayers to everyone affected. Also, we're open late tonight!": the loss, then a
# turn to the brand's own business. No offer is needed: the sympathy has become the lead-in.
_PIVOT = re.compile(
    rf"(?<![a-z])(?:{_TURN_WORDS}|(?:but |and )?life goes on|back to business|"
    r"on a (?:brighter|happier) note|in (?:happier|brighter) news|moving on|(?:and )?now,? back to|"
    r"that said)(?![a-z])"
)
# The brand's doors, as business: "we're open late", "open all weekend".
_OPEN = re.compile(
    r"\b(?:we(?:'re| are| will be|'ll be) (?:still |now |also )?open|"
    r"opens? (?:late|all (?:day|night|weekend|week)|as usual|until|till|from \d)|doors open)\b"
)
# What the brand turns to that is help, not business: a shelter, water, a collection point.
_HELP = re.compile(
    r"\b(?:shelter|refuge|warm(?:ing)? (?:space|centre|center|room)|cooling (?:centre|center|space)|"
    r"collection point|donat\w*|volunteer\w*|free (?:for|to) (?:anyone|those|everyone|people|all)|"
    r"(?:anyone|those|everyone|people|families) (?:who|affected|in need|displaced)|"
    r"charge (?:your|their) phones?|drinking water|supplies|relief|fundrais\w*)\b"
)
_TURN_REACH = 200
_AFTER_TURN = 80


def _opens_a_clause(folded: str, at: int) -> bool:
    """Whether only spaces stand between ``at`` and a clause's end (a full stop, a comma, a
    dash, an emoji) or the start of the draft."""
    before = folded[max(0, at - 8):at].rstrip()
    return not before or not (before[-1].isalnum() or before[-1] in "'’\"")


def _turn_to_the_brand(scan: Scan, tragedies: list[Hit]) -> tuple[Hit, Hit] | None:
    """The first word of a loss followed by a turn ("also", "anyway", "life goes on") to the
    brand's own product or doors, and that turn; None when what follows is help."""
    folded = scan.folded
    for tragedy in tragedies:
        turn = _PIVOT.search(folded, tragedy[1], tragedy[1] + _TURN_REACH)
        # "The wildfire also reached our warehouse" tells the damage: a turn opens a clause.
        if turn is None or not _opens_a_clause(folded, turn.start()):
            continue
        after = folded[turn.end():turn.end() + _AFTER_TURN]
        own = _OWN.search(after) or _OPEN.search(after)
        if own is None or _HELP.search(after) is not None:
            continue
        return tragedy, (turn.start(), turn.end() + own.end())
    return None


# "Hurricane Delia can take our awning but she can't take our gelato": the disaster set up as
# something the brand's product outlasts. Their spirit or their town is defiance, not a pun.
_OUTLASTS = re.compile(
    r"\bcan(?:'t|not|t| not) (?:take|stop|beat|dampen|wash away|blow away|touch|cancel|melt|shake|"
    r"knock out|keep us from) (?:our|my|us from (?:serving|making|selling|pouring|baking))\s+"
    r"(?!(?:spirit|hope|pride|resolve|community|love|faith|courage|strength|people|town|city|"
    r"neighbou?rs|memories|heart|hearts|determination|kindness|unity)\b)\w"
)
_OUTLASTS_REACH = 160


# The brand's own loss ("the passing of our founder"): its life's ordinary moments (a party,
# a birthday) are how an obituary remembers someone, not a celebration next to a death.
_OWN_LOSS = re.compile(
    r"\b(?:our|their) (?:beloved |dear |much-loved |late )?(?:founder|co-?founder|colleague|"
    r"chair(?:man|woman|person)?|friend|team ?mate|team member|owner|ceo|president)\b"
)


# A brand's own name written as brands write them ("PharmaQuick", "FizzBolt™"): next to a death
# the name is the product placement, even with no offer.
_BRAND_MARK = re.compile(r"\b[A-Z][a-z]+[A-Z][a-z]+\w*|\w+[™®]")
# An offer, as opposed to a product named in passing: on a day of remembrance it is a sale.
_OFFER = re.compile(
    r"sale|%|\boff\b|discount|deal|code|coupon|bogo|[$£€]|\bbuy\b|price|savings|save|"
    r"\d\s*-?\s*for\s*-?\s*\d|only|free|half"
)


# Names styled like brands that a tribute mentions without selling: where people post and watch.
_PLACES_TO_POST = frozenset({"youtube", "tiktok", "linkedin", "facebook", "instagram", "whatsapp",
                             "snapchat", "soundcloud", "bandcamp", "playstation", "iphone", "ipad",
                             "gofundme", "justgiving"})


def _brand_marks(scan: Scan) -> list[Hit]:
    """Brand-styled names in the original text, as folded-text hits. A hashtag or a handle
    written in capitals (#LestWeForget, @SirWaffles) is how tags and people are written, not a
    product."""
    original = scan.text.original
    return [(scan.text.folded_index(m.start()), scan.text.folded_index(m.end()))
            for m in _BRAND_MARK.finditer(original)
            if m.group().rstrip("™®").casefold() not in _PLACES_TO_POST
            and not (m.start() and original[m.start() - 1] in "#@")]


_BARE_RIP = re.compile(r"(?<![a-z0-9])rip(?![a-z0-9])")


def _capital_rip(scan: Scan) -> list[Hit]:
    """"RIP" in capitals: lower-case "rip" is a verb ("rip open the bag"), so the case decides."""
    hits = []
    for m in _BARE_RIP.finditer(scan.folded):
        span = scan.span((m.start(), m.end()))
        if scan.text.original[span.start:span.end] == "RIP":
            hits.append((m.start(), m.end()))
    return hits


# The words of mourning that brands also use as a joke ("RIP to your diet"), and what a joke
# mourns: one of the small things of the reader's or of the brand's it is said of ("your
# diet", "our old logo"), or the people a small letdown befell ("everyone whose parcel is
# late"). Named, not guessed: "our barista Sam" or "our beloved dog" is a loss.
_MOURNING = re.compile(
    r"(?:rip|r\.i\.p\.?|rest in peace|thoughts and prayers|our hearts go out|pour one out)\W*"
)
_MOCKED = re.compile(
    r"\s*,?\s*(?:to|for)\s+(?:"
    r"(?P<own>your|our|my)\s+(?:old\s+|former\s+|previous\s+|poor\s+|beloved\s+)?(?:diet|wallet|"
    r"bank\s+(?:account|balance)|savings|budget|sleep(?:\s+schedule)?|willpower|self[- ]control|"
    r"(?:new\s+year'?s\s+)?resolutions?|summer\s+body|beach\s+body|(?:gym\s+)?streak|inbox|"
    r"weekend(?:\s+plans)?|plans|productivity|(?:phone\s+)?battery|logo|website|site|app|menu|"
    r"packaging|recipe|design|look|font|slogan|uniforms?|playlist|group\s+chat|fantasy\s+team|"
    r"bracket|feed|algorithm)\b"
    r"|(?P<people>everyone|all of you|those of you|anyone|the \d[\d,]* of you)\s+(?:who|whose)\s)"
)
# The small letdowns a customer jokes about, said of "everyone whose ..." (a late parcel, a
# missed deal): not a flooded home or a lost job, which no joke makes small.
_SMALL_LETDOWN = re.compile(
    r"\b(?:orders?|parcels?|packages?|deliver(?:y|ies)|wi-?fi|internet|signal|apps?|phones?|batter(?:y|ies)|"
    r"flights?|trains?|bus(?:es)?|coffee|lattes?|diets?|wallets?|deadline|sale|deal|discount|code|tickets?|"
    r"playlists?|streaks?|brackets?|fantasy|group chat|password|autocorrect|queue)\b"
)


def _mock_mourning(scan: Scan, tragedies: list[Hit]) -> tuple[Hit, Severity | None] | None:
    """When every word of mourning in the post mourns something small, the first of them and
    what it is: None (the brand's own thing: "RIP to our old logo"), a note (the reader's:
    "RIP to your diet") or sarcasm (people a small letdown befell). None when any mourns a
    real loss, or nothing says what it mourns."""
    folded = scan.folded
    found: tuple[Hit, Severity | None] | None = None
    for hit in tragedies:
        if _MOURNING.fullmatch(folded, hit[0], hit[1]) is None:
            return None  # a death, a disaster, a memorial: not a figure of speech
        mocked = _MOCKED.match(folded, hit[1])
        if mocked is None:
            return None
        if mocked.group("people") is not None:
            clause = folded[mocked.end():mocked.end() + 80]
            if _SMALL_LETDOWN.search(clause) is None or scan.has("hardship"):
                return None
            severity: Severity | None = Severity.medium
        else:
            severity = None if mocked.group("own") == "our" else Severity.low
        if found is None:
            found = (hit, severity)
    return found


# "Never forget... to back up", "Lest we forget your parking permit": the words of remembrance
# set up a joke.
_SET_UP = re.compile(r"\s*(?:\.\.\.|…|[^\w\s]*\s*(?:to|your|where|about|that|the)\b)")
# What turns a remembrance into something else: words that sell, joke, take a side or mock.
_NOT_A_REMEMBRANCE = ("promotion", "product_pun", "levity", "celebration", "trending", "jab", "snark",
                      "sneer", "partisan", "belittle")
# A post's clauses: split at the end of a sentence, an ellipsis, a line break or an emoji (posts
# use emoji as full stops: "We remember 🕯️ Book a test drive today").
_CLAUSE_END = re.compile(r"[.!?…\n]+|[^\w\s'’,:;\-–—&/#@%$£€₹¥()\"“”]+")
# An offer's marks, in any currency: "3 films for ₹99", "0% finance".
_PRICE = re.compile(r"[$£€₹¥]|\d\s*%|\d+\s*(?:for|at)\s*[$£€₹¥]?\d")
_CLAUSE_WORDS = 3
# The reader's own business ("your late husband's account will keep billing", "your order"):
# the post has turned from the loss to a transaction. Their family, home and memories are not.
_YOUR_MATTER = re.compile(
    r"\byour\s+(?!(?:famil(?:y|ies)|loved|homes?|friends?|communit(?:y|ies)|neighbou?rs?|kids|children"
    r"|memor(?:y|ies)|service|sacrifice|courage|bravery|hearts?|thoughts|prayers|loss|grief)\b)\w")
# A call to engage ("RT if you remember", "like if", "tag someone"): the loss made into reach.
_ASK = re.compile(r"\b(?:rt|retweet|like|share|tag|comment|follow|reply)\s+(?:if|and|to|this|below|someone|"
                  r"a friend|who)\b|\b(?:drop|leave)\s+an?\s|👇")


def _clauses_of_the_loss(scan: Scan, remembered: list[Hit]) -> bool:
    """Whether every clause of three words or more speaks of the loss: holds a word of
    remembrance, of the death or disaster, of the day, or a hashtag of mourning."""
    folded = scan.folded
    marks = sorted(remembered + scan.hits("tragedy") + scan.hits("commemoration")
                   + scan.hits("sensitive_hashtag"))
    # Clauses and marks both in reading order, walked once: linear in the draft.
    start = at = 0
    for end in [*(m.start() for m in _CLAUSE_END.finditer(folded)), len(folded)]:
        while at < len(marks) and marks[at][1] <= start:
            at += 1
        if len(folded[start:end].split()) >= _CLAUSE_WORDS and not (at < len(marks) and marks[at][0] < end):
            return False
        start = end
    return True


def _a_name(scan: Scan, hit: Hit) -> bool:
    """Whether the words at ``hit`` are written as a name ("the Never Forget Sampler")."""
    span = scan.span(hit)
    words = scan.text.original[span.start:span.end].split()
    return len(words) >= 2 and all(w[:1].isupper() for w in words)


def plain_remembrance(scan: Scan) -> bool:
    """Whether the draft only remembers a loss (words of the ``remembrance`` family, in
    ``rules/lexicons.yaml``): every clause of it speaks of the loss, and
    nothing sells, jokes, asks, names a brand-styled product or turns to the brand's own things;
    nor do the notes say the picture shows the brand's product or logo. Such a post is what the
    day asks for."""
    folded = scan.folded
    remembered = scan.hits("remembrance")
    if not remembered or "?" in folded:
        return False
    # A family not met yet is searched for here: after the words of remembrance, not before.
    if any(scan.has(family) for family in _NOT_A_REMEMBRANCE):
        return False
    if any(_SET_UP.match(folded, end) or _a_name(scan, hit) for hit in remembered for end in [hit[1]]):
        return False
    if _PRICE.search(folded) or _TURN.search(folded) or _ASK.search(folded) or _YOUR_MATTER.search(folded):
        return False
    if _OWN.search(folded) is not None and _OWN_LOSS.search(folded) is None:
        return False
    if _brand_marks(scan) or not _clauses_of_the_loss(scan, remembered):
        return False
    notes = scan.context
    return notes is None or not any(scan.lexicons[family].spans(notes.folded)
                                    for family in ("promotion", "product_pun"))


# What a plain remembrance is not, though the classifier learned its words beside offers and jokes.
_NOT_EXPLOITED = ("tragedy_exploitation", "insensitive_timing")


def detect_tragedy(scan: Scan) -> None:
    tragedies = sorted(scan.hits("tragedy") + _capital_rip(scan))
    days = scan.hits("commemoration")
    if not tragedies and not days:
        # "Lest we forget", "we will remember them": remembrance with no word of the loss itself.
        if scan.has("remembrance") and plain_remembrance(scan):
            scan.ruled_out.update(_NOT_EXPLOITED)
        return
    if tragedies and not days and scan.context is None:
        mock = _mock_mourning(scan, tragedies)
        if mock is not None:
            hit, severity = mock
            scan.ruled_out.add("tragedy_exploitation")
            if severity is not None:
                scan.report("tragedy.mock-mourning", "sarcasm_misfire", severity, hit)
            return
    promotions = _selling(scan)
    if tragedies:
        # A pastry or burger beside a death is the product pun that makes the tribute an ad.
        promotions = sorted(promotions + scan.hits("product_pun"))
    celebrations = (_celebrations(scan) if tragedies and _OWN_LOSS.search(scan.folded) is None
                    else [])
    marks = _brand_marks(scan) if tragedies else []
    donation = scan.has("donation")
    found_tragedy = False
    for tragedy in tragedies:
        pairing = (near(promotions, tragedy, _REACH, _REACH) or near(celebrations, tragedy, _REACH, _REACH)
                   or near(marks, tragedy, _REACH, _REACH))
        if pairing is None:
            continue
        severity = Severity.low if donation else Severity.high
        scan.report("tragedy.promotion-nearby", "tragedy_exploitation", severity, tragedy)
        scan.report("tragedy.promotion-nearby", "tragedy_exploitation", severity, pairing, partner=True)
        found_tragedy = True
        break
    if not found_tragedy and tragedies and not donation:
        turned = _turn_to_the_brand(scan, tragedies)
        if turned is not None:
            tragedy, turn = turned
            scan.report("tragedy.turn-to-the-brand", "tragedy_exploitation", Severity.high, tragedy)
            scan.report("tragedy.turn-to-the-brand", "tragedy_exploitation", Severity.high, turn,
                        partner=True)
            found_tragedy = True
        else:
            for tragedy in tragedies:
                pun = _OUTLASTS.search(scan.folded, tragedy[1], tragedy[1] + _OUTLASTS_REACH)
                if pun is not None:
                    scan.report("tragedy.brand-outlasts-disaster", "tragedy_exploitation", Severity.high,
                                (tragedy[0], pun.end() - 1))
                    found_tragedy = True
                    break
    if found_tragedy or scan.has("tribute_offer"):
        # "Veterans eat free on Veterans Day" thanks the people the day honours.
        return
    if plain_remembrance(scan):
        # The classifier learned these words mostly beside an offer or a joke: a remembrance
        # alone is not a loss exploited, nor a post at the wrong moment.
        scan.ruled_out.update(_NOT_EXPLOITED)
        return
    for day in days:
        pairing = near(promotions, day, _REACH, _REACH)
        if pairing is None:
            continue
        # A day of remembrance turned into a sale is the idea, not the wording; a new product
        # merely mentioned on the day is a wording problem.
        offer = any(_OFFER.search(scan.folded, h[0], h[1]) for h in promotions
                    if abs(h[0] - day[0]) <= _REACH)
        severity = Severity.high if offer and not donation else Severity.medium
        scan.report("timing.commemoration-sale", "insensitive_timing", severity, day)
        break


def detect_hashtag_hijack(scan: Scan) -> None:
    if "#" not in scan.folded and not scan.has("trending"):
        return
    selling = scan.hits("promotion") + _celebrations(scan)
    for trend in scan.hits("trending"):
        pairing = near(selling, trend, _REACH, _REACH)
        if pairing is not None:
            # Quote the hashtag that is trending with the words that say so ("#Tag is trending").
            before = _TAG_BEFORE.search(scan.folded, 0, trend[0])
            if before is not None:
                trend = (before.start(), trend[1])
            scan.report("hashtag.trend-to-sell", "hashtag_hijack", Severity.high, trend)
            scan.report("hashtag.trend-to-sell", "hashtag_hijack", Severity.high, pairing, partner=True)
            return
    # A gift named with its amount ("we've donated €100,000") is support, not a price.
    giving = scan.has("donation")
    for tag in scan.hits("sensitive_hashtag"):
        pairing = None if giving else near(selling, tag, _REACH, _REACH)
        if pairing is not None:
            scan.report("hashtag.sensitive-tag-to-sell", "hashtag_hijack", Severity.high, tag)
            return
    for tag in scan.hits("sensitive_hashtag"):
        # "#PrayForX 🙏 Also, our ..." : a word of sympathy, then a turn to the brand's own thing.
        turn = _TURN.search(scan.folded, tag[1], tag[1] + 120)
        if turn is not None and _OWN.search(scan.folded, turn.end(), turn.end() + 60) is not None:
            scan.report("hashtag.tag-then-turn-to-product", "hashtag_hijack", Severity.high, tag)
            scan.report("hashtag.tag-then-turn-to-product", "hashtag_hijack", Severity.high,
                        (turn.start(), turn.end()), partner=True)
            return
    if scan.has("solidarity") or scan.has("donation"):
        return
    for tag in scan.hits("sensitive_hashtag") + scan.hits("trending"):
        # "#PrayForX and pray our pastries sell out": the tag, then straight to the brand's own thing.
        own = _OWN.search(scan.folded, tag[1], tag[1] + 80)
        if own is not None:
            scan.report("hashtag.tag-to-own-product", "hashtag_hijack", Severity.high, tag)
            return
    for tag in scan.hits("cause_hashtag"):
        # A movement's or survivors' hashtag with no word of support, in a brand's post, is used
        # as a hook whatever follows it: the idea is the harm.
        scan.report("hashtag.cause-tag-as-hook", "hashtag_hijack", Severity.high, tag)
        return

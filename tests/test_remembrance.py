"""A remembrance that only remembers is what the day asks for; one that sells, jokes or shows the
product is still judged. Invented drafts, never corpus items."""

from __future__ import annotations

import pytest

from bot.review.checker import OfflineChecker
from bot.review.detectors.tragedy import detect_tragedy, plain_remembrance
from bot.review.models import Draft, Verdict

REMEMBRANCES = [
    ("Twenty-two years ago today, 14 of our crew made the ultimate sacrifice at the Dock Street "
     "fire. We will never forget them. #NeverForget", "Posted with the station's memorial plaque."),
    ("Lest we forget. 🌺", "Anzac Day, 6am"),
    ("At the going down of the sun and in the morning, we will remember them. #RemembranceSunday",
     "Posted on Remembrance Sunday with a photo of the war memorial in the square."),
    ("Ten years on, we remember the 31 lives lost in the Harlow mine disaster. Our thoughts are "
     "with their families today.", None),
    ("Rest in peace, Maria. Thirty years behind our counter, and a friend to everyone who came in.",
     None),
]


@pytest.mark.parametrize(("text", "notes"), REMEMBRANCES)
def test_a_plain_remembrance_ships(checker: OfflineChecker, text: str, notes: str | None) -> None:
    # The shipped checker, classifier included: it learned these words mostly beside an offer
    # or a joke, and graded a fire department's own anniversary post "do not post".
    review = checker.review(Draft(text=text, notes=notes), with_alternatives=False)
    assert review.verdict is Verdict.ship, review.risks


@pytest.mark.parametrize(("text", "notes"), [
    # an offer, a price, a turn to the brand's news
    ("We remember 🕯️ Our Remembrance candle is 20% off this week only.", None),
    ("On the anniversary of the stadium disaster we remember the 31 lives lost. Also: season "
     "tickets go on sale tonight!", None),
    ("Our hearts are with Kerala 🙏 Stay home and stay entertained: any 3 films for ₹99.", None),
    # the words of remembrance set up a joke, or name a product
    ("Never forget... to back up your photos 💾 #NeverForget", None),
    ("Lest we forget… to renew your parking permit before the 15th!", None),
    ("Never forget your loved ones this winter 💝 Personalised fragrance sets.", None),
    ("Patriot Day platters: the Never Forget Sampler and the Freedom Flounder.", None),
    # the loss made into reach
    ("RT if you'll never forget the heroes of 9/11 🇺🇸", None),
    ("We remember the 12 lives lost at Corran Mill. Share this to honour them 👇", None),
    # a clause about something else after the remembrance
    ("In memory of the nine lives lost in the ferry disaster 🕯️ Life is unpredictable. Make sure "
     "your family is covered with LifeShield.", None),
    # the picture shows the product or the logo
    ("We will never forget the heroes of 9/11 🇺🇸 #NeverForget", "Image: our new burger wrapped in the flag"),
    ("We will never forget. #911", "Tribute lights photo with our logo in the corner"),
])
def test_a_remembrance_that_sells_or_jokes_is_still_judged(checker: OfflineChecker, text: str,
                                                          notes: str | None) -> None:
    scan = checker.prepare(text, notes)
    assert not plain_remembrance(scan)
    detect_tragedy(scan)
    assert "tragedy_exploitation" not in scan.ruled_out


def test_a_plain_remembrance_rules_out_the_loss_and_the_moment(checker: OfflineChecker) -> None:
    scan = checker.prepare("Lest we forget. We will remember them.", notes="Anzac Day, 6am")
    detect_tragedy(scan)
    assert scan.ruled_out == {"tragedy_exploitation", "insensitive_timing"}
    # and on the day of mourning the notes name, it is not business as usual either
    review = checker.review(Draft(text="Lest we forget. We will remember them.",
                                  notes="goes out on the national day of mourning"), with_alternatives=False)
    assert review.verdict is Verdict.ship, review.risks


@pytest.mark.parametrize("words", [
    "never forget", "lest we forget", "we remember", "we will always remember", "remembering",
    "in loving memory", "honour the", "honoring those", "rest in peace", "rest in power",
    "condolences", "our hearts", "our thoughts", "thinking of", "lives lost", "lives were lost",
    "lost their lives", "the supreme sacrifice", "gave their lives", "we mourn", "mourning",
    "a moment of silence", "a minute's silence", "will be sorely missed",
])
def test_the_remembrance_family_finds_the_words_of_a_remembrance(checker: OfflineChecker, words: str) -> None:
    assert checker.lexicons["remembrance"].spans(words), words
    # and a draft of them, screened, is read as one
    scan = checker.prepare(f"{words[:1].upper()}{words[1:]}.")
    assert scan.has("remembrance"), words

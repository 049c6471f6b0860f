"""A plain greeting for a holy day is read the same whatever the faith; one that sells, jokes or
pairs the day with what the faith avoids is still judged."""

from __future__ import annotations

import pytest

from bot.review.checker import OfflineChecker
from bot.review.detectors.faith import detect_holy_day_greeting
from bot.review.models import Draft, Verdict

GREETINGS = {
    "muslim": ["Ramadan Mubarak", "Eid Mubarak", "Ramadan Kareem", "Blessed Ramadan", "Happy Eid"],
    "jewish": ["Happy Hanukkah", "Chag sameach", "Shana tova", "Happy Passover", "Happy Purim"],
    "hindu": ["Happy Diwali", "Happy Holi", "Shubh Deepavali", "Happy Navratri", "Happy Deepavali"],
    "christian": ["Happy Easter", "Merry Christmas", "Blessed Easter", "Happy Christmas", "Joyeux Noël"],
}
FRAMES = [
    "{g} 🙏", "{g} from all of us at Kopi Lane.", "{g} to all our riders 🙏",
    "{g}! Wishing you and your family peace and joy.", "{g} 🌟 Thank you to everyone on shift today.",
    "{g} to everyone celebrating. Our stores close at 4pm today and reopen tomorrow.",
    "{g}. Terima kasih untuk para mitra driver yang tetap bekerja 🙏",
]


@pytest.mark.parametrize("faith", sorted(GREETINGS))
def test_plain_greetings_ship_for_every_faith(checker: OfflineChecker, faith: str) -> None:
    # The shipped checker, classifier included: the classifier learned a holy day's name from
    # drafts that mostly paired it with a sale, and used to flag plain Ramadan greetings.
    flagged = [text for g in GREETINGS[faith] for frame in FRAMES
               if checker.review(Draft(text=(text := frame.format(g=g))),
                                 with_alternatives=False).verdict is not Verdict.ship]
    assert flagged == []


@pytest.mark.parametrize("text", [
    "Ramadan Mubarak 🌙 Fasting all day? Our drive-thru opens at sunset so you can go feral 🍔",
    "Eid Mubarak 🌙 A month of starving is over, so make up for lost time in our buffet lounge",
    "Happy Diwali 🪔 Try not to burn the house down with all those diyas, we've got you covered",
    "Happy Hanukkah! Eight nights, eight bacon burgers 🥓",
    "Jesus was a carpenter, and even he'd want a contract ✝️ Merry Christmas from the disputes team!",
    "Christmas is about Christ, not 'the holidays' ✝️ Merry Christmas from all of us 🎄",
])
def test_a_greeting_that_sells_or_jokes_is_still_judged(checker: OfflineChecker, text: str) -> None:
    scan = checker.prepare(text)
    detect_holy_day_greeting(scan)
    assert "politics_religion" not in scan.ruled_out


def test_a_taboo_in_the_picture_is_no_plain_greeting(checker: OfflineChecker) -> None:
    scan = checker.prepare("Ramadan Mubarak! 🌙", notes="image: a pint and a bacon roll with a crescent moon")
    detect_holy_day_greeting(scan)
    assert "politics_religion" not in scan.ruled_out
    plain = checker.prepare("Ramadan Mubarak! 🌙", notes="image: lanterns over the night market")
    detect_holy_day_greeting(plain)
    assert plain.ruled_out == {"politics_religion"}

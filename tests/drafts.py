"""Drafts the tests share."""

#: Netflix's "A Christmas Prince" tweet (2017): a counted group, a tracked habit and a jab at it.
#: Every engine must flag it, so many tests use it as the plainly risky draft.
NETFLIX = "To the 53 people who've watched A Christmas Prince every day for the past 18 days: Who hurt you?"

"""The platforms a draft can be written for, as the forms of every front end offer them."""

from __future__ import annotations

#: (value passed on as ``Draft.platform``, label shown in a menu)
PLATFORMS: tuple[tuple[str, str], ...] = (
    ("twitter", "X / Twitter"),
    ("instagram", "Instagram"),
    ("linkedin", "LinkedIn"),
    ("tiktok", "TikTok"),
    ("facebook", "Facebook"),
    ("threads", "Threads"),
    ("bluesky", "Bluesky"),
    ("youtube", "YouTube"),
    ("other", "Other"),
)

PLATFORM_VALUES = frozenset(value for value, _ in PLATFORMS)

"""A conservative token count that needs no network.

tiktoken downloads its encodings at run time, and no PyPI package we may install bundles them,
so the budget uses an estimate that errs high: English prose runs about 4 characters per token
in OpenAI's tokenizers (cl100k, o200k), we count 3; non-ASCII characters (emoji, accents,
CJK) can take a token or more each, we count 1.5. On the sample draft and the rubric this
overestimates by roughly a quarter to a third, so a draft is never sent over budget by mistake.
"""

from __future__ import annotations

import math

#: What a chat message costs beyond its text (role and separators), per OpenAI's cookbook.
MESSAGE_OVERHEAD = 4


def estimate_tokens(text: str) -> int:
    non_ascii = sum(1 for ch in text if ord(ch) > 127)
    ascii_chars = len(text) - non_ascii
    return math.ceil(ascii_chars / 3 + non_ascii * 1.5)


def estimate_messages(messages: list[dict[str, str]]) -> int:
    return sum(estimate_tokens(m["content"]) + MESSAGE_OVERHEAD for m in messages) + 3

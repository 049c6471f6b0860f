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
    # Counted in C (isascii, encode) rather than per character in Python: every review estimates
    # the whole rubric, and a Python loop over its ~10,000 characters cost about 0.5 ms each time.
    if text.isascii():
        return math.ceil(len(text) / 3)
    ascii_chars = len(text.encode("ascii", "ignore"))
    non_ascii = len(text) - ascii_chars
    return math.ceil(ascii_chars / 3 + non_ascii * 1.5)


def estimate_messages(messages: list[dict[str, str]]) -> int:
    return sum(estimate_tokens(m["content"]) + MESSAGE_OVERHEAD for m in messages) + 3

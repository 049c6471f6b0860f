"""What can go wrong with the LLM, as exceptions whose ``reason`` a user can read.

The review service turns every one of them into an offline review with a notice; only
``ReviewService.check()`` lets ``LLMConfigError`` escape, so a front end can probe the setup.
"""

from __future__ import annotations


class LLMError(Exception):
    """Base class; ``reason`` is a short plain-language phrase ("the API key was refused").

    ``detail`` is what the provider or the parser said, if anything. It can echo the request,
    draft text included, so it goes to DEBUG logs and to the model's repair prompt, never into a
    user's notice or a log at INFO or above.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


class LLMConfigError(LLMError):
    """The setup is wrong (key refused, unknown model, bad brand profile): retrying cannot help."""


class LLMUnavailable(LLMError):
    """The service did not answer in time (rate limits, server errors, timeouts, no connection)."""


class LLMBadOutput(LLMError):
    """The model answered, but not with a usable review, even after one repair attempt."""

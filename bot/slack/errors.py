"""What Slack's errors mean to the bot: the error code, and whether it may post there."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

#: Errors that mean "the bot is not in that conversation", so another route must be used.
NOT_IN_CHANNEL_ERRORS = frozenset({"not_in_channel", "channel_not_found", "is_archived", "restricted_action"})


def slack_error(exc: BaseException) -> str | None:
    """Slack's error code (``ratelimited``, ``not_in_channel``...), "" when the answer had none."""
    if not isinstance(exc, SlackApiError):
        return None
    # When Slack's answer was not JSON (a proxy's error page), the SDK's error carries the raw
    # HTTP response instead of a parsed one, and there is no error code to read.
    get = getattr(exc.response, "get", None)
    try:
        error = get("error") if callable(get) else None
    except (ValueError, TypeError, AttributeError):
        error = None
    return error if isinstance(error, str) else ""


def cannot_post_there(exc: BaseException) -> bool:
    return slack_error(exc) in NOT_IN_CHANNEL_ERRORS

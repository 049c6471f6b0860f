"""The conversation layer: what happens when a draft, a thread reply, an edit, a delete or a
feedback click arrives, on any chat platform.

Platform adapters (``bot.slack``, ``bot.teams``) translate their events into calls on
:class:`Conversation`, implement :class:`Transport` to carry its outcomes, and render those
outcomes their own way. Nothing here imports a platform's SDK.
"""

from bot.conversation.events import Conversation, Deliver, Filing
from bot.conversation.outcomes import Answered, DraftDeleted, Notice, Outcome, Reviewed
from bot.conversation.places import SLACK, Place, delivery_key, message_key, platform_of
from bot.conversation.transport import Transport

__all__ = [
    "SLACK",
    "Answered",
    "Conversation",
    "Deliver",
    "DraftDeleted",
    "Filing",
    "Notice",
    "Outcome",
    "Place",
    "Reviewed",
    "Transport",
    "delivery_key",
    "message_key",
    "platform_of",
]

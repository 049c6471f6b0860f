"""What the chat apps must remember: handled events, posted reviews, feedback clicks, clearances,
and the decision record the audit reads."""

from bot.store.async_store import AsyncStore
from bot.store.engine import StoreConfigError
from bot.store.records import (
    Clearance,
    ClearOutcome,
    ClearResult,
    DecisionRecord,
    OwedReply,
    ReviewRecord,
    new_review_id,
)
from bot.store.store import Store, redact, text_sha256

__all__ = [
    "AsyncStore",
    "ClearOutcome",
    "ClearResult",
    "Clearance",
    "DecisionRecord",
    "OwedReply",
    "ReviewRecord",
    "Store",
    "StoreConfigError",
    "new_review_id",
    "redact",
    "text_sha256",
]

"""What the Slack app must remember: handled events, posted reviews, feedback clicks."""

from bot.store.async_store import AsyncStore
from bot.store.engine import StoreConfigError
from bot.store.records import ReviewRecord, new_review_id
from bot.store.store import Store, redact

__all__ = ["AsyncStore", "ReviewRecord", "Store", "StoreConfigError", "new_review_id", "redact"]

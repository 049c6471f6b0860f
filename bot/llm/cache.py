"""An in-process LRU of LLM answers, so a repeated review is not paid for twice.

Keyed on sha256 of everything that shapes the answer: the draft (text, platform, notes), the brand
profile, the model, the prompt version and the fixed prompt text. Concurrent requests for the same
key share one call instead of racing; failures are never cached.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


def cache_key(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8")
        # Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


class AnswerCache(Generic[T]):
    def __init__(self, size: int) -> None:
        self.size = max(0, size)
        self._items: OrderedDict[str, T] = OrderedDict()
        self._in_flight: dict[str, asyncio.Future[T]] = {}
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> T | None:
        if key not in self._items:
            return None
        self._items.move_to_end(key)
        return self._items[key]

    def put(self, key: str, value: T) -> None:
        if self.size == 0:
            return
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def known(self, key: str) -> bool:
        """True when ``key``'s value is cached or being computed: asking for it sends nothing."""
        return key in self._items or key in self._in_flight

    async def get_or_compute(self, key: str, compute: Callable[[], Awaitable[T]]) -> tuple[T, bool]:
        """The cached value (``True``) or a freshly computed one (``False``)."""
        cached = self.get(key)
        if cached is not None:
            self.hits += 1
            return cached, True
        pending = self._in_flight.get(key)
        if pending is not None:
            self.hits += 1
            return await asyncio.shield(pending), True
        self.misses += 1
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._in_flight[key] = future
        try:
            value = await compute()
        except BaseException as exc:
            if isinstance(exc, asyncio.CancelledError):
                future.cancel()
            else:
                future.set_exception(exc)
                future.exception()  # marks it retrieved when nobody else was waiting
            raise
        finally:
            self._in_flight.pop(key, None)
        future.set_result(value)
        self.put(key, value)
        return value, False

    def __len__(self) -> int:
        return len(self._items)

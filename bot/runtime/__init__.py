"""What every platform adapter shares when serving: the review loop (``bot.runtime.worker``)."""

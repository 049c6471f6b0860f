"""LLM path throughput: N concurrent reviews against a fake server that holds each answer L seconds.

Run: .venv/bin/python bench/bench_llm_concurrency.py [--reviews 50] [--latency 0.5]

Measures wall time of N distinct concurrent reviews (serialised calls would take N × L), then the
same N drafts again (answered from the cache: no requests), and the per-review overhead of the
service itself (offline checker + prompt + verification) with L = 0.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.review.models import Draft
from bot.review.service import ReviewService
from tests.fakes.openai_server import FakeOpenAI, settings_for

TEMPLATE = "To the {n} people who've watched our holiday film every day for the past {d} days: who hurt you?"


async def _run(reviews: int, latency: float) -> None:
    with FakeOpenAI() as fake:
        drafts = [Draft(text=TEMPLATE.format(n=i + 3, d=i % 20 + 2)) for i in range(reviews)]
        service = ReviewService(settings_for(fake, llm_timeout_seconds=60, llm_cache_size=reviews * 2))
        for _ in drafts:
            fake.enqueue(hang=latency)  # each answer is the default review, after `latency` seconds
        started = time.perf_counter()
        results = await asyncio.gather(*(service.review(d) for d in drafts))
        cold = time.perf_counter() - started
        llm = sum(1 for r in results if r.engines[-1].startswith("llm:"))
        started = time.perf_counter()
        await asyncio.gather(*(service.review(d) for d in drafts))
        warm = time.perf_counter() - started
        await service.aclose()
        if latency:
            print(f"{reviews} concurrent reviews, server latency {latency:g} s: {cold:.2f} s wall "
                  f"(serialised would be {reviews * latency:.1f} s); {llm}/{reviews} by the LLM; "
                  f"most requests in flight at the server: {fake.max_in_flight}")
        else:
            print(f"{reviews} reviews, server latency 0: {cold * 1000 / reviews:.1f} ms per review "
                  "(checker + prompt + HTTP + verification)")
        print(f"  the same {reviews} drafts again: {warm * 1000 / reviews:.1f} ms per review from the cache; "
              f"{len(fake.chat_requests)} requests in total")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reviews", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.5)
    args = parser.parse_args()
    asyncio.run(_run(args.reviews, args.latency))
    asyncio.run(_run(args.reviews, 0.0))


if __name__ == "__main__":
    main()

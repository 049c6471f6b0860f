"""``/audit`` on the real server: off without a token, locked without it, and what a person sees
in a real headless browser (Debian's chromium driven by Playwright)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.review.models import Verdict
from bot.store import Store
from tests.slack_harness import running_app
from tests.test_store import DRAFT, make_record, make_review

TOKEN = "audit-token-for-tests-5f2c"
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
NOW = datetime.now(UTC).replace(microsecond=0)
NASTY_AUTHOR = "<script>document.title='pwned'</script>"


def seed(store: Store) -> None:
    cleared = make_record(workspace="T1", created_at=NOW - timedelta(days=1))
    risky = make_record(channel="C0OTHER001", draft_ts="200.1", thread_ts="200.1", created_at=NOW,
                        review=make_review().model_copy(update={"verdict": Verdict.do_not_post}))
    gone = make_record(draft_ts="300.1", thread_ts="300.1", user_id=NASTY_AUTHOR, created_at=NOW)
    for rec in (cleared, risky, gone):
        store.save_review(rec)
    store.clear(cleared.review_id, "U0BOB00001")
    store.clear(risky.review_id, "U0CAROL001", reason="Legal <b>approved</b> it")
    store.mark_deleted("C1", "300.1")


async def test_the_page_is_off_without_a_token(tmp_path: Path) -> None:
    async with running_app(tmp_path) as h, h.http.get(f"{h.url}/audit") as resp:
        assert resp.status == 404


async def test_the_page_is_locked_and_opens_with_the_token(tmp_path: Path) -> None:
    async with running_app(tmp_path, audit_token=TOKEN) as h:
        seed(h.store.sync)
        async with h.http.get(f"{h.url}/audit") as resp:
            assert resp.status == 401
            assert "needs the audit token" in await resp.text()
        async with h.http.get(f"{h.url}/audit?token=wrong") as resp:
            assert resp.status == 401
        async with h.http.get(f"{h.url}/audit", headers={"Authorization": "Bearer wrong"}) as resp:
            assert resp.status == 401
        async with h.http.get(f"{h.url}/audit", headers={"Authorization": f"Bearer {TOKEN}"}) as resp:
            assert resp.status == 200
            body = await resp.text()
            assert "default-src 'none'" in resp.headers["Content-Security-Policy"]
            assert resp.headers["Cache-Control"] == "no-store"
        assert "U0BOB00001" in body and DRAFT not in body
        assert "<script>" not in body and "&lt;script&gt;" in body
        assert "<b>approved</b>" not in body
        async with h.http.get(f"{h.url}/audit?token={TOKEN}&verdict=ship", allow_redirects=False) as resp:
            assert resp.status == 303
            assert resp.headers["Location"] == "/audit?verdict=ship", "the token leaves the address"
            cookie = resp.headers["Set-Cookie"]
            assert "HttpOnly" in cookie and TOKEN not in cookie


@pytest.mark.skipif(CHROMIUM is None, reason="BROWSER TEST NOT RUN: chromium is not installed "
                    "(apt-get install chromium; .ci/run installs it)")
async def test_a_person_reads_the_audit_in_a_real_browser(tmp_path: Path) -> None:
    from playwright.async_api import async_playwright

    shot = tmp_path / "audit.png"
    async with running_app(tmp_path, audit_token=TOKEN) as h, async_playwright() as pw:
        seed(h.store.sync)
        browser = await pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
            viewport={"width": 1400, "height": 1000},
        )
        try:
            page = await browser.new_page()
            await page.goto(f"{h.url}/audit")
            assert "needs the audit token" in await page.inner_text("body")
            assert await page.locator("#reviews").count() == 0

            await page.goto(f"{h.url}/audit?token={TOKEN}")
            assert page.url == f"{h.url}/audit", "the token is not left in the address bar"
            rows = page.locator("#reviews tbody tr")
            assert await rows.count() == 3
            text = await page.inner_text("#reviews")
            assert "U0BOB00001" in text and "do_not_post" in text and "deleted" in text
            assert "Legal <b>approved</b> it" in text, "user text is shown as typed, not as markup"
            assert NASTY_AUTHOR in text and await page.title() != "pwned"
            assert DRAFT not in await page.content()
            # The chart: one stack per day of the range, coloured by verdict, counting the three.
            counts = await page.locator("#chart rect").evaluate_all(
                "els => els.map(e => [e.getAttribute('class'), +e.dataset.count])")
            assert sorted(counts) == [["do_not_post", 1], ["revise", 1], ["revise", 1]]
            today = page.locator(f"#chart g[data-day='{NOW.date().isoformat()}'] rect")
            assert await today.count() == 2, "today's stack holds the do_not_post and the deleted revise"
            assert (await page.locator("#chart rect").first.bounding_box() or {}).get("height", 0) > 10
            assert "surveillance_creep" in await page.inner_text("section[aria-label=Categories]")
            cookies = await browser.cookies()
            assert [c["httpOnly"] for c in cookies if c["name"] == "redteam_audit"] == [True]

            await page.select_option("select[name=verdict]", "do_not_post")
            await page.click("button[type=submit]")
            await page.wait_for_url("**verdict=do_not_post**")
            assert await rows.count() == 1
            assert "U0CAROL001" in await rows.first.inner_text()
            await page.goto(f"{h.url}/audit")
            await page.screenshot(path=str(shot), full_page=True)
        finally:
            await browser.close()
    assert shot.stat().st_size > 10_000
    shutil.copy(shot, Path("/tmp/redteam-audit-screenshot.png")) if Path("/tmp").is_dir() else None

"""What the Slack benchmark asks of the fakes: only the calls it has not seen yet, and when each
LLM request arrived and was answered."""

from __future__ import annotations

import json
from urllib.request import urlopen

from openai import AsyncOpenAI

from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.slack_api import FakeSlackAPI


def test_calls_since_skips_what_the_poller_already_read() -> None:
    with FakeSlackAPI() as fake:
        for i in range(3):
            urlopen(f"{fake.base_url}chat.postMessage?channel=C1&thread_ts=1.{i}&text=hi", data=b"").read()
        url = f"http://127.0.0.1:{fake.port}/_fake/calls?method=chat.postMessage"
        first = json.loads(urlopen(url).read())
        later = json.loads(urlopen(url + "&since=2").read())
    assert [c["thread_ts"] for c in first] == ["1.0", "1.1", "1.2"]
    assert [c["thread_ts"] for c in later] == ["1.2"]


async def test_timings_name_each_requests_draft() -> None:
    with FakeOpenAI() as fake:
        client = AsyncOpenAI(api_key="sk-test", base_url=fake.base_url, max_retries=0)
        user = "Platform: x\n<<<DRAFT abc>>>\nTo the 1001 people who watched\nline two\n<<<END DRAFT abc>>>"
        await client.chat.completions.create(model=fake.model, messages=[{"role": "user", "content": user}])
        await client.close()
        timings = json.loads(urlopen(fake.root_url + "/_fake/timings").read())["timings"]
        assert len(fake.requests) == 1  # asking for timings is not itself recorded
    (only,) = timings
    assert only["draft"] == "To the 1001 people who watched"
    assert 0 < only["arrived"] <= only["answered"]


def test_the_checker_benchmark_times_the_other_classifier_it_is_given(tmp_path) -> None:
    # "--against" compares two classifiers in one process: the other one must be the one that
    # judges, or the comparison times the shipped classifier twice.
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    from bench_checker import checker_with

    from bot.paths import data_dir
    from bot.review.classifier import ClassifierDetector, ClassifierFile

    shipped = ClassifierFile.model_validate_json((data_dir("rules") / "classifier.json").read_bytes())
    # The same weights, with a flag no draft reaches: nothing is flagged by this classifier.
    never = shipped.model_copy(update={"thresholds": {**shipped.thresholds, "flag": 1.0, "sentence": 1.0}})
    path = tmp_path / "never.json"
    path.write_text(never.model_dump_json(), encoding="utf-8")
    other = checker_with(path)
    detectors = [d for d in other.detectors if isinstance(d, ClassifierDetector)]
    assert len(detectors) == 1 and detectors[0].classifier is other.classifier
    assert other.classifier is not None and other.classifier.flag == 1.0

"""The example handlers' own behaviour that a user sees without the runtime."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any, Callable

import pytest

from tests.examples.conftest import EXAMPLES, example_module


@pytest.mark.parametrize(
    ("event_name", "source", "records"),
    [
        ("s3Event", "aws:s3", 1),
        ("snsEvent", "aws:sns", 1),
        ("sqsEvent", "aws:sqs", 2),
        ("dynamoStreamEvent", "aws:dynamodb", 2),
        ("kinesisStreamEvent", "aws:kinesis", 2),
        ("apiGatewayProxyV2Event", "aws:apigateway", 1),
        ("eventBridgeEvent", "aws:events", 1),
    ],
)
def test_template_names_its_trigger(
    event: Callable[[str], Any], event_name: str, source: str, records: int
) -> None:
    template = example_module("spot_template", "template")

    assert template.trigger_of(event(event_name)) == (source, records)


def test_template_without_next_invokes_nothing() -> None:
    template = example_module("spot_template", "template")

    answer = template.handler({"hello": "world"}, None)

    assert answer == {"source": "aws:lambda", "records": 1, "invoked": None}


@pytest.mark.parametrize(
    ("event", "problem"),
    [
        ({}, 'name the function to invoke under "target"'),
        ({"target": "f", "count": 0}, '"count" must be from 1 to 100'),
        ({"target": "f", "count": "3"}, '"count" must be a whole number'),
        ({"target": "f", "mode": "later"}, '"mode" must be "sync" or "async"'),
    ],
)
def test_invoker_refuses_an_unclear_request(event: dict[str, Any], problem: str) -> None:
    invoker = example_module("fn_invoker", "invoker")

    with pytest.raises(invoker.BadRequest, match=problem):
        invoker.handler(event, None)


def test_words_keep_apostrophes_and_drop_case() -> None:
    jobs = example_module("wordcount", "jobs")

    assert jobs.words("The pilot's boats, the BOATS.") == [
        "the",
        "pilot's",
        "boats",
        "the",
        "boats",
    ]


def test_mappers_in_different_processes_agree_on_each_words_reducer() -> None:
    # Mappers run in separate workers: a per-process hash() would scatter one
    # word over several reducers.
    words = ["the", "boats", "pilot", "bread", "harbour", "gulls"]
    script = (
        "import sys, json; sys.path.insert(0, sys.argv[1]); import jobs; "
        f"print(json.dumps([jobs.reducer_of(w, 3) for w in {words!r}]))"
    )

    answers = {
        subprocess.run(
            [sys.executable, "-c", script, str(EXAMPLES / "wordcount")],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }

    assert len(answers) == 1
    assert set(json.loads(answers.pop())) == {0, 1, 2}

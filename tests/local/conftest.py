"""Running apps on the local runtime for tests, and reading back what they saw.

Apps are module-scoped where tests only read from them: starting one costs a
moto server and a few cold starts.  Every test function is a plain Lambda
handler in ``tests/local/apps``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

import pytest

from spot_otel.local import LocalApp, processes

APPS = Path(__file__).parent / "apps"


def function(handler: str, **settings: Any) -> dict[str, Any]:
    """A function entry for a spec dict: uninstrumented unless told."""
    return {"handler": handler, "code": str(APPS), "exec_wrapper": False, **settings}


def start_app(spec: Mapping[str, Any], **options: Any) -> LocalApp:
    with pytest.MonkeyPatch.context() as patch:
        # The app's AWS is its own embedded moto, whatever the shell says.
        patch.delenv("AWS_ENDPOINT_URL", raising=False)
        return LocalApp.from_spec(spec, base_dir=APPS, **options).start()


@pytest.fixture(scope="module")
def app_for() -> Iterator[Callable[[Mapping[str, Any]], LocalApp]]:
    """Start apps that live until the end of the module."""
    started: list[LocalApp] = []

    def start(spec: Mapping[str, Any]) -> LocalApp:
        app = start_app(spec)
        started.append(app)
        return app

    yield start
    for app in started:
        app.close()


def events_seen(app: LocalApp, function_name: str) -> list[Any]:
    """The events the recorder handler printed, oldest first."""
    prefix = "EVENT "
    return [
        json.loads(line[len(prefix) :])
        for line in app.logs.lines(function_name)
        if line.startswith(prefix)
    ]


def request_ids_started(app: LocalApp, function_name: str) -> list[str]:
    """Request ids of the function's invocations, from its START lines."""
    return [
        line.split()[2]
        for line in app.logs.lines(function_name)
        if line.startswith("START RequestId: ")
    ]


def wait_for(condition: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Poll ``condition`` until it is truthy; fail the test after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout}s")
        time.sleep(0.02)


def process_gone(pid: int) -> bool:
    return processes.state(pid) in (None, "Z")


# Keys whose values are the user's data (item images, headers, details):
# their type is compared, not their contents.
_DATA_KEYS = frozenset(
    {
        "Keys",
        "NewImage",
        "OldImage",
        "detail",
        "messageAttributes",
        "MessageAttributes",
        "headers",
        "multiValueHeaders",
        "queryStringParameters",
        "multiValueQueryStringParameters",
        "pathParameters",
        "stageVariables",
        "authorizer",
        "authentication",
        "cookies",
    }
)


def assert_shape(actual: Any, sample: Any, place: str = "event") -> None:
    """Every key of the sample event is in the actual one, with a value of
    the same JSON type (null in either matches anything), recursively."""
    if sample is None or actual is None:
        return
    if isinstance(sample, dict):
        assert isinstance(actual, dict), f"{place}: expected an object, got {actual!r}"
        missing = set(sample) - set(actual)
        assert not missing, f"{place}: missing {sorted(missing)}"
        for key, value in sample.items():
            if key in _DATA_KEYS:
                assert (
                    type(actual[key]) is type(value) or value is None
                ), f"{place}.{key}"
                continue
            assert_shape(actual[key], value, f"{place}.{key}")
    elif isinstance(sample, list):
        assert isinstance(actual, list), f"{place}: expected a list, got {actual!r}"
        if sample and actual:
            assert_shape(actual[0], sample[0], f"{place}[0]")
    elif isinstance(sample, bool):
        assert isinstance(actual, bool), f"{place}: expected a boolean, got {actual!r}"
    elif isinstance(sample, (int, float)):
        assert isinstance(
            actual, (int, float)
        ), f"{place}: expected a number, got {actual!r}"
    else:
        assert isinstance(actual, str), f"{place}: expected a string, got {actual!r}"

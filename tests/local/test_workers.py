"""Workers behave like Lambda execution environments: warm reuse, freeze and
thaw, timeouts, crashes, init errors, scale-out and a clean exit."""

from __future__ import annotations

import re
import threading
import time

import pytest

from spot_otel.local import LocalApp, Outcome, processes
from tests.local.conftest import function, process_gone, start_app, wait_for

SPEC = {
    "app": {"name": "workers", "env": {"GREETING": "hello"}},
    "functions": {
        "counter": function("basic.count", timeout=1, memory=256),
        "failing": function("basic.fail"),
        "crashing": function("basic.crash"),
        "spinning": function("basic.spin", timeout=1),
        "ticking": function("basic.ticker"),
        "unimportable": function("no_such_module.handler"),
        "scaling": function("basic.count", concurrency=2, timeout=5),
        "layered": function("basic.from_layer", layer="layer"),
    },
}


@pytest.fixture(scope="module")
def app(app_for) -> LocalApp:
    return app_for(SPEC)


def test_a_worker_sees_the_lambda_environment(app: LocalApp) -> None:
    result = app.invoke("counter", {"n": 1})

    assert result.status_code == 200 and result.ok
    value = result.json()
    assert value["request_id"] == result.request_id
    assert (
        value["function_arn"]
        == "arn:aws:lambda:us-east-1:123456789012:function:counter"
    )
    assert 0 < value["remaining_ms"] <= 1000
    assert value["event"] == {"n": 1}
    assert value["env"] == {
        "AWS_LAMBDA_FUNCTION_NAME": "counter",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/counter",
        "AWS_REGION": "us-east-1",
        "LAMBDA_TASK_ROOT": value["cwd"],
        "TZ": ":UTC",
        "_X_AMZN_TRACE_ID": value["env"]["_X_AMZN_TRACE_ID"],
        "GREETING": "hello",
    }
    assert value["env"]["_X_AMZN_TRACE_ID"].startswith("Root=1-")


def test_a_layer_directory_is_importable_after_the_code(app: LocalApp) -> None:
    assert app.invoke("layered", {}).json() == {"greeting": "from the layer"}


def test_a_second_invocation_is_warm(app: LocalApp) -> None:
    first = app.invoke("counter", {})
    second = app.invoke("counter", {})

    assert second.cold_start is False
    assert second.worker_pid == first.worker_pid
    assert second.json()["invocations"] == first.json()["invocations"] + 1


def test_a_worker_is_frozen_between_invocations(app: LocalApp) -> None:
    first = app.invoke("ticking", {})
    pid = first.worker_pid
    assert pid is not None

    # GIVEN the handler returned, its environment is stopped...
    wait_for(lambda: processes.state(pid) == "T")
    time.sleep(0.5)
    assert processes.state(pid) == "T"

    # ...THEN its background thread did not run while it was
    second = app.invoke("ticking", {})

    assert second.worker_pid == pid
    assert second.json()["longest_pause"] >= 0.45
    wait_for(lambda: processes.state(pid) == "T")


def test_a_timeout_kills_the_worker_and_the_next_start_is_cold(app: LocalApp) -> None:
    warm = app.invoke("counter", {})

    slow = app.invoke("counter", {"sleep": 3})

    assert slow.outcome is Outcome.TIMEOUT
    assert slow.function_error == "Unhandled"
    message = slow.json()["errorMessage"]
    pattern = (
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z "
        + re.escape(slow.request_id)
        + r" Task timed out after 1\.00 seconds"
    )
    assert re.fullmatch(pattern, message), message
    wait_for(lambda: process_gone(warm.worker_pid))

    after = app.invoke("counter", {})

    assert after.cold_start is True
    assert after.worker_pid != warm.worker_pid
    assert after.json()["invocations"] == 1


def test_a_handler_that_never_returns_is_killed_at_its_timeout(app: LocalApp) -> None:
    result = app.invoke("spinning", {})

    assert result.outcome is Outcome.TIMEOUT
    assert "Task timed out after 1.00 seconds" in result.json()["errorMessage"]
    wait_for(lambda: process_gone(result.worker_pid))


def test_a_handler_error_comes_back_as_lambda_returns_it(app: LocalApp) -> None:
    result = app.invoke("failing", {})

    assert result.function_error == "Unhandled"
    error = result.json()
    assert error["errorType"] == "ValueError"
    assert error["errorMessage"] == "the handler failed on purpose"
    assert error["requestId"] == result.request_id
    assert any("basic.py" in line for line in error["stackTrace"])


def test_a_worker_that_exits_mid_invocation_is_an_exit_error(app: LocalApp) -> None:
    first = app.invoke("crashing", {})

    assert first.outcome is Outcome.EXIT
    assert first.function_error == "Unhandled"
    assert first.json() == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {first.request_id} Error: "
        "Runtime exited with error: exit status 3",
    }

    second = app.invoke("crashing", {})

    assert second.cold_start is True
    assert second.worker_pid != first.worker_pid


def test_an_unimportable_handler_is_an_init_error(app: LocalApp) -> None:
    result = app.invoke("unimportable", {})

    assert result.outcome is Outcome.INIT_ERROR
    assert result.function_error == "Unhandled"
    error = result.json()
    assert error["errorType"] == "Runtime.ImportModuleError"
    assert error["errorMessage"].startswith("Unable to import module 'no_such_module'")
    assert error["requestId"] == result.request_id


def test_concurrent_invocations_scale_out_to_the_limit(app: LocalApp) -> None:
    results = []

    def call() -> None:
        results.append(app.invoke("scaling", {"sleep": 0.3}))

    threads = [threading.Thread(target=call) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert all(result.ok for result in results)
    assert len({result.worker_pid for result in results}) == 2
    assert sum(result.cold_start for result in results) == 2


def test_closing_the_app_leaves_no_process_behind() -> None:
    app = start_app(
        {
            "functions": {
                "ticking": function("basic.ticker"),
                "counter": function("basic.count"),
            }
        }
    )
    with app:
        frozen = app.invoke("ticking", {}).worker_pid
        app.invoke("counter", {})
        pids = app.worker_pids()
        assert frozen in pids and len(pids) == 2
        wait_for(lambda: processes.state(frozen) == "T")

    for pid in pids:
        assert process_gone(pid)
    assert not set(pids) & processes.live_groups()

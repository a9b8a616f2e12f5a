"""Fault family 6: many invocations at once, and threads inside a handler.

Every SDK call record must belong to the invocation that made the call: its
``invocationId`` and its ``traceId`` are that invocation's, checked against
the events the calls served (see :mod:`tests.faults.attribution`).

On the local runtime: 20 invocations at once of a function limited to 4
workers, each writing from its own thread and from three plain threads.  In
process: a thread pool made by the first invocation and reused by the next.
"""

from __future__ import annotations

import threading
from typing import Any, Iterator

import pytest

from spot_otel.local import LocalApp
from spot_otel.local.scripts import default_exec_wrapper
from tests.faults.conftest import record_figure
from tests.faults.attribution import attribution_errors, written_keys
from tests.faults.harness import TracedFunction
from tests.faults.local import dump_table, running, traced
from tests.sink.conftest import table_items

INVOCATIONS = 20
CONCURRENCY = 4
SPEC = {
    "app": {"name": "concurrency"},
    "tables": {"orders": {"key": ["pk"]}},
    "functions": {
        "writer": traced("workers.write", concurrency=CONCURRENCY, timeout=30),
    },
}


@pytest.fixture(scope="module")
def app(module_environment: None) -> Iterator[LocalApp]:
    if default_exec_wrapper() is None:
        pytest.skip("spot-otel's exec wrapper is not installed")
    yield from running(SPEC)


def test_concurrent_invocations_keep_their_records_apart(app: LocalApp) -> None:
    results: dict[int, Any] = {}

    def invoke(n: int) -> None:
        results[n] = app.invoke("writer", {"n": n})

    threads = [threading.Thread(target=invoke, args=(n,)) for n in range(INVOCATIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    app.wait_idle(timeout=30)

    assert all(result.ok for result in results.values())
    assert len({result.worker_pid for result in results.values()}) == CONCURRENCY
    keys_by_invocation = {results[n].request_id: written_keys(n) for n in results}
    for n, result in results.items():
        assert result.json() == {"n": n, "request_id": result.request_id}

    items = dump_table(app)
    assert attribution_errors(items, keys_by_invocation) == []
    record_figure(
        f"concurrency: {INVOCATIONS} invocations at once on {CONCURRENCY} workers, "
        f"{len(items)} records, every call record in its own invocation and trace"
    )


def test_a_thread_pool_kept_across_invocations_follows_each_one(aws: Any) -> None:
    with TracedFunction("handlers.pool_writes") as function:
        calls = {n: function.invoke({"n": n}) for n in range(3)}

    assert all(call.error is None for call in calls.values())
    keys_by_invocation = {
        call.request_id: {f"{n}-p{k}" for k in range(6)} for n, call in calls.items()
    }
    assert attribution_errors(table_items(aws).values(), keys_by_invocation) == []

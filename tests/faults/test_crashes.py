"""Fault family 5: functions that crash, exit, are killed or time out.

On the local runtime, under the exec wrapper, a traced caller invokes four
traced functions synchronously: one raises, one calls ``sys.exit``, one is
killed mid-invocation (SIGKILL, as the OOM killer does), one runs past its
timeout.  Each makes an S3 call before it ends.  Every one leaves its begin
record; those that end in Python (raise, exit) also leave their end record
and their SDK call record; the timed-out one leaves its SDK call record too,
written by the flush shortly before its deadline.  The graph of the
caller's request shows all four, joined to the caller, and marks the killed
and the timed-out invocations begun and never ended.

The killed function lives a second past its SDK call, time for the
background entry write.  How often a function killed at once still shows
as begun is a race, measured by ``benchmarks/soak_faults.py``, not tested.
"""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from spot_otel.graph import Graph, TableSource, load_request
from spot_otel.local import LocalApp
from spot_otel.local.scripts import default_exec_wrapper
from tests.faults.conftest import record_figure
from tests.faults.local import dump_table, running, traced

pytestmark = pytest.mark.skipif(
    default_exec_wrapper() is None, reason="spot-otel's exec wrapper is not installed"
)

TARGETS = ["raises", "exits", "killed", "times_out"]
SPEC = {
    "app": {"name": "crashes"},
    "buckets": ["crash-site"],
    "functions": {
        "caller": traced("crashes.caller", timeout=30),
        "raises": traced("crashes.raises"),
        "exits": traced("crashes.exits"),
        "killed": traced("crashes.killed"),
        "times_out": traced("crashes.times_out", timeout=2),
    },
}


@pytest.fixture(scope="module")
def app(module_environment: None) -> Iterator[LocalApp]:
    yield from running(SPEC)


@pytest.fixture(scope="module")
def outcome(app: LocalApp) -> dict[str, Any]:
    """The caller's run: its result, the table, and its request's graph."""
    result = app.invoke("caller", {"targets": TARGETS})
    assert result.ok, result.payload
    app.wait_idle(timeout=30)
    graph = load_request(
        TableSource("spotFns", client=app.client("dynamodb")),
        request_id=result.request_id,
    )
    return {"seen": result.json(), "items": dump_table(app), "graph": graph}


def kinds_of(items: list[dict[str, Any]], request_id: str) -> dict[str, int]:
    """How many records of each type one invocation left."""
    counts: dict[str, int] = {}
    for item in items:
        if item.get("invocationId") == request_id:
            counts[item["recordType"]] = counts.get(item["recordType"], 0) + 1
    return counts


# function -> (its end record, its S3 call record)
EXPECTED = {
    "raises": (True, True),
    "exits": (True, True),
    "killed": (False, False),
    "times_out": (False, True),
}


@pytest.mark.parametrize("function", TARGETS)
def test_every_crash_leaves_its_begin_record_and_what_it_could(
    outcome: dict[str, Any], function: str
) -> None:
    seen = outcome["seen"][function]
    has_exit, has_call = EXPECTED[function]

    kinds = kinds_of(outcome["items"], seen["request_id"])

    assert seen["function_error"] == "Unhandled"
    assert kinds.get("entry") == 1
    assert kinds.get("exit", 0) == int(has_exit)
    assert kinds.get("call", 0) == int(has_call)


def test_the_graph_marks_the_rest_begun_never_ended(outcome: dict[str, Any]) -> None:
    graph: Graph = outcome["graph"]
    seen = outcome["seen"]
    nodes = {node.request_id: node for node in graph.invocations()}

    (caller,) = [node for node in nodes.values() if node.function == "caller"]
    assert caller.ended and not caller.failed
    children = {graph.nodes[edge.target].function for edge in graph.children(caller.id)}
    assert children == set(TARGETS)
    for function in TARGETS:
        node = nodes[seen[function]["request_id"]]
        assert node.function == function
        ended, _ = EXPECTED[function]
        assert node.ended is ended
        if ended:
            assert node.failed
    raised = nodes[seen["raises"]["request_id"]]
    exited = nodes[seen["exits"]["request_id"]]
    assert "RuntimeError: the handler failed on purpose" in (raised.error or "")
    assert "SystemExit: 3" in (exited.error or "")
    ends = {
        function: nodes[seen[function]["request_id"]].ended for function in TARGETS
    }
    record_figure(
        "crashes: "
        + ", ".join(
            f"{function} {'ended' if ended else 'begun-never-ended'}"
            for function, ended in ends.items()
        )
    )

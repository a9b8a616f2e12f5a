"""Recent requests from the spotFns table: ``--since``/``--until`` through the
byDay index, with Query only (moto, the table as ``spot-otel table create``
makes it)."""

from __future__ import annotations

import json
from typing import Any, Iterable

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from moto import mock_aws

from spot_otel.cli import main
from spot_otel.graph import NotFound, SourceError, TableSource, load_request
from spot_otel.graph.select import cut_note
from spot_otel.links import Link, invoke_key
from spot_otel.records import (
    DAY_SHARDS,
    DEFAULT_TABLE,
    TIME_INDEX,
    Record,
    to_item,
    with_link_records,
)
from spot_otel.table import create_table

from tests.conftest import load_event
from tests.graph.events import in_links, stream_event
from tests.graph.factory import Invocation

MIDNIGHT = 1_694_044_800_000
"""2023-09-07T00:00:00Z: the window below spans two UTC days."""
SINCE = MIDNIGHT - 60_000
UNTIL = MIDNIGHT + 60_000

IN_WINDOW = {
    "r1-api": {"r1-api", "r1-worker", "r1-ship"},
    "r2-api": {"r2-api", "r2-worker"},
    "r3-crash": {"r3-crash"},
    "r4-projector": {"r4-projector"},
}
"""Each root that started in the window, with its request's invocations."""
NEWEST_FIRST = ["r4-projector", "r3-crash", "r2-api", "r1-api"]


def api_links(event_name: str, request_id: str) -> list[Link]:
    """An API Gateway event's in-links, with its own request id."""
    event = load_event(event_name)
    event["requestContext"]["requestId"] = request_id
    return in_links(event)


def api_and_worker(prefix: str, start: int, *, event_name: str) -> list[Record]:
    """API Gateway -> api -> sync invoke -> worker."""
    api = Invocation(
        f"{prefix}-api",
        "api",
        start,
        trigger="apigateway",
        links_in=api_links(event_name, f"{prefix}-apigw"),
    )
    worker = Invocation(f"{prefix}-worker", "worker", start + 10)
    return [
        *api.whole(300, api.call("Invoke", start + 5, 80, [Link(invoke_key(worker.id))])),
        *worker.whole(60),
    ]


def scenario() -> list[Record]:
    """Requests around MIDNIGHT: four whose roots started in the window, one
    that began before it (its worker ran inside), one after it."""
    message = in_links(load_event("sqsEvent"))[0]
    r1_worker = Invocation("r1-worker", "worker", MIDNIGHT - 29_990)
    r1_ship = Invocation(
        "r1-ship", "ship", MIDNIGHT + 5_000, trigger="sqs", links_in=[message]
    )
    r1_api = Invocation(
        "r1-api",
        "api",
        MIDNIGHT - 30_000,
        trigger="apigateway",
        links_in=api_links("apiGatewayProxyEvent", "r1-apigw"),
    )
    crash = Invocation("r3-crash", "batch", MIDNIGHT + 20_000)
    # A stream record whose write was not traced: a root, under an external
    # source.
    projector = Invocation(
        "r4-projector",
        "projector",
        MIDNIGHT + 30_000,
        trigger="dynamodb",
        links_in=in_links(stream_event("orders", [MIDNIGHT + 29_000] * 2))[:1],
    )
    return [
        *api_and_worker("old", SINCE - 10_000, event_name="apiGatewayProxyEvent"),
        *r1_api.whole(
            300,
            r1_api.call(
                "Invoke", MIDNIGHT - 29_995, 80, [Link(invoke_key(r1_worker.id))]
            ),
        ),
        *r1_worker.whole(
            60, r1_worker.call("SendMessage", MIDNIGHT - 29_980, 8, [message])
        ),
        *r1_ship.whole(20),
        *api_and_worker("r2", MIDNIGHT + 10_000, event_name="apiGatewayProxyV2Event"),
        crash.entry(),  # begun, never ended
        *projector.whole(15),
        *api_and_worker("late", UNTIL + 10_000, event_name="apiGatewayProxyEvent"),
    ]


def write(client: Any, records: Iterable[Record], *, without_day: bool = False) -> None:
    """Store records as the sink does; ``without_day`` as written before the
    byDay index existed."""
    table = boto3.resource("dynamodb", region_name="us-east-1").Table(DEFAULT_TABLE)
    with table.batch_writer() as writer:
        for record in records:
            for stored in with_link_records(record, max_links=16)[0]:
                item = to_item(stored)
                if without_day:
                    item.pop("day", None)
                writer.put_item(Item=item)


class Calls(list):
    """The (operation, index) of every call a client sends (a before-call
    hook: ``params`` is the request, its body DynamoDB's JSON)."""

    def __call__(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        body = json.loads(params["body"] or b"{}")
        self.append((model.name, body.get("IndexName")))


@pytest.fixture
def table():
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_table(client, DEFAULT_TABLE, ttl=False, stream=False)
        write(client, scenario())
        calls = Calls()
        client.meta.events.register("before-call.dynamodb.*", calls)
        yield client, calls


def requests_of(graph: Any) -> dict[str, set[str]]:
    """Each invocation root of the graph (or the invocation under an
    external root) with the invocations of its request."""
    found: dict[str, set[str]] = {}
    for root in graph.roots():
        tops = [root.id] if not root.is_external else [
            edge.target for edge in graph.children(root.id)
        ]
        for top in tops:
            found[top] = {
                node
                for node in graph.descendants([top])
                if not graph.nodes[node].is_external
            }
    return found


def test_the_window_draws_the_requests_whose_roots_started_in_it(table):
    client, calls = table
    source = TableSource(client=client)

    graph = load_request(source, since=SINCE, until=UNTIL)

    assert requests_of(graph) == IN_WINDOW
    # Read with Query only, the time index once per UTC day and shard.
    assert {operation for operation, _ in calls} == {"Query"}
    assert sum(index == TIME_INDEX for _, index in calls) == 2 * DAY_SHARDS
    assert source.window_roots is not None
    assert list(source.window_roots.ids) == NEWEST_FIRST
    assert cut_note(graph) is None


def test_a_request_is_drawn_whole_across_midnight(table):
    client, _ = table
    graph = load_request(TableSource(client=client), since=SINCE, until=UNTIL)

    assert [edge.target for edge in graph.children("r1-worker")] == ["r1-ship"]
    assert graph.nodes["r1-ship"].start == MIDNIGHT + 5_000
    assert graph.nodes["r3-crash"].ended is False
    (external,) = [edge.source for edge in graph.parents("r4-projector")]
    assert graph.nodes[external].is_external


def test_a_request_begun_before_the_window_is_left_out(table):
    client, _ = table
    graph = load_request(TableSource(client=client), since=SINCE, until=UNTIL)

    # old-worker started inside the window, but its root did not.
    assert "old-worker" not in graph.nodes and "old-api" not in graph.nodes
    assert "late-api" not in graph.nodes


def test_the_limit_keeps_the_most_recent_requests_and_says_so(table):
    client, _ = table
    source = TableSource(client=client)

    graph = load_request(source, since=SINCE, until=UNTIL, limit=2)

    assert requests_of(graph) == {root: IN_WINDOW[root] for root in NEWEST_FIRST[:2]}
    note = cut_note(graph)
    assert note is not None and "the 2 most recent" in note and "--limit" in note


def test_the_limit_bounds_the_queries(table):
    client, _ = table
    bounded = TableSource(client=client)
    load_request(bounded, since=SINCE, until=UNTIL, limit=1)
    whole = TableSource(client=client)
    load_request(whole, since=SINCE, until=UNTIL)

    assert bounded.queries < whole.queries / 2


def test_a_limit_the_window_fits_in_cuts_nothing(table):
    client, _ = table
    graph = load_request(TableSource(client=client), since=SINCE, until=UNTIL, limit=4)

    assert set(requests_of(graph)) == set(IN_WINDOW)
    assert cut_note(graph) is None


def test_the_source_default_limit_applies_when_the_selection_sets_none(table):
    client, _ = table
    graph = load_request(
        TableSource(client=client, max_roots=1), since=SINCE, until=UNTIL
    )

    assert set(requests_of(graph)) == {"r4-projector"}
    assert cut_note(graph) is not None


def test_a_root_whose_entry_predates_the_index_is_found_from_below(table):
    client, _ = table
    # The root's records carry no day (written before the index); its
    # worker's entry does.
    root, worker = "legacy-api", "legacy-worker"
    records = api_and_worker(
        "legacy", MIDNIGHT + 40_000, event_name="apiGatewayProxyEvent"
    )
    write(client, [r for r in records if r.invocation_id == root], without_day=True)
    write(client, [r for r in records if r.invocation_id == worker])

    graph = load_request(TableSource(client=client), since=SINCE, until=UNTIL)

    assert requests_of(graph)[root] == {root, worker}
    assert set(requests_of(graph)) == {*IN_WINDOW, root}


def test_an_empty_window_is_not_found(table):
    client, _ = table
    with pytest.raises(NotFound, match="no request started in the window"):
        load_request(
            TableSource(client=client), since=UNTIL + 60_000, until=UNTIL + 90_000
        )


def test_a_window_needs_a_start(table):
    client, calls = table
    with pytest.raises(SourceError, match="needs --since"):
        load_request(TableSource(client=client), until=UNTIL)
    assert calls == []


def test_a_window_of_years_is_refused_before_any_query(table):
    client, calls = table
    with pytest.raises(SourceError, match="spans 3653 days.*use --dump"):
        load_request(
            TableSource(client=client), since=UNTIL - 3652 * 86_400_000, until=UNTIL
        )
    assert calls == []


def test_a_table_without_the_index_names_the_fix(table):
    client, calls = table
    client.update_table(
        TableName=DEFAULT_TABLE,
        GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": TIME_INDEX}}],
    )

    with pytest.raises(SourceError) as raised:
        load_request(
            TableSource(client=client, region="us-east-1"), since=SINCE, until=UNTIL
        )

    message = str(raised.value)
    assert f"has no {TIME_INDEX} index" in message
    assert "`spot-otel table create --table spotFns --region us-east-1`" in message
    assert "--dump" in message
    assert "Scan" not in {operation for operation, _ in calls}


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        # What DynamoDB answers while a new index is backfilled ...
        (
            "Cannot read from backfilling global secondary index: byDay",
            "index of table spotFns is still being built.*ACTIVE, or use --dump",
        ),
        # ... and for an index the table lacks (moto words it otherwise).
        (
            "The table does not have the specified index: byDay",
            "has no byDay index.*spot-otel table create --table spotFns",
        ),
    ],
)
def test_dynamodb_refusing_the_index_is_explained(table, answer, expected):
    client, _ = table

    def refuse(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        parsed = {
            "Error": {"Code": "ValidationException", "Message": answer},
            "ResponseMetadata": {"HTTPStatusCode": 400},
        }
        return AWSResponse("https://dynamodb.test", 400, {}, None), parsed

    client.meta.events.register("before-call.dynamodb.Query", refuse)

    with pytest.raises(SourceError, match=expected):
        load_request(TableSource(client=client), since=SINCE, until=UNTIL)


def test_a_request_id_on_the_same_table_still_works(table):
    client, _ = table
    source = TableSource(client=client)
    load_request(source, since=SINCE, until=UNTIL)

    graph = load_request(source, request_id="old-worker")

    assert {node.id for node in graph.invocations()} == {"old-api", "old-worker"}


# -- Through the CLI ------------------------------------------------------------


def graph_cli(capsys: Any, *argv: str) -> tuple[int, str, str]:
    code = main(["graph", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_cli_draws_recent_requests_from_the_table(table, capsys):
    code, out, err = graph_cli(
        capsys, "--since", str(SINCE), "--until", str(UNTIL), "--format", "json"
    )

    assert (code, err) == (0, "")
    drawn = {node["id"] for node in json.loads(out)["nodes"]}
    assert set().union(*IN_WINDOW.values()) <= drawn
    assert "old-worker" not in drawn and "late-api" not in drawn


def test_the_cli_says_when_the_limit_cut_the_list(table, capsys):
    code, out, err = graph_cli(
        capsys, "--since", str(SINCE), "--until", str(UNTIL), "--limit", "1"
    )

    assert code == 0
    assert "projector" in out and "batch" not in out
    assert err == (
        "spot-otel: note: more requests started in the window: drawn are the 1 "
        "most recent (raise --limit for more)\n"
    )


def test_the_cli_names_the_fix_for_a_table_without_the_index(table, capsys):
    client, _ = table
    client.update_table(
        TableName=DEFAULT_TABLE,
        GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": TIME_INDEX}}],
    )

    code, out, err = graph_cli(capsys, "--since", str(SINCE), "--until", str(UNTIL))

    assert (code, out) == (2, "")
    assert err.startswith("spot-otel: error: table spotFns has no byDay index")
    assert "`spot-otel table create --table spotFns --region us-east-1`" in err
    assert "--dump" in err and err.count("\n") == 1


def test_the_cli_says_when_nothing_started_in_the_window(table, capsys):
    code, out, err = graph_cli(
        capsys, "--since", str(UNTIL + 60_000), "--until", str(UNTIL + 90_000)
    )

    assert (code, out) == (2, "")
    assert "no request started in the window" in err

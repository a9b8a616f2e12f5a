"""Joining records into a graph: chains, batches, DynamoDB keys, loose ends."""

from __future__ import annotations

from spot_otel.graph import build_graph
from spot_otel.links import Link, ddb_item_key, http_key, invoke_key

from tests.conftest import load_event
from tests.graph.events import in_links, stream_event
from tests.graph.factory import Invocation

T0 = 1_693_997_155_000


def edges_of(graph):
    return sorted(
        (graph.nodes[edge.source].function, graph.nodes[edge.target].function, edge.via)
        for edge in graph.edges
    )


def test_a_chain_across_invoke_sqs_and_sns_is_one_request():
    api = Invocation("req-api", "api", T0, trigger="apigateway")
    worker = Invocation("req-worker", "worker", T0 + 20)
    queue_links = in_links(load_event("sqsEvent"))[:1]
    shipper = Invocation(
        "req-ship", "ship", T0 + 90, trigger="sqs", links_in=queue_links
    )
    topic = in_links(load_event("snsEvent"))[0]
    mailer = Invocation("req-mail", "mail", T0 + 150, trigger="sns", links_in=[topic])

    graph = build_graph(
        [
            *api.whole(
                200, api.call("Invoke", T0 + 10, 50, [Link(invoke_key(worker.id))])
            ),
            *worker.whole(40, worker.call("SendMessage", T0 + 30, 8, queue_links)),
            *shipper.whole(30, shipper.call("Publish", T0 + 100, 6, [topic])),
            *mailer.whole(10),
        ]
    )

    assert edges_of(graph) == [
        ("api", "worker", "invoke"),
        ("ship", "mail", "sns"),
        ("worker", "ship", "sqs"),
    ]
    # Any invocation of the request selects all of it.
    assert set(graph.request_of(["req-mail"]).nodes) == set(graph.nodes)
    assert [root.id for root in graph.roots()] == ["req-api"]


def test_sns_fan_out_gives_one_edge_per_subscriber():
    topic = in_links(load_event("snsEvent"))[0]
    publisher = Invocation("req-pub", "pub", T0)
    subscribers = [
        Invocation(
            f"req-sub{n}", f"sub{n}", T0 + 50 + n, trigger="sns", links_in=[topic]
        )
        for n in range(3)
    ]
    records = publisher.whole(60, publisher.call("Publish", T0 + 5, 5, [topic]))
    for subscriber in subscribers:
        records += subscriber.whole(10)

    graph = build_graph(records)
    assert [edge.target for edge in graph.children("req-pub")] == [
        "req-sub0",
        "req-sub1",
        "req-sub2",
    ]


def test_an_sqs_batch_fans_in_from_two_requests():
    first, second = in_links(load_event("sqsEvent"))
    producer_a = Invocation("req-a", "a", T0, trace_id="a" * 32)
    producer_b = Invocation("req-b", "b", T0 + 5, trace_id="b" * 32)
    batch = Invocation(
        "req-batch", "batch", T0 + 100, trigger="sqs", links_in=[first, second]
    )
    graph = build_graph(
        [
            *producer_a.whole(20, producer_a.call("SendMessage", T0 + 2, 5, [first])),
            *producer_b.whole(20, producer_b.call("SendMessage", T0 + 7, 5, [second])),
            *batch.whole(30),
        ]
    )

    assert sorted(edge.source for edge in graph.parents("req-batch")) == [
        "req-a",
        "req-b",
    ]
    # Request a reaches the batch, but not request b's producer.
    assert set(graph.request_of(["req-a"]).nodes) == {"req-a", "req-batch"}
    # The batch belongs to both requests.
    assert set(graph.request_of(["req-batch"]).nodes) == {"req-a", "req-b", "req-batch"}


def test_an_s3_hop_matched_by_object_key_and_request_id_is_one_edge():
    keys = in_links(load_event("s3Event"))
    writer = Invocation("req-writer", "writer", T0)
    reader = Invocation("req-reader", "reader", T0 + 300, trigger="s3", links_in=keys)
    graph = build_graph(
        [
            *writer.whole(50, writer.call("PutObject", T0 + 10, 20, keys)),
            *reader.whole(10),
        ]
    )

    assert len(graph.edges) == 1
    edge = graph.edges[0]
    assert (edge.source, edge.target, edge.via, edge.operation) == (
        "req-writer",
        "req-reader",
        "s3",
        "PutObject",
    )
    assert edge.links == 2


def test_repeated_writes_of_one_item_join_each_consumer_to_its_own_writer():
    # dynamoStreamEvent.json: item Id=101 written twice (seq 111, then 222).
    first, second = in_links(stream_event("orders", [T0, T0 + 3000]))
    key = {"Id": {"N": "101"}}
    assert first.key == second.key == ddb_item_key("orders", key)

    writer_a = Invocation("req-wa", "writer-a", T0 - 100)
    writer_b = Invocation("req-wb", "writer-b", T0 + 2800)
    # One consumer per record, as two single-record batches.
    consumer_1 = Invocation(
        "req-c1", "project", T0 + 900, trigger="dynamodb", links_in=[first]
    )
    consumer_2 = Invocation(
        "req-c2", "project", T0 + 3900, trigger="dynamodb", links_in=[second]
    )
    graph = build_graph(
        [
            *writer_a.whole(
                30,
                writer_a.call("PutItem", T0 - 90, 10, [Link(first.key, at_ms=T0 - 80)]),
            ),
            *writer_b.whole(
                30,
                writer_b.call(
                    "UpdateItem", T0 + 2810, 10, [Link(first.key, at_ms=T0 + 3020)]
                ),
            ),
            *consumer_1.whole(20),
            *consumer_2.whole(20),
        ]
    )

    assert [edge.source for edge in graph.parents("req-c1")] == ["req-wa"]
    assert [edge.source for edge in graph.parents("req-c2")] == ["req-wb"]
    assert [edge.operation for edge in graph.parents("req-c2")] == ["UpdateItem"]


def test_a_stream_record_with_no_traced_write_shows_an_external_source():
    first, second = in_links(stream_event("orders", [T0, T0 + 60_000]))
    writer = Invocation("req-w", "writer", T0 - 100)
    consumer = Invocation(
        "req-c",
        "project",
        T0 + 61_000,
        trigger="dynamodb",
        links_in=[first, second],
        event_source="aws:dynamodb",
    )
    graph = build_graph(
        [
            *writer.whole(
                30,
                writer.call("PutItem", T0 - 90, 10, [Link(first.key, at_ms=T0 - 80)]),
            ),
            *consumer.whole(20),
        ]
    )

    sources = {graph.nodes[edge.source].kind: edge for edge in graph.parents("req-c")}
    assert set(sources) == {"invocation", "external"}
    assert sources["invocation"].source == "req-w"
    external = graph.nodes[sources["external"].source]
    assert (external.trigger, external.function) == ("ddb", "aws:dynamodb")
    assert any("no traced producer" in note.text for note in graph.notes)


def test_a_failed_conditional_write_makes_no_record_and_is_passed_over():
    (record,) = in_links(stream_event("orders", [T0]))[:1]
    rejected = Invocation("req-rejected", "rejected", T0 - 300)
    winner = Invocation("req-winner", "winner", T0 - 200)
    consumer = Invocation(
        "req-c", "project", T0 + 900, trigger="dynamodb", links_in=[record]
    )
    graph = build_graph(
        [
            *rejected.whole(
                30,
                rejected.call(
                    "PutItem",
                    T0 - 290,
                    10,
                    [Link(record.key, at_ms=T0 - 280)],
                    error="ConditionalCheckFailedException",
                ),
            ),
            *winner.whole(
                30,
                winner.call(
                    "PutItem", T0 - 190, 10, [Link(record.key, at_ms=T0 - 180)]
                ),
            ),
            *consumer.whole(20),
        ]
    )
    assert [edge.source for edge in graph.parents("req-c")] == ["req-winner"]


def test_begun_never_ended_keeps_its_place_in_the_request():
    caller = Invocation("req-caller", "caller", T0)
    crashed = Invocation("req-crashed", "crashed", T0 + 20)
    graph = build_graph(
        [
            *caller.whole(
                500, caller.call("Invoke", T0 + 10, 400, [Link(invoke_key(crashed.id))])
            ),
            crashed.entry(),  # killed by its timeout: no exit record
        ]
    )
    node = graph.nodes["req-crashed"]
    assert (node.ended, node.duration_ms, node.status) == (False, None, "UNSET")
    assert [edge.target for edge in graph.children("req-caller")] == ["req-crashed"]


def test_a_failed_invocation_carries_its_error():
    job = Invocation("req-job", "job", T0)
    graph = build_graph(job.whole(20, error="ValueError: bad input"))
    node = graph.nodes["req-job"]
    assert (node.status, node.error, node.ended) == (
        "ERROR",
        "ValueError: bad input",
        True,
    )


def test_an_http_root_shows_its_client_as_an_external_source():
    api = Invocation(
        "req-api",
        "api",
        T0,
        trigger="apigateway",
        links_in=[
            Link(
                http_key(
                    load_event("apiGatewayProxyEvent")["requestContext"]["requestId"]
                )
            )
        ],
        event_source="aws:apigateway",
        caller="c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
    )
    graph = build_graph(api.whole(15))
    (root,) = graph.roots()
    assert root.is_external and root.caller == "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    assert graph.children(root.id)[0].target == "req-api"


def test_notes_stay_with_the_request_they_concern():
    (record,) = in_links(stream_event("orders", [T0]))[:1]
    untraced_fed = Invocation(
        "req-fed", "project", T0 + 900, trigger="dynamodb", links_in=[record]
    )
    quiet = Invocation("req-quiet", "quiet", T0)
    graph = build_graph([*untraced_fed.whole(20), *quiet.whole(5)])

    assert graph.request_of(["req-quiet"]).notes == []
    assert [note.text for note in graph.request_of(["req-fed"]).notes] == [
        "ddb in-link(s) with no traced producer within the bound: "
        "shown as an external source"
    ]

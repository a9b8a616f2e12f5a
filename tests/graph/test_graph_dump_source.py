"""Reading JSONL dumps: ours, typed ones, gzip, bad lines, and SpotWrap's own."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from boto3.dynamodb.types import TypeSerializer

from spot_otel.graph import DumpSource, NotFound, SourceError, load_request
from spot_otel.links import Link, invoke_key
from spot_otel.records import to_item

from tests.conftest import load_event
from tests.graph.factory import Invocation, arn

T0 = 1_502_740_733_000


def chain_items() -> list[dict]:
    parent = Invocation("req-parent", "parent", T0)
    child = Invocation("req-child", "child", T0 + 40)
    records = [
        *parent.whole(
            100, parent.call("Invoke", T0 + 10, 50, [Link(invoke_key(child.id))])
        ),
        *child.whole(20),
    ]
    return [json.loads(json.dumps(to_item(record), default=str)) for record in records]


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def test_bad_lines_are_counted_skipped_and_named(tmp_path):
    lines = [json.dumps(item) for item in chain_items()]
    lines.insert(1, "{truncated")
    lines.insert(3, "[1, 2]")
    lines.insert(4, "")
    lines.append(json.dumps({"ts": 5}))
    source = DumpSource(write_lines(tmp_path / "dump.jsonl", lines))

    graph = load_request(source, request_id="req-child")
    assert set(graph.nodes) == {"req-parent", "req-child"}
    assert source.report.bad_lines == 3
    assert [number for number, _ in source.report.first_bad] == [2, 4, 9]
    assert "skipped 3 bad line(s)" in source.report.summary()
    assert any("skipped 3 bad line(s)" in note.text for note in graph.notes)


def test_typed_and_gzipped_dumps_read_the_same(tmp_path):
    serializer = TypeSerializer()
    typed = [
        json.dumps({name: serializer.serialize(value) for name, value in item.items()})
        for item in chain_items()
    ]
    path = tmp_path / "typed.jsonl.gz"
    with gzip.open(path, "wt") as stream:
        stream.write("\n".join(typed) + "\n")

    graph = load_request(DumpSource(path), request_id="req-parent")
    assert [(edge.source, edge.target) for edge in graph.edges] == [
        ("req-parent", "req-child")
    ]
    assert graph.nodes["req-child"].duration_ms == 20


def test_unreadable_or_empty_dumps_are_source_errors(tmp_path):
    with pytest.raises(SourceError, match="cannot open dump"):
        load_request(DumpSource(tmp_path / "missing.jsonl"), request_id="x")
    garbage = write_lines(tmp_path / "garbage.jsonl", ["nope", "still nope"])
    with pytest.raises(SourceError, match="no records in dump .*skipped 2 bad line"):
        load_request(DumpSource(garbage), request_id="x")


def test_an_unknown_request_id_is_not_found(tmp_path):
    path = write_lines(
        tmp_path / "d.jsonl", [json.dumps(item) for item in chain_items()]
    )
    with pytest.raises(NotFound, match="request id nope"):
        load_request(DumpSource(path), request_id="nope")


# -- Dumps of the original SpotWrap / GammaRay tables ------------------------------


def spotwrap_row(request_id: str, ts: int, function: str, **columns: object) -> str:
    """A row with SpotWrap's twelve columns only."""
    row = {
        "requestID": request_id,
        "ts": ts,
        "thisFnARN": arn(function),
        "caller": "unknown",
        "eventSource": "unknown",
        "eventOp": "unknown",
        "region": "us-west-2",
        "accountID": "443592014519",
        "sourceIP": "unknown",
        "message": "unset",
        "duration": 0,
        "error": "SpotWrapPython",
    }
    row.update(columns)
    return json.dumps(row)


def test_an_original_spotwrap_dump_joins_what_its_ids_allow(tmp_path):
    driver = "fd0a27db-812a-11e7-b727-2d2b9ea53971"
    mapper = "0b8e8c1c-812b-11e7-9a4c-53f6c3d4e0aa"
    lib_child = "1c9f9d2d-812b-11e7-8a3c-77aa11bb22cc"
    subscriber = "2dafae3e-812b-11e7-b1d2-aabbccddeeff"
    s3_reader = "3ebfbf4f-812b-11e7-a9b8-998877665544"
    sns_message = load_event("snsEvent")["Records"][0]["Sns"]["MessageId"]
    s3_record = load_event("s3Event")["Records"][0]
    rows = [
        spotwrap_row(
            f"{driver}:entry",
            T0,
            "driver",
            eventSource="aws:CLIInvoke:ext:invokeCLI",
            eventOp="ext:invokeCLI",
        ),
        spotwrap_row(
            f"{driver}:Invoke:1",
            T0 + 5,
            "driver",
            eventSource="lambda",
            eventOp="Invoke",
            message="SW:FunctionName:mapper",
        ),
        spotwrap_row(
            f"{driver}:Publish:2",
            T0 + 8,
            "driver",
            eventSource="sns",
            eventOp="Publish",
            caller=sns_message,
            message="sns:Publish:Topic:arn:aws:sns:us-west-2:1:t",
        ),
        spotwrap_row(
            f"{driver}:PutObject:3",
            T0 + 9,
            "driver",
            eventSource="s3",
            eventOp="PutObject",
            message="SW:Bkt:b:Key:k",
        ),
        spotwrap_row(f"{driver}:exit", T0 + 200, "driver", duration=200),
        # Direct invoke: caller is the invoking function's request id.
        spotwrap_row(
            f"{mapper}:entry",
            T0 + 20,
            "mapper",
            caller=driver,
            eventSource="aws:CLIInvoke:int:invokeCLI",
        ),
        spotwrap_row(
            f"{mapper}:exit",
            T0 + 80,
            "mapper",
            duration=60,
            error="SpotWrapPython:SpotWrap_exception:boom:status:400",
        ),
        # GammaRay's library invoke names the parent inside eventSource.
        spotwrap_row(
            f"{lib_child}:entry",
            T0 + 30,
            "libchild",
            eventSource=f"lib:invokeCLI:mapper:{mapper}",
        ),
        # SNS: caller is the MessageId, which the Publish row happens to hold.
        spotwrap_row(
            f"{subscriber}:entry",
            T0 + 60,
            "subscriber",
            eventOp="Notification",
            eventSource="arn:aws:sns:us-west-2:1:t:sub",
            caller=sns_message,
        ),
        spotwrap_row(f"{subscriber}:exit", T0 + 70, "subscriber", duration=10),
        # S3: the request id and sequencer were never recorded on the writer's side.
        spotwrap_row(
            f"{s3_reader}:entry",
            T0 + 90,
            "reader",
            eventOp="ObjectCreated:Put",
            eventSource=f"{s3_record['s3']['bucket']['arn']}:ObjectCreated:Put",
            caller=f"{s3_record['responseElements']['x-amz-request-id']}:"
            f"{s3_record['s3']['object']['sequencer']}",
        ),
        spotwrap_row(f"{s3_reader}:exit", T0 + 95, "reader", duration=5),
    ]
    source = DumpSource(write_lines(tmp_path / "spotwrap.jsonl", rows))
    graph = load_request(source, request_id=driver)

    joined = sorted(
        (graph.nodes[edge.source].function, graph.nodes[edge.target].function, edge.via)
        for edge in graph.edges
        if not graph.nodes[edge.source].is_external
    )
    assert joined == [
        ("driver", "mapper", "invoke"),
        ("driver", "subscriber", "sns"),
        ("mapper", "libchild", "invoke"),
    ]
    assert graph.nodes[mapper].status == "ERROR"
    assert graph.nodes[lib_child].ended is False

    # The S3 hop cannot be joined from these rows: an external source, and a note.
    other = load_request(source, request_id=s3_reader)
    (parent,) = other.parents(s3_reader)
    assert other.nodes[parent.source].is_external
    assert other.nodes[parent.source].caller.startswith("D82B88E5F771F645")
    assert any("triggered by s3 cannot be joined" in note.text for note in other.notes)

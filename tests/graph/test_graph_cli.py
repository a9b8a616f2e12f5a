"""`spot-otel graph` through the CLI's entry function: output and exit codes."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from spot_otel.cli import main
from spot_otel.links import Link, invoke_key
from spot_otel.records import to_item

from tests.graph.factory import Invocation

T0 = 1_700_000_000_000


@pytest.fixture
def dump(tmp_path):
    parent = Invocation("req-parent", "parent", T0)
    child = Invocation("req-child", "child", T0 + 30)
    records = [
        *parent.whole(
            90, parent.call("Invoke", T0 + 10, 40, [Link(invoke_key(child.id))])
        ),
        *child.whole(25),
    ]
    path = tmp_path / "spotfns.jsonl"
    path.write_text("".join(json.dumps(to_item(record)) + "\n" for record in records))
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["graph", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_text_tree_from_a_dump(capsys, dump):
    code, out, err = run(capsys, "--dump", str(dump), "--request-id", "req-child")
    assert code == 0 and err == ""
    assert out.splitlines()[1].startswith("parent  [invoke]  90 ms  OK")
    assert "invoke Invoke" in out and "child  [invoke]  25 ms  OK" in out


def test_output_file_takes_its_format_from_the_extension(capsys, dump, tmp_path):
    target = tmp_path / "request.json"
    code, out, err = run(
        capsys, "--dump", str(dump), "--request-id", "req-parent", "-o", str(target)
    )
    assert (code, out) == (0, "")
    assert f"wrote {target}" in err
    data = json.loads(target.read_text())
    assert [(edge["from"], edge["to"]) for edge in data["edges"]] == [
        ("req-parent", "req-child")
    ]


def test_aggregate_over_a_whole_dump(capsys, dump):
    code, out, _ = run(capsys, "--dump", str(dump), "--aggregate", "--format", "json")
    assert code == 0
    assert json.loads(out)["requests"] == 1


def test_a_dump_with_bad_lines_draws_but_exits_non_zero(capsys, dump):
    with dump.open("a") as stream:
        stream.write("{oops\n")
    code, out, err = run(capsys, "--dump", str(dump), "--request-id", "req-parent")
    assert code == 1
    assert "child" in out
    assert "warning: skipped 1 bad line(s)" in err and "line 6 (not JSON)" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--request-id", "nope"], "no records of request id nope"),
        ([], "choose what to draw"),
        (["--since", "yesterday-ish"], "cannot read time"),
        (
            ["--request-id", "req-child", "--aggregate", "--format", "dot"],
            "text or json",
        ),
        (["--request-id", "req-child", "--skew-ms", "-1"], "--skew-ms"),
        (["--since", "15m", "--limit", "0"], "--limit takes 1 or more"),
        (["--request-id", "req-child", "--limit", "5"], "with --since"),
        (["--since", "2000", "--until", "1000"], "--since must come before --until"),
    ],
)
def test_user_errors_are_one_line_and_exit_2(capsys, dump, argv, message):
    code, out, err = run(capsys, "--dump", str(dump), *argv)
    assert code == 2 and out == ""
    assert err.startswith("spot-otel: error: ") and message in err
    assert "Traceback" not in err and err.count("\n") == 1


def test_svg_without_graphviz_says_so(capsys, dump, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    code, _, err = run(
        capsys, "--dump", str(dump), "--request-id", "req-child", "--format", "svg"
    )
    assert code == 2 and "`dot` program from Graphviz" in err


def test_a_missing_table_exits_2_with_how_to_create_it(capsys):
    with mock_aws():
        boto3.client("dynamodb", region_name="us-east-1")
        code, _, err = run(capsys, "--table", "nothere", "--request-id", "x")
    assert code == 2
    assert "table nothere not found" in err and "spot-otel table create" in err


def test_the_limit_cuts_a_dump_window_to_the_newest_requests(capsys, tmp_path):
    early = Invocation("req-early", "parent", T0)
    late = Invocation("req-late", "parent", T0 + 60_000)
    path = tmp_path / "two.jsonl"
    path.write_text(
        "".join(
            json.dumps(to_item(record)) + "\n"
            for record in [*early.whole(50), *late.whole(40)]
        )
    )

    code, out, err = run(
        capsys, "--dump", str(path), "--since", str(T0), "--limit", "1",
        "--format", "json",
    )

    assert code == 0
    assert [node["id"] for node in json.loads(out)["nodes"]] == ["req-late"]
    assert "note: more requests started in the window" in err

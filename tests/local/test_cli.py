"""``spot-otel local run`` and ``spot-otel local invoke``, as a user runs them."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from spot_otel.cli import main
from tests.local.conftest import APPS, process_gone, wait_for

CHAIN = f"""
[app]
name = "chain"
async_retry_delays = [0.05, 0.05]

[functions.caller]
handler = "chain.caller"
code = "{APPS}"
timeout = 20
exec_wrapper = false

[functions.callee]
handler = "chain.callee"
code = "{APPS}"
exec_wrapper = false

[functions.counter]
handler = "basic.count"
code = "{APPS}"
exec_wrapper = false
"""


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "chain.toml"
    path.write_text(CHAIN)
    return path


def test_run_with_an_entry_invocation_stops_when_all_it_caused_is_done(
    spec_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"order": "o-7"}))

    code = main(
        ["local", "run", str(spec_file), "--invoke", "caller", "--event", str(event)]
    )

    out, err = capsys.readouterr()
    assert code == 0, err
    lines = out.splitlines()
    result_line = [line for line in lines if line.startswith("result caller ")]
    assert len(result_line) == 1
    value = json.loads(result_line[0].split(": ", 1)[1])
    invocations = [line.split() for line in lines if not line.startswith("result ")]
    # One line per invocation: the entry, and the sync and async calls it made.
    assert sorted(parts[0] for parts in invocations) == ["callee", "callee", "caller"]
    assert {parts[1] for parts in invocations if parts[0] == "callee"} == {
        value["sync_request_id"],
        value["async_request_id"],
    }
    assert all(parts[4] == "ok" for parts in invocations)
    assert "[callee] callee async request" in err


def test_invoke_prints_the_result_on_stdout_and_logs_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"k": "v"}))

    code = main(
        [
            "local",
            "invoke",
            "--handler",
            "basic.count",
            "--code",
            str(APPS),
            "--event",
            str(event),
            "--function-name",
            "one-off",
            "--no-instrument",
            "--env",
            "GREETING=hi",
        ]
    )

    out, err = capsys.readouterr()
    assert code == 0
    value = json.loads(out)
    assert value["event"] == {"k": "v"}
    assert value["env"]["AWS_LAMBDA_FUNCTION_NAME"] == "one-off"
    assert value["env"]["GREETING"] == "hi"
    assert f"[one-off] START RequestId: {value['request_id']}" in err


@pytest.mark.parametrize(
    ("handler", "error_type"),
    [
        ("basic.fail", "ValueError"),
        ("no_such_module.handler", "Runtime.ImportModuleError"),
    ],
)
def test_invoke_of_a_failing_handler_exits_1_with_the_error(
    handler: str, error_type: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "local",
            "invoke",
            "--handler",
            handler,
            "--code",
            str(APPS),
            "--no-instrument",
        ]
    )

    out, _ = capsys.readouterr()
    assert code == 1
    assert json.loads(out)["errorType"] == error_type


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["local", "invoke", "--handler", "basic.count", "--code", "/no/such/dir"],
            "--code /no/such/dir: no such directory",
        ),
        (
            ["local", "invoke", "--handler", "basic", "--code", str(APPS)],
            "--handler 'basic' is not MODULE.FUNCTION",
        ),
        (
            [
                "local",
                "invoke",
                "--handler",
                "basic.count",
                "--code",
                str(APPS),
                "--event",
                "/no/such/event.json",
            ],
            "cannot read the event /no/such/event.json",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2

    _, err = capsys.readouterr()
    assert err.count("\n") == 1
    assert message in err
    assert "Traceback" not in err


def test_a_malformed_app_spec_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(CHAIN.replace("timeout = 20", "timeout = -1"))

    assert main(["local", "run", str(path)]) == 2

    _, err = capsys.readouterr()
    assert err == (
        f"spot-otel: error: {path}: functions.caller.timeout: must be a number above 0 "
        "and at most 900 (got -1)\n"
    )


def test_sigterm_stops_a_running_app_and_its_workers(spec_file: Path) -> None:
    runtime = subprocess.Popen(
        [sys.executable, "-m", "spot_otel", "local", "run", str(spec_file), "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")},
    )
    try:
        banner = runtime.stderr.readline()
        invoke_api = re.search(r"Invoke API at (http://127\.0\.0\.1:\d+)", banner)
        assert invoke_api, banner
        request = urllib.request.Request(
            f"{invoke_api.group(1)}/2015-03-31/functions/counter/invocations",
            data=b"{}",
            method="POST",
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=30) as response:
            worker = json.loads(response.read())["pid"]
        assert not process_gone(worker)

        runtime.send_signal(signal.SIGTERM)
        assert runtime.wait(timeout=30) != 0
    finally:
        runtime.kill()
        runtime.communicate()

    wait_for(lambda: process_gone(worker))

"""Cold start of a boto3 function under awslambdaric, with and without tracing.

The function imports boto3, makes its SQS client at module level and sends
one message per invocation.  It runs on the local runtime (a real
``awslambdaric`` worker per cold start, started as Lambda starts one:
``[AWS_LAMBDA_EXEC_WRAPPER] bootstrap``) against a moto server on loopback,
in four ways:

``none``
    no exec wrapper: the uninstrumented baseline.
``spot-otel``
    spot-otel's exec wrapper, the fast path (``spot_otel.handler``).
``otel-layer``
    OTel contrib's aws-lambda and botocore instrumentations, loaded the way
    ``opentelemetry-instrument`` loads them (its ``sitecustomize`` first on
    ``PYTHONPATH``; this is also what the OTel Lambda layer's
    ``otel-instrument`` wrapper does), with ``spot_otel`` in
    ``OTEL_PYTHON_DISABLED_INSTRUMENTATIONS``.  Every instrumentor,
    distro and configurator is found by entry point.  The exporter is the
    same ``spotfns`` sink, but contrib's spans carry none of spot-otel's
    roles, so the sink writes nothing for them: this variant pays neither
    the sink's DynamoDB client nor a flush, which flatters it.
``otel-cli``
    the same through the ``opentelemetry-instrument`` command itself, which
    costs one more interpreter start before it execs the runtime.

``--compare-source DIR`` adds a fifth variant, ``spot-otel@DIR``: the same
exec wrapper with the packages of another checkout first on ``PYTHONPATH``
(``DIR/src`` and ``DIR/exporters/spotfns/src``), for before/after figures.

A cold start is timed from the Invoke to its response, for a function whose
worker does not exist yet: worker spawn, interpreter start, imports, init
and the first invocation (one SDK call, and for the traced variants the
flush to spotFns).  Each repetition runs every variant once, in a rotating
order; medians are reported.  A warm invocation follows each cold one.

Two checks of the fast path run first, in subprocesses: ``python -X
importtime`` of ``import spot_otel.handler`` (over a handler module that
already imported boto3), and a count of installed-package metadata scans
(``importlib.metadata``'s ``Distribution.discover``, under every
``entry_points()`` and ``version()``) during setup and a first invocation.

    .venv/bin/python benchmarks/cold_start.py [--repetitions 12] [--compare-source DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import (
    ACCOUNT,
    fake_aws_environment,
    headline,
    median,
    print_header,
    print_load,
    print_table,
    rotated,
)

TARGET_ADDED_MS = 50.0
TARGET_SHARE = 1 / 5
QUEUE = "cold-start"

FUNCTION_CODE = f'''\
"""A boto3 function: one SQS message per invocation."""
import os

import boto3

SQS = boto3.client("sqs")
QUEUE_URL = os.environ["AWS_ENDPOINT_URL"] + "/{ACCOUNT}/{QUEUE}"


def handler(event, context):
    answer = SQS.send_message(QueueUrl=QUEUE_URL, MessageBody="cold start")
    return {{"message_id": answer["MessageId"]}}
'''

# As the OTel Lambda layer's otel-instrument script does: opentelemetry-instrument's
# sitecustomize first on PYTHONPATH, then exec the runtime.
LAYER_WRAPPER = """\
#!/bin/sh
export OTEL_PYTHON_DISABLED_INSTRUMENTATIONS=spot_otel
export OTEL_TRACES_EXPORTER=spotfns
export OTEL_METRICS_EXPORTER=none
export OTEL_LOGS_EXPORTER=none
export OTEL_SERVICE_NAME="$AWS_LAMBDA_FUNCTION_NAME"
export PYTHONPATH="{sitecustomize_dir}${{PYTHONPATH:+:$PYTHONPATH}}"
exec "$@"
"""

CLI_WRAPPER = """\
#!/bin/sh
export OTEL_PYTHON_DISABLED_INSTRUMENTATIONS=spot_otel
export OTEL_TRACES_EXPORTER=spotfns
export OTEL_METRICS_EXPORTER=none
export OTEL_LOGS_EXPORTER=none
export OTEL_SERVICE_NAME="$AWS_LAMBDA_FUNCTION_NAME"
exec "{cli}" "$@"
"""

BASELINE = "none"
CANDIDATE = "spot-otel"
CONTRIB = "otel-layer"


@dataclass
class Samples:
    cold_ms: list[float] = field(default_factory=list)
    first_invocation_ms: list[float] = field(default_factory=list)
    warm_ms: list[float] = field(default_factory=list)
    peak_rss_mb: list[float] = field(default_factory=list)


# -- The fast path, in subprocesses ----------------------------------------------------

# Runs in a child: counts metadata scans (every entry_points() and version()
# lookup goes through Distribution.discover) while the fast path sets up and
# serves one invocation whose SDK call is answered by a botocore Stubber.
SCAN_PROBE = textwrap.dedent(
    """
    import importlib.metadata as metadata
    import json, sys, time, traceback

    scans = []
    discover = metadata.Distribution.discover.__func__

    def counting_discover(cls, **kwargs):
        frames = [f for f in traceback.extract_stack()[:-1]
                  if "importlib" not in f.filename]
        where = frames[-1] if frames else None
        scans.append(f"{where.filename}:{where.lineno}" if where else "?")
        return discover(cls, **kwargs)

    metadata.Distribution.discover = classmethod(counting_discover)

    import probe_fn
    started = time.perf_counter()
    import spot_otel.handler
    setup_ms = (time.perf_counter() - started) * 1000
    setup_scans = len(scans)

    from harness import LambdaContext
    spot_otel.handler.lambda_handler({}, LambdaContext())
    print(json.dumps({"setup_ms": setup_ms, "setup_scans": setup_scans,
                      "scans": scans}))
    """
)

PROBE_HANDLER = textwrap.dedent(
    """
    import boto3
    from botocore.stub import Stubber

    SQS = boto3.client("sqs", region_name="us-east-1")
    STUB = Stubber(SQS)
    STUB.add_response("send_message", {"MessageId": "m-1", "MD5OfMessageBody": "x"})
    STUB.activate()


    def handler(event, context):
        SQS.send_message(QueueUrl="https://sqs.us-east-1.amazonaws.com/1/q",
                         MessageBody="probe")
        return {}
    """
)


def fast_path_environment(code_dir: Path, closed_port: int) -> dict[str, str]:
    """What the exec wrapper exports, for a handler in ``code_dir``; the sink
    points at a loopback port nobody listens on (its writes are not the point)."""
    env = dict(os.environ)
    env.update(
        {
            "PYTHONPATH": os.pathsep.join([str(code_dir), str(Path(__file__).parent)]),
            "ORIG_HANDLER": "probe_fn.handler",
            "_HANDLER": "spot_otel.handler.lambda_handler",
            "AWS_LAMBDA_FUNCTION_NAME": "probe",
            "OTEL_SERVICE_NAME": "probe",
            "OTEL_TRACES_EXPORTER": "spotfns",
            "OTEL_METRICS_EXPORTER": "none",
            "OTEL_LOGS_EXPORTER": "none",
            "OTEL_PROPAGATORS": "tracecontext,baggage",
            "AWS_ENDPOINT_URL_DYNAMODB": f"http://127.0.0.1:{closed_port}",
            "OTEL_EXPORTER_SPOTFNS_FLUSH_BUDGET_MS": "200",
        }
    )
    return env


def closed_loopback_port() -> int:
    """A port on 127.0.0.1 that refuses connections (bound, never listened on)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def probe_scans(code_dir: Path) -> dict[str, Any]:
    env = fast_path_environment(code_dir, closed_loopback_port())
    done = subprocess.run(
        [sys.executable, "-c", SCAN_PROBE],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=code_dir,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def import_profile(code_dir: Path, runs: int) -> tuple[float, list[tuple[float, str]]]:
    """Median import time of ``spot_otel.handler`` (ms) over a handler module that
    has imported boto3, and the largest subtrees of the median run."""
    env = fast_path_environment(code_dir, closed_loopback_port())
    profiles: list[tuple[float, list[tuple[float, str]]]] = []
    for _ in range(runs):
        done = subprocess.run(
            [
                sys.executable,
                "-X",
                "importtime",
                "-c",
                "import probe_fn; import spot_otel.handler",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            cwd=code_dir,
        )
        profiles.append(_parse_importtime(done.stderr))
    profiles.sort(key=lambda profile: profile[0])
    return profiles[len(profiles) // 2]


_IMPORTTIME = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S.*)")


def _parse_importtime(text: str) -> tuple[float, list[tuple[float, str]]]:
    rows = []
    for line in text.splitlines():
        match = _IMPORTTIME.match(line)
        if match:
            depth = (len(match.group(3)) - 1) // 2
            rows.append((int(match.group(2)) / 1000, depth, match.group(4)))
    names = [name for _, _, name in rows]
    ours = rows[names.index("probe_fn") + 1 :]
    total = next((ms for ms, depth, name in ours if name == "spot_otel.handler"), 0.0)
    # spot_otel.handler's imports, down to four levels, largest first.
    big = sorted(
        ((ms, "  " * depth + name) for ms, depth, name in ours if 1 <= depth <= 4),
        key=lambda row: -row[0],
    )
    return total, big


# -- Cold starts on the local runtime --------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """One way of starting the function: its exec wrapper and extra env."""

    name: str
    exec_wrapper: bool | str
    env: dict[str, str] = field(default_factory=dict)

    def function(self, rep: int) -> str:
        safe = re.sub(r"[^A-Za-z0-9_]", "_", self.name)[:50]
        return f"{safe}_{rep}"


def variants(workdir: Path, code_dir: Path, compare_source: Path | None) -> list[Variant]:
    import opentelemetry.instrumentation.auto_instrumentation as auto

    scripts = {
        "otel-layer": LAYER_WRAPPER.format(sitecustomize_dir=Path(auto.__file__).parent),
        "otel-cli": CLI_WRAPPER.format(
            cli=Path(sys.executable).parent / "opentelemetry-instrument"
        ),
    }
    chosen = [Variant(BASELINE, False), Variant(CANDIDATE, True)]
    if compare_source is not None:
        source = compare_source.resolve()
        path = [code_dir, source / "src", source / "exporters" / "spotfns" / "src"]
        chosen.append(
            Variant(
                f"{CANDIDATE}@{source.name}",
                True,
                {"PYTHONPATH": os.pathsep.join(str(part) for part in path)},
            )
        )
    for name, text in scripts.items():
        wrapper = workdir / f"{name}-wrapper"
        wrapper.write_text(text)
        wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        chosen.append(Variant(name, str(wrapper)))
    return chosen


def app_spec(code_dir: Path, chosen: list[Variant], repetitions: int) -> dict[str, Any]:
    functions = {
        variant.function(rep): {
            "handler": "cold_fn.handler",
            "code": str(code_dir),
            "exec_wrapper": variant.exec_wrapper,
            "timeout": 60,
            "init_timeout": 60,
            "concurrency": 1,
            "env": variant.env,
        }
        for variant in chosen
        for rep in range(repetitions)
    }
    return {
        "app": {"name": "cold-start", "create_spotfns": True},
        "queues": [QUEUE],
        "functions": functions,
    }


def cold_starts(app: Any, chosen: list[Variant], repetitions: int) -> dict[str, Samples]:
    from spot_otel.local import processes

    samples = {variant.name: Samples() for variant in chosen}
    for rep in range(repetitions):
        for variant in rotated(chosen, rep):
            name = variant.function(rep)
            started = time.perf_counter()
            cold = app.invoke(name, {})
            cold_ms = (time.perf_counter() - started) * 1000
            if not cold.ok or not cold.cold_start:
                raise SystemExit(
                    f"{name}: cold invocation failed: {cold.payload[:300]!r}\n"
                    + "\n".join(app.logs.lines(name)[-20:])
                )
            started = time.perf_counter()
            warm = app.invoke(name, {})
            warm_ms = (time.perf_counter() - started) * 1000
            if not warm.ok or warm.cold_start:
                raise SystemExit(f"{name}: warm invocation failed: {warm.payload!r}")

            got = samples[variant.name]
            got.cold_ms.append(cold_ms)
            got.first_invocation_ms.append(cold.duration_ms or 0.0)
            got.warm_ms.append(warm_ms)
            peak = processes.peak_memory_mb(cold.worker_pid or 0)
            if peak is not None:
                got.peak_rss_mb.append(float(peak))
            # Frozen workers hold memory; this one has served its turn.
            for pid in app.worker_pids(name):
                processes.kill(pid)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=12)
    parser.add_argument("--import-runs", type=int, default=5)
    parser.add_argument("--compare-source", type=Path, default=None)
    args = parser.parse_args()

    fake_aws_environment()
    print_header("cold start of a boto3 function under awslambdaric (local runtime)")

    with tempfile.TemporaryDirectory(prefix="spot-otel-cold-") as tmp:
        workdir = Path(tmp)
        code_dir = workdir / "code"
        code_dir.mkdir()
        (code_dir / "cold_fn.py").write_text(FUNCTION_CODE)
        (code_dir / "probe_fn.py").write_text(PROBE_HANDLER)

        scans = probe_scans(code_dir)
        import_ms, subtrees = import_profile(code_dir, args.import_runs)
        report_fast_path(scans, import_ms, subtrees)

        from spot_otel.local import LocalApp

        chosen = variants(workdir, code_dir, args.compare_source)
        spec = app_spec(code_dir, chosen, args.repetitions)
        with LocalApp.from_spec(spec, base_dir=workdir) as app:
            samples = cold_starts(app, chosen, args.repetitions)

    report(samples, scans, args.repetitions)


def report_fast_path(
    scans: dict[str, Any], import_ms: float, subtrees: list[tuple[float, str]]
) -> None:
    print(
        f"fast path: import spot_otel.handler {import_ms:.1f} ms (-X importtime, "
        f"median run; not counting what the handler module imported already); "
        f"setup {scans['setup_ms']:.1f} ms wall, imports included"
    )
    print("largest import subtrees of that run (cumulative ms):")
    for ms, name in subtrees[:12]:
        print(f"  {ms:6.1f}  {name}")
    print(
        f"metadata scans on the fast path: {scans['setup_scans']} during setup, "
        f"{len(scans['scans']) - scans['setup_scans']} during the first invocation"
    )
    for where in scans["scans"]:
        print(f"  scan from {where}")
    print(flush=True)


def report(samples: dict[str, Samples], scans: dict[str, Any], repetitions: int) -> None:
    base = median(samples[BASELINE].cold_ms)
    rows = []
    for variant, got in samples.items():
        cold = median(got.cold_ms)
        first = median(got.first_invocation_ms)
        rows.append(
            [
                variant,
                cold,
                min(got.cold_ms),
                max(got.cold_ms),
                cold - first,
                first,
                median(got.warm_ms),
                median(got.peak_rss_mb),
                cold - base,
            ]
        )
    print(f"cold starts: {repetitions} per variant, interleaved; medians in ms")
    print_table(
        [
            "variant",
            "cold start",
            "min",
            "max",
            "init",
            "1st invoke",
            "warm invoke",
            "peak RSS MB",
            "added",
        ],
        rows,
    )
    print("init: worker spawn to its first invocation/next (interpreter, imports, init)")
    print("1st invoke: the cold invocation's own duration, SDK call and flush included")

    added_spot = median(samples[CANDIDATE].cold_ms) - base
    added_contrib = median(samples[CONTRIB].cold_ms) - base
    added_cli = median(samples["otel-cli"].cold_ms) - base
    share = added_spot / added_contrib if added_contrib > 0 else float("inf")
    print(
        f"spot-otel adds {added_spot:.0f} ms; opentelemetry-instrument adds "
        f"{added_contrib:.0f} ms as the OTel layer loads it, {added_cli:.0f} ms "
        f"through its command; spot-otel / otel-layer = {share:.2f}"
    )
    print_load()
    met_abs = added_spot <= TARGET_ADDED_MS
    met_share = share <= TARGET_SHARE
    no_scans = not scans["scans"]
    headline(
        f"cold start added by spot-otel: {added_spot:.0f} ms vs {added_contrib:.0f} ms "
        f"for opentelemetry-instrument (share {share:.2f}; median of {repetitions}); "
        f"targets <= {TARGET_ADDED_MS:.0f} ms: {'met' if met_abs else 'missed'}, "
        f"<= 1/5: {'met' if met_share else 'missed'}; "
        f"entry-point scans on the fast path: {len(scans['scans'])}"
        f"{'' if no_scans else ' (expected 0)'}"
    )
    if not no_scans:
        # The fast path's promise: a failed check, not just a figure.
        raise SystemExit(1)


if __name__ == "__main__":
    main()

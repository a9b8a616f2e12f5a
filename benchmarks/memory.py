"""Memory added by tracing: per invocation, and with 10,000 records held.

Each figure comes from a fresh child process, so imports and caches of one
variant never count for another; the parent runs a moto server on loopback.

Per invocation
    A handler making three SDK calls (SQS ``SendMessage``, DynamoDB
    ``PutItem``, S3 ``PutObject``) against moto runs N times, uninstrumented
    (``none``) or through spot-otel's fast path (``spot-otel``: the module
    the exec wrapper names, with the spotFns sink writing to moto).  Reported:
    resident memory after init and one warm-up invocation, peak resident
    memory (``VmHWM``) after N invocations, its growth per invocation between
    a short and a long run, and the Python memory one steady-state invocation
    allocates at its peak (``tracemalloc``).
Records held
    One invocation makes 9,999 SDK calls (answered in-process, no network)
    while the sink cannot write (its table does not exist, so every write
    fails at once and the records are kept for the next flush): with the
    entry record, 10,000 records are held.  Reported: resident memory before
    and after the calls and the Python memory they left allocated
    (``tracemalloc``), against the same calls uninstrumented; one run each.

The per-invocation runs alternate between the variants; medians are reported.

    .venv/bin/python benchmarks/memory.py [--invocations 40 200] [--repetitions 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from harness import (
    LambdaContext,
    create_spotfns,
    headline,
    loopback_aws,
    median,
    print_header,
    print_load,
    print_table,
    resident_mb,
    rotated,
)

BUCKET = "memory-bench"
QUEUE = "memory-bench"
TABLE = "orders"
HELD = 10_000

FUNCTION_CODE = f'''\
"""Three SDK calls per invocation."""
import os

import boto3

SQS = boto3.client("sqs")
DYNAMODB = boto3.client("dynamodb")
S3 = boto3.client("s3")
QUEUE_URL = os.environ["AWS_ENDPOINT_URL"] + "/123456789012/{QUEUE}"


def handler(event, context):
    n = event.get("n", 0)
    SQS.send_message(QueueUrl=QUEUE_URL, MessageBody=f"order {{n}}")
    DYNAMODB.put_item(
        TableName="{TABLE}", Item={{"pk": {{"S": f"order-{{n}}"}}, "total": {{"N": "42"}}}}
    )
    S3.put_object(Bucket="{BUCKET}", Key=f"orders/{{n}}.json", Body=b"{{}}")
    return {{"n": n}}
'''

HOLDING_CODE = '''\
"""One invocation of many SDK calls, answered in-process."""
import json
import time
import tracemalloc

import boto3

from harness import answer_locally, resident_mb

SQS = answer_locally(
    boto3.client("sqs"),
    {"SendMessage": {"MessageId": "9f3c6d2e-5b1a-4c8e", "MD5OfMessageBody": "x"}},
)
QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/orders"


def handler(event, context):
    before_mb = resident_mb()
    tracemalloc.start()
    started = time.perf_counter()
    for n in range(event["calls"]):
        SQS.send_message(QueueUrl=QUEUE_URL, MessageBody="order")
    seconds = time.perf_counter() - started
    after_mb = resident_mb()
    live, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(json.dumps({"before_mb": before_mb, "after_mb": after_mb,
                      "live_mb": live / 1024 / 1024, "seconds": seconds}), flush=True)
    return {}
'''


# -- In the child ---------------------------------------------------------------------


def child_invocations(variant: str, invocations: int) -> dict[str, float]:
    import tracemalloc

    handler = load_handler(variant, "memory_fn.handler")
    handler({"n": 0}, LambdaContext())
    after_init = resident_mb()
    for n in range(1, invocations):
        handler({"n": n}, LambdaContext())

    # One more, measured: what it allocates at its peak, over what it started with.
    tracemalloc.start()
    start, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    handler({"n": invocations}, LambdaContext())
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "after_init_mb": after_init,
        "peak_mb": resident_mb("VmHWM"),
        "invocation_peak_kb": (peak - start) / 1024,
    }


def child_holding(variant: str, calls: int) -> dict[str, float]:
    import io
    from contextlib import redirect_stdout

    handler = load_handler(variant, "holding_fn.handler")
    out = io.StringIO()
    with redirect_stdout(out):
        handler({"calls": calls}, LambdaContext())
    measured = json.loads(out.getvalue().strip().splitlines()[-1])
    dropped = 0
    if variant == "spot-otel":
        dropped = sink_stats().dropped
    return {**measured, "dropped": dropped}


def load_handler(variant: str, handler: str) -> Any:
    import importlib

    if variant == "none":
        module, _, name = handler.rpartition(".")
        return getattr(importlib.import_module(module), name)
    os.environ["ORIG_HANDLER"] = handler
    import spot_otel.handler

    return spot_otel.handler.lambda_handler


def sink_stats() -> Any:
    from opentelemetry import trace

    from spot_otel_exporter import SpotFnsSpanProcessor

    provider = trace.get_tracer_provider()
    # The SDK keeps its processors private; this is a benchmark's peek.
    chain = provider._active_span_processor  # type: ignore[attr-defined]
    sink = next(p for p in chain._span_processors if isinstance(p, SpotFnsSpanProcessor))
    return sink.stats


# -- In the parent ----------------------------------------------------------------------


def run_child(
    mode: str, variant: str, count: int, code_dir: Path, env: dict[str, str]
) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", mode, variant, str(count)],
        env=env,
        cwd=code_dir,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise SystemExit(f"child {mode} {variant} {count} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def child_environment(aws: Any, code_dir: Path, mode: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "PYTHONPATH": os.pathsep.join([str(code_dir), str(Path(__file__).parent)]),
            "AWS_ENDPOINT_URL": aws.endpoint_url,
            "AWS_LAMBDA_FUNCTION_NAME": "memory",
            "OTEL_SERVICE_NAME": "memory",
            "OTEL_TRACES_EXPORTER": "spotfns",
            "OTEL_PROPAGATORS": "tracecontext,baggage",
        }
    )
    if mode == "holding":
        # No such table: every write fails at once and the records stay held.
        env["OTEL_EXPORTER_SPOTFNS_TABLE"] = "spotFnsMissing"
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invocations", type=int, nargs=2, default=[40, 200])
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, variant, count = args.child
        run = child_invocations if mode == "invocations" else child_holding
        print(json.dumps(run(variant, int(count))))
        return

    print_header("memory added by tracing")
    variants = ["none", "spot-otel"]
    short, long = args.invocations
    runs: dict[tuple[str, int], list[dict[str, float]]] = {}
    held: dict[str, list[dict[str, float]]] = {}
    workdir = tempfile.TemporaryDirectory(prefix="spot-otel-memory-")
    with workdir as tmp, loopback_aws() as aws:
        code_dir = Path(tmp)
        (code_dir / "memory_fn.py").write_text(FUNCTION_CODE)
        (code_dir / "holding_fn.py").write_text(HOLDING_CODE)
        create_spotfns(aws.client("dynamodb"))
        aws.client("sqs").create_queue(QueueName=QUEUE)
        aws.client("s3").create_bucket(Bucket=BUCKET)
        aws.client("dynamodb").create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        env = child_environment(aws, code_dir, "invocations")
        holding_env = child_environment(aws, code_dir, "holding")
        for rep in range(args.repetitions):
            for variant in rotated(variants, rep):
                for count in (short, long):
                    got = run_child("invocations", variant, count, code_dir, env)
                    runs.setdefault((variant, count), []).append(got)
        # Once each: these figures hardly move between runs, and a run is long.
        for variant in variants:
            got = run_child("holding", variant, HELD - 1, code_dir, holding_env)
            held.setdefault(variant, []).append(got)

    report(runs, held, short, long, args.repetitions)


def report(
    runs: dict[tuple[str, int], list[dict[str, float]]],
    held: dict[str, list[dict[str, float]]],
    short: int,
    long: int,
    repetitions: int,
) -> None:
    def med(variant: str, count: int, key: str) -> float:
        return median([run[key] for run in runs[variant, count]])

    rows = []
    for variant in ("none", "spot-otel"):
        growth_kb = (med(variant, long, "peak_mb") - med(variant, short, "peak_mb")) * 1024
        rows.append(
            [
                variant,
                med(variant, long, "after_init_mb"),
                med(variant, short, "peak_mb"),
                med(variant, long, "peak_mb"),
                growth_kb / (long - short),
                med(variant, long, "invocation_peak_kb"),
            ]
        )
    print(
        f"a handler with 3 SDK calls against moto; {repetitions} child processes per "
        "figure, alternating; medians"
    )
    print_table(
        [
            "variant",
            "RSS after init MB",
            f"peak RSS, {short} inv. MB",
            f"peak RSS, {long} inv. MB",
            "peak growth KB/inv.",
            "one invocation's peak KB",
        ],
        rows,
    )
    added_rss = rows[1][3] - rows[0][3]
    added_invocation_kb = rows[1][5] - rows[0][5]
    growth_added = rows[1][4] - rows[0][4]

    held_rows = []
    for variant in ("none", "spot-otel"):
        got = held[variant]
        held_rows.append(
            [
                variant,
                median([run["before_mb"] for run in got]),
                median([run["after_mb"] for run in got]),
                median([run["after_mb"] - run["before_mb"] for run in got]),
                median([run["live_mb"] for run in got]),
                median([run["seconds"] for run in got]),
                median([run["dropped"] for run in got]),
            ]
        )
    print(
        f"{HELD - 1:,} SDK calls in one invocation while the sink cannot write: "
        f"{HELD:,} records held (the entry and one per call) when measured"
    )
    print_table(
        [
            "variant",
            "RSS before MB",
            "RSS after MB",
            "RSS grown MB",
            "live Python MB",
            "calls s",
            "dropped at the flush",
        ],
        held_rows,
    )
    held_mb = held_rows[1][4] - held_rows[0][4]
    per_record = held_mb * 1024 * 1024 / HELD
    print(
        "live Python memory: what the calls left allocated (tracemalloc): "
        f"{per_record:,.0f} bytes per held record over the uninstrumented run; RSS "
        "also keeps what was freed since (the sink's failed write attempts copy "
        "its buffer); calls s: the calls' wall time, tracemalloc on in both"
    )
    print_load()
    headline(
        f"memory added by tracing: {added_rss:+.1f} MB peak RSS after {long} invocations "
        f"({growth_added:+.2f} KB per invocation of growth, {added_invocation_kb:+.0f} KB "
        f"allocated at one invocation's peak); {HELD:,} records held: "
        f"{held_mb:+.1f} MB ({per_record:,.0f} B/record)"
    )


if __name__ == "__main__":
    main()

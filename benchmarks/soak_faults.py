"""The fault soak: what tests/faults checks, at sizes CI cannot afford.

Four parts, each printing its figures:

1. Throttling: the traced ``handlers.writes_items`` (30 PutItems, 34 records
   per invocation) against moto, the sink's writes refused at 0%, 10%, 50%
   and 90% (UnprocessedItems, and throttling errors when a call has nothing
   left), many invocations each: records lost inside the 2 s flush budget,
   whether every loss was counted, and the time the flush adds.
2. 10,000-record batches through the traced handler, each trigger shape:
   handler plus flush.
3. Kills at once on the local runtime: a function SIGKILLed right after its
   first SDK call, cold and warm, and a few moments later: how often its
   begin record made it (the entry is written by a background thread, which
   on a cold start first makes its boto3 client).
4. Concurrency on the local runtime: many invocations at once on 4 workers,
   with threads in each: records in the wrong invocation.

    .venv/bin/python benchmarks/soak_faults.py [--invocations 200] [--quick]

The last line is the headline.  The exit status is 1 if a loss went
uncounted or a record landed in the wrong invocation.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CALLS = 30
BUDGET_MS = 2000


def _fresh_aws() -> tuple[Any, Any]:
    """moto in-process with spotFns and the user's table: (mock, client)."""
    import boto3
    from moto import mock_aws

    from spot_otel.aws import mark_untraced
    from spot_otel.table import create_table
    from tests.faults.harness import REGION, TABLE, create_orders_table

    mock = mock_aws()
    mock.start()
    client = mark_untraced(boto3.client("dynamodb", region_name=REGION))
    create_table(client, TABLE, ttl=False, stream=False)
    create_orders_table(client)
    return mock, client


def throttling(rates: dict[float, int]) -> tuple[dict[float, Any], bool]:
    """Runs each rate in a fresh moto; the runs by rate, and whether every
    loss was counted."""
    from tests.faults.throttle import run_throttled

    runs: dict[float, Any] = {}
    honest = True
    per_invocation = CALLS + 4
    for rate, invocations in rates.items():
        mock, client = _fresh_aws()
        try:
            started = time.monotonic()
            run = run_throttled(
                rate,
                client,
                invocations=invocations,
                calls=CALLS,
                budget_ms=BUDGET_MS,
                per_invocation=per_invocation,
                seed=1000 + int(rate * 100),
            )
        finally:
            mock.stop()
        runs[rate] = run
        honest = honest and run.dropped == run.lost
        base = runs.get(0.0)
        added = run.latency_ms(0.5) - base.latency_ms(0.5) if base else 0.0
        print(
            f"throttled {rate:4.0%}: {run.lost}/{run.expected} records lost "
            f"({run.lost / run.expected:.2%}), dropped counted {run.dropped}; "
            f"{run.throttle.refused_items} items and {run.throttle.refused_calls} "
            f"calls refused, {run.retries} chunk retries; handler+flush "
            f"p50 {run.latency_ms(0.5):.0f} ms ({added:+.0f}), "
            f"p95 {run.latency_ms(0.95):.0f} ms, "
            f"max {max(c.elapsed_s for c in run.calls) * 1000:.0f} ms "
            f"[{invocations} invocations, {time.monotonic() - started:.0f} s]",
            flush=True,
        )
    return runs, honest


def big_batches(repeats: int) -> None:
    from tests.faults.harness import TracedFunction, percentile
    from tests.triggers.test_malformed import _big_batch, _ddb, _kinesis, _s3, _sns, _sqs

    shapes: dict[str, tuple[str, Callable[..., None]]] = {
        "sqs (SNS envelopes)": ("snsSqsEvent", _sqs),
        "sns": ("snsEvent", _sns),
        "s3": ("s3Event", _s3),
        "dynamodb": ("dynamoStreamEvent", _ddb),
        "kinesis": ("kinesisStreamEvent", _kinesis),
    }
    mock, _ = _fresh_aws()
    try:
        with TracedFunction("handlers.echo") as function:
            function.invoke({})  # the sink's client, made once
            for shape, (sample, vary) in shapes.items():
                event = _big_batch(sample, vary)
                elapsed = [function.invoke(event).elapsed_s for _ in range(repeats)]
                print(
                    f"10,000-record {shape} batch: handler+flush "
                    f"p50 {percentile(elapsed, 0.5) * 1000:.0f} ms, "
                    f"max {max(elapsed) * 1000:.0f} ms ({repeats} runs)",
                    flush=True,
                )
    finally:
        mock.stop()


def kills(repeats: int) -> dict[str, tuple[int, int]]:
    """Begin records found / kills, by case."""
    from tests.faults.local import dump_table, running, traced

    spec = {
        "app": {"name": "kills"},
        "buckets": ["crash-site"],
        "functions": {"killed": traced("crashes.killed", timeout=10)},
    }
    cases: dict[str, tuple[bool, float]] = {
        "right after its first SDK call, cold start": (False, 0.0),
        "0.1 s after its first SDK call, cold start": (False, 0.1),
        "0.3 s after its first SDK call, cold start": (False, 0.3),
        "right after its first SDK call, warm": (True, 0.0),
    }
    found: dict[str, tuple[int, int]] = {}
    app_runner = running(spec)
    app = next(app_runner)
    try:
        for case, (warm, after) in cases.items():
            request_ids = []
            for _ in range(repeats):
                if warm:
                    app.invoke("killed", {"spare": True})
                request_ids.append(app.invoke("killed", {"after": after}).request_id)
            app.wait_idle(timeout=60)
            begun = {
                item["invocationId"]
                for item in dump_table(app)
                if item.get("recordType") == "entry"
            }
            present = sum(request_id in begun for request_id in request_ids)
            found[case] = (present, repeats)
            print(f"killed {case}: begin record in {present}/{repeats}", flush=True)
    finally:
        app_runner.close()
    return found


def concurrency(invocations: int) -> int:
    """Invocations that failed or have records out of place."""
    from tests.faults.attribution import attribution_errors, written_keys
    from tests.faults.local import dump_table, running, traced

    spec = {
        "app": {"name": "soak-concurrency"},
        "tables": {"orders": {"key": ["pk"]}},
        "functions": {"writer": traced("workers.write", concurrency=4, timeout=60)},
    }
    app_runner = running(spec)
    app = next(app_runner)
    try:
        results: dict[int, Any] = {}

        def invoke(n: int) -> None:
            results[n] = app.invoke("writer", {"n": n})

        started = time.monotonic()
        threads = [threading.Thread(target=invoke, args=(n,)) for n in range(invocations)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        app.wait_idle(timeout=120)
        elapsed = time.monotonic() - started
        items = dump_table(app)
    finally:
        app_runner.close()

    keys = {
        result.request_id: written_keys(n) for n, result in results.items() if result.ok
    }
    errors = attribution_errors(items, keys)
    failed = invocations - len(keys)
    print(
        f"concurrency: {invocations} invocations at once on 4 workers in "
        f"{elapsed:.0f} s, {failed} failed, {len(items)} records, "
        f"{len(errors)} attribution errors",
        flush=True,
    )
    for error in errors[:10]:
        print(f"  {error}")
    return len(errors) + failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--invocations", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # the figures say what the warnings would

    n = 10 if args.quick else args.invocations
    concurrent = 20 if args.quick else n
    rates = {0.0: n, 0.1: n, 0.5: n, 0.9: max(3, n // 4)}
    runs, honest = throttling(rates)
    big_batches(1 if args.quick else 3)
    kill_found = kills(2 if args.quick else 8)
    misplaced = concurrency(concurrent)

    half, most = runs[0.5], runs[0.9]
    cold = kill_found["right after its first SDK call, cold start"]
    print(
        f"fault soak: 50% throttled {half.lost}/{half.expected} records lost "
        f"(p50 +{half.latency_ms(0.5) - runs[0.0].latency_ms(0.5):.0f} ms); "
        f"90% throttled {most.lost / most.expected:.1%} lost, "
        f"{'every loss counted' if honest else 'UNCOUNTED LOSSES'}; "
        f"killed at once on a cold start: begin record {cold[0]}/{cold[1]}; "
        f"{concurrent} concurrent invocations: "
        f"{misplaced} misplaced or failed"
    )
    return 0 if honest and not misplaced else 1


if __name__ == "__main__":
    sys.exit(main())

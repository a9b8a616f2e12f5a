"""What the benchmarks share: the machine note, medians, tables, the headline
line, the loopback AWS they run against and a stand-in Lambda context.

Each benchmark is one script (``.venv/bin/python benchmarks/NAME.py``) that
runs its baseline and candidate side by side in one process, interleaved over
several repetitions, prints a table of medians and ratios, and prints its
headline figure as its last line.  Nothing here talks to anything but
127.0.0.1.
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import os
import platform
import resource
import statistics
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    # The sample events live in tests/events and load through tests.conftest.
    sys.path.insert(0, str(ROOT))

REGION = "us-east-1"
ACCOUNT = "123456789012"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


def fake_aws_environment() -> None:
    """Fake credentials and a region for this process and its children, and
    no endpoint but what a benchmark sets: nothing may reach a real account."""
    os.environ.update(FAKE_CREDENTIALS)
    os.environ["AWS_REGION"] = REGION
    os.environ["AWS_DEFAULT_REGION"] = REGION
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"):
        os.environ.pop(name, None)


def machine_note() -> str:
    """One line on where the figures were taken: load matters on shared cores."""
    one, five, fifteen = os.getloadavg()
    return (
        f"machine: {os.cpu_count()} cores, load average {one:.2f} {five:.2f} "
        f"{fifteen:.2f}; Python {platform.python_version()}"
    )


def print_header(title: str) -> None:
    print(title)
    print(machine_note(), flush=True)


def print_load() -> None:
    """The load average after the run, beside the one printed before it."""
    one, five, fifteen = os.getloadavg()
    print(f"load average at the end: {one:.2f} {five:.2f} {fifteen:.2f}", flush=True)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ratio(numerator: float, denominator: float) -> str:
    """``x12.3``, or ``n/a`` when the denominator is zero or negative."""
    if denominator <= 0:
        return "n/a"
    return f"x{numerator / denominator:.2f}"


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A plain text table, right-aligned but for the first column."""
    cells = [[str(h) for h in headers]] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        first = row[0].ljust(widths[0])
        rest = (value.rjust(width) for value, width in zip(row[1:], widths[1:]))
        return "  ".join([first, *rest])

    print(line(cells[0]))
    print("  ".join("-" * width for width in widths))
    for row in cells[1:]:
        print(line(row))
    print(flush=True)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        if value != value:  # NaN
            return "-"
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value)


def resident_mb(field: str = "VmRSS") -> float:
    """This process's resident memory (``VmHWM``: its peak) in MB, after a
    full garbage collection."""
    gc.collect()
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def headline(text: str) -> None:
    """The benchmark's last line."""
    print(f"headline: {text}", flush=True)


def rotated(items: Sequence[Any], turn: int) -> list[Any]:
    """``items`` starting at ``turn``: interleaved runs change who goes first,
    so no variant always runs on a warmer (or busier) machine."""
    if not items:
        return []
    shift = turn % len(items)
    return list(items[shift:]) + list(items[:shift])


@contextlib.contextmanager
def loopback_aws() -> Iterator[Any]:
    """A moto server on 127.0.0.1 and a free port (the local runtime's
    embedded AWS); yields it, with ``endpoint_url`` and ``client(service)``."""
    from spot_otel.local.embedded import EmbeddedAws

    fake_aws_environment()
    aws = EmbeddedAws(REGION)
    aws.start()
    try:
        yield aws
    finally:
        aws.stop()


def create_spotfns(client: Any, table: str = "spotFns") -> None:
    """The spotFns table, as ``spot-otel table create`` makes it."""
    from spot_otel.table import create_table

    create_table(client, table, ttl=False, stream=False)


@dataclass
class LambdaContext:
    """The attributes awslambdaric's context object has."""

    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_name: str = "bench-fn"
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:bench-fn"
    function_version: str = "$LATEST"
    memory_limit_in_mb: str = "128"
    client_context: Any = None
    deadline_ms: float = field(default_factory=lambda: time.time() * 1000 + 30_000)

    def get_remaining_time_in_millis(self) -> int:
        return int(self.deadline_ms - time.time() * 1000)


class _CannedBody(io.BytesIO):
    """The part of urllib3's response botocore reads a body through."""

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.getvalue()


def answer_locally(client: Any, answers: Mapping[str, Mapping[str, Any]]) -> Any:
    """Answer ``client``'s calls of the operations in ``answers`` (operation
    name -> JSON body) in-process, as the service would over HTTP: the request
    is built, signed and the response parsed as usual, but no byte leaves the
    process.  For JSON-protocol services (DynamoDB, SQS); returns ``client``."""
    from botocore.awsrequest import AWSResponse

    service = client.meta.service_model.service_id.hyphenize()
    for operation, body in answers.items():
        payload = json.dumps(body).encode()

        def answer(request: Any, _payload: bytes = payload, **_: Any) -> Any:
            headers = {
                "x-amzn-RequestId": str(uuid.uuid4()),
                "Content-Type": "application/x-amz-json-1.0",
            }
            return AWSResponse(request.url, 200, headers, _CannedBody(_payload))

        client.meta.events.register(f"before-send.{service}.{operation}", answer)
    return client

"""How long an offline graph rebuild takes, and how much memory, by size.

For each size (10k, 100k and 1M records by default; a record is one table
item, link items included) this writes a JSONL dump
of synthetic requests (chains, SNS fan-out, SQS hops, S3 puts, stream batches
fanning in, a hot DynamoDB key written over and over; see
``tests/graph/synthetic.py``), then rebuilds the whole graph from the dump in a
fresh process, the way ``spot-otel graph --dump`` does: stream, parse, join.
Each rebuild reports its wall time and the process's peak resident memory
(``ru_maxrss``), and the last line is the headline with the growth from the
smallest size to the largest.

    .venv/bin/python benchmarks/graph_rebuild.py [--sizes 10000 100000 1000000]

Writing the dumps is not timed.  Dumps go to a temporary directory that is
removed at the end.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_SIZES = (10_000, 100_000, 1_000_000)


def write_dump(path: Path, size: int) -> None:
    from spot_otel.records import to_item, with_link_records

    from tests.graph.synthetic import SyntheticRequests

    written = 0
    with path.open("w") as stream:
        for record in SyntheticRequests(seed=size).records(size):
            # As the sink stores them: one extra link item per further key.
            for stored in with_link_records(record, max_links=64)[0]:
                stream.write(json.dumps(to_item(stored), default=str))
                stream.write("\n")
                written += 1
            if written >= size:
                return


def rebuild(path: Path) -> dict[str, float]:
    """Runs in the child process: the timed part."""
    from spot_otel.graph import DumpSource, Selection, load_graph

    started = time.perf_counter()
    source = DumpSource(path)
    graph = load_graph(source, Selection())
    elapsed = time.perf_counter() - started
    return {
        "lines": source.report.lines,
        "records": source.report.records + source.report.link_items,
        "nodes": len(graph.nodes),
        "edges": len(graph.edges),
        "seconds": elapsed,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def measure(size: int, workdir: Path) -> dict[str, float]:
    path = workdir / f"dump-{size}.jsonl"
    write_dump(path, size)
    done = subprocess.run(
        [sys.executable, __file__, "--rebuild", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    path.unlink()
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--rebuild", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rebuild:
        print(json.dumps(rebuild(args.rebuild)))
        return

    results: list[tuple[int, dict[str, float]]] = []
    with tempfile.TemporaryDirectory(prefix="spot-otel-graph-") as workdir:
        for size in sorted(args.sizes):
            result = measure(size, Path(workdir))
            results.append((size, result))
            print(
                f"{size:>9,} records ({result['lines']:,.0f} lines): "
                f"{result['seconds']:6.2f} s, "
                f"{result['records'] / result['seconds']:>9,.0f} records/s, "
                f"peak RSS {result['peak_mb']:6.0f} MB, "
                f"{result['nodes']:,.0f} nodes, {result['edges']:,.0f} edges",
                flush=True,
            )

    (small, first), (large, last) = results[0], results[-1]
    print(
        f"graph rebuild: {large:,} records in {last['seconds']:.1f} s, "
        f"peak RSS {last['peak_mb']:.0f} MB; time grew x"
        f"{last['seconds'] / first['seconds']:.1f} for x{large / small:.0f} records "
        f"({small:,} -> {large:,})"
    )


if __name__ == "__main__":
    main()

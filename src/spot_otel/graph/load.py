"""Loading a graph from a source: the one call the CLI and the demo make.

A *source* is anything with ``records_for(selection)`` and ``describe()``:
:class:`~spot_otel.graph.table_source.TableSource` (Query only) or
:class:`~spot_otel.graph.dump_source.DumpSource` (a JSONL file)::

    from spot_otel.graph import DumpSource, TableSource, load_request

    graph = load_request(TableSource("spotFns"), request_id="8f1c...")
    graph = load_request(DumpSource("spotfns.jsonl"), since="15m")
    graph = load_request(TableSource("spotFns"), since="1h", limit=20)
"""

from __future__ import annotations

from typing import Iterable, Protocol

from spot_otel.graph.build import GraphBuilder
from spot_otel.graph.ddb_pairing import DEFAULT_SKEW_MS, STREAM_GRANULARITY_MS
from spot_otel.graph.model import Graph
from spot_otel.graph.select import Selection, parse_time, select
from spot_otel.records import Record


class RecordSource(Protocol):
    """Where records come from."""

    def describe(self) -> str: ...

    def records_for(self, selection: Selection) -> Iterable[Record]: ...


def load_graph(
    source: RecordSource,
    selection: Selection,
    *,
    skew_ms: int = DEFAULT_SKEW_MS,
    granularity_ms: int = STREAM_GRANULARITY_MS,
) -> Graph:
    """Read what the selection needs, join it, and cut it to the selection.

    Raises :class:`~spot_otel.graph.errors.SourceError` when the source cannot
    be read and :class:`~spot_otel.graph.errors.NotFound` when nothing matches.
    """
    builder = GraphBuilder(skew_ms=skew_ms, granularity_ms=granularity_ms)
    builder.add_all(source.records_for(selection))
    for note in source_notes(source):
        builder.note(note)
    # A source that chose a window's roots itself says which (the table).
    chosen = getattr(source, "window_roots", None) if selection.is_window else None
    return select(builder.finish(), selection, chosen)


def load_request(
    source: RecordSource,
    *,
    request_id: str | None = None,
    trace_id: str | None = None,
    since: str | float | None = None,
    until: str | float | None = None,
    limit: int | None = None,
    skew_ms: int = DEFAULT_SKEW_MS,
) -> Graph:
    """The graph of one request (or a trace's, or a window's requests).

    ``since``/``until`` take epoch ms or the texts
    :func:`~spot_otel.graph.select.parse_time` reads; with none of the four
    given, the whole source is drawn.  ``limit`` keeps a window's most recent
    requests only (the table source keeps 100 unless told).
    """
    selection = Selection(
        request_id=request_id,
        trace_id=trace_id,
        since_ms=_time(since),
        until_ms=_time(until),
        max_roots=limit,
    )
    return load_graph(source, selection, skew_ms=skew_ms)


def source_notes(source: RecordSource) -> list[str]:
    """What the source skipped or cut short, one line each."""
    notes: list[str] = []
    report = getattr(source, "report", None)
    summary = report.summary() if report is not None else None
    if summary:
        notes.append(summary)
    truncated = getattr(source, "truncated_keys", ())
    if truncated:
        notes.append(
            f"{len(truncated)} link key lookup(s) stopped at their item limit; "
            "the graph may miss hops through them"
        )
    return notes


def _time(value: str | float | None) -> float | None:
    if value is None or isinstance(value, (int, float)):
        return value
    return parse_time(value)

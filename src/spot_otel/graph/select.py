"""Choosing what to draw: one request, one trace's requests, or a time window.

* ``request_id``: any invocation of the request (an ``aws_request_id``, or a
  full spotFns ``requestID`` such as ``<id>:entry<span id>``); the graph is
  everything reachable from the roots that invocation descends from.
* ``trace_id``: every request that one of the trace's invocations belongs
  to, so the hops an ordinary OTel backend cannot see are included.
* ``since``/``until``: every request whose root started in the window.
  Times are ISO 8601 (``2024-05-01T12:00:00Z``), epoch ms, or relative to now
  (``15m``, ``2h``, ``1d``, ``90s``).  ``max_roots`` keeps the most recent
  requests only, and a note says when it cut the list.  A source may choose
  the window's roots itself (:class:`ChosenRoots`; the table source does, to
  read no more than they need); the graph is then their requests, each cut
  as for a request id.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from spot_otel.graph.errors import GraphError, NotFound
from spot_otel.graph.model import Graph, Note

_RELATIVE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$")
_UNIT_MS = {
    "ms": 1,
    "s": 1000,
    "m": 60_000,
    "h": 3_600_000,
    "d": 86_400_000,
    "w": 604_800_000,
}
_CUT_NOTE_HEAD = "more requests started in the window"


@dataclass(frozen=True)
class Selection:
    """One of: a request id, a trace id, or a window (ms since the epoch)."""

    request_id: str | None = None
    trace_id: str | None = None
    since_ms: float | None = None
    until_ms: float | None = None
    max_roots: int | None = None
    """For a window: at most this many requests, the most recent."""

    @property
    def is_window(self) -> bool:
        return self.request_id is None and self.trace_id is None

    @property
    def invocation_id(self) -> str | None:
        """The invocation part of ``request_id``."""
        if self.request_id is None:
            return None
        return self.request_id.strip().split(":", 1)[0]

    def describe(self) -> str:
        if self.request_id is not None:
            return f"request id {self.request_id}"
        if self.trace_id is not None:
            return f"trace id {self.trace_id}"
        return f"window {_iso(self.since_ms)} .. {_iso(self.until_ms)}"


@dataclass(frozen=True)
class ChosenRoots:
    """The roots of a window's requests, as a source chose them: ``ids``
    newest first, and ``cut`` when more requests were left out."""

    ids: tuple[str, ...]
    cut: bool = False


def select(
    graph: Graph, selection: Selection, chosen: ChosenRoots | None = None
) -> Graph:
    """The part of ``graph`` the selection names; :class:`NotFound` if none.

    ``chosen``, for a window, names its roots instead of the graph's roots
    that started in it.
    """
    if selection.invocation_id is not None:
        if selection.invocation_id not in graph.nodes:
            raise NotFound(f"no records of {selection.describe()}")
        return graph.request_of([selection.invocation_id])

    if selection.trace_id is not None:
        members = [
            node.id
            for node in graph.nodes.values()
            if node.trace_id == selection.trace_id
        ]
        if not members:
            raise NotFound(f"no records of {selection.describe()}")
        return graph.request_of(members)

    if selection.since_ms is None and selection.until_ms is None:
        return graph
    if chosen is not None:
        return _chosen_requests(graph, selection, chosen)

    roots = [node.id for node in graph.roots() if _in_window(node.start, selection)]
    if not roots:
        raise NotFound(f"no request started in the {selection.describe()}")
    limit = selection.max_roots
    cut = limit is not None and len(roots) > limit
    if cut:
        roots = roots[len(roots) - limit :]  # roots() runs oldest first
    return _with_cut_note(graph.subgraph(graph.descendants(roots)), cut, len(roots))


def cut_note(graph: Graph) -> str | None:
    """The note saying the window held more requests than were drawn, if any."""
    for note in graph.notes:
        if note.text.startswith(_CUT_NOTE_HEAD):
            return note.text
    return None


def _chosen_requests(graph: Graph, selection: Selection, chosen: ChosenRoots) -> Graph:
    roots = [root for root in chosen.ids if root in graph.nodes]
    if not roots:
        raise NotFound(f"no request started in the {selection.describe()}")
    return _with_cut_note(graph.request_of(roots), chosen.cut, len(roots))


def _with_cut_note(graph: Graph, cut: bool, count: int) -> Graph:
    if cut:
        graph.notes.append(
            Note(
                f"{_CUT_NOTE_HEAD}: drawn are the {count} most recent (raise "
                "--limit for more)"
            )
        )
    return graph


def parse_time(text: str, now_ms: float | None = None) -> float:
    """Epoch ms from ISO 8601, epoch ms or seconds, or ``15m``-style ago."""
    now = time.time() * 1000 if now_ms is None else now_ms
    value = text.strip()
    relative = _RELATIVE.match(value)
    if relative:
        return now - float(relative.group(1)) * _UNIT_MS[relative.group(2)]
    if value.isdigit():
        number = float(value)
        # Ten digits is seconds until 2286; thirteen is milliseconds.
        return number * 1000 if number < 1e11 else number
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise GraphError(
            f"cannot read time {text!r}: use ISO 8601, epoch ms, or 15m/2h/1d"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.timestamp() * 1000


def _in_window(start: float | None, selection: Selection) -> bool:
    if start is None:
        return False
    if selection.since_ms is not None and start < selection.since_ms:
        return False
    return selection.until_ms is None or start <= selection.until_ms


def _iso(ms: float | None) -> str:
    if ms is None:
        return "-"
    moment = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")

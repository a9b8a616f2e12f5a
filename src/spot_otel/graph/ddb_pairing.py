"""Pairing DynamoDB stream records with the traced writes that made them.

One item key (one ``ddb:`` link key) may be written many times, by one
function or by many, so key equality alone cannot tell which write caused
which stream record.  What DynamoDB does promise is order: a stream holds one
record per write that changed the item, in the order of the writes.  So the
writes of one key, sorted by time, pair one to one with that key's stream
records, sorted by ``SequenceNumber``.

Times come from two clocks.  A write's time is the producer's clock at the end
of its SDK call; a record's time is ``ApproximateCreationDateTime``, which
AWS rounds down to whole seconds.  A write may therefore pair with a record
when it lies inside the record's window::

    record_ms - skew_ms  <=  write_ms  <=  record_ms + granularity_ms + skew_ms

with ``skew_ms`` the clock-skew bound between the producer and DynamoDB
(default 2,000 ms, ``--skew-ms``) and ``granularity_ms`` the rounding of the
record's time (1,000 ms on AWS).

The pairing is greedy along both sorted lists, by time window and never by
index, which is how it copes with the two ways the lists fall out of step:

* A write that changed nothing (a ``PutItem`` of an identical item, a delete
  of a missing item) leaves no record.  When the next record's window opens
  after that write, the write is passed over and stays unpaired; later pairs
  do not shift, because each record re-anchors on its own time.
* A record whose write was not traced has no write in its window and joins
  nothing: the graph shows it as an external source.  It never borrows a
  neighbour's write, because a write outside the window is not a candidate.

Records with the same ``SequenceNumber`` (a batch retried, or two functions
on one stream) are one write's record seen twice and share its pair.

Limitations: inside one window the lists cannot be told apart by time alone.
If a write that left no record and a write that did fall in the same window,
the record takes the earlier one; if two functions whose clocks differ by up
to the bound write one key within the bound of each other, their records may
pair crosswise.  A pair is marked ``ambiguous`` when a write left unpaired
lies inside its record's window (the record may have been that write's), so
a renderer can say so; crosswise pairs from skewed clocks cannot be seen and
are not marked.  Failed writes (an error status on
the SDK call) are left out before pairing: a rejected conditional write makes
no record.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from typing import Generic, Iterable, Sequence, TypeVar

DEFAULT_SKEW_MS = 2000
"""Clock-skew bound between a producer's clock and DynamoDB's, in ms."""
STREAM_GRANULARITY_MS = 1000
"""``ApproximateCreationDateTime`` is whole seconds on AWS."""

W = TypeVar("W")
R = TypeVar("R")


@dataclass(frozen=True)
class PairingBounds:
    """How far a write's time may lie from its stream record's time."""

    skew_ms: int = DEFAULT_SKEW_MS
    granularity_ms: int = STREAM_GRANULARITY_MS

    def window(self, record_ms: float) -> tuple[float, float]:
        """Earliest and latest write time that may have made the record."""
        return (
            record_ms - self.skew_ms,
            record_ms + self.granularity_ms + self.skew_ms,
        )


@dataclass(frozen=True)
class Write(Generic[W]):
    """One traced write of the key: its time (producer clock) and owner."""

    at_ms: float
    ref: W


@dataclass(frozen=True)
class StreamRecord(Generic[R]):
    """One stream record of the key as a consumer saw it."""

    seq: str | None
    at_ms: float
    ref: R


@dataclass(frozen=True)
class Pair(Generic[W, R]):
    """A record and the write that made it (``None``: untraced producer)."""

    write: W | None
    record: R
    ambiguous: bool = False


@dataclass
class Pairing(Generic[W, R]):
    """The result for one key."""

    pairs: list[Pair[W, R]]
    unpaired: list[W]
    ambiguous: int

    @property
    def unpaired_writes(self) -> int:
        """How many writes made no record that was read."""
        return len(self.unpaired)


def pair_stream_records(
    writes: Iterable[Write[W]],
    records: Iterable[StreamRecord[R]],
    bounds: PairingBounds = PairingBounds(),
) -> Pairing[W, R]:
    """Pair one key's stream records with its writes, one to one, in order.

    Every record appears in exactly one :class:`Pair`; each write is used by
    at most one distinct ``SequenceNumber``.
    """
    ordered = sorted(writes, key=lambda write: write.at_ms)
    groups = _groups_in_stream_order(records)

    chosen: list[int | None] = []
    used = [False] * len(ordered)
    next_write = 0
    for group in groups:
        earliest, latest = bounds.window(group[0].at_ms)

        # Writes too early for this record are too early for every later one.
        while next_write < len(ordered) and ordered[next_write].at_ms < earliest:
            next_write += 1
        if next_write < len(ordered) and ordered[next_write].at_ms <= latest:
            chosen.append(next_write)
            used[next_write] = True
            next_write += 1
        else:
            chosen.append(None)

    # A pair is in doubt when a write left over lies in its record's window:
    # the record may have been that write's, and the leftover one of ours.
    leftover = [write.at_ms for write, is_used in zip(ordered, used) if not is_used]
    pairs: list[Pair[W, R]] = []
    ambiguous = 0
    for group, index in zip(groups, chosen):
        write = ordered[index].ref if index is not None else None
        in_doubt = index is not None and _any_within(
            leftover, bounds.window(group[0].at_ms)
        )
        ambiguous += in_doubt
        pairs.extend(Pair(write, record.ref, in_doubt) for record in group)
    unpaired = [write.ref for write, is_used in zip(ordered, used) if not is_used]
    return Pairing(pairs, unpaired, ambiguous)


def _any_within(sorted_times: list[float], window: tuple[float, float]) -> bool:
    position = bisect_left(sorted_times, window[0])
    return position < len(sorted_times) and sorted_times[position] <= window[1]


def _groups_in_stream_order(
    records: Iterable[StreamRecord[R]],
) -> list[Sequence[StreamRecord[R]]]:
    """Records sorted by sequence number, those sharing one grouped."""
    ordered = sorted(records, key=_stream_order)
    groups: list[list[StreamRecord[R]]] = []
    for record in ordered:
        if groups and record.seq is not None and groups[-1][0].seq == record.seq:
            groups[-1].append(record)
        else:
            groups.append([record])
    return groups


def _stream_order(record: StreamRecord[R]) -> tuple[int, int, float]:
    # Sequence numbers are decimal strings of up to 40 digits: compare them as
    # numbers.  A record without one (not from a real stream) falls back to
    # its time.
    seq = record.seq
    if seq is not None and seq.isdigit():
        return (0, int(seq), record.at_ms)
    return (1, 0, record.at_ms)

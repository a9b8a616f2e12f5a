"""Records from a JSONL dump of a spotFns table, streamed.

``spot-otel table dump`` writes one item per line as plain JSON.  Lines in
DynamoDB's typed form (``{"requestID": {"S": "..."}}``, as other dump tools
write them) are read too, and so are rows of the original SpotWrap and
GammaRay tables (twelve columns only).  A ``.gz`` file is read through gzip.

The file is read line by line and each line is turned into a record and
handed on at once: memory holds one line, not the dump.  A line that is not
a JSON object with a ``requestID`` is a *bad line*: it is counted, skipped and
reported (:class:`DumpReport`), never dropped silently.  Blank lines are not
counted.  Link items (one per extra link key of a record, kept for the
table's link index) are counted and passed over: their owner record holds
every key.
"""

from __future__ import annotations

import gzip
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterable, Iterator

from spot_otel.graph.errors import SourceError
from spot_otel.graph.items import plain_item
from spot_otel.graph.select import Selection
from spot_otel.records import LINK, PARTITION_KEY, Record, from_item

_logger = logging.getLogger(__name__)

_KEPT_BAD_LINES = 5
"""How many bad line numbers a report names."""

_DECODER = json.JSONDecoder()


@dataclass
class DumpReport:
    """What reading a dump found besides records."""

    path: str
    lines: int = 0
    records: int = 0
    link_items: int = 0
    bad_lines: int = 0
    first_bad: list[tuple[int, str]] = field(default_factory=list)

    def bad(self, line_number: int, reason: str) -> None:
        self.bad_lines += 1
        if len(self.first_bad) < _KEPT_BAD_LINES:
            self.first_bad.append((line_number, reason))

    def summary(self) -> str | None:
        """One line about skipped input, or ``None`` if there was none."""
        if not self.bad_lines:
            return None
        where = ", ".join(
            f"line {number} ({reason})" for number, reason in self.first_bad
        )
        more = ", ..." if self.bad_lines > len(self.first_bad) else ""
        return (
            f"skipped {self.bad_lines} bad line(s) of {self.lines} in "
            f"{self.path}: {where}{more}"
        )


class DumpSource:
    """A JSONL dump file as a source of records.

    A dump has no index, so every selection reads the whole file; the graph
    is then cut down to what was asked.  :attr:`report` is filled as the
    records are read.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.report = DumpReport(str(self.path))

    def describe(self) -> str:
        return f"dump {self.path}"

    def records_for(self, selection: Selection) -> Iterator[Record]:
        """Every record in the dump (the selection is applied to the graph)."""
        del selection
        return self.records()

    def records(self) -> Iterator[Record]:
        self.report = DumpReport(str(self.path))
        try:
            stream = _open(self.path)
        except OSError as exc:
            raise SourceError(
                f"cannot open dump {self.path}: {exc.strerror or exc}"
            ) from None
        try:
            with stream:
                yield from read_lines(stream, self.report)
        except (OSError, EOFError) as exc:
            raise SourceError(f"cannot read dump {self.path}: {exc}") from None
        _logger.debug(
            "dump %s: %s line(s), %s record(s), %s bad",
            self.path,
            self.report.lines,
            self.report.records,
            self.report.bad_lines,
        )
        if self.report.records == 0:
            summary = self.report.summary() or "the file is empty"
            raise SourceError(f"no records in dump {self.path}: {summary}")


def read_lines(lines: Iterable[bytes], report: DumpReport) -> Iterator[Record]:
    """Records from JSONL lines; bad lines go to ``report``."""
    for number, line in enumerate(lines, start=1):
        report.lines = number
        if not line.strip():
            continue
        try:
            item = _DECODER.decode(line.decode("utf-8"))
        except ValueError:  # UnicodeDecodeError is one too
            report.bad(number, "not JSON")
            continue
        if not isinstance(item, dict):
            report.bad(number, "not an object")
            continue
        if isinstance(item.get(PARTITION_KEY), dict):
            try:
                item = plain_item(item)
            except ValueError:
                report.bad(number, "bad typed item")
                continue
        if not isinstance(item.get(PARTITION_KEY), str) or not item[PARTITION_KEY]:
            report.bad(number, f"no {PARTITION_KEY}")
            continue
        if item.get("recordType") == LINK:
            # A link item repeats a key its owner record already holds.
            report.link_items += 1
            continue
        try:
            record = from_item(item)
        except (TypeError, ValueError, AttributeError):
            report.bad(number, "not a spotFns item")
            continue
        report.records += 1
        yield record


def _open(path: Path) -> IO[bytes]:
    if path.suffix == ".gz":
        return gzip.open(path, "rb")
    return path.open("rb")

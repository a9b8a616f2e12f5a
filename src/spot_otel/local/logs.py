"""Function logs: what workers print, plus the runtime's START/END/REPORT lines.

Each worker's stdout and stderr go through one pipe; a reader thread splits
it into lines and hands them to :class:`FunctionLogs`, which keeps the
recent lines of every function in memory (tests read them) and can echo
them, prefixed with the function's name, to a stream such as stderr (the
CLI does).  The runtime interface client joins the lines of one error
report with carriage returns, as Lambda's log frames do; they are split
back into lines here.
"""

from __future__ import annotations

import collections
import threading
from typing import IO, TextIO


class FunctionLogs:
    """Recent log lines of every function, optionally echoed."""

    def __init__(self, echo: TextIO | None = None, keep: int = 2000) -> None:
        self._echo = echo
        self._keep = keep
        self._lines: dict[str, collections.deque[str]] = {}
        self._lock = threading.Lock()

    def write(self, function: str, line: str) -> None:
        for part in line.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
            if not part:
                continue
            with self._lock:
                lines = self._lines.get(function)
                if lines is None:
                    lines = self._lines[function] = collections.deque(maxlen=self._keep)
                lines.append(part)
                if self._echo is not None:
                    try:
                        self._echo.write(f"[{function}] {part}\n")
                        self._echo.flush()
                    except (OSError, ValueError):
                        self._echo = None

    def lines(self, function: str) -> list[str]:
        """The recent lines of one function, oldest first."""
        with self._lock:
            return list(self._lines.get(function, ()))

    def follow(self, function: str, stream: IO[bytes]) -> threading.Thread:
        """Read ``stream`` to its end in a daemon thread, line by line."""
        thread = threading.Thread(
            target=self._pump,
            args=(function, stream),
            name=f"spot-local-logs-{function}",
            daemon=True,
        )
        thread.start()
        return thread

    def _pump(self, function: str, stream: IO[bytes]) -> None:
        try:
            for raw in iter(stream.readline, b""):
                self.write(function, raw.decode("utf-8", errors="replace").rstrip("\n"))
        except (OSError, ValueError):
            pass
        finally:
            stream.close()

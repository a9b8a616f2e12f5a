"""A flush shortly before an invocation's deadline.

Lambda freezes or kills a function that runs out of time, and whatever is
still buffered then is lost.  One daemon thread, started on first use, waits
for the armed deadline and runs the flush; disarming on return costs a lock
and a notify, not a thread start per invocation.
"""

from __future__ import annotations

import threading
import time
from typing import Callable


class DeadlineWatch:
    """Calls ``action`` once when the armed time passes, unless disarmed."""

    def __init__(self, action: Callable[[], object]) -> None:
        self._action = action
        self._cond = threading.Condition()
        self._due: float | None = None
        self._thread: threading.Thread | None = None

    def arm(self, delay_s: float) -> None:
        with self._cond:
            self._due = time.monotonic() + max(0.0, delay_s)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="spot-otel-deadline", daemon=True
                )
                self._thread.start()
            self._cond.notify()

    def disarm(self) -> None:
        with self._cond:
            self._due = None
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._due is None:
                    self._cond.wait()
                remaining = self._due - time.monotonic()
                if remaining > 0:
                    self._cond.wait(remaining)
                    continue
                self._due = None
            try:
                self._action()
            except Exception:  # noqa: BLE001 - a daemon thread must not die
                pass

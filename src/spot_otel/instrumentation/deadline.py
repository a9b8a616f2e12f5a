"""A flush shortly before an invocation's deadline.

Lambda freezes or kills a function that runs out of time, and whatever is
still buffered then is lost.  One daemon thread waits for the armed deadline
and runs the flush; disarming on return costs a lock and a notify, not a
thread start per invocation.

The handler instrumentation starts the thread during the function's init
(:meth:`DeadlineWatch.start`): started on the first invocation instead, its
start waits for the GIL while the sink's thread is busy making its DynamoDB
client, which cost cold starts tens of milliseconds.
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

    def start(self) -> None:
        """Start the waiting thread unless it runs already (a forked child has
        none).  Raises RuntimeError if no thread can be started."""
        with self._cond:
            thread = self._thread
            # ident is None between making the thread and its start below.
            if thread is not None and (thread.ident is None or thread.is_alive()):
                return
            thread = self._thread = threading.Thread(
                target=self._run, name="spot-otel-deadline", daemon=True
            )
        # Started outside the lock: the new thread's first step is to take it.
        try:
            thread.start()
        except RuntimeError:
            with self._cond:
                self._thread = None
            raise

    def arm(self, delay_s: float) -> None:
        self.start()
        with self._cond:
            self._due = time.monotonic() + max(0.0, delay_s)
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

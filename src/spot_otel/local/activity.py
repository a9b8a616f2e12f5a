"""Knowing when an application has gone quiet, for ``wait_idle``.

Work is *in flight* from the moment it is accepted (a sync call, an async
event including its retries, a batch a poller took) until it is finished.
That alone is not enough: an invocation's last write to a queue, bucket or
stream is only seen when a poller next looks.  So every finished piece of
work moves an *epoch* forward, and each poller notes the epoch at the start
of every round that found nothing.  The app is idle when nothing is in
flight and every poller has come up empty in a round that began at the
current epoch, i.e. after the last write anybody could have made.  Writes
made by the embedded AWS itself (S3, SNS and EventBridge delivering to the
runtime's queues, DynamoDB appending to a stream) happen inside the
producer's call, so they are covered.
"""

from __future__ import annotations

import threading
import time
from typing import Callable, Iterable, Protocol


class Settling(Protocol):
    """A poller, as :meth:`Activity.wait_idle` sees it."""

    def settled(self, epoch: int) -> bool:
        """True when nothing is pending and a round that began at ``epoch``
        or later found nothing to deliver."""


class Activity:
    """In-flight work and the epoch of the last change."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._in_flight = 0
        self._epoch = 0
        self._listeners: list[Callable[[], None]] = []

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` (quickly, without blocking) whenever the epoch
        moves: pollers use it to look again at once."""
        self._listeners.append(listener)

    @property
    def epoch(self) -> int:
        with self._cond:
            return self._epoch

    @property
    def in_flight(self) -> int:
        with self._cond:
            return self._in_flight

    def begin(self) -> None:
        with self._cond:
            self._in_flight += 1

    def end(self) -> None:
        with self._cond:
            self._in_flight -= 1
            self._epoch += 1
            self._cond.notify_all()
        self._notify()

    def tracked(self, work: Callable[[], None]) -> Callable[[], None]:
        """``work`` counted as in flight from now until it returns."""
        self.begin()

        def run() -> None:
            try:
                work()
            finally:
                self.end()

        return run

    def _notify(self) -> None:
        for listener in self._listeners:
            listener()

    def changed(self) -> None:
        """Wake waiters: a poller finished a round."""
        with self._cond:
            self._cond.notify_all()

    def wait_idle(
        self, pollers: Callable[[], Iterable[Settling]], timeout: float
    ) -> bool:
        """Block until idle (True) or ``timeout`` seconds pass (False)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            # Anything written before this call must be seen by a later round.
            self._epoch += 1
        self._notify()
        with self._cond:
            while True:
                if self._in_flight == 0 and all(
                    poller.settled(self._epoch) for poller in pollers()
                ):
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(min(remaining, 0.5))

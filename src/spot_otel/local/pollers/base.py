"""The poller loop every event source shares: poll, deliver, rest, settle.

A poller runs in its own daemon thread.  Each round it asks its source for
work; after a round that found work it goes straight on, after one that
found nothing it rests: the app's poll interval at first, twice as long
after each further empty round, up to a second, so an idle app costs little.
Whenever an invocation finishes (it may have written to a queue, bucket or
stream) or ``wait_idle`` begins, every poller is woken to look at once.
Rounds that found nothing are remembered with the activity epoch they began
at, which is what :meth:`Poller.settled` and ``wait_idle`` go by.

A failing round (the endpoint went away, a throttle) is logged once per kind
of error, and the poller keeps trying at its poll interval.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable, TypeVar

from spot_otel.local.activity import Activity

_logger = logging.getLogger(__name__)

_T = TypeVar("_T")
_LONGEST_REST = 1.0
"""Seconds an idle poller rests at most between rounds."""


class Poller:
    """Base class: subclasses implement :meth:`poll_once`."""

    def __init__(self, name: str, activity: Activity, interval: float) -> None:
        self.name = name
        self._activity = activity
        self._interval = interval
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._empty_rounds = 0
        self._lock = threading.Lock()
        self._empty_epoch = -1
        self._empty_at = 0.0
        self._not_before = 0.0
        self._errors: set[str] = set()
        self._thread = threading.Thread(
            target=self._loop, name=f"spot-local-{name}", daemon=True
        )
        activity.on_change(self._wake.set)

    def poll_once(self) -> bool:
        """One round: deliver what there is; True if anything was found."""
        raise NotImplementedError

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def join(self, timeout: float) -> None:
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def settled(self, epoch: int) -> bool:
        with self._lock:
            return self._empty_epoch >= epoch and self._empty_at >= self._not_before

    def expect_more_at(self, when: float) -> None:
        """Work will reappear at monotonic time ``when`` (a failed SQS batch
        becoming visible again): not settled before a round after it."""
        with self._lock:
            self._not_before = max(self._not_before, when)

    def rest(self, seconds: float | None = None) -> bool:
        """Sleep until woken; True if the poller is stopping."""
        self._wake.wait(self._interval if seconds is None else seconds)
        self._wake.clear()
        return self.stopping

    def collect(
        self, fetch: Callable[[int], list[_T]], size: int, window: float
    ) -> list[_T]:
        """Up to ``size`` items, fetching until full or until ``window``
        seconds after the first arrived (Lambda's batching window)."""
        items = fetch(size)
        if not items or window <= 0:
            return items
        deadline = time.monotonic() + window
        while len(items) < size and not self.stopping:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            more = fetch(size - len(items))
            if more:
                items.extend(more)
            else:
                self.rest(min(self._interval, remaining))
        return items

    def _loop(self) -> None:
        while not self.stopping:
            epoch = self._activity.epoch
            started = time.monotonic()
            try:
                found = self.poll_once()
            except Exception as exc:  # a poller must outlive a bad round
                self._log_failure(exc)
                self._activity.changed()
                self.rest()
                continue
            if found:
                self._empty_rounds = 0
            else:
                with self._lock:
                    self._empty_epoch = epoch
                    self._empty_at = started
            self._activity.changed()
            if not found:
                backoff = self._interval * 2 ** min(self._empty_rounds, 10)
                self._empty_rounds += 1
                self.rest(min(backoff, max(self._interval, _LONGEST_REST)))

    def _log_failure(self, exc: Exception) -> None:
        if self.stopping:
            return
        kind = type(exc).__name__
        if kind in self._errors:
            _logger.debug("%s: poll failed again: %s", self.name, exc)
            return
        self._errors.add(kind)
        _logger.warning("%s: poll failed (%s); will keep trying", self.name, exc)

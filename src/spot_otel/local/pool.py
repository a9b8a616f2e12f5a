"""One function's workers: scale out, reuse warm ones, freeze, time out, recover.

Lambda's rules, on one machine:

* A worker runs one invocation at a time.  An invocation goes to an idle
  (frozen) worker if there is one, which is thawed (SIGCONT); else a new
  worker starts, up to the function's concurrency; else it waits its turn.
  (Lambda would throttle a synchronous caller instead; queueing is kinder to
  local runs.)
* When a worker has posted its response or error it is frozen (SIGSTOP on
  its process group) until its next invocation, so whatever it left running
  in the background stops, as on Lambda.
* Past the function's timeout the worker is killed (SIGKILL) and the invoker
  gets Lambda's "Task timed out" error; a worker that exits mid-invocation
  gives ``Runtime.ExitError``; an init error gives the runtime's own error
  (``Runtime.ImportModuleError``).  In every case the next invocation gets a
  new worker, a cold start.
* A cold start that does not reach its first ``invocation/next`` within the
  function's ``init_timeout`` is killed and reported like a timeout.

All state lives under one condition variable per function; workers' Runtime
API threads block on it while they wait for work.
"""

from __future__ import annotations

import collections
import json
import logging
import math
import threading
from dataclasses import dataclass
from typing import Callable

from spot_otel.local import processes
from spot_otel.local.environment import RuntimeContext
from spot_otel.local.invocation import (
    Invocation,
    Outcome,
    exit_error,
    init_error,
    shutdown_error,
    timeout_error,
)
from spot_otel.local.logs import FunctionLogs
from spot_otel.local.runtime_api import AfterReply
from spot_otel.local.spec import FunctionSpec
from spot_otel.local.worker import Worker, WorkerState

_logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class InvocationReport:
    """One finished invocation, for progress output."""

    function: str
    request_id: str
    outcome: Outcome
    duration_ms: float
    cold_start: bool


Reporter = Callable[[InvocationReport], None]


class FunctionPool:
    """The workers of one function."""

    def __init__(
        self,
        function: FunctionSpec,
        context: RuntimeContext,
        logs: FunctionLogs,
        reporter: Reporter | None = None,
    ) -> None:
        self.function = function
        self._context = context
        self._logs = logs
        self._reporter = reporter
        self._cond = threading.Condition()
        self._workers: list[Worker] = []
        self._pending: collections.deque[Invocation] = collections.deque()
        self._started = 0
        self._closed = False

    # -- the invoker's side ---------------------------------------------------

    def submit(self, invocation: Invocation) -> None:
        """Queue an invocation; it completes on its own (see :meth:`Invocation.wait`)."""
        with self._cond:
            if self._closed:
                invocation.complete(
                    Outcome.SHUTDOWN, shutdown_error(invocation.request_id)
                )
                return
            idle = [w for w in self._workers if w.state is WorkerState.IDLE]
            if idle:
                self._assign(idle[-1], invocation)
            elif len(self._workers) < self.function.concurrency:
                self._spawn(invocation)
            else:
                self._pending.append(invocation)

    def worker_pids(self) -> list[int]:
        with self._cond:
            return [w.pid for w in self._workers if w.pid]

    def close(self) -> None:
        """Kill every worker and fail what is still queued."""
        with self._cond:
            self._closed = True
            pending = list(self._pending)
            self._pending.clear()
            workers = list(self._workers)
            for worker in workers:
                worker.cancel_timer()
                worker.kill()
            self._cond.notify_all()
        for invocation in pending:
            invocation.complete(Outcome.SHUTDOWN, shutdown_error(invocation.request_id))
        for worker in workers:
            worker.join(timeout=5)

    # -- scheduling (under the lock) ------------------------------------------

    def _assign(self, worker: Worker, invocation: Invocation) -> None:
        worker.assigned = invocation
        if worker.state is WorkerState.IDLE:
            worker.state = WorkerState.BUSY
            processes.thaw(worker.pid)
        self._cond.notify_all()

    def _spawn(self, invocation: Invocation) -> None:
        self._started += 1
        worker = Worker(self.function, self._started)
        worker.assigned = invocation
        try:
            worker.start(
                _Backend(self, worker), self._context, self._logs, self._on_exit
            )
        except OSError as exc:
            _logger.warning("cannot start a worker of %s: %s", self.function.name, exc)
            invocation.complete(
                Outcome.INIT_ERROR,
                init_error(invocation.request_id, _start_failure(exc)),
            )
            return
        self._workers.append(worker)
        worker.timer = self._timer(
            self.function.init_timeout, self._init_timed_out, worker
        )

    def _timer(
        self, seconds: float, action: Callable[[Worker], None], worker: Worker
    ) -> threading.Timer:
        timer = threading.Timer(seconds, action, (worker,))
        timer.daemon = True
        timer.start()
        return timer

    def _next_pending_or_freeze(self, worker: Worker) -> None:
        if self._pending and not self._closed:
            self._assign(worker, self._pending.popleft())
        else:
            worker.state = WorkerState.IDLE
            processes.freeze(worker.pid)

    # -- the Runtime API's side -----------------------------------------------

    def _next_invocation(self, worker: Worker) -> Invocation | None:
        with self._cond:
            if worker.state is WorkerState.STARTING:
                worker.cancel_timer()
                worker.state = WorkerState.BUSY
            while worker.assigned is None and worker.alive and not self._closed:
                self._cond.wait()
            invocation = worker.assigned
            if invocation is None or not worker.alive or self._closed:
                return None
            worker.assigned = None
            worker.current = invocation
            invocation.start(
                self.function.timeout,
                cold_start=worker.served == 0,
                worker_pid=worker.pid,
            )
            worker.served += 1
            worker.timer = self._timer(self.function.timeout, self._timed_out, worker)
        self._logs.write(
            self.function.name,
            f"START RequestId: {invocation.request_id} Version: $LATEST",
        )
        return invocation

    def _accept_result(
        self, worker: Worker, request_id: str, outcome: Outcome, body: bytes
    ) -> AfterReply | None:
        with self._cond:
            invocation = worker.current
            if invocation is None or invocation.request_id != request_id:
                return None

        def finish() -> None:
            with self._cond:
                if worker.current is not invocation:
                    return  # timed out or died in between: already reported
                worker.current = None
                worker.cancel_timer()
                self._next_pending_or_freeze(worker)
            self._finish(invocation, outcome, body, worker)

        return finish

    def _accept_init_error(self, worker: Worker, body: bytes) -> AfterReply:
        def finish() -> None:
            with self._cond:
                invocation = worker.assigned or worker.current
                self._retire(worker)
            if invocation is not None:
                payload = init_error(invocation.request_id, body)
                self._finish(invocation, Outcome.INIT_ERROR, payload, worker)

        return finish

    # -- endings --------------------------------------------------------------

    def _timed_out(self, worker: Worker) -> None:
        with self._cond:
            invocation = worker.current
            if invocation is None or invocation.done:
                return
            self._retire(worker)
        payload = timeout_error(invocation.request_id, self.function.timeout)
        self._finish(invocation, Outcome.TIMEOUT, payload, worker)

    def _init_timed_out(self, worker: Worker) -> None:
        with self._cond:
            invocation = worker.assigned
            if worker.state is not WorkerState.STARTING:
                return
            self._retire(worker)
        if invocation is not None:
            payload = timeout_error(invocation.request_id, self.function.init_timeout)
            self._finish(invocation, Outcome.TIMEOUT, payload, worker)

    def _retire(self, worker: Worker) -> None:
        """Kill a worker for good (under the lock); its reaper removes it."""
        worker.assigned = worker.current = None
        worker.cancel_timer()
        worker.state = WorkerState.DEAD
        worker.kill()
        self._cond.notify_all()

    def _on_exit(self, worker: Worker, returncode: int) -> None:
        with self._cond:
            invocation = worker.current
            if worker.assigned is not None and worker.served > 0:
                # A warm worker died before it picked up its next invocation:
                # that invocation never ran, so it goes to another worker.
                self._pending.appendleft(worker.assigned)
            elif invocation is None:
                invocation = worker.assigned  # died during init
            worker.assigned = worker.current = None
            worker.state = WorkerState.DEAD
            worker.cancel_timer()
            if worker in self._workers:
                self._workers.remove(worker)
            if self._pending and not self._closed:
                self._spawn(self._pending.popleft())
            self._cond.notify_all()
        if invocation is None or invocation.done:
            return
        request_id = invocation.request_id
        if self._closed:
            self._finish(
                invocation, Outcome.SHUTDOWN, shutdown_error(request_id), worker
            )
        else:
            payload = exit_error(request_id, returncode)
            self._finish(invocation, Outcome.EXIT, payload, worker)

    def _finish(
        self, invocation: Invocation, outcome: Outcome, payload: bytes, worker: Worker
    ) -> None:
        if not invocation.complete(outcome, payload):
            return
        result = invocation.result
        assert result is not None
        self._log_report(invocation, result.duration_ms, worker)
        if self._reporter is not None:
            report = InvocationReport(
                function=self.function.name,
                request_id=invocation.request_id,
                outcome=outcome,
                duration_ms=result.duration_ms,
                cold_start=result.cold_start,
            )
            try:
                self._reporter(report)
            except Exception:  # a progress printer must not stop the runtime
                _logger.exception("invocation reporter failed")

    def _log_report(
        self, invocation: Invocation, duration_ms: float, worker: Worker
    ) -> None:
        name = self.function.name
        request_id = invocation.request_id
        fields = [
            f"REPORT RequestId: {request_id}",
            f"Duration: {duration_ms:.2f} ms",
            f"Billed Duration: {max(1, math.ceil(duration_ms))} ms",
            f"Memory Size: {self.function.memory} MB",
        ]
        memory = processes.peak_memory_mb(worker.pid) if worker.alive else None
        if memory:
            fields.append(f"Max Memory Used: {memory} MB")
        self._logs.write(name, f"END RequestId: {request_id}")
        self._logs.write(name, "\t".join(fields))


class _Backend:
    """The pool as one worker's Runtime API sees it."""

    def __init__(self, pool: FunctionPool, worker: Worker) -> None:
        self._pool = pool
        self._worker = worker

    def next_invocation(self) -> Invocation | None:
        return self._pool._next_invocation(self._worker)

    def accept_result(
        self, request_id: str, outcome: Outcome, body: bytes
    ) -> AfterReply | None:
        return self._pool._accept_result(self._worker, request_id, outcome, body)

    def accept_init_error(self, body: bytes) -> AfterReply | None:
        return self._pool._accept_init_error(self._worker, body)


def _start_failure(exc: OSError) -> bytes:
    return json.dumps(
        {
            "errorType": "Runtime.InvalidEntrypoint",
            "errorMessage": f"cannot start the runtime: {exc.strerror or exc}",
        }
    ).encode()

"""One worker: a process running the runtime interface client, and its Runtime API.

A worker is started exactly as Lambda starts an execution environment:
``[AWS_LAMBDA_EXEC_WRAPPER] bootstrap`` in the function's code directory,
with the Lambda environment, in a new session (its own process group).  Its
output goes to the function's logs, and a reaper thread reports its exit to
the owner.

What the worker runs next, and when it is frozen, thawed or killed, is the
pool's business (:mod:`spot_otel.local.pool`); the fields below are the
pool's bookkeeping and only touched under the pool's lock.
"""

from __future__ import annotations

import enum
import logging
import subprocess
import threading
from typing import Callable

from spot_otel.local import processes
from spot_otel.local.environment import (
    RuntimeContext,
    worker_command,
    worker_environment,
)
from spot_otel.local.invocation import Invocation
from spot_otel.local.logs import FunctionLogs
from spot_otel.local.runtime_api import RuntimeApiServer, RuntimeBackend
from spot_otel.local.spec import FunctionSpec

_logger = logging.getLogger(__name__)


class WorkerState(enum.Enum):
    STARTING = "starting"
    """Launched; has not asked for its first invocation yet (init)."""
    BUSY = "busy"
    IDLE = "idle"
    """Frozen, waiting for an invocation."""
    DEAD = "dead"


class Worker:
    """A worker process and its Runtime API server."""

    def __init__(self, function: FunctionSpec, number: int) -> None:
        self.function = function
        self.number = number
        self.state = WorkerState.STARTING
        self.assigned: Invocation | None = None
        """Handed out at the worker's next ``invocation/next``."""
        self.current: Invocation | None = None
        """Picked up and running."""
        self.served = 0
        self.timer: threading.Timer | None = None
        self.pid = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._server: RuntimeApiServer | None = None

    @property
    def alive(self) -> bool:
        return self.state is not WorkerState.DEAD

    def start(
        self,
        backend: RuntimeBackend,
        context: RuntimeContext,
        logs: FunctionLogs,
        on_exit: Callable[[Worker, int], None],
    ) -> None:
        """Start the Runtime API server and the process.  Raises OSError if
        the process cannot be started."""
        self._server = RuntimeApiServer(backend)
        self._server.start()
        env = worker_environment(self.function, context, self._server.address)
        try:
            self._process = subprocess.Popen(
                worker_command(self.function, context),
                cwd=self.function.code,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError:
            self._server.stop()
            raise
        self.pid = self._process.pid
        processes.register(self.pid)
        assert self._process.stdout is not None
        logs.follow(self.function.name, self._process.stdout)
        threading.Thread(
            target=self._reap,
            args=(on_exit,),
            name=f"spot-local-reaper-{self.function.name}",
            daemon=True,
        ).start()
        _logger.debug(
            "started worker %s of %s (pid %s)",
            self.number,
            self.function.name,
            self.pid,
        )

    def cancel_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def kill(self) -> None:
        """Kill the whole process group, frozen or not."""
        if self.pid:
            processes.kill(self.pid)

    def _reap(self, on_exit: Callable[[Worker, int], None]) -> None:
        assert self._process is not None
        returncode = self._process.wait()
        # Children the handler left behind share the group: end them too.
        processes.kill(self.pid)
        processes.forget(self.pid)
        if self._server is not None:
            self._server.stop()
        _logger.debug(
            "worker %s of %s exited: %s", self.number, self.function.name, returncode
        )
        on_exit(self, returncode)

    def join(self, timeout: float) -> None:
        """Wait for the process to be gone (after :meth:`kill`)."""
        if self._process is not None:
            try:
                self._process.wait(timeout)
            except subprocess.TimeoutExpired:
                _logger.warning(
                    "worker %s of %s did not exit", self.number, self.function.name
                )

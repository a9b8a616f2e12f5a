"""Worker process groups: freeze, thaw, kill, and no orphans at exit.

Every worker starts in a new session, so its process id is also its process
group id and everything it spawns shares the group.  Freezing, thawing and
killing act on the whole group, as Lambda acts on a whole execution
environment.  Live groups are registered here; an ``atexit`` hook kills
whatever is still registered when the interpreter exits, so a runtime that
forgets to close (or is interrupted) leaves no worker behind.

Limitation: a runtime killed with SIGKILL runs no hook; its workers then
outlive it (frozen ones stay stopped) until killed by hand.
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import threading

_logger = logging.getLogger(__name__)

_live_groups: set[int] = set()
_lock = threading.Lock()
_hook_installed = False


def register(pgid: int) -> None:
    """Track a worker's process group until :func:`forget` or exit."""
    global _hook_installed
    with _lock:
        _live_groups.add(pgid)
        if not _hook_installed:
            atexit.register(kill_all)
            _hook_installed = True


def forget(pgid: int) -> None:
    with _lock:
        _live_groups.discard(pgid)


def live_groups() -> frozenset[int]:
    with _lock:
        return frozenset(_live_groups)


def freeze(pgid: int) -> None:
    """Stop every process of the group (Lambda's freeze)."""
    _signal_group(pgid, signal.SIGSTOP)


def thaw(pgid: int) -> None:
    """Continue every process of the group (Lambda's thaw)."""
    _signal_group(pgid, signal.SIGCONT)


def kill(pgid: int) -> None:
    """Kill every process of the group; stopped processes die as well."""
    _signal_group(pgid, signal.SIGKILL)


def kill_all() -> None:
    """Kill every registered group (the ``atexit`` hook)."""
    with _lock:
        groups = list(_live_groups)
        _live_groups.clear()
    for pgid in groups:
        kill(pgid)


def state(pid: int) -> str | None:
    """The one-letter state of a process from ``/proc/PID/stat`` (``T`` when
    stopped), or None if there is no such process."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            text = stat.read()
    except OSError:
        return None
    # The command name is in parentheses and may itself hold spaces.
    return text.rpartition(")")[2].split()[0]


def peak_memory_mb(pid: int) -> int | None:
    """Peak resident memory of a process in MB (``VmHWM``), if known."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return max(1, int(line.split()[1]) // 1024)
    except (OSError, ValueError, IndexError):
        return None
    return None


def _signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        pass
    except PermissionError:
        _logger.warning("not allowed to signal worker group %s", pgid)

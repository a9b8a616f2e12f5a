"""Listening TCP sockets of a set of processes, read from /proc (Linux).

``/proc/net/tcp`` and ``/proc/net/tcp6`` list every socket with its local
address, its state and its inode; ``/proc/<pid>/fd`` links name the socket
inodes each process holds.  Joined, they say where each process listens,
without psutil.
"""

from __future__ import annotations

import os
import socket
import struct
from dataclasses import dataclass
from typing import Iterable

_LISTEN = "0A"


@dataclass(frozen=True)
class Listener:
    pid: int
    address: str
    port: int
    family: str


def listeners(pids: Iterable[int]) -> list[Listener]:
    """Every listening TCP socket held by one of ``pids``."""
    owner = {inode: pid for pid in pids for inode in _socket_inodes(pid)}
    found: list[Listener] = []
    for family in ("tcp", "tcp6"):
        for address, port, state, inode in _table(family):
            if state == _LISTEN and inode in owner:
                found.append(Listener(owner[inode], address, port, family))
    return found


def _socket_inodes(pid: int) -> set[str]:
    inodes: set[str] = set()
    try:
        names = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return inodes
    for name in names:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{name}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    return inodes


def _table(family: str) -> list[tuple[str, int, str, str]]:
    with open(f"/proc/net/{family}", encoding="ascii") as table:
        lines = table.read().splitlines()[1:]
    rows = []
    for line in lines:
        fields = line.split()
        local, state, inode = fields[1], fields[3], fields[9]
        hex_address, hex_port = local.split(":")
        rows.append((_address(hex_address), int(hex_port, 16), state, inode))
    return rows


def _address(hex_address: str) -> str:
    """The kernel prints addresses as host-order 32-bit words in hex."""
    raw = bytes.fromhex(hex_address)
    words = struct.unpack(f"<{len(raw) // 4}I", raw)
    packed = struct.pack(f">{len(words)}I", *words)
    family = socket.AF_INET if len(packed) == 4 else socket.AF_INET6
    return socket.inet_ntop(family, packed)

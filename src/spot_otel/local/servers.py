"""What the runtime's HTTP servers share: loopback, a thread, quiet errors.

The Runtime API, the Invoke API and the HTTP trigger server each bind
127.0.0.1 (never another address), on a free port unless told one, and
serve from a daemon thread.  A client that goes away mid-request (a worker
killed at its timeout) is routine here, not worth a traceback on stderr.
"""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_logger = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"


class LoopbackServer(ThreadingHTTPServer):
    """A threading HTTP server on 127.0.0.1, served from a daemon thread."""

    daemon_threads = True

    def __init__(
        self, handler: type[BaseHTTPRequestHandler], port: int = 0, name: str = "http"
    ) -> None:
        super().__init__((LOOPBACK, port), handler)
        self._thread = threading.Thread(
            target=self.serve_forever,
            kwargs={"poll_interval": 0.2},
            name=f"spot-local-{name}",
            daemon=True,
        )

    @property
    def address(self) -> str:
        """``127.0.0.1:PORT``."""
        return f"{LOOPBACK}:{self.server_port}"

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self.shutdown()
        self.server_close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        _logger.debug(
            "%s: a request from %s failed",
            self._thread.name,
            client_address,
            exc_info=True,
        )


class JsonHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive, answers with a length, logs at debug."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without TCP_NODELAY the
    # body waits for a delayed ACK, 40 ms per request.
    disable_nagle_algorithm = True

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def reply(
        self,
        status: int,
        body: bytes,
        headers: list[tuple[str, str]] | dict[str, str] | None = None,
        *,
        content_type: str | None = "application/json",
    ) -> None:
        items = (
            list(headers.items()) if isinstance(headers, dict) else list(headers or [])
        )
        try:
            self.send_response(status)
            if content_type is not None:
                self.send_header("Content-Type", content_type)
            for name, value in items:
                if name.lower() not in (
                    "content-length",
                    "connection",
                    "transfer-encoding",
                ):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            _logger.debug("the client went away before its answer")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        _logger.debug(format, *args)

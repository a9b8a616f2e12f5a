"""A loopback stand-in for Lambda's Invoke API, for the Lambda extension tests.

moto's Lambda backend runs functions in Docker, which these tests cannot
use.  This server answers Invoke the way Lambda does on the wire (status by
invocation type, the ``X-Amzn-RequestId`` header), so a real boto3 client
parses a real response, and it keeps what botocore actually sent (the
``X-Amz-Client-Context`` header and the payload bytes).
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_STATUS = {"RequestResponse": 200, "Event": 202, "DryRun": 204}


@dataclass(frozen=True)
class Received:
    """One request as it reached the server."""

    request_id: str
    invocation_type: str
    client_context: str | None
    payload: bytes


class LambdaApi:
    """Runs on 127.0.0.1 on a free port while used as a context manager."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},
            daemon=True,
        )

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> LambdaApi:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                invocation_type = (
                    self.headers.get("X-Amz-Invocation-Type") or "RequestResponse"
                )
                received = Received(
                    request_id=str(uuid.uuid4()),
                    invocation_type=invocation_type,
                    client_context=self.headers.get("X-Amz-Client-Context"),
                    payload=self.rfile.read(length),
                )
                api.received.append(received)

                body = b"null" if invocation_type == "RequestResponse" else b""
                self.send_response(_STATUS.get(invocation_type, 400))
                self.send_header("X-Amzn-RequestId", received.request_id)
                self.send_header("X-Amz-Executed-Version", "$LATEST")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

"""A loopback stand-in for DynamoDB that refuses every request, as AWS does.

The sink's client is pointed at it with ``AWS_ENDPOINT_URL_DYNAMODB``, so a
refusal travels the whole real path: HTTP on 127.0.0.1, botocore's JSON
protocol parser, the writer's error handling.  The body is the one DynamoDB
sends when IAM refuses ``BatchWriteItem``.  (moto can enforce IAM too, but
answers a refused DynamoDB call with an XML body botocore cannot read.)
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ACCESS_DENIED = json.dumps(
    {
        "__type": "com.amazon.coral.service#AccessDeniedException",
        "Message": (
            "User: arn:aws:sts::123456789012:assumed-role/faulty-role/faulty is "
            "not authorized to perform: dynamodb:BatchWriteItem on resource: "
            "arn:aws:dynamodb:us-east-1:123456789012:table/spotFns because no "
            "identity-based policy allows the dynamodb:BatchWriteItem action"
        ),
    }
).encode()


class RefusingEndpoint:
    """Answers every POST with ``status`` and ``body``, on a free loopback port,
    while used as a context manager; counts the requests."""

    def __init__(self, status: int = 400, body: bytes = ACCESS_DENIED) -> None:
        self.requests = 0
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                endpoint.requests += 1
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.0")
                self.send_header("x-amzn-RequestId", "REFUSED0000000000000000000000000")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> RefusingEndpoint:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()

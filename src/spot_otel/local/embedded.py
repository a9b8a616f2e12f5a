"""The AWS the local runtime runs against: an embedded moto server, or yours.

By default a moto server is started in this process, on 127.0.0.1 and a
free port, with fake credentials, and reset so that an app starts from an
empty account (unless another embedded app is running in this process:
moto's accounts are per process, and a reset would wipe that app's state).

When ``AWS_ENDPOINT_URL`` is set (or an endpoint is passed), that endpoint
is used instead and nothing is started or reset; the credentials then come
from the environment, falling back to fake ones.

moto cannot run Lambda code (its Lambda backend needs Docker), so nothing
here creates Lambda functions or event source mappings: the runtime runs
the functions and polls the event sources itself.
"""

from __future__ import annotations

import logging
import os
import threading
import urllib.request
from typing import Any

from spot_otel.aws import untraced_client

_logger = logging.getLogger(__name__)

FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
_CREDENTIAL_NAMES = tuple(FAKE_CREDENTIALS)

# moto keeps its accounts per process, shared by every server in it: only
# the first embedded server of a process starts from a reset account, so two
# apps running side by side do not wipe each other's resources.
_running = 0
_running_lock = threading.Lock()


class EmbeddedAwsError(Exception):
    """The embedded AWS could not be started."""


class EmbeddedAws:
    """Where AWS calls go, and clients for them."""

    def __init__(self, region: str, endpoint_url: str | None = None) -> None:
        self.region = region
        self._given_endpoint = (
            endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None
        )
        self._server: Any = None
        self.endpoint_url = self._given_endpoint or ""
        self.credentials = self._credentials()

    @property
    def embedded(self) -> bool:
        """True when this process runs the moto server."""
        return self._given_endpoint is None

    def start(self) -> None:
        if not self.embedded:
            _logger.debug("using the AWS endpoint %s", self.endpoint_url)
            return
        try:
            from moto.server import ThreadedMotoServer
        except ImportError as exc:
            raise EmbeddedAwsError(
                "the embedded AWS needs moto: pip install 'spot-otel[local]' "
                f"({exc})"
            ) from None

        # werkzeug logs every request at INFO to stderr; keep the user's
        # console for their functions' logs.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        try:
            server.start()
        except OSError as exc:
            raise EmbeddedAwsError(f"cannot start the embedded AWS: {exc}") from None
        self._server = server
        host, port = server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"
        global _running
        with _running_lock:
            first = _running == 0
            _running += 1
        if first:
            self._reset()
        _logger.debug("embedded AWS on %s", self.endpoint_url)

    def stop(self) -> None:
        global _running
        if self._server is not None:
            self._server.stop()
            self._server = None
            with _running_lock:
                _running -= 1

    def client(self, service: str, **kwargs: Any) -> Any:
        """An untraced boto3 client for ``service`` on this AWS."""
        from botocore.config import Config

        config = Config(
            retries={"max_attempts": 3, "mode": "standard"},
            connect_timeout=5,
            read_timeout=30,
        )
        return untraced_client(
            service,
            region_name=self.region,
            endpoint_url=kwargs.pop("endpoint_url", self.endpoint_url),
            aws_access_key_id=self.credentials["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=self.credentials["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=self.credentials.get("AWS_SESSION_TOKEN"),
            config=kwargs.pop("config", config),
            **kwargs,
        )

    def _credentials(self) -> dict[str, str]:
        if self.embedded or not os.environ.get("AWS_ACCESS_KEY_ID"):
            return dict(FAKE_CREDENTIALS)
        return {
            name: os.environ[name] for name in _CREDENTIAL_NAMES if os.environ.get(name)
        }

    def _reset(self) -> None:
        """Empty moto's accounts, left over from earlier apps in this process."""
        request = urllib.request.Request(
            f"{self.endpoint_url}/moto-api/reset", method="POST"
        )
        # Straight to loopback, whatever proxy the environment names.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=10) as response:
            response.read()

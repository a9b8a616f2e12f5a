"""LocalApp: a whole application on the local runtime, started and stopped as one.

Starting brings up, in order: the embedded AWS (or your endpoint), the
declared resources and the spotFns table, the Invoke API, each trigger's
event source and poller, and the HTTP trigger server.  Workers start lazily,
on each function's first invocation, as cold starts do.  If any step fails,
what was started is stopped again and :class:`LocalRuntimeError` says why:
nothing is left running half-way.

Closing stops the pollers and servers, kills every worker (frozen or not)
and removes the temporary directory it made, if any.
"""

from __future__ import annotations

import base64
import json
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any, Mapping, TextIO

from botocore.exceptions import BotoCoreError, ClientError

from spot_otel.local.activity import Activity
from spot_otel.local.embedded import EmbeddedAws, EmbeddedAwsError
from spot_otel.local.environment import RuntimeContext
from spot_otel.local.http_trigger import HttpTriggerServer, Router
from spot_otel.local.invoke_api import InvokeApiServer
from spot_otel.local.invoker import REQUEST_RESPONSE, Invoker, InvokeResult
from spot_otel.local.logs import FunctionLogs
from spot_otel.local.pollers.base import Poller
from spot_otel.local.pool import FunctionPool, Reporter
from spot_otel.local.resources import ResourceError, create_resources, create_spotfns
from spot_otel.local.scripts import bootstrap_script, executable_copy, is_executable
from spot_otel.local.sources import wire_sources
from spot_otel.local.spec import AppSpec
from spot_otel.local.spec_reader import load_spec, read_spec

_logger = logging.getLogger(__name__)


class LocalRuntimeError(Exception):
    """The app could not be started; one line, fit to print."""


class LocalApp:
    """An app spec running on the local runtime.

    Use it as a context manager::

        with LocalApp.from_spec("app.toml") as app:
            result = app.invoke("fn_invoker", {"order": 1})
            app.invoke("fn_audit", {"order": 1}, invocation_type="Event")
            app.wait_idle(timeout=60)
    """

    def __init__(
        self,
        spec: AppSpec,
        *,
        endpoint_url: str | None = None,
        log_stream: TextIO | None = None,
        on_invocation: Reporter | None = None,
    ) -> None:
        self.spec = spec
        self.logs = FunctionLogs(echo=log_stream)
        self._aws = EmbeddedAws(spec.settings.region, endpoint_url)
        self._on_invocation = on_invocation
        self._activity = Activity()
        self._pools: dict[str, FunctionPool] = {}
        self._invoker = Invoker(
            self._pools,
            spec.settings.region,
            self._activity,
            spec.settings.async_retry_delays,
        )
        self._pollers: list[Poller] = []
        self._invoke_api: InvokeApiServer | None = None
        self._http: HttpTriggerServer | None = None
        self._runtime_dir: Path | None = None
        self._started = False
        self._closed = False

    @classmethod
    def from_spec(
        cls,
        spec: AppSpec | Mapping[str, Any] | str | Path,
        *,
        base_dir: str | Path | None = None,
        **options: Any,
    ) -> LocalApp:
        """An app from a spec file, a spec dict (paths relative to
        ``base_dir``) or an :class:`AppSpec`.  Raises ``SpecError``."""
        if isinstance(spec, AppSpec):
            return cls(spec, **options)
        if isinstance(spec, Mapping):
            return cls(read_spec(spec, base_dir=base_dir), **options)
        return cls(load_spec(spec), **options)

    # -- lifecycle ------------------------------------------------------------

    def __enter__(self) -> LocalApp:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def start(self) -> LocalApp:
        if self._started:
            return self
        self._started = True
        try:
            self._start()
        except (EmbeddedAwsError, ResourceError, LocalRuntimeError) as exc:
            self.close()
            raise LocalRuntimeError(str(exc)) from None
        except (BotoCoreError, ClientError, OSError) as exc:
            self.close()
            raise LocalRuntimeError(f"cannot set up the app: {exc}") from None
        except BaseException:
            self.close()
            raise
        return self

    def _start(self) -> None:
        settings = self.spec.settings
        self._aws.start()
        create_resources(self._aws, self.spec)
        if settings.create_spotfns:
            create_spotfns(self._aws, settings.spotfns_table)

        bootstrap = bootstrap_script()
        if not is_executable(bootstrap):
            self._runtime_dir = Path(tempfile.mkdtemp(prefix="spot-otel-local-"))
            bootstrap = executable_copy(bootstrap, self._runtime_dir)
        self._invoke_api = InvokeApiServer(self._invoker)
        context = RuntimeContext(
            region=settings.region,
            aws_endpoint=self._aws.endpoint_url,
            lambda_endpoint=self._invoke_api.url,
            runtime_dir=bootstrap.parent,
            bootstrap=bootstrap,
            credentials=self._aws.credentials,
            spotfns_table=settings.spotfns_table,
        )
        for name, function in self.spec.functions.items():
            self._pools[name] = FunctionPool(
                function, context, self.logs, self._on_invocation
            )
        self._invoke_api.start()

        sources = wire_sources(self.spec, self._aws, self._invoker, self._activity)
        self._pollers = sources.pollers
        for poller in self._pollers:
            poller.start()
        if sources.routes:
            router = Router(sources.routes)
            try:
                self._http = HttpTriggerServer(
                    settings.http_port, router, self._invoke_http
                )
            except OSError as exc:
                raise LocalRuntimeError(
                    f"cannot serve HTTP triggers on 127.0.0.1:{settings.http_port}: "
                    f"{exc.strerror or exc}"
                ) from None
            self._http.start()

    def close(self) -> None:
        """Stop everything; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._invoker.stop()
        for poller in self._pollers:
            poller.stop()
        for server in (self._http, self._invoke_api):
            if server is not None:
                server.stop()
        for pool in self._pools.values():
            pool.close()
        for poller in self._pollers:
            poller.join(timeout=5)
        self._aws.stop()
        if self._runtime_dir is not None:
            shutil.rmtree(self._runtime_dir, ignore_errors=True)

    # -- using it -------------------------------------------------------------

    def invoke(
        self,
        function: str,
        event: Any = None,
        *,
        payload: bytes | None = None,
        invocation_type: str = REQUEST_RESPONSE,
        client_context: Mapping[str, Any] | None = None,
    ) -> InvokeResult:
        """Invoke a function as the Invoke API would.

        ``event`` is serialized as JSON (or pass raw ``payload`` bytes);
        ``client_context`` is the ClientContext object (``custom``, ``env``,
        ``client``).  Raises :class:`~spot_otel.local.invoker.InvokeError`
        for what Lambda would refuse.
        """
        self._require_started()
        body = (
            payload
            if payload is not None
            else json.dumps(event if event is not None else {}).encode()
        )
        encoded = None
        if client_context is not None:
            encoded = base64.b64encode(json.dumps(client_context).encode()).decode()
        return self._invoker.invoke(
            function, body, invocation_type=invocation_type, client_context=encoded
        )

    def wait_idle(self, timeout: float = 60.0) -> None:
        """Block until no invocation is in flight and every queue and stream
        has been drained.  Raises TimeoutError after ``timeout`` seconds."""
        self._require_started()
        if not self._activity.wait_idle(lambda: self._pollers, timeout):
            raise TimeoutError(
                f"the app was still busy after {timeout:g}s "
                f"({self._activity.in_flight} invocations in flight)"
            )

    def client(self, service: str, **kwargs: Any) -> Any:
        """A boto3 client for the app's AWS (untraced)."""
        return self._aws.client(service, **kwargs)

    def lambda_client(self) -> Any:
        """A boto3 Lambda client for the app's Invoke API."""
        self._require_started()
        assert self._invoke_api is not None
        return self._aws.client("lambda", endpoint_url=self._invoke_api.url)

    def worker_pids(self, function: str | None = None) -> list[int]:
        """Process ids of the live workers (of one function, or all)."""
        pools = [self._pools[function]] if function else list(self._pools.values())
        return [pid for pool in pools for pid in pool.worker_pids()]

    @property
    def endpoint_url(self) -> str:
        """Where the app's AWS calls go."""
        return self._aws.endpoint_url

    @property
    def invoke_url(self) -> str:
        """The Invoke API (``AWS_ENDPOINT_URL_LAMBDA`` of the workers)."""
        self._require_started()
        assert self._invoke_api is not None
        return self._invoke_api.url

    @property
    def http_url(self) -> str | None:
        """The HTTP trigger server, if the app has HTTP routes."""
        return self._http.url if self._http is not None else None

    def _invoke_http(self, function: str, payload: bytes) -> tuple[bytes, bool]:
        result = self._invoker.invoke(function, payload)
        return result.payload, not result.ok

    def _require_started(self) -> None:
        if not self._started or self._closed:
            raise RuntimeError(
                "the app is not running: use it inside `with LocalApp...`"
            )

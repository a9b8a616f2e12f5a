"""The local Lambda runtime: whole applications on one machine, on an embedded AWS.

moto cannot run Lambda code (its Lambda backend needs Docker), so this
package runs the functions itself, the way Lambda does:

* each function runs in worker processes under the real runtime interface
  client (``awslambdaric``), started through the exec wrapper a user puts in
  ``AWS_LAMBDA_EXEC_WRAPPER`` (spot-otel's by default), with Lambda's
  environment, and frozen (SIGSTOP) between invocations;
* a Runtime API per worker, an Invoke API for ``boto3``'s real ``invoke``
  (``AWS_ENDPOINT_URL_LAMBDA``), timeouts, crashes and init errors reported
  as Lambda reports them;
* pollers that deliver AWS-shaped events from DynamoDB Streams, S3, SNS,
  SQS and EventBridge, and an HTTP port that plays API Gateway;
* all of it against a moto server on 127.0.0.1 (or ``AWS_ENDPOINT_URL``).

Usage::

    from spot_otel.local import LocalApp

    with LocalApp.from_spec("app.toml") as app:
        result = app.invoke("fn_invoker", {"order": 1})
        print(result.request_id, result.json())
        app.wait_idle(timeout=60)   # everything the call caused has finished

The app spec format is described in :mod:`spot_otel.local.spec_reader`;
the command line is ``spot-otel local run`` and ``spot-otel local invoke``.

Limitations: a runtime killed with SIGKILL cannot stop its workers; async
retry delays are seconds, not Lambda's minutes; a synchronous caller over the
concurrency limit waits instead of being throttled; S3 notifications carry
no ``x-amz-request-id`` (moto does not pass the write's id on).
"""

from spot_otel.local.app import LocalApp, LocalRuntimeError
from spot_otel.local.invocation import Outcome
from spot_otel.local.invoker import InvokeError, InvokeResult
from spot_otel.local.pool import InvocationReport
from spot_otel.local.spec import AppSpec, SpecError
from spot_otel.local.spec_reader import load_spec, read_spec

__all__ = [
    "AppSpec",
    "InvocationReport",
    "InvokeError",
    "InvokeResult",
    "LocalApp",
    "LocalRuntimeError",
    "Outcome",
    "SpecError",
    "load_spec",
    "read_spec",
]

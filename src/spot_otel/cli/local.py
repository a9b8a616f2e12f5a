"""``spot-otel local``: run functions on the local runtime.

``run APP`` brings up the app spec's whole application on the embedded AWS
(resources, spotFns, the Invoke API, triggers) and runs until Ctrl-C, or,
with ``--invoke``, until the entry invocation and everything it caused has
finished.  One line per invocation goes to stdout; the functions' logs go to
stderr.

``invoke`` runs one invocation of one handler, like ``sam local invoke``:
the result JSON on stdout, the logs on stderr, exit code 1 if the function
failed.

The work is in :mod:`spot_otel.local`; this module parses and prints.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, Callable, Iterator

from spot_otel.cli import CliError

if TYPE_CHECKING:  # the runtime's imports wait until a command needs them
    from spot_otel.local import InvocationReport, InvokeResult, LocalApp

_DEFAULT_IDLE_TIMEOUT = 300.0


def add_parser(subparsers: Any, name: str, help_text: str) -> None:
    parser = subparsers.add_parser(name, help=help_text, description=help_text)
    commands = parser.add_subparsers(dest="local_command", metavar="COMMAND")
    commands.required = True

    run = commands.add_parser(
        "run",
        help="run an application from its app spec",
        description=(
            "Start the app spec's functions, resources and triggers on the "
            "embedded AWS (or $AWS_ENDPOINT_URL) and run until Ctrl-C, or "
            "until an entry invocation and all it caused has finished."
        ),
    )
    run.add_argument("app", metavar="APP", help="the app spec (TOML)")
    run.add_argument(
        "--invoke", metavar="FUNCTION", help="invoke FUNCTION once started"
    )
    run.add_argument(
        "--event", metavar="FILE", help="the entry event (JSON file, - for stdin)"
    )
    run.add_argument(
        "--until-idle",
        action="store_true",
        help="stop once nothing is running and every queue and stream is drained "
        "(implied by --invoke)",
    )
    run.add_argument(
        "--idle-timeout",
        type=float,
        default=_DEFAULT_IDLE_TIMEOUT,
        metavar="S",
        help="give up waiting for idle after S seconds "
        f"(default {_DEFAULT_IDLE_TIMEOUT:g})",
    )
    run.add_argument("--quiet", action="store_true", help="do not echo function logs")
    run.set_defaults(handler=_run)

    invoke = commands.add_parser(
        "invoke",
        help="invoke one handler once, like sam local invoke",
        description="Run one invocation of MODULE.FUNCTION through the exec wrapper "
        "and print its result.",
    )
    invoke.add_argument(
        "--handler",
        dest="handler_name",
        required=True,
        metavar="MOD.FN",
        help="the handler",
    )
    invoke.add_argument(
        "--event", metavar="FILE", help="the event (JSON file, - for stdin; default {})"
    )
    invoke.add_argument("--function-name", metavar="NAME", help="the function's name")
    invoke.add_argument(
        "--code", metavar="DIR", default=".", help="the code directory (default .)"
    )
    invoke.add_argument(
        "--timeout", type=float, default=3.0, metavar="S", help="timeout (default 3)"
    )
    invoke.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an environment variable for the function (repeatable)",
    )
    invoke.add_argument(
        "--no-instrument",
        action="store_true",
        help="run without spot-otel's exec wrapper",
    )
    invoke.set_defaults(handler=_invoke)


# -- run ---------------------------------------------------------------------


def _run(args: argparse.Namespace) -> int:
    from spot_otel.local import LocalApp

    if args.event and not args.invoke:
        raise CliError("--event needs --invoke FUNCTION")
    event = _read_event(args.event) if args.invoke else None

    def report(done: InvocationReport) -> None:
        print(_report_line(done), flush=True)

    app = _build(
        lambda: LocalApp.from_spec(
            args.app,
            log_stream=None if args.quiet else sys.stderr,
            on_invocation=report,
        )
    )
    with _running(app):
        _describe(app)
        if args.invoke:
            result = _call(app, args.invoke, event)
            print(
                f"result {args.invoke} {result.request_id}: {result.payload.decode()}",
                flush=True,
            )
            idle = _wait_idle(app, args.idle_timeout)
            return 0 if result.ok and idle else 1
        if args.until_idle:
            return 0 if _wait_idle(app, args.idle_timeout) else 1
        print("running; Ctrl-C to stop", file=sys.stderr, flush=True)
        threading.Event().wait()
        return 0


def _describe(app: LocalApp) -> None:
    from spot_otel.local.spec import HttpTrigger

    lines = [
        f"app {app.spec.name}: AWS at {app.endpoint_url}, Invoke API at {app.invoke_url}"
    ]
    for fn in app.spec.functions.values():
        for trigger in fn.triggers:
            if isinstance(trigger, HttpTrigger):
                route = f"{trigger.method} {app.http_url}{trigger.path}"
                lines.append(f"  {route} -> {fn.name} ({trigger.version})")
    print("\n".join(lines), file=sys.stderr, flush=True)


def _wait_idle(app: LocalApp, timeout: float) -> bool:
    try:
        app.wait_idle(timeout=timeout)
    except TimeoutError as exc:
        print(f"spot-otel: {exc}; stopping", file=sys.stderr)
        return False
    return True


def _report_line(report: InvocationReport) -> str:
    cold = " cold" if report.cold_start else ""
    return (
        f"{report.function:<24} {report.request_id}  "
        f"{report.duration_ms:9.1f} ms  {report.outcome.value}{cold}"
    )


# -- invoke ------------------------------------------------------------------


def _invoke(args: argparse.Namespace) -> int:
    from spot_otel.local import LocalApp

    if args.timeout <= 0:
        raise CliError("--timeout must be above 0")
    if not Path(args.code).is_dir():
        raise CliError(f"--code {args.code}: no such directory")
    if not re.fullmatch(r"[\w./-]+\.\w+", args.handler_name):
        raise CliError(f"--handler {args.handler_name!r} is not MODULE.FUNCTION")
    event = _read_event(args.event)
    name = args.function_name or _function_name(args.handler_name)
    spec = {
        "app": {"name": name},
        "functions": {
            name: {
                "handler": args.handler_name,
                "code": str(Path(args.code).resolve()),
                "timeout": args.timeout,
                "exec_wrapper": not args.no_instrument,
                "env": dict(_pairs(args.env)),
            }
        },
    }
    app = _build(lambda: LocalApp.from_spec(spec, log_stream=sys.stderr))
    with _running(app):
        result = _call(app, name, event)
    print(result.payload.decode("utf-8", errors="replace"), flush=True)
    return 0 if result.ok else 1


def _function_name(handler: str) -> str:
    module = handler.rpartition(".")[0].replace("/", ".").rpartition(".")[2]
    return re.sub(r"[^A-Za-z0-9_-]", "-", module)[:64] or "function"


def _pairs(values: list[str]) -> Iterator[tuple[str, str]]:
    for value in values:
        name, sep, text = value.partition("=")
        if not sep or not name:
            raise CliError(f"--env {value!r} is not NAME=VALUE")
        yield name, text


# -- shared ------------------------------------------------------------------


def _read_event(path: str | None) -> Any:
    if path is None:
        return {}
    try:
        text = (
            sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        )
    except OSError as exc:
        raise CliError(f"cannot read the event {path}: {exc.strerror}") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise CliError(f"the event {path} is not JSON: {exc}") from None


def _build(make: Callable[[], LocalApp]) -> LocalApp:
    from spot_otel.local import SpecError

    try:
        return make()
    except SpecError as exc:
        raise CliError(str(exc)) from None


@contextlib.contextmanager
def _running(app: LocalApp) -> Iterator[LocalApp]:
    """Start the app (a failure is one line) and close it however we leave.
    SIGTERM interrupts like Ctrl-C, so no worker or server outlives us."""
    from spot_otel.local import LocalRuntimeError

    previous: Any = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        try:
            app.start()
        except LocalRuntimeError as exc:
            raise CliError(str(exc)) from None
        yield app
    finally:
        app.close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _call(app: LocalApp, function: str, event: Any) -> InvokeResult:
    from spot_otel.local import InvokeError

    try:
        return app.invoke(function, event)
    except InvokeError as exc:
        raise CliError(f"{exc.code}: {exc.message}") from None

"""One demo run for the whole directory: every example's chain on the local runtime.

The demo is run once, through the command line, into a temporary directory;
the chain tests read the graphs it wrote (``<chain>.json``) and the demo
tests read its output.  Starting the runtime once keeps the directory fast.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from spot_otel.cli import main
from spot_otel.demo import examples_dir

EXAMPLES = examples_dir()


@dataclass
class DemoRun:
    """What one ``spot-otel demo`` run printed and wrote."""

    exit_code: int
    stdout: str
    stderr: str
    out_dir: Path

    def graph(self, chain: str) -> dict[str, Any]:
        path = self.out_dir / f"{chain}.json"
        assert path.is_file(), f"no graph for {chain}; the demo said:\n{self.stderr}"
        return json.loads(path.read_text(encoding="utf-8"))

    def section(self, chain: str) -> str:
        """The part of stdout about one chain."""
        parts = self.stdout.split("== ")
        found = [part for part in parts if part.startswith(f"{chain}:")]
        assert found, f"nothing printed for {chain}:\n{self.stdout}"
        return found[0]


def run_demo(*args: str) -> tuple[int, str, str]:
    """``spot-otel demo ARGS`` through the CLI's entry function."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        # The embedded AWS is used only when no endpoint is named.
        patch.delenv("AWS_ENDPOINT_URL", raising=False)
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = main(["demo", *args])
    return code, stdout.getvalue(), stderr.getvalue()


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    out_dir = tmp_path_factory.mktemp("demo") / "pictures"
    code, stdout, stderr = run_demo("--out", str(out_dir))
    return DemoRun(code, stdout, stderr, out_dir)


def edges_by_function(graph: dict[str, Any]) -> Counter[tuple[str, str, str]]:
    """The graph's edges as (from, to, via) with counts, nodes named by
    function; an external source is ``external:<what sent it>``."""
    names = {node["id"]: _name(node) for node in graph["nodes"]}
    return Counter(
        (names[edge["from"]], names[edge["to"]], edge["via"]) for edge in graph["edges"]
    )


def invocations_by_function(graph: dict[str, Any]) -> Counter[str]:
    return Counter(
        node["function"] for node in graph["nodes"] if node["kind"] == "invocation"
    )


def _name(node: dict[str, Any]) -> str:
    if node["kind"] == "external":
        return f"external:{node['function']}"
    return str(node["function"])


def example_module(example: str, module: str) -> ModuleType:
    """Import one example's handler module from its file, under a private name."""
    path = EXAMPLES / example / f"{module}.py"
    spec = importlib.util.spec_from_file_location(f"_example_{example}_{module}", path)
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded

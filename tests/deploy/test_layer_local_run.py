"""An example application run on the local runtime through an unpacked layer:
the layer's exec wrapper starts each function, the layer's spot-otel traces
it, and the records land in spotFns, joined hop by hop."""

from __future__ import annotations

from pathlib import Path

import pytest

from spot_otel.layer import LayerOptions, build_layer
from tests.deploy.conftest import unpack
from tests.deploy.local_run import LayerRun, assert_hops_joined, run_fn_invoker_through


@pytest.fixture(scope="module")
def opt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """spot-otel's own layer (its dependencies come from this environment,
    as from a second layer), unpacked: the stand-in for /opt."""
    scratch = tmp_path_factory.mktemp("layer")
    layer = build_layer(LayerOptions(dependencies=False, output=scratch / "layer.zip"))
    return unpack(layer.path, scratch / "opt")


@pytest.fixture(scope="module")
def run(opt: Path) -> LayerRun:
    return run_fn_invoker_through(opt, calls=2)


def test_functions_run_spot_otel_from_the_layer(run: LayerRun, opt: Path) -> None:
    assert Path(run.probe["spot_otel"]).is_relative_to(opt / "python")
    assert Path(run.probe["spot_otel_exporter"]).is_relative_to(opt / "python")


def test_example_chain_is_recorded_and_joined(run: LayerRun) -> None:
    assert [answer["source"] for answer in run.answer["answers"]] == ["aws:lambda"] * 2
    assert_hops_joined(run.records)


def test_full_opentelemetry_instrument_path_also_runs_from_the_layer(opt: Path) -> None:
    run = run_fn_invoker_through(
        opt, calls=2, env={"SPOT_OTEL_USE_OPENTELEMETRY_INSTRUMENT": "true"}
    )

    assert Path(run.probe["spot_otel"]).is_relative_to(opt / "python")
    assert_hops_joined(run.records)

"""Layers with their real dependencies, resolved by pip from the package index.

Marked ``network``: deselect with ``-m 'not network'`` when offline.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

from spot_otel.layer import LayerOptions, LayerResult, build_layer
from tests.deploy.conftest import unpack
from tests.deploy.local_run import assert_hops_joined, run_fn_invoker_through

pytestmark = pytest.mark.network

HOST_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
HOST_ARCH = {"x86_64": "x86_64", "aarch64": "arm64"}.get(platform.machine(), "")
_ELF_MACHINE = {"x86_64": 0x3E, "arm64": 0xB7}


@pytest.fixture(scope="module")
def host_layer(tmp_path_factory: pytest.TempPathFactory) -> LayerResult:
    """A full layer for the interpreter running the tests, so it can load it."""
    if not HOST_ARCH:
        pytest.skip(f"Lambda has no {platform.machine()} architecture")
    output = tmp_path_factory.mktemp("host") / "layer.zip"
    return build_layer(LayerOptions(python=HOST_PYTHON, arch=HOST_ARCH, output=output))


def _names(layer: LayerResult) -> list[str]:
    with zipfile.ZipFile(layer.path) as archive:
        return archive.namelist()


def _differing_entries(first: LayerResult, second: LayerResult) -> list[str]:
    """Entries whose name, content or attributes differ, for the failure message."""
    def entries(layer: LayerResult) -> set[tuple[object, ...]]:
        with zipfile.ZipFile(layer.path) as archive:
            return {
                (i.filename, i.CRC, i.date_time, i.external_attr)
                for i in archive.infolist()
            }

    return sorted({str(entry[0]) for entry in entries(first) ^ entries(second)})


def test_layer_with_dependencies_is_reproducible(
    host_layer: LayerResult, tmp_path: Path
) -> None:
    again = build_layer(
        LayerOptions(python=HOST_PYTHON, arch=HOST_ARCH, output=tmp_path / "again.zip")
    )

    assert again.sha256 == host_layer.sha256, _differing_entries(again, host_layer)


def test_layer_alone_runs_spot_otel_without_boto3(
    host_layer: LayerResult, tmp_path: Path
) -> None:
    opt = unpack(host_layer.path, tmp_path / "opt")
    probe = (
        "import importlib.util as u, wrapt, opentelemetry.sdk.trace\n"
        "from spot_otel.instrumentation import SpotInstrumentor\n"
        "from spot_otel_exporter import SpotFnsSpanExporter\n"
        "print(wrapt.__file__)\n"
        "print(u.find_spec('boto3'), u.find_spec('botocore'))\n"
    )
    # -S: no site-packages; the layer must hold everything spot-otel imports.
    completed = subprocess.run(
        [sys.executable, "-S", "-c", probe],
        env={"PYTHONPATH": str(opt / "python"), "PATH": os.environ.get("PATH", "")},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )

    wrapt_file, missing = completed.stdout.splitlines()
    assert Path(wrapt_file).is_relative_to(opt / "python")
    assert missing == "None None"
    names = _names(host_layer)
    assert "python/opentelemetry/sdk/trace/__init__.py" in names
    sdk = f"opentelemetry-sdk {metadata.version('opentelemetry-sdk')}"
    assert sdk in host_layer.distributions


def test_arm64_layer_carries_aarch64_extensions(tmp_path: Path) -> None:
    layer = build_layer(
        LayerOptions(python="3.12", arch="arm64", output=tmp_path / "arm.zip")
    )

    with zipfile.ZipFile(layer.path) as archive:
        extensions = {
            name: archive.read(name)[:20]
            for name in archive.namelist()
            if name.endswith(".so")
        }
    assert extensions, "wrapt ships a C extension"
    for name, header in extensions.items():
        assert header[:4] == b"\x7fELF", name
        assert int.from_bytes(header[18:20], "little") == _ELF_MACHINE["arm64"], name
        assert "cpython-312-aarch64" in name


def test_with_boto3_packs_boto3_and_botocore(
    host_layer: LayerResult, tmp_path: Path
) -> None:
    layer = build_layer(
        LayerOptions(
            python=HOST_PYTHON,
            arch=HOST_ARCH,
            with_boto3=True,
            output=tmp_path / "boto3.zip",
        )
    )

    names = set(_names(layer))
    assert {"python/boto3/__init__.py", "python/botocore/__init__.py"} <= names
    runtime_ships = ("python/boto3/", "python/botocore/")
    assert not [n for n in _names(host_layer) if n.startswith(runtime_ships)]
    assert layer.size > host_layer.size


def test_example_runs_on_the_layers_own_dependencies(
    host_layer: LayerResult, tmp_path: Path
) -> None:
    opt = unpack(host_layer.path, tmp_path / "opt")

    run = run_fn_invoker_through(opt, calls=2)

    for module in ("spot_otel", "opentelemetry.sdk.trace", "wrapt"):
        assert Path(run.probe[module]).is_relative_to(opt / "python"), module
    assert_hops_joined(run.records)

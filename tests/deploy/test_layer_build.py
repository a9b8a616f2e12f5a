"""The layer zip: its layout, reproducibility, and that Python can use it.

These builds pack spot-otel alone (no dependencies), which needs no network;
test_layer_dependencies.py resolves the real dependencies.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import subprocess
import sys
import time
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from spot_otel.layer import (
    LayerBuildError,
    LayerOptions,
    LayerResult,
    build_layer,
    check_options,
    layer_requirements,
    prune,
)
from spot_otel.version import __version__
from tests.deploy.conftest import REPO, unpack

WRAPPER_SOURCE = REPO / "src" / "spot_otel" / "wrapper" / "spot-otel-wrapper"


def _build(path: Path) -> LayerResult:
    return build_layer(LayerOptions(dependencies=False, output=path))


@pytest.fixture(scope="module")
def layer(tmp_path_factory: pytest.TempPathFactory) -> LayerResult:
    return _build(tmp_path_factory.mktemp("layer") / "layer.zip")


def test_same_inputs_give_the_same_bytes(layer: LayerResult, tmp_path: Path) -> None:
    again = _build(tmp_path / "again.zip")

    assert again.sha256 == layer.sha256
    assert again.path.read_bytes() == layer.path.read_bytes()


def test_entries_are_sorted_with_one_time_fixed_modes_and_no_extras(
    layer: LayerResult,
) -> None:
    with zipfile.ZipFile(layer.path) as archive:
        infos = archive.infolist()

    names = [info.filename for info in infos]
    assert names == sorted(names)
    for info in infos:
        assert info.date_time == (1980, 1, 1, 0, 0, 0), info.filename
        assert info.extra == b"", info.filename
        assert info.create_system == 3, info.filename
        mode = info.external_attr >> 16
        if info.is_dir():
            assert mode == 0o40755, info.filename
        elif info.filename.endswith("spot-otel-wrapper"):
            assert mode == 0o100755, info.filename
        else:
            assert mode == 0o100644, info.filename


def test_wrapper_is_at_the_layer_root_and_executable(layer: LayerResult) -> None:
    with zipfile.ZipFile(layer.path) as archive:
        wrapper = archive.getinfo("spot-otel-wrapper")
        assert archive.read(wrapper) == WRAPPER_SOURCE.read_bytes()
    assert wrapper.external_attr >> 16 == 0o100755


def test_python_dir_holds_both_packages_without_bytecode(layer: LayerResult) -> None:
    with zipfile.ZipFile(layer.path) as archive:
        names = archive.namelist()

    assert "python/spot_otel/__init__.py" in names
    assert "python/spot_otel_exporter/__init__.py" in names
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]
    assert not [name for name in names if name.startswith("python/bin/")]
    assert layer.distributions == (f"spot-otel {__version__}",)
    assert layer.files == len([name for name in names if not name.endswith("/")])


def test_record_lists_every_file_of_spot_otel_with_its_digest(layer: LayerResult) -> None:
    with zipfile.ZipFile(layer.path) as archive:
        names = archive.namelist()
        record_name = next(n for n in names if n.endswith(".dist-info/RECORD"))
        rows = list(csv.reader(io.StringIO(archive.read(record_name).decode())))
        files = {
            name: archive.read(name)
            for name in archive.namelist()
            if name.startswith("python/") and not name.endswith("/")
        }

    listed = {}
    for path, digest, size in rows:
        listed[f"python/{path}"] = (digest, size)
    assert set(listed) == set(files)
    for name, data in files.items():
        if name == record_name:
            continue
        expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
        assert listed[name] == (f"sha256={expected.decode()}", str(len(data))), name


def test_unpacked_layer_alone_provides_spot_otel_and_its_entry_points(
    layer: LayerResult, tmp_path: Path
) -> None:
    opt = unpack(layer.path, tmp_path / "opt")
    # spot_otel_exporter needs OpenTelemetry, which this layer lacks: find it only.
    probe = (
        "import importlib.metadata as m, importlib.util as u, spot_otel\n"
        "print(spot_otel.__file__)\n"
        "print(u.find_spec('spot_otel_exporter').origin)\n"
        "print(m.version('spot-otel'))\n"
        "(ep,) = m.entry_points(group='opentelemetry_traces_exporter', name='spotfns')\n"
        "print(ep.value)\n"
    )
    # -S: no site-packages, so nothing but the layer can answer.
    completed = subprocess.run(
        [sys.executable, "-S", "-c", probe],
        env={"PYTHONPATH": str(opt / "python"), "PATH": os.environ.get("PATH", "")},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )

    own, exporter, version, entry_point = completed.stdout.split()
    assert Path(own).is_relative_to(opt / "python")
    assert Path(exporter).is_relative_to(opt / "python")
    assert version == __version__
    assert entry_point == "spot_otel_exporter:SpotFnsSpanExporter"
    assert os.access(opt / "spot-otel-wrapper", os.X_OK)


def test_unpacked_wrapper_hands_the_handler_to_spot_otel(
    layer: LayerResult, tmp_path: Path
) -> None:
    opt = unpack(layer.path, tmp_path / "opt")

    completed = subprocess.run(
        [str(opt / "spot-otel-wrapper"), "env"],
        env={
            "_HANDLER": "app.handler",
            "AWS_LAMBDA_FUNCTION_NAME": "orders",
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        check=True,
    )

    environment = dict(line.split("=", 1) for line in completed.stdout.splitlines())
    assert environment["ORIG_HANDLER"] == "app.handler"
    assert environment["_HANDLER"] == "spot_otel.handler.lambda_handler"
    assert environment["OTEL_TRACES_EXPORTER"] == "spotfns"
    assert environment["OTEL_SERVICE_NAME"] == "orders"


def test_source_date_epoch_sets_every_timestamp(
    layer: LayerResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")

    stamped = _build(tmp_path / "stamped.zip")

    with zipfile.ZipFile(stamped.path) as archive:
        stamps = {info.date_time for info in archive.infolist()}
    assert stamps == {time.gmtime(1700000000)[:6]}
    assert stamped.sha256 != layer.sha256


def test_malformed_source_date_epoch_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")

    with pytest.raises(LayerBuildError, match="SOURCE_DATE_EPOCH"):
        _build(tmp_path / "never.zip")
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("options", "complaint"),
    [
        (LayerOptions(python="2.7"), "3.10 or newer"),
        (LayerOptions(python="3.9"), "3.10 or newer"),
        (LayerOptions(python="python3.12"), "3.10 or newer"),
        (LayerOptions(arch="ppc64le"), "x86_64, arm64"),
        (LayerOptions(dependencies=False, with_boto3=True), "neither boto3"),
        (LayerOptions(wheels=Path("/nonexistent/wheels")), "does not exist"),
    ],
)
def test_options_no_build_can_honour_are_refused(
    options: LayerOptions, complaint: str
) -> None:
    with pytest.raises(LayerBuildError, match=complaint):
        check_options(options)


def test_requirements_are_pyprojects_pins_without_boto3_or_extras() -> None:
    plain = layer_requirements(LayerOptions())
    with_boto3 = layer_requirements(LayerOptions(with_boto3=True))

    # The OTel set is pinned exactly, to what this environment was installed with.
    for name in ("opentelemetry-sdk", "opentelemetry-instrumentation"):
        assert f"{name}=={metadata.version(name)}" in plain
    unwanted = ("boto3", "moto", "pytest", "awslambdaric")
    assert not [r for r in plain if r.startswith(unwanted)]
    added = [Requirement(r).name for r in set(with_boto3) - set(plain)]
    assert added == ["boto3"]


def test_prune_drops_what_varies_and_keeps_record_honest(tmp_path: Path) -> None:
    # A tree as `pip install --target` leaves it.
    site = tmp_path / "python"
    (site / "bin").mkdir(parents=True)
    (site / "bin" / "tool").write_text("#!/build/machine/python\n")
    (site / "pkg" / "__pycache__").mkdir(parents=True)
    (site / "pkg" / "__init__.py").write_text("VALUE = 1\n")
    (site / "pkg" / "__pycache__" / "__init__.cpython-312.pyc").write_bytes(b"\0")
    dist_info = site / "pkg-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "direct_url.json").write_text('{"url": "file:///home/me/pkg.whl"}')
    (dist_info / "RECORD").write_text(
        "../../bin/tool,sha256=x,24\n"
        "pkg/__init__.py,sha256=y,10\n"
        "pkg/__pycache__/__init__.cpython-312.pyc,,\n"
        "pkg-1.0.dist-info/direct_url.json,sha256=z,34\n"
        "pkg-1.0.dist-info/RECORD,,\n"
    )

    prune(site)

    remaining = sorted(
        p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()
    )
    assert remaining == ["pkg-1.0.dist-info/RECORD", "pkg/__init__.py"]
    assert (dist_info / "RECORD").read_text() == (
        "pkg/__init__.py,sha256=y,10\npkg-1.0.dist-info/RECORD,,\n"
    )

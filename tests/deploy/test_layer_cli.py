"""``spot-otel layer build`` as a user runs it."""

from __future__ import annotations

from pathlib import Path

import pytest

from spot_otel.cli import main
from spot_otel.version import __version__


def test_build_prints_path_size_digest_and_how_to_publish(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "out" / "spot-otel.zip"

    code = main(["layer", "build", "--no-deps", "--arch", "arm64", "-o", str(output)])

    out, err = capsys.readouterr()
    assert code == 0
    assert output.is_file()
    assert f"built {output}" in out
    assert f"({output.stat().st_size} bytes)" in out
    assert "python3.12 arm64" in out
    assert (
        f"aws lambda publish-layer-version --layer-name spot-otel "
        f"--zip-file fileb://{output} --compatible-runtimes python3.12 "
        "--compatible-architectures arm64"
    ) in out
    assert "[spot-otel] copying spot-otel" in err


def test_default_output_is_named_after_version_python_and_arch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)

    code = main(["layer", "build", "--no-deps", "--python", "3.13"])

    assert code == 0
    expected = tmp_path / f"spot-otel-layer-{__version__}-py3.13-x86_64-nodeps.zip"
    assert expected.is_file()
    assert f"built {expected}" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--python", "2.7"], "python version '2.7'"),
        (["--wheels", "/nonexistent/wheels"], "wheel directory /nonexistent/wheels"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    arguments: list[str],
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["layer", "build", "-o", str(tmp_path / "x.zip"), *arguments])

    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("spot-otel: error: ")
    assert message in err
    assert err.count("\n") == 1
    assert not (tmp_path / "x.zip").exists()


def test_pip_failure_is_reported_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # An empty wheel directory: pip, offline, finds nothing to install.
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    output = tmp_path / "x.zip"

    code = main(["layer", "build", "--wheels", str(wheels), "-o", str(output)])

    err = capsys.readouterr().err.splitlines()
    assert code == 2
    assert err[-1].startswith("spot-otel: error: pip could not install the dependencies")
    assert not output.exists()

"""Fixtures for the deploy tests: the repo's deploy/ files and built layers."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
TEMPLATE = DEPLOY / "template.yaml"
WRITER_POLICY = DEPLOY / "iam-policy.json"
ACCOUNT = "123456789012"
"""moto's default account."""
REGION = "us-east-1"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "network: resolves dependencies from the package index "
        "(deselect with -m 'not network')",
    )


def unpack(archive: Path, destination: Path) -> Path:
    """Unpack a layer zip as Lambda does, modes included (``extractall``
    drops them); returns ``destination``, the stand-in for ``/opt``."""
    with zipfile.ZipFile(archive) as layer:
        layer.extractall(destination)
        for info in layer.infolist():
            mode = stat.S_IMODE(info.external_attr >> 16)
            if mode:
                os.chmod(destination / info.filename, mode)
    return destination

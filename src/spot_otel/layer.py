"""Build spot-otel's Lambda layer: one zip, the same bytes for the same inputs.

Lambda unpacks a layer at ``/opt``.  This one holds::

    spot-otel-wrapper     the exec wrapper, mode 0755, for
                          AWS_LAMBDA_EXEC_WRAPPER=/opt/spot-otel-wrapper
    python/               on the Python runtime's sys.path
        spot_otel/  spot_otel_exporter/  spot_otel-<version>.dist-info/
        opentelemetry/  wrapt/  ...      the runtime dependencies

What goes in
    The dependencies are the requirement specifiers spot-otel was installed
    with (pyproject.toml's pins), installed by pip for the Lambda platform:
    CPython of the chosen version, ``manylinux2014`` wheels for x86_64 or
    aarch64, binary wheels only.  boto3 and botocore stay out unless asked
    for, because every Lambda Python runtime ships them.  pyproject leaves a
    few ranges open (wrapt, the X-Ray propagator); to pin those too, hand pip
    a constraints file the usual way, ``PIP_CONSTRAINT=lock.txt``.

    spot-otel's own two packages are copied from where they are installed
    rather than built into a wheel.  They are pure Python, so the copy is
    what a wheel would carry, and the copy needs no build backend and no
    network.  Their dist-info (``METADATA``, ``entry_points.txt``) comes from
    the installed distribution, so the ``opentelemetry-instrument`` path finds
    spot-otel's distro, configurator and exporter by entry point.

Reproducible
    No ``__pycache__``, no ``.pyc``, and no console scripts (their ``#!`` line
    names the build machine's interpreter); ``RECORD`` files keep only the
    lines of files in the layer.  Entries are sorted; each has the same
    timestamp (1980-01-01, or :data:`SOURCE_DATE_EPOCH`), mode 0644 for files
    and 0755 for directories and the wrapper, Unix as the creating system, and
    no extra fields.  Same inputs on one machine give the same bytes; another
    zlib may compress differently, so two machines may not.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import importlib.util
import io
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Callable, Iterator

from spot_otel.environment_variables import SOURCE_DATE_EPOCH
from spot_otel.version import __version__

_logger = logging.getLogger(__name__)

DISTRIBUTION = "spot-otel"
OWN_PACKAGES = ("spot_otel", "spot_otel_exporter")
"""The import packages of the distribution (pyproject's wheel ``packages``)."""

WRAPPER = "spot-otel-wrapper"
SITE_DIR = "python"
_PACKAGED_WRAPPER = f"{SITE_DIR}/spot_otel/wrapper/{WRAPPER}"

PLATFORMS = {"x86_64": "manylinux2014_x86_64", "arm64": "manylinux2014_aarch64"}
"""Lambda architecture -> the pip platform tag of its wheels."""
DEFAULT_PYTHON = "3.12"
DEFAULT_ARCH = "x86_64"
_PYTHON_VERSION = re.compile(r"3\.(\d{1,2})")
_OLDEST_MINOR = 10  # pyproject's requires-python

_SHIPPED_BY_RUNTIME = "boto3"

DIRECT_UPLOAD_LIMIT = 50 * 1024 * 1024
"""Largest zip Lambda takes in the request itself; bigger ones go through S3."""
UNPACKED_LIMIT = 250 * 1024 * 1024
"""Lambda's limit for a function and all its layers, unpacked."""

_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_ZIP_EPOCH_SECONDS = 315532800
_LAST_ZIP_YEAR = 2107
_UNIX = 3
_MSDOS_DIRECTORY = 0x10
_FILE_MODE = 0o100644
_EXECUTABLE_MODE = 0o100755
_DIRECTORY_MODE = 0o040755

_DROPPED_DIRECTORIES = frozenset({"__pycache__"})
_DROPPED_SUFFIXES = (".pyc", ".pyo")
# A dist-info's direct_url.json names the local path a wheel came from.
_DROPPED_METADATA = frozenset({"direct_url.json"})


class LayerBuildError(Exception):
    """The layer cannot be built; the message is one line a user can act on."""


@dataclass(frozen=True)
class LayerOptions:
    """What to build.

    ``dependencies=False`` packs spot-otel alone, for functions that bring
    OpenTelemetry themselves (and for fast, offline tests).  ``wheels`` makes
    pip install the dependencies from the wheel files in that directory only,
    with no index: an offline build.
    """

    python: str = DEFAULT_PYTHON
    arch: str = DEFAULT_ARCH
    output: Path | None = None
    with_boto3: bool = False
    dependencies: bool = True
    wheels: Path | None = None

    @property
    def platform(self) -> str:
        """pip's platform tag for the architecture."""
        return PLATFORMS[self.arch]

    @property
    def runtime(self) -> str:
        """The Lambda runtime identifier, e.g. ``python3.12``."""
        return f"python{self.python}"

    def file_name(self) -> str:
        """The default output name, e.g. ``spot-otel-layer-0.1.0-py3.12-x86_64.zip``."""
        extra = "-boto3" if self.with_boto3 else ""
        if not self.dependencies:
            extra = "-nodeps"
        return f"spot-otel-layer-{__version__}-py{self.python}-{self.arch}{extra}.zip"


@dataclass(frozen=True)
class LayerResult:
    """A built layer: where, how big, its digest and what it holds."""

    path: Path
    size: int
    unpacked_size: int
    files: int
    sha256: str
    distributions: tuple[str, ...]
    """``name version`` of every distribution in ``python/``, sorted."""
    notes: tuple[str, ...] = ()
    """Things the user should know: limits passed, stale metadata."""


def build_layer(
    options: LayerOptions,
    progress: Callable[[str], None] | None = None,
) -> LayerResult:
    """Build the layer zip described by ``options`` and return what was built.

    ``progress`` gets one short line per step.  The zip is written next to
    its final path and moved into place, so a failed build leaves no file.

    Raises:
        LayerBuildError: bad options, pip failing, or spot-otel not installed.
    """
    say = progress or (lambda line: None)
    check_options(options)
    date_time = zip_date_time()
    notes = metadata_drift()
    output = (options.output or Path(options.file_name())).resolve()

    with tempfile.TemporaryDirectory(prefix="spot-otel-layer-") as scratch:
        root = Path(scratch)
        site = root / SITE_DIR
        site.mkdir()
        if options.dependencies:
            say(
                f"installing dependencies for {options.runtime} "
                f"{options.platform} with pip"
            )
            install_dependencies(options, site)
        say("copying spot-otel " + ", ".join(OWN_PACKAGES))
        copy_own_packages(site)
        if not (root / _PACKAGED_WRAPPER).is_file():
            raise LayerBuildError(f"the exec wrapper {_PACKAGED_WRAPPER} is missing")
        shutil.copyfile(root / _PACKAGED_WRAPPER, root / WRAPPER)
        prune(site)
        distributions = distributions_in(site)
        say(f"writing {output}")
        files, unpacked = write_reproducible_zip(
            root,
            output,
            executables=frozenset({WRAPPER, _PACKAGED_WRAPPER}),
            date_time=date_time,
        )

    size = output.stat().st_size
    notes.extend(limit_notes(size, unpacked))
    return LayerResult(
        path=output,
        size=size,
        unpacked_size=unpacked,
        files=files,
        sha256=file_sha256(output),
        distributions=distributions,
        notes=tuple(notes),
    )


def check_options(options: LayerOptions) -> None:
    """Raise :class:`LayerBuildError` for options no build can honour."""
    match = _PYTHON_VERSION.fullmatch(options.python)
    if match is None or int(match.group(1)) < _OLDEST_MINOR:
        raise LayerBuildError(
            f"python version {options.python!r}: give a Lambda Python runtime "
            f"version, 3.{_OLDEST_MINOR} or newer, such as {DEFAULT_PYTHON}"
        )
    if options.arch not in PLATFORMS:
        raise LayerBuildError(
            f"architecture {options.arch!r}: use one of {', '.join(PLATFORMS)}"
        )
    if not options.dependencies and (options.with_boto3 or options.wheels):
        raise LayerBuildError(
            "a layer without dependencies takes neither boto3 nor a wheel directory"
        )
    if options.wheels is not None and not options.wheels.is_dir():
        raise LayerBuildError(f"wheel directory {options.wheels} does not exist")


# -- Dependencies ------------------------------------------------------------------


def layer_requirements(options: LayerOptions) -> list[str]:
    """spot-otel's requirement specifiers that apply on the target runtime.

    Extras' requirements are left out, and boto3 unless ``with_boto3``.
    Markers are judged for the target (Linux, CPython ``options.python``,
    the layer's architecture), not for the machine building the layer.
    """
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    target = _target_environment(options)
    wanted: list[str] = []
    for text in own_distribution().requires or ():
        requirement = Requirement(text)
        if requirement.marker is not None:
            if not requirement.marker.evaluate(target):
                continue
            requirement.marker = None
        name = canonicalize_name(requirement.name)
        if name == _SHIPPED_BY_RUNTIME and not options.with_boto3:
            continue
        wanted.append(str(requirement))
    return sorted(wanted)


def _target_environment(options: LayerOptions) -> dict[str, str]:
    machine = "aarch64" if options.arch == "arm64" else "x86_64"
    return {
        "extra": "",
        "python_version": options.python,
        "python_full_version": f"{options.python}.0",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "platform_machine": machine,
        "platform_system": "Linux",
        "sys_platform": "linux",
        "os_name": "posix",
    }


def install_dependencies(options: LayerOptions, site: Path) -> None:
    """pip-install the layer's requirements for the Lambda platform into ``site``."""
    if importlib.util.find_spec("pip") is None:
        raise LayerBuildError(
            "pip is not installed in this Python environment "
            "(`python -m ensurepip` installs it)"
        )

    index = ["--no-index", "--find-links", str(options.wheels)] if options.wheels else []
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--target",
        str(site),
        "--platform",
        options.platform,
        "--python-version",
        options.python,
        "--implementation",
        "cp",
        "--only-binary=:all:",
        "--no-compile",
        "--no-warn-script-location",
        "--disable-pip-version-check",
        "--no-input",
        "--quiet",
        *index,
        *layer_requirements(options),
    ]
    _logger.debug("running %s", " ".join(command))
    completed = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=False,
        env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"),
    )
    if completed.returncode != 0:
        _logger.debug("pip failed:\n%s", completed.stderr)
        raise LayerBuildError(
            f"pip could not install the dependencies for {options.runtime} "
            f"{options.arch}: {_pip_error(completed.stderr)}"
        )


def _pip_error(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR:")]
    chosen = errors[0] if errors else (lines[-1] if lines else "no output")
    return chosen[:300]


# -- spot-otel itself ----------------------------------------------------------------


def own_distribution() -> metadata.Distribution:
    """The installed spot-otel distribution, whose metadata goes in the layer."""
    try:
        return metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        raise LayerBuildError(
            "spot-otel is not installed as a distribution here; install it "
            "(`pip install spot-otel`, or `pip install -e .` in a checkout)"
        ) from None


def copy_own_packages(site: Path) -> None:
    """Copy spot-otel's import packages and a dist-info into ``site``."""
    for name in OWN_PACKAGES:
        spec = importlib.util.find_spec(name)
        locations = list(spec.submodule_search_locations or ()) if spec else []
        if not locations:
            raise LayerBuildError(f"cannot find the installed package {name}")
        shutil.copytree(
            locations[0],
            site / name,
            ignore=shutil.ignore_patterns(*_DROPPED_DIRECTORIES, "*.pyc", "*.pyo"),
        )
    _write_dist_info(site, own_distribution())


def _write_dist_info(site: Path, distribution: metadata.Distribution) -> None:
    dist_info = site / f"spot_otel-{distribution.version}.dist-info"
    dist_info.mkdir()
    for name in ("METADATA", "entry_points.txt"):
        text = distribution.read_text(name)
        if text is not None:
            (dist_info / name).write_text(text, encoding="utf-8")

    owned = [site / name for name in OWN_PACKAGES] + [dist_info]
    paths = sorted(
        path.relative_to(site).as_posix()
        for top in owned
        for path in top.rglob("*")
        if path.is_file()
    )
    lines = [[path, *_record_digest(site / path)] for path in paths]
    lines.append([f"{dist_info.name}/RECORD", "", ""])
    _write_record(dist_info / "RECORD", lines)


def _record_digest(path: Path) -> list[str]:
    data = path.read_bytes()
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return [f"sha256={digest.decode('ascii')}", str(len(data))]


def metadata_drift() -> list[str]:
    """A note when spot-otel runs from a checkout whose pyproject.toml no
    longer matches the installed metadata the layer copies (an editable
    install keeps the metadata of the day it was installed)."""
    # src/spot_otel/layer.py -> the checkout's root
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    if not pyproject.is_file() or sys.version_info < (3, 11):
        return []  # a wheel install (no pyproject beside it), or no tomllib

    import tomllib
    from packaging.requirements import Requirement

    try:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return []
    if project.get("name") != DISTRIBUTION:
        return []

    installed = own_distribution()
    declared_requires = {
        str(Requirement(text)) for text in project.get("dependencies", ())
    }
    installed_requires = {
        str(Requirement(text))
        for text in installed.requires or ()
        if "extra ==" not in text
    }
    declared_points = {
        (group, name, value)
        for group, points in project.get("entry-points", {}).items()
        for name, value in points.items()
    }
    declared_points |= {
        ("console_scripts", name, value)
        for name, value in project.get("scripts", {}).items()
    }
    installed_points = {(ep.group, ep.name, ep.value) for ep in installed.entry_points}
    if (
        declared_requires == installed_requires
        and declared_points == installed_points
        and installed.version == __version__
    ):
        return []
    return [
        f"the installed metadata of spot-otel differs from {pyproject} "
        "(dependencies, entry points or version); reinstall it "
        "(`pip install -e .`) so the layer carries the current ones"
    ]


# -- Making it reproducible --------------------------------------------------------


def prune(site: Path) -> None:
    """Drop what varies between builds or is useless in Lambda, and the
    ``RECORD`` lines of what was dropped."""
    shutil.rmtree(site / "bin", ignore_errors=True)
    for directory, subdirectories, files in os.walk(site):
        for name in [n for n in subdirectories if n in _DROPPED_DIRECTORIES]:
            shutil.rmtree(Path(directory, name))
            subdirectories.remove(name)
        for name in files:
            metadata_file = directory.endswith(".dist-info") and name in _DROPPED_METADATA
            if name.endswith(_DROPPED_SUFFIXES) or metadata_file:
                Path(directory, name).unlink()

    for record in sorted(site.glob("*.dist-info/RECORD")):
        _filter_record(site, record)


def _filter_record(site: Path, record: Path) -> None:
    rows = list(csv.reader(io.StringIO(record.read_text(encoding="utf-8"))))
    kept = []
    for row in rows:
        if not row:
            continue
        target = Path(os.path.normpath(site / row[0]))
        if target == record or (target.is_relative_to(site) and target.is_file()):
            kept.append(row)
    _write_record(record, kept)


def _write_record(path: Path, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def distributions_in(site: Path) -> tuple[str, ...]:
    """``name version`` of each distribution installed in ``site``, sorted."""
    found = []
    for dist_info in site.glob("*.dist-info"):
        distribution = metadata.Distribution.at(dist_info)
        found.append(f"{distribution.metadata['Name']} {distribution.version}")
    return tuple(sorted(found, key=str.lower))


def zip_date_time() -> tuple[int, int, int, int, int, int]:
    """The timestamp of every entry: ``SOURCE_DATE_EPOCH`` or 1980-01-01."""
    raw = os.environ.get(SOURCE_DATE_EPOCH, "").strip()
    if not raw:
        return _ZIP_EPOCH

    # A build must not quietly ignore a reproducibility setting: refuse it.
    try:
        seconds = int(raw)
    except ValueError:
        raise LayerBuildError(
            f"{SOURCE_DATE_EPOCH}={raw!r} is not a whole number of seconds"
        ) from None
    stamp = time.gmtime(max(seconds, _ZIP_EPOCH_SECONDS))
    if stamp.tm_year > _LAST_ZIP_YEAR:
        raise LayerBuildError(f"{SOURCE_DATE_EPOCH}={raw} is past the zip format's 2107")
    return (
        stamp.tm_year,
        stamp.tm_mon,
        stamp.tm_mday,
        stamp.tm_hour,
        stamp.tm_min,
        stamp.tm_sec,
    )


def write_reproducible_zip(
    root: Path,
    output: Path,
    *,
    executables: frozenset[str] = frozenset(),
    date_time: tuple[int, int, int, int, int, int] = _ZIP_EPOCH,
) -> tuple[int, int]:
    """Zip the tree under ``root`` into ``output`` as described in the module
    docstring; ``executables`` are entry names that get mode 0755.

    Returns the number of files and their total unpacked size.
    """
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    files = unpacked = 0
    try:
        with zipfile.ZipFile(partial, "w") as archive:
            for name in sorted(_tree_entries(root)):
                info = zipfile.ZipInfo(name, date_time)
                info.create_system = _UNIX
                if name.endswith("/"):
                    info.external_attr = (_DIRECTORY_MODE << 16) | _MSDOS_DIRECTORY
                    archive.writestr(info, b"")
                    continue
                data = (root / name).read_bytes()
                mode = _EXECUTABLE_MODE if name in executables else _FILE_MODE
                info.external_attr = mode << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data, compresslevel=9)
                files += 1
                unpacked += len(data)
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)
    return files, unpacked


def _tree_entries(root: Path) -> Iterator[str]:
    for path in root.rglob("*"):
        name = path.relative_to(root).as_posix()
        yield f"{name}/" if path.is_dir() else name


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def limit_notes(size: int, unpacked: int) -> list[str]:
    """Notes for a layer past Lambda's size limits."""
    notes = []
    if size > DIRECT_UPLOAD_LIMIT:
        notes.append(
            "over Lambda's 50 MB limit for a direct upload: put it in S3 and "
            "publish with --content S3Bucket=...,S3Key=..."
        )
    if unpacked > UNPACKED_LIMIT:
        notes.append(
            "over Lambda's 250 MB limit for a function and its layers, unpacked"
        )
    return notes

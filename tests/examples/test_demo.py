"""``spot-otel demo`` end to end: trees, pictures, progress, exit codes, no leftovers."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from spot_otel.demo import CHAINS, load_specs
from spot_otel.local import processes
from tests.examples.conftest import EXAMPLES, DemoRun, run_demo


def test_demo_succeeds_and_names_every_function(demo_run: DemoRun) -> None:
    assert demo_run.exit_code == 0, demo_run.stderr

    functions = load_specs(CHAINS, EXAMPLES).functions
    for chain in CHAINS:
        assert f"== {chain.name}: {chain.title}" in demo_run.stdout
    missing = [name for name in functions if name not in demo_run.stdout]
    assert missing == []


def test_demo_writes_svg_and_html_beside_the_trees(demo_run: DemoRun) -> None:
    for chain in CHAINS:
        html = demo_run.out_dir / f"{chain.name}.html"
        assert "<svg" in html.read_text(encoding="utf-8")
        assert str(html) in demo_run.section(chain.name)
        if shutil.which("dot") is not None:
            svg = demo_run.out_dir / f"{chain.name}.svg"
            assert svg.read_text(encoding="utf-8").lstrip().startswith(("<?xml", "<svg"))


def test_demo_reports_each_step_on_stderr(demo_run: DemoRun) -> None:
    lines = demo_run.stderr.splitlines()

    assert lines[0].startswith("[demo] starting the embedded AWS and the local runtime")
    for chain in CHAINS:
        assert any(line.startswith(f"[demo] {chain.name}: done in ") for line in lines)
    assert lines[-1].startswith(f"[demo] pictures are in {demo_run.out_dir}/")
    # Progress only: no function log lines unless --logs.
    assert all(line.startswith("[demo] ") for line in lines)


def test_demo_leaves_no_worker_running(demo_run: DemoRun) -> None:
    assert demo_run.exit_code == 0
    assert processes.live_groups() == frozenset()
    assert _children_running("awslambdaric") == []


def test_failing_functions_make_the_demo_exit_1_and_say_why(tmp_path: Path) -> None:
    # GIVEN examples whose spot_template fails on every event: the entry of
    # its own chain, and the far end of fn_invoker's
    examples = tmp_path / "examples"
    for name in ("spot_template", "fn_invoker"):
        shutil.copytree(EXAMPLES / name, examples / name)
    (examples / "spot_template" / "template.py").write_text(
        "def handler(event, context):\n    raise ValueError('no next function today')\n"
    )

    # WHEN the demo runs both chains
    code, stdout, stderr = run_demo(
        "--only",
        "spot_template",
        "fn_invoker",
        "--examples",
        str(examples),
        "--out",
        str(tmp_path / "out"),
    )

    # THEN it exits 1 and names each chain and what went wrong in it
    assert code == 1
    assert (
        "[demo] spot_template: FAILED after" in stderr
        and "spot_template failed: ValueError: no next function today" in stderr
    )
    assert "FAILED: spot_template failed: ValueError: no next function today" in stdout
    assert (
        "but failed or never ended: spot_template, spot_template, spot_template"
        in stderr
    )
    assert "[demo] not drawn in full: spot_template, fn_invoker" in stderr
    # The drawn chain still shows its failures.
    assert stdout.count("ERROR") == 3
    assert _children_running("awslambdaric") == []


def test_missing_examples_exit_2_with_one_line(tmp_path: Path) -> None:
    code, stdout, stderr = run_demo("--examples", str(tmp_path / "nowhere"))

    assert code == 2
    assert stdout == ""
    nowhere = tmp_path / "nowhere"
    assert stderr == (
        f"spot-otel: error: the examples are not here: {nowhere} is missing "
        "(run from a clone of spot-otel, or name them with --examples DIR)\n"
    )


def test_unknown_chain_is_refused() -> None:
    with pytest.raises(SystemExit) as exit_info:
        run_demo("--only", "no_such_example")

    assert exit_info.value.code == 2


def _children_running(command: str) -> list[int]:
    """Child processes of this test process whose command line holds ``command``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            cmdline = (entry / "cmdline").read_bytes().decode("utf-8", "replace")
        except OSError:
            continue
        ppid = next(
            (line.split()[1] for line in status.splitlines() if line.startswith("PPid:")),
            "",
        )
        if ppid == str(os.getpid()) and command in cmdline:
            found.append(int(entry.name))
    return found

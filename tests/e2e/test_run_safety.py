"""Runs that fail safely: a run killed at any moment leaves its directory
resumable or says why it is not, never a corrupt model.keras or metrics.json;
and a finished run is never overwritten unless the user says so."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.e2e.test_run import cli, tiny  # noqa: F401 - the fixture

ARGS = ["--set", "fit.epochs=4", "--set", "data.train.samples=2048", "--set", "fit.batch_size=16"]


def check_files_whole(run_dir: Path) -> None:
    """Every file a run writes is either absent or complete."""
    for name in ("run.json", "metrics.json", "history.json"):
        if (run_dir / name).exists():
            json.loads((run_dir / name).read_text())
    if (run_dir / "model.keras").exists():
        with zipfile.ZipFile(run_dir / "model.keras") as archive:
            assert archive.testzip() is None
            json.loads(archive.read("config.json"))


@pytest.mark.parametrize("moment", [1.0, 3.5, 5.0, 6.5, 8.0, 10.0])
def test_a_run_killed_at_any_moment_is_resumable_or_says_why_not(tiny, tmp_path, moment):  # noqa: F811
    run_dir = tmp_path / "run"
    process = subprocess.Popen([sys.executable, "-m", "modelspec", "run", str(tiny), "--output-dir",
                                str(run_dir), *ARGS], cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        time.sleep(moment)
        finished = process.poll() is not None
        if not finished:
            os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    check_files_whole(run_dir)
    proc = cli("run", "--resume", str(run_dir))
    assert "Traceback" not in proc.stderr + proc.stdout and "internal error" not in proc.stderr
    if proc.returncode != 0:
        # Not resumable: the message says why (nothing to resume from).
        assert f"{run_dir}" in proc.stderr and ("not a run directory" in proc.stderr
                                                 or "finished" in proc.stderr + proc.stdout), proc.stderr
        assert not (run_dir / "run.json").exists() or json.loads((run_dir / "run.json").read_text())
    else:
        assert json.loads((run_dir / "run.json").read_text())["status"] == "completed"
        assert json.loads((run_dir / "history.json").read_text())["epoch"][-1] == 4
    check_files_whole(run_dir)


def test_a_finished_run_is_not_overwritten_unless_told(tiny, tmp_path):  # noqa: F811
    run_dir = tmp_path / "run"
    assert cli("run", str(tiny), "--output-dir", str(run_dir), "--set", "fit.epochs=1").returncode == 0
    before = {p.name: p.read_bytes() for p in run_dir.iterdir() if p.is_file()}

    proc = cli("run", str(tiny), "--output-dir", str(run_dir), "--set", "fit.epochs=2")
    assert proc.returncode == 1
    assert f"{run_dir} already holds a run: '--resume {run_dir}' continues it, --overwrite replaces it" \
        in proc.stderr
    assert {p.name: p.read_bytes() for p in run_dir.iterdir() if p.is_file()} == before

    proc = cli("run", str(tiny), "--output-dir", str(run_dir), "--set", "fit.epochs=2", "--overwrite")
    assert proc.returncode == 0, proc.stderr
    assert json.loads((run_dir / "history.json").read_text())["epoch"] == [1, 2]


def test_a_folder_that_is_not_a_run_is_never_used_or_emptied(tiny, tmp_path):  # noqa: F811
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    for extra in ([], ["--overwrite"]):
        proc = cli("run", str(tiny), "--output-dir", str(folder), *extra)
        assert proc.returncode == 1
        assert f"{folder} is not empty and holds no run" in proc.stderr
        assert [p.name for p in folder.iterdir()] == ["notes.txt"]


def test_invalid_input_never_touches_a_finished_run(tiny, tmp_path):  # noqa: F811
    run_dir = tmp_path / "run"
    assert cli("run", str(tiny), "--output-dir", str(run_dir), "--set", "fit.epochs=1").returncode == 0
    before = {p.name: p.read_bytes() for p in run_dir.iterdir() if p.is_file()}
    proc = cli("run", str(tiny), "--output-dir", str(run_dir), "--overwrite", "--set", "fit.epochs=many")
    assert proc.returncode == 1 and "epochs must be an integer" in proc.stderr
    assert {p.name: p.read_bytes() for p in run_dir.iterdir() if p.is_file()} == before

"""modelspec run, as a user runs it: run directories, overrides, determinism, resume, faults."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.keras

TINY = """\
modelspec: 1
name: tiny
seed: 3
deterministic: true
model:
  class_name: Functional
  config:
    name: tiny
    layers:
      - {class_name: InputLayer, config: {name: x, shape: [6]}}
      - {class_name: Dense, config: {name: hidden, units: 16, activation: relu}, inbound_nodes: [x]}
      - {class_name: Dropout, config: {name: drop, rate: 0.2}, inbound_nodes: [hidden]}
      - {class_name: Dense, config: {name: out, units: 1, activation: sigmoid}, inbound_nodes: [drop]}
    input_layers: [x]
    output_layers: [out]
compile: {optimizer: {class_name: Adam, config: {learning_rate: 0.01}}, loss: binary_crossentropy, metrics: [accuracy]}
data:
  train: {format: synthetic, samples: 512}
  test: {format: synthetic, samples: 128, seed: 9}
fit: {data: train, epochs: 4, batch_size: 32}
evaluate: {data: test}
predict: {data: test}
"""


def cli(*args: str, cwd: Path = ROOT, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "modelspec", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY)
    return path


def read(path: Path) -> dict:
    return json.loads(path.read_text())


def test_run_writes_a_complete_run_directory(tiny, tmp_path):
    out = tmp_path / "run"
    proc = cli("run", str(tiny), "--output-dir", str(out))
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert "Traceback" not in proc.stderr
    for name in ("spec.resolved.yaml", "model.keras", "history.json", "metrics.json",
                 "predictions.npz", "run.json", "run.log"):
        assert (out / name).is_file(), name
    assert not (out / "backup").exists()  # removed once the run completed
    history = read(out / "history.json")
    assert history["epoch"] == [1, 2, 3, 4]
    assert history["loss"][-1] < history["loss"][0]
    metrics = read(out / "metrics.json")
    assert set(metrics) >= {"loss", "compile_metrics"} or "accuracy" in json.dumps(metrics)
    info = read(out / "run.json")
    assert info["status"] == "completed" and info["exit_code"] == 0
    assert set(info["versions"]) >= {"modelspec", "keras", "tensorflow", "python"}
    assert set(info["phases"]) >= {"build", "data", "fit", "save", "evaluate", "predict"}
    predictions = np.load(out / "predictions.npz")
    assert predictions["out"].shape == (128, 1)
    # Not a terminal: one line per epoch, a header and a footer.
    assert proc.stdout.count("epoch ") == 4
    assert "run directory:" in proc.stdout and "final metrics:" in proc.stdout
    assert "epoch 4/4" in (out / "run.log").read_text()


def test_the_resolved_spec_reruns_to_the_same_metrics(tiny, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    assert cli("run", str(tiny), "--output-dir", str(first)).returncode == 0
    proc = cli("run", str(first / "spec.resolved.yaml"), "--output-dir", str(second))
    assert proc.returncode == 0, proc.stderr
    assert read(first / "metrics.json") == read(second / "metrics.json")


def test_overrides_change_the_run_and_are_recorded(tiny, tmp_path):
    out = tmp_path / "run"
    proc = cli("run", str(tiny), "--output-dir", str(out), "--set", "fit.epochs=2",
               "--set", "model.layers.hidden.config.units=4")
    assert proc.returncode == 0, proc.stderr
    assert read(out / "history.json")["epoch"] == [1, 2]
    resolved = (out / "spec.resolved.yaml").read_text()
    assert "epochs: 2" in resolved and "units: 4" in resolved


def test_a_bad_override_is_a_located_error_naming_it(tiny):
    proc = cli("run", str(tiny), "--set", "fit.epochs=many")
    assert proc.returncode == 1
    assert "--set[0]:1:1: error: /fit/epochs: epochs must be an integer" in proc.stderr
    proc = cli("run", str(tiny), "--set", "model.layers.hiden.config.units=2")
    assert proc.returncode == 1 and "did you mean 'hidden'" in proc.stderr


def test_print_config_shows_the_resolved_spec_and_exits(tiny, tmp_path):
    proc = cli("run", str(tiny), "--set", "fit.epochs=7", "--print-config", cwd=tmp_path)
    assert proc.returncode == 0
    assert "epochs: 7" in proc.stdout
    assert not (tmp_path / "runs").exists()


def test_default_run_directory_is_under_runs_name_timestamp(tiny, tmp_path):
    proc = cli("run", str(tiny), "--set", "fit.epochs=1", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    runs = list((tmp_path / "runs" / "tiny").iterdir())
    assert len(runs) == 1 and (runs[0] / "model.keras").exists()


def test_resume_after_sigkill_matches_an_uninterrupted_run(tiny, tmp_path):
    # Slow the epochs down a little so that the kill lands mid-run.
    args = ["--set", "fit.epochs=6", "--set", "data.train.samples=4096", "--set", "fit.batch_size=8"]
    whole = tmp_path / "whole"
    assert cli("run", str(tiny), "--output-dir", str(whole), *args).returncode == 0

    killed = tmp_path / "killed"
    process = subprocess.Popen([sys.executable, "-m", "modelspec", "run", str(tiny), "--output-dir",
                                str(killed), *args], cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 240
        while time.time() < deadline:
            history = killed / "history.json"
            if history.exists() and len(read(history).get("epoch", [])) >= 2:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the run never reached epoch 2")
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert read(killed / "run.json")["status"] == "running"
    done_before = len(read(killed / "history.json")["epoch"])
    assert done_before < 6

    proc = cli("run", "--resume", str(killed))
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert "resuming after epoch" in proc.stdout
    history = read(killed / "history.json")
    assert history["epoch"] == [1, 2, 3, 4, 5, 6]
    # deterministic: true, and the data order, optimizer state and dropout
    # seeds are restored: the same numbers as the uninterrupted run.
    assert read(killed / "metrics.json") == read(whole / "metrics.json")
    assert history["loss"] == read(whole / "history.json")["loss"]


def test_nan_loss_stops_the_run_and_keeps_the_last_good_model(tiny, tmp_path):
    out = tmp_path / "run"
    proc = cli("run", str(tiny), "--output-dir", str(out), "--set",
               "compile.optimizer.config.learning_rate=1e30", "--set", "fit.epochs=3")
    assert proc.returncode == 1
    assert "the loss became" in proc.stdout + proc.stderr
    info = read(out / "run.json")
    assert info["status"] == "nan"
    assert "Traceback" not in proc.stderr


def test_unwritable_output_directory_is_a_clear_error(tiny, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    proc = cli("run", str(tiny), "--output-dir", str(blocker / "run"))
    assert proc.returncode == 1
    assert "cannot write the run directory" in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr


def test_weights_from_a_previous_run_by_file_and_by_name(tiny, tmp_path):
    first = tmp_path / "first"
    assert cli("run", str(tiny), "--output-dir", str(first)).returncode == 0
    proc = cli("run", str(tiny), "--output-dir", str(tmp_path / "second"), "--set", "fit.epochs=0",
               "--weights", str(first / "model.keras"))
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert read(tmp_path / "second" / "metrics.json") == read(first / "metrics.json")
    # A wider output layer: only 'hidden' matches by name and shape.
    proc = cli("run", str(tiny), "--output-dir", str(tmp_path / "third"), "--set", "fit.epochs=0",
               "--set", "model.layers.out.config.units=2", "--set", "compile.loss=mse",
               "--weights-by-name", str(first / "model.keras"))
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert "loaded 1 layer(s) by name" in proc.stdout and "out (shapes differ)" in proc.stdout


def test_quiet_prints_nothing_on_success(tiny, tmp_path):
    proc = cli("run", str(tiny), "--quiet", "--output-dir", str(tmp_path / "q"), "--set", "fit.epochs=1")
    assert proc.returncode == 0 and proc.stdout == ""


@pytest.mark.slow
def test_the_readme_example_runs_news_headline(tmp_path):
    proc = cli("run", "specs/news_headline.yaml", "--output-dir", str(tmp_path / "news"),
               "--set", "data.train.samples=512", "--set", "fit.epochs=1")
    assert proc.returncode == 0, proc.stderr + proc.stdout
    metrics = read(tmp_path / "news" / "metrics.json")
    assert any(key.startswith("main_output") for key in metrics)
    predictions = np.load(tmp_path / "news" / "predictions.npz")
    assert set(predictions.files) == {"main_output", "aux_output"}


def _default_sigint() -> None:
    """Ctrl-C as on a terminal. A test run started in the background by a shell script
    (`cmd &`) inherits SIGINT ignored, and Python then installs no KeyboardInterrupt
    handler in its children: the signal would be lost and the run would finish."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_keeps_the_last_epoch_and_says_how_to_resume(tiny, tmp_path):
    out = tmp_path / "run"
    process = subprocess.Popen([sys.executable, "-m", "modelspec", "run", str(tiny), "--output-dir",
                                str(out), "--set", "fit.epochs=8", "--set", "data.train.samples=4096",
                                "--set", "fit.batch_size=8"], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, preexec_fn=_default_sigint)
    try:
        deadline = time.time() + 240
        while time.time() < deadline and not (out / "history.json").exists():
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, stderr
    assert f"modelspec run --resume {out}" in stdout + stderr
    assert "Traceback" not in stderr
    assert read(out / "run.json")["status"] == "interrupted"
    proc = cli("run", "--resume", str(out))
    assert proc.returncode == 0, proc.stderr
    assert read(out / "history.json")["epoch"] == list(range(1, 9))


def test_a_full_disk_is_a_clear_error_and_keeps_what_was_written(tiny, tmp_path, monkeypatch):
    import errno
    import io

    import modelspec.run
    from modelspec import load
    from modelspec.outputs import write_atomic
    from modelspec.run import RunOptions, run_spec

    real_write_npz = modelspec.run.write_npz

    def disk_full_for_predictions(path, arrays):
        if path.name != "predictions.npz":  # written last
            return real_write_npz(path, arrays)

        def no_space(temporary):
            temporary.write_bytes(b"partial")
            raise OSError(errno.ENOSPC, "No space left on device")

        write_atomic(path, no_space)

    monkeypatch.setattr(modelspec.run, "write_npz", disk_full_for_predictions)
    out = tmp_path / "run"
    stream = io.StringIO()
    result = run_spec(load(tiny), RunOptions(output_dir=out), stream)
    assert result.exit_code == 1 and result.status == "failed"
    assert "predictions.npz: No space left on device" in stream.getvalue()
    assert (out / "metrics.json").exists() and (out / "model.keras").exists()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary left behind
    assert read(out / "run.json")["status"] == "failed"


@pytest.mark.slow
def test_digits_reaches_96_percent_on_real_data(tmp_path):
    out = tmp_path / "digits"
    proc = cli("run", "specs/digits_mlp.yaml", "--output-dir", str(out), timeout=600)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert read(out / "metrics.json")["accuracy"] >= 0.96

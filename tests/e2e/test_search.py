"""modelspec search: a 3-trial Keras Tuner search on synthetic data, each trial's spec and
metrics on disk, the best spec running with modelspec run, resume, and the refusals."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

pytestmark = pytest.mark.keras

SPEC = """\
modelspec: 1
name: tiny_search
seed: 3
search:
  tuner: %(tuner)s
  objective: val_loss
  max_trials: 3
  space:
    - {class_name: Int, config: {name: units, min_value: 4, max_value: 16, step: 4}}
    - {class_name: Float, config: {name: lr, min_value: 0.001, max_value: 0.05, sampling: log}}
    - {class_name: Choice, config: {name: act, values: [relu, tanh]}}
model:
  class_name: Sequential
  config:
    name: tiny_search
    layers:
      - {class_name: InputLayer, config: {name: x, shape: [8]}}
      - {class_name: Dense, config: {name: hidden, units: "${hp:units}", activation: "${hp:act}"}}
      - {class_name: Dense, config: {name: y, units: 1, activation: sigmoid}}
compile:
  optimizer: {class_name: Adam, config: {learning_rate: "${hp:lr}"}}
  loss: binary_crossentropy
  metrics: [accuracy]
data: {train: {format: synthetic, samples: 256}}
fit: {epochs: 2, batch_size: 32, validation_split: 0.25}
"""


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "modelspec", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)


def read(path: Path) -> dict:
    return json.loads(path.read_text())


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    path = tmp_path / "search.yaml"
    path.write_text(SPEC % {"tuner": "RandomSearch"})
    return path


def test_a_three_trial_search_writes_every_trial_and_a_runnable_best_spec(spec, tmp_path):
    out = tmp_path / "search"
    proc = cli("search", str(spec), "--output-dir", str(out))
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert "Traceback" not in proc.stderr
    assert "RandomSearch, objective val_loss, 3 hyperparameter(s), 2 epoch(s) per trial" in proc.stdout
    assert proc.stdout.count(" -> val_loss ") == 3
    trials = sorted((out / "trials").iterdir())
    assert len(trials) == 3
    seen = set()
    for trial in trials:
        metrics = read(trial / "metrics.json")
        assert metrics["status"] == "COMPLETED" and metrics["score"] == metrics["metrics"]["val_loss"]
        resolved = yaml.safe_load((trial / "spec.resolved.yaml").read_text())
        dense = resolved["model"]["config"]["layers"][1]["config"]
        assert dense["units"] == metrics["hyperparameters"]["units"] and "search" not in resolved
        assert 4 <= dense["units"] <= 16 and dense["activation"] in ("relu", "tanh")
        seen.add((dense["units"], dense["activation"], metrics["hyperparameters"]["lr"]))
    assert len(seen) == 3  # three different points of the space
    results = read(out / "results.json")
    assert results["objective"] == "val_loss" and len(results["trials"]) == 3
    scores = [t["score"] for t in results["trials"]]
    assert scores == sorted(scores) and results["best_trial"] == results["trials"][0]["trial"]
    best = yaml.safe_load((out / "best.yaml").read_text())
    assert "search" not in best and "${hp:" not in (out / "best.yaml").read_text()
    assert best["model"]["config"]["layers"][1]["config"]["units"] == results["trials"][0]["hyperparameters"]["units"]

    run = cli("run", str(out / "best.yaml"), "--output-dir", str(tmp_path / "best_run"))
    assert run.returncode == 0, run.stderr + run.stdout


def test_an_interrupted_search_resumes_and_refuses_a_changed_space(spec, tmp_path):
    out = tmp_path / "search"
    proc = cli("search", str(spec), "--output-dir", str(out), "--set", "search.max_trials=2")
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert len(list((out / "trials").iterdir())) == 2
    first = read(out / "results.json")["trials"]

    proc = cli("search", "--resume", str(out), "--set", "search.max_trials=3")
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert proc.stdout.count(" -> val_loss ") == 1  # the two finished trials are not run again
    assert len(list((out / "trials").iterdir())) == 3
    again = {t["trial"]: t for t in read(out / "results.json")["trials"]}
    assert all(again[t["trial"]]["score"] == t["score"] for t in first)

    spec.write_text(spec.read_text().replace("max_value: 16", "max_value: 32"))
    proc = cli("search", str(spec), "--resume", str(out))
    assert proc.returncode == 1
    assert "was started with another search space, tuner or objective" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("tuner, extra", [("Hyperband", ["--set", "search.max_epochs=2"]),
                                          ("BayesianOptimization", [])])
def test_the_other_tuners_run_from_the_same_section(tmp_path, tuner, extra):
    path = tmp_path / "search.yaml"
    path.write_text(SPEC % {"tuner": tuner})
    proc = cli("search", str(path), "--output-dir", str(tmp_path / "search"), *extra)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert f"({tuner}, objective val_loss" in proc.stdout
    assert (tmp_path / "search" / "best.yaml").is_file()


def test_bad_search_specs_are_located_errors(spec, tmp_path):
    spec.write_text(spec.read_text().replace('"${hp:act}"', '"${hp:activation}"'))
    proc = cli("search", str(spec), "--output-dir", str(tmp_path / "search"))
    assert proc.returncode == 1
    assert "error: /model/config/layers/1/config/activation: '${hp:activation}' names no hyperparameter" \
        in proc.stderr
    assert "error: /search/space/2: hyperparameter 'act' is never used" in proc.stderr
    assert not (tmp_path / "search").exists()


def test_a_spec_without_search_is_refused(tmp_path):
    proc = cli("search", str(ROOT / "specs" / "mnist_mlp.yaml"), "--output-dir", str(tmp_path / "s"))
    assert proc.returncode == 1 and "has no search section" in proc.stderr


def test_a_search_killed_mid_trial_resumes_from_the_last_finished_trial(spec, tmp_path):
    import time

    spec.write_text(spec.read_text().replace("samples: 256", "samples: 4096").replace("epochs: 2", "epochs: 25"))
    out = tmp_path / "search"
    process = subprocess.Popen([sys.executable, "-m", "modelspec", "search", str(spec), "--output-dir", str(out)],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 300
        while time.time() < deadline and not (out / "trials" / "0" / "metrics.json").exists():
            time.sleep(0.05)
        process.kill()  # SIGKILL: no chance to clean up, in the middle of the second trial
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    first = read(out / "trials" / "0" / "metrics.json")
    assert not (out / "results.json").exists()

    proc = cli("search", "--resume", str(out))
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert proc.stdout.count(" -> val_loss ") == 2  # the second trial again, then the third
    assert read(out / "trials" / "0" / "metrics.json") == first
    assert len(read(out / "results.json")["trials"]) == 3


def test_fit_callbacks_that_only_watch_run_in_every_trial(tmp_path):
    """EarlyStopping from fit.callbacks stops each trial; a callback that writes files
    (CSVLogger) is left out with a line saying so; no TensorFlow start-up noise."""
    path = tmp_path / "search.yaml"
    path.write_text((SPEC % {"tuner": "RandomSearch"}).replace("max_trials: 3", "max_trials: 2").replace(
        "fit: {epochs: 2, batch_size: 32, validation_split: 0.25}\n",
        "fit:\n  epochs: 6\n  batch_size: 32\n  validation_split: 0.25\n  callbacks:\n"
        "    - {class_name: EarlyStopping, config: {monitor: loss, patience: 0, min_delta: 10}}\n"
        "    - {class_name: CSVLogger, config: {filename: log.csv}}\n"))
    out = tmp_path / "out"
    proc = cli("search", str(path), "--output-dir", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "callbacks in every trial: EarlyStopping" in proc.stdout
    assert "fit.callbacks left out of the search (they write files, each trial over the last): CSVLogger" \
        in proc.stdout
    assert "oneDNN" not in proc.stderr and "cuda" not in proc.stderr.lower(), proc.stderr
    trials = sorted((out / "tuner").glob("trial_*/trial.json"))
    assert len(trials) == 2
    for trial in trials:
        steps = [o["step"] for o in read(trial)["metrics"]["metrics"]["loss"]["observations"]]
        assert steps == [1], f"{trial}: early stopping should end it after epoch 2 of 6, got steps {steps}"
    assert not list(out.rglob("log.csv"))

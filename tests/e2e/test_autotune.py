"""fit.autotune: modelspec picks steps_per_execution when the spec leaves it unset,
records the choice in run.json, keeps every count exact, and can be turned off."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
import yaml

from tests.conftest import ROOT

pytestmark = pytest.mark.keras

SPEC = {
    "modelspec": 1, "name": "auto", "seed": 2,
    "model": {"class_name": "Functional", "config": {"name": "auto", "layers": [
        {"class_name": "InputLayer", "config": {"name": "x", "shape": [8]}},
        {"class_name": "Dense", "config": {"name": "y", "units": 1}, "inbound_nodes": ["x"]}],
        "input_layers": "x", "output_layers": "y"}},
    "compile": {"optimizer": "sgd", "loss": "mse"},
    "data": {"train": {"format": "synthetic", "samples": 1000}},
    "fit": {"epochs": 3, "batch_size": 10},  # 100 steps per epoch
}


def run_in_process(tmp_path, spec, monkeypatch):
    """run_spec with one more callback that records the batch numbers Keras reports."""
    import keras

    import modelspec.run as run_module
    from modelspec.api import load_with_overrides

    class Batches(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.seen: list[tuple[int, int]] = []
            self.epoch = 0

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            self.seen.append((self.epoch, batch))

    recorder = Batches()
    original = run_module._callbacks
    monkeypatch.setattr(run_module, "_callbacks", lambda *a: [*original(*a), recorder])
    tmp_path.mkdir(exist_ok=True)
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec))
    result = run_module.run_spec(load_with_overrides(path, []),
                                 run_module.RunOptions(output_dir=tmp_path / "out", verbosity=0), io.StringIO())
    assert result.exit_code == 0
    return json.loads((tmp_path / "out" / "run.json").read_text()), recorder.seen


def test_autotune_picks_a_divisor_of_the_epoch_and_counts_stay_exact(tmp_path, monkeypatch):
    import keras

    info, seen = run_in_process(tmp_path, SPEC, monkeypatch)
    assert info["autotune"] == {"steps_per_execution": 25, "chosen": True, "steps_per_epoch": 100,
                                "rule": "divisor of the 100 steps per epoch nearest 32, from 4 to 128"}
    # per-batch callbacks hear the true step number at the end of each execution,
    # and every epoch ends on its own last batch
    assert seen == [(epoch, step) for epoch in range(3) for step in (24, 49, 74, 99)]
    model = keras.saving.load_model(tmp_path / "out" / "model.keras")
    assert int(model.optimizer.iterations.numpy()) == 300
    assert model.get_compile_config().get("steps_per_execution", 1) == 1  # the saved model is the spec's


def test_autotune_off_or_set_by_the_spec_is_left_alone(tmp_path, monkeypatch):
    off = {**SPEC, "fit": {**SPEC["fit"], "autotune": False}}
    info, seen = run_in_process(tmp_path / "a", off, monkeypatch)
    assert info["autotune"] == {"steps_per_execution": 1, "chosen": False, "reason": "fit.autotune is false"}
    assert len(seen) == 300
    given = {**SPEC, "compile": {**SPEC["compile"], "steps_per_execution": 4}}
    info, seen = run_in_process(tmp_path / "b", given, monkeypatch)
    assert info["autotune"] == {"steps_per_execution": 4, "chosen": False,
                                "reason": "the spec sets steps_per_execution"}
    assert seen[:3] == [(0, 3), (0, 7), (0, 11)]


@pytest.mark.parametrize(("steps", "frequencies", "expected"), [
    (100, [], 25), (41, [], 41), (97, [], 97), (131, [], 1), (15478, [], 71), (3, [], 1), (1024, [], 32), (45, [], 45), (100, [10], 10),
    (120, [7], 1),
])
def test_the_rule(steps, frequencies, expected):
    from modelspec.run import _Tuning

    section = {"callbacks": [{"class_name": "ModelCheckpoint", "config": {"save_freq": f}} for f in frequencies]}
    assert _Tuning.choose(_Tuning(None, None, {}), steps, section) == expected


def test_autotune_is_the_same_training_as_plain_keras_steps(tmp_path):
    """Several steps per execution change the speed, not the numbers."""
    outs = {}
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(SPEC))
    for name, value in (("auto", "true"), ("plain", "false")):
        proc = subprocess.run([sys.executable, "-m", "modelspec", "run", str(path), "--output-dir",
                               str(tmp_path / name), "--set", f"fit.autotune={value}"],
                              cwd=ROOT, capture_output=True, text=True, timeout=240)
        assert proc.returncode == 0, proc.stderr
        outs[name] = json.loads((tmp_path / name / "history.json").read_text())["loss"]
    assert outs["auto"] == pytest.approx(outs["plain"], rel=1e-5)

"""precision: Keras's dtype policy from the spec, outputs kept in float32, the policy kept
through the round trip; compile's jit_compile and steps_per_execution reach Keras."""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import numpy as np
import pytest
import yaml

from tests.conftest import ROOT

pytestmark = pytest.mark.keras

SPEC = {"modelspec": 1, "name": "mixed", "seed": 1, "precision": "mixed_bfloat16", "model": {
    "class_name": "Functional", "config": {"name": "mixed", "layers": [
        {"class_name": "InputLayer", "config": {"name": "x", "shape": [8]}},
        {"class_name": "Dense", "config": {"name": "hidden", "units": 16, "activation": "relu"},
         "inbound_nodes": ["x"]},
        {"class_name": "Dense", "config": {"name": "kept", "units": 4, "dtype": "float32"},
         "inbound_nodes": ["hidden"]},
        {"class_name": "Dense", "config": {"name": "y", "units": 1, "activation": "sigmoid"},
         "inbound_nodes": ["kept"]}],
    "input_layers": "x", "output_layers": "y"}},
    "compile": {"optimizer": "adam", "loss": "binary_crossentropy"},
    "data": {"train": {"format": "synthetic", "samples": 128}}, "fit": {"epochs": 1, "batch_size": 32}}


def policies(model) -> dict[str, str]:
    return {layer.name: layer.dtype_policy.name for layer in model.layers if layer.name != "x"}


@pytest.mark.parametrize("precision", ["mixed_bfloat16", "mixed_float16"])
def test_layers_take_the_policy_and_outputs_stay_float32(precision):
    import keras

    import modelspec

    spec = dict(SPEC, precision=precision)
    model = modelspec.build(spec)
    assert policies(model) == {"hidden": precision, "kept": "float32", "y": "float32"}
    assert model.predict(np.zeros((2, 8), "float32"), verbose=0).dtype == np.float32
    assert keras.config.dtype_policy().name == "float32"  # the process-wide policy is left as it was
    assert (type(model.optimizer).__name__ == "LossScaleOptimizer") == (precision == "mixed_float16")


def test_the_round_trip_keeps_the_policy():
    import modelspec

    model = modelspec.build(SPEC)
    converted = modelspec.from_model(model)
    again = modelspec.build(converted)
    assert policies(again) == policies(model)
    assert again.get_config() == model.get_config()


def test_float32_and_no_precision_build_the_same_model():
    import modelspec

    plain = copy.deepcopy(SPEC)
    del plain["precision"]
    assert modelspec.build(plain).get_config() == modelspec.build(dict(SPEC, precision="float32")).get_config()


def test_a_mixed_precision_run_trains_and_records_its_policy(tmp_path):
    spec = tmp_path / "mixed.yaml"
    spec.write_text(yaml.safe_dump(SPEC))
    proc = subprocess.run([sys.executable, "-m", "modelspec", "run", str(spec), "--output-dir", str(tmp_path / "run")],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert json.loads((tmp_path / "run" / "run.json").read_text())["precision"] == "mixed_bfloat16"
    assert np.isfinite(json.loads((tmp_path / "run" / "history.json").read_text())["loss"][0])


def test_an_unknown_precision_is_a_located_error(tmp_path):
    import modelspec

    found = [d for d in modelspec.validate(dict(SPEC, precision="float16")) if d.is_error]
    assert [d.pointer for d in found] == ["/precision"]


def test_jit_compile_and_steps_per_execution_reach_keras():
    import modelspec

    spec = copy.deepcopy(SPEC)
    spec["compile"].update(jit_compile=False, steps_per_execution=4)
    model = modelspec.build(spec)
    assert model.steps_per_execution == 4 and model.jit_compile is False

"""The Python API as a user calls it: build, from_model, convert sources."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import zipfile

import pytest

import modelspec
from tests.conftest import ROOT

pytestmark = pytest.mark.keras

SPEC = {
    "modelspec": 1,
    "seed": 7,
    "model": {"class_name": "Functional", "config": {
        "name": "m",
        "layers": [
            {"class_name": "InputLayer", "config": {"name": "x", "shape": [4]}},
            {"class_name": "Dense", "config": {"name": "d", "units": 3, "activation": "relu"},
             "inbound_nodes": ["x"]},
            {"class_name": "Dense", "config": {"name": "out", "units": 1}, "inbound_nodes": ["d"]},
        ],
        "input_layers": ["x"], "output_layers": ["out"]}},
    "compile": {"optimizer": {"class_name": "Adam", "config": {"learning_rate": 1e-3}},
                "loss": "mse", "metrics": "mae"},
}


def test_build_does_not_change_the_dict_and_can_run_twice():
    original = copy.deepcopy(SPEC)
    first = modelspec.build(SPEC)
    second = modelspec.build(SPEC)
    assert SPEC == original
    assert len(first.layers) == len(second.layers) == 3


def test_the_seed_makes_weights_reproducible():
    first = modelspec.build(SPEC).get_layer("d").get_weights()[0]
    second = modelspec.build(SPEC).get_layer("d").get_weights()[0]
    assert (first == second).all()


def test_single_values_in_compile_are_accepted():
    model = modelspec.build(SPEC)
    assert model.compiled
    assert model.get_compile_config()["metrics"] == ["mae"]


def test_scalar_loss_weight_applies_to_every_output():
    spec = copy.deepcopy(SPEC)
    spec["model"]["config"]["layers"].append(
        {"class_name": "Dense", "config": {"name": "aux", "units": 1}, "inbound_nodes": ["d"]})
    spec["model"]["config"]["output_layers"] = ["out", "aux"]
    spec["compile"] = {"optimizer": "adam", "loss": "mse", "loss_weights": 0.5}
    model = modelspec.build(spec)
    assert model.get_compile_config()["loss_weights"] == {"out": 0.5, "aux": 0.5}


def test_an_integer_loss_weight_works_for_one_output_too():
    # Keras's compile takes only a float for a single output; YAML's `2` is an int
    spec = copy.deepcopy(SPEC)
    spec["compile"] = {"optimizer": "adam", "loss": "mse", "loss_weights": 2}
    model = modelspec.build(spec)
    weight = model.get_compile_config()["loss_weights"]
    assert weight == 2.0 and isinstance(weight, float)


def test_a_json_spec_gets_located_errors(tmp_path):
    spec = copy.deepcopy(SPEC)
    spec["model"]["config"]["layers"][1]["config"]["unitz"] = 3
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec, indent=2))
    found = [d for d in modelspec.validate(path) if d.is_error]
    assert [(d.code, d.line) for d in found] == [("unknown-parameter", 24)]
    with pytest.raises(modelspec.SpecError) as caught:
        modelspec.build(path)
    assert caught.value.diagnostics[0].line == 24


def test_from_model_then_build_is_exact_for_the_built_spec():
    model = modelspec.build(SPEC)
    again = modelspec.build(modelspec.from_model(model))
    assert again.get_config() == model.get_config()
    assert again.get_compile_config() == model.get_compile_config()


def test_convert_refuses_an_archive_with_a_path_traversal_entry(tmp_path):
    archive = tmp_path / "evil.keras"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("config.json", "{}")
        handle.writestr("../escape.txt", "x")
    proc = subprocess.run([sys.executable, "-m", "modelspec", "convert", str(archive), "-o",
                           str(tmp_path / "out.yaml")], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1
    assert "unsafe entry '../escape.txt'" in proc.stderr
    assert not (tmp_path.parent / "escape.txt").exists()
    assert not (tmp_path / "out.yaml").exists()


def test_convert_reads_a_keras_archive_written_by_keras(tmp_path):
    model = modelspec.build(SPEC)
    archive = tmp_path / "m.keras"
    model.save(archive)
    target = tmp_path / "m.yaml"
    proc = subprocess.run([sys.executable, "-m", "modelspec", "convert", str(archive), "-o", str(target)],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    rebuilt = modelspec.build(target)
    assert rebuilt.get_config() == model.get_config()
    assert "shared_object_id" not in target.read_text()


def test_keras_deserialization_errors_are_cut_to_their_cause():
    from modelspec.builder import _keras_message

    wrapped = TypeError(
        "<class 'keras.src.layers.core.embedding.Embedding'> could not be deserialized properly. Please "
        "ensure that components that are Python object instances (layers, models, etc.) returned by "
        "`get_config()` are explicitly deserialized in the model's `from_config()` method.\n\n"
        "config={'name': 'e', 'input_dim': -5}.\n\nException encountered: Received an invalid value for "
        "argument `input_dim`. Expected a positive integer.")
    assert _keras_message(wrapped) == ("Received an invalid value for argument `input_dim`. "
                                       "Expected a positive integer.")
    assert _keras_message(ValueError("plain\n  message")) == "plain message"

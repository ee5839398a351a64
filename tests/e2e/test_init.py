"""The spec's `init` section: start from trained models by layer name, and combine
prediction layers the way NCF pre-trains NeuMF from GMF and MLP."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from tests.conftest import ROOT

pytestmark = pytest.mark.keras


def two_tower(name: str, towers: list[str]) -> dict:
    """A model over a 6-feature input: one Dense(4) tower per name, concatenated under Dense 'score'."""
    layers = [{"class_name": "InputLayer", "config": {"name": "features", "shape": [6]}}]
    for tower in towers:
        layers.append({"class_name": "Dense", "config": {"name": tower, "units": 4, "activation": "relu"},
                       "inbound_nodes": ["features"]})
    head = towers[0]
    if len(towers) > 1:
        layers.append({"class_name": "Concatenate", "config": {"name": "joined"}, "inbound_nodes": [towers]})
        head = "joined"
    layers.append({"class_name": "Dense", "config": {"name": "score", "units": 1, "activation": "sigmoid"},
                   "inbound_nodes": [head]})
    return {"class_name": "Functional",
            "config": {"name": name, "layers": layers, "input_layers": ["features"], "output_layers": "score"}}


def spec_document(model: dict, **sections) -> dict:
    document = {"modelspec": 1, "name": model["config"]["name"], "seed": 3, "model": model,
                "compile": {"optimizer": {"class_name": "SGD", "config": {"learning_rate": 0.01}},
                            "loss": "binary_crossentropy"},
                "data": {"rows": {"format": "synthetic", "samples": 64}},
                "fit": {"data": "rows", "epochs": 1, "batch_size": 32}}
    document.update(sections)
    return document


@pytest.fixture
def sources(tmp_path: Path) -> dict[str, Path]:
    """Two 'trained' source models saved as .keras archives, each with its own tower and a 'score'."""
    import modelspec

    saved = {}
    for index, tower in enumerate(["left", "right"]):
        path = tmp_path / f"{tower}.yaml"
        path.write_text(yaml.safe_dump(spec_document(two_tower(f"src_{tower}", [tower]), seed=10 + index)))
        model = modelspec.build(modelspec.load(str(path)))
        saved[tower] = tmp_path / "runs" / tower / "model.keras"
        saved[tower].parent.mkdir(parents=True)
        model.save(saved[tower])
    return saved


def combined_spec(tmp_path: Path, **init) -> Path:
    section = {"from": {"left": "runs/left/model.keras", "right": "runs/right/model.keras"},
               "combine": {"score": {"left": 0.5, "right": 0.5}}}
    section.update(init)
    path = tmp_path / "combined.yaml"
    path.write_text(yaml.safe_dump(spec_document(two_tower("combined", ["left", "right"]), init=section),
                                   sort_keys=False))
    return path


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "modelspec", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)


def test_layers_come_from_their_source_and_the_prediction_layer_is_combined(sources, tmp_path):
    import keras

    import modelspec
    from modelspec.run import Reporter, initialize

    spec = modelspec.load(str(combined_spec(tmp_path)))
    model = modelspec.build(spec)
    log = io.StringIO()
    initialize(model, spec, Reporter(log, verbosity=1))
    left, right = (keras.saving.load_model(sources[name]) for name in ("left", "right"))
    for name, source in (("left", left), ("right", right)):
        for mine, theirs in zip(model.get_layer(name).get_weights(), source.get_layer(name).get_weights()):
            np.testing.assert_array_equal(mine, theirs)
    kernel, bias = model.get_layer("score").get_weights()
    (left_kernel, left_bias), (right_kernel, right_bias) = (m.get_layer("score").get_weights()
                                                            for m in (left, right))
    np.testing.assert_allclose(kernel, np.concatenate([0.5 * left_kernel, 0.5 * right_kernel]))
    np.testing.assert_allclose(bias, 0.5 * (left_bias + right_bias))
    assert "init: 3 layer(s) from left, right: score (combined from left, right), left (left), " \
           "right (right)" in log.getvalue()


def test_run_starts_from_the_sources_and_says_so(sources, tmp_path):
    proc = cli("run", str(combined_spec(tmp_path)), "--output-dir", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert "init: 3 layer(s) from left, right" in proc.stdout
    assert "init: 3 layer(s)" in (tmp_path / "out" / "run.log").read_text()


def test_layers_in_no_source_keep_their_initialisation_and_are_listed(sources, tmp_path):
    import modelspec
    from modelspec.run import Reporter, initialize

    path = combined_spec(tmp_path, combine={})
    document = yaml.safe_load(path.read_text())
    document["init"]["from"] = {"left": "runs/left/model.keras"}
    document["model"]["config"]["layers"][-1]["config"]["name"] = "fresh_score"
    document["model"]["config"]["output_layers"] = "fresh_score"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    spec = modelspec.load(str(path))
    model = modelspec.build(spec)
    log = io.StringIO()
    initialize(model, spec, Reporter(log, verbosity=1))
    assert "init: 1 layer(s) from left: left (left); fresh: right, fresh_score" in log.getvalue()


@pytest.mark.parametrize("change, fragment", [
    ({"from": {"left": "runs/nowhere/model.keras"}, "combine": {}},
     "error: /init/from/left: no .keras file at "),
    ({"combine": {}}, "error: /init: layer 'score' is in several sources (left, right)"),
    ({"combine": {"score": {"left": 1.0}}},
     "error: /init/combine/score: the sources' kernels stack to 4x1, but 'score' has a 8x1 kernel"),
    ({"combine": {"joined": {"left": 0.5, "right": 0.5}}},
     "error: /init/combine/joined: the model has no Dense layer 'joined' with a kernel and a bias"),
])
def test_init_problems_are_located_and_nothing_trains(sources, tmp_path, change, fragment):
    out = tmp_path / "out"
    proc = cli("run", str(combined_spec(tmp_path, **change)), "--output-dir", str(out))
    assert proc.returncode == 1, proc.stdout
    assert fragment in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (out / "model.keras").exists()


@pytest.mark.parametrize("change, fragment", [
    ({"combine": {"scroe": {"left": 0.5}}},
     "error: /init/combine/scroe: the model has no layer 'scroe' to combine into"),
    ({"combine": {"score": {"lfet": 0.5, "right": 0.5}}},
     "error: /init/combine/score/lfet: no source named 'lfet' in init.from"),
    ({"from": {"left": "runs/left/model.h5"}}, "error: /init/from/left: "),
])
def test_validate_checks_init_without_reading_the_sources(tmp_path, change, fragment):
    proc = cli("validate", str(combined_spec(tmp_path, **change)))
    assert proc.returncode == 1
    assert fragment in proc.stderr, proc.stderr
    if "scroe" in fragment:
        assert "did you mean 'score'" in proc.stderr

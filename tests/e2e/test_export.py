"""modelspec export: a trained run as a SavedModel, a .keras archive and an ONNX file; each export
is reloaded (tf.saved_model.load, keras.saving.load_model, onnxruntime) and must predict what the
trained model predicts on a batch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.keras

SPEC = """\
modelspec: 1
name: two_heads
seed: 4
model:
  class_name: Functional
  config:
    name: two_heads
    layers:
      - {class_name: InputLayer, config: {name: words, shape: [6], dtype: int32}}
      - {class_name: InputLayer, config: {name: extra, shape: [3]}}
      - {class_name: Embedding, config: {name: embed, input_dim: 20, output_dim: 4}, inbound_nodes: [words]}
      - {class_name: GlobalAveragePooling1D, config: {name: pool}, inbound_nodes: [embed]}
      - {class_name: Concatenate, config: {name: joined}, inbound_nodes: [[pool, extra]]}
      - {class_name: Dense, config: {name: score, units: 1, activation: sigmoid}, inbound_nodes: [joined]}
      - {class_name: Dense, config: {name: amount, units: 2}, inbound_nodes: [joined]}
    input_layers: [words, extra]
    output_layers: [score, amount]
compile: {optimizer: adam, loss: {score: binary_crossentropy, amount: mse}}
data: {train: {format: synthetic, samples: 64}}
fit: {epochs: 1, batch_size: 16}
"""


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "modelspec", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple[Path, list[np.ndarray], list[np.ndarray]]:
    """A finished run, a batch and the trained model's predictions on it."""
    from modelspec.export import load_trained, sample_inputs

    folder = tmp_path_factory.mktemp("export")
    spec = folder / "two_heads.yaml"
    spec.write_text(SPEC)
    proc = cli("run", str(spec), "--output-dir", str(folder / "run"))
    assert proc.returncode == 0, proc.stderr + proc.stdout
    model = load_trained(folder / "run")
    batch = sample_inputs(model, batch=5, seed=7)
    return folder / "run", batch, model.predict(batch, verbose=0)


def export(run: Path, fmt: str) -> Path:
    proc = cli("export", str(run), "--format", fmt)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert "Traceback" not in proc.stderr
    assert f"wrote {run / 'export'}" in proc.stdout
    return run / "export" / {"saved_model": "saved_model", "keras": "model.keras", "onnx": "model.onnx"}[fmt]


def test_saved_model_serves_the_trained_model(trained):
    import tensorflow as tf

    run, batch, want = trained
    loaded = tf.saved_model.load(str(export(run, "saved_model")))  # kept: serve needs its variables alive
    served = loaded.serve(batch)
    for got, expected in zip(served, want, strict=True):
        np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-5, atol=1e-6)


def test_keras_archive_reloads_with_the_same_predictions(trained):
    import keras

    run, batch, want = trained
    model = keras.saving.load_model(export(run, "keras"))
    for got, expected in zip(model.predict(batch, verbose=0), want, strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)


def test_onnx_runs_in_onnxruntime_with_the_same_predictions(trained):
    import onnxruntime

    run, batch, want = trained
    session = onnxruntime.InferenceSession(str(export(run, "onnx")))
    assert [i.name for i in session.get_inputs()] == ["words", "extra"]
    outputs = session.run(None, dict(zip(["words", "extra"], batch, strict=True)))
    for got, expected in zip(outputs, want, strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_a_keras_file_exports_too(trained, tmp_path):
    run, batch, want = trained
    out = tmp_path / "served"
    proc = cli("export", str(run / "model.keras"), "--format", "saved_model", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert (out / "saved_model.pb").is_file()


@pytest.mark.parametrize("make, fragment", [
    (lambda tmp: tmp / "nowhere", "no such run directory or .keras file"),
    (lambda tmp: tmp, "is not a finished run directory: it has no spec.resolved.yaml or model.keras"),
])
def test_bad_sources_are_one_line_errors(tmp_path, make, fragment):
    proc = cli("export", str(make(tmp_path)), "--format", "keras")
    assert proc.returncode == 1
    assert fragment in proc.stderr and "Traceback" not in proc.stderr


def test_onnx_without_tf2onnx_names_the_extra(trained, tmp_path, monkeypatch):
    from modelspec import export as exporter

    monkeypatch.setitem(sys.modules, "tf2onnx", None)  # as if it were not installed
    model = exporter.load_trained(trained[0])
    with pytest.raises(exporter.ExportError, match=r"pip install 'modelspec\[onnx\]'"):
        exporter.export(model, "onnx", tmp_path / "model.onnx")
    assert not (tmp_path / "model.onnx").exists()

"""specs/plugins/: a custom layer from a plugin module, as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import modelspec
from tests.conftest import ROOT

pytestmark = pytest.mark.keras

SPEC = ROOT / "specs" / "plugins" / "my_layer.yaml"


def cli(*args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "modelspec", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=600)


def test_validate_accepts_the_plugin_layer_unchecked_with_a_note():
    proc = cli("validate", str(SPEC))
    assert proc.returncode == 0, proc.stderr
    assert ("my_layer.yaml:25:21: note: /model/config/layers/1/class_name: layer 'projection': MyLayer "
            "comes from plugin module 'my_layers'; its config is accepted as it is, unchecked") in proc.stderr


def test_validate_with_plugins_schema_checks_the_plugin_layer(tmp_path):
    good = cli("validate", "--plugins-schema", str(SPEC))
    assert good.returncode == 0, good.stderr
    assert "note:" not in good.stderr
    bad = tmp_path / "my_layer.yaml"
    bad.write_text(SPEC.read_text().replace("output_dim: 8}", "output_dim: 8, outptu: 3}"))
    (tmp_path / "my_layers.py").write_text((SPEC.parent / "my_layers.py").read_text())
    proc = cli("validate", "--plugins-schema", str(bad))
    assert proc.returncode == 1
    assert ("my_layer.yaml:28:51: error: /model/config/layers/1/config/outptu: unknown parameter 'outptu' "
            "for layer 'projection'\n    hint: did you mean 'output_dim'?") in proc.stderr
    # without the flag the same typo passes, unchecked: the note says so
    assert cli("validate", str(bad)).returncode == 0


def test_summary_without_consent_names_the_module_and_imports_nothing():
    proc = cli("summary", str(SPEC))
    assert proc.returncode == 1
    assert "the spec wants to import my_layers" in proc.stderr
    assert "--allow-plugins" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_the_plugin_spec_runs_with_consent(tmp_path):
    out = tmp_path / "run"
    proc = cli("run", str(SPEC), "--allow-plugins", "--output-dir", str(out), "-q")
    assert proc.returncode == 0, proc.stderr
    metrics = json.loads((out / "metrics.json").read_text())  # evaluate's, on the test split
    assert set(metrics) == {"accuracy", "loss"}
    assert 0.0 <= metrics["accuracy"] <= 1.0 and metrics["loss"] > 0


def test_the_plugin_layer_round_trips():
    model = modelspec.build(str(SPEC), allow_plugins=True)
    assert type(model.get_layer("projection")).__name__ == "MyLayer"
    spec = modelspec.from_model(model)
    entry = next(e for e in spec["model"]["config"]["layers"] if e["class_name"] == "MyLayer")
    assert entry == {"class_name": "MyLayer", "module": "my_layers", "registered_name": "my_layers>MyLayer",
                     "config": {"name": "projection", "trainable": True,
                                "dtype": entry["config"]["dtype"], "output_dim": 8}}
    spec["plugins"] = ["my_layers"]
    rebuilt = modelspec.build(spec, allow_plugins=True)
    assert rebuilt.get_config() == model.get_config()

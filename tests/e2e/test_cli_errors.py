"""Bad input through the CLI, as a user meets it: located messages, exit codes, no traceback."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def cli(*args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "modelspec", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def no_traceback(proc: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr


GOOD_HEAD = """\
modelspec: 1
model:
  class_name: Functional
  config:
    name: m
    layers:
      - class_name: InputLayer
        config: {name: x, shape: [8]}
"""

# (name, text, expected stderr fragment "FILE:LINE:COL: error: ..." with FILE left out)
BAD_FILES = [
    ("malformed_yaml", "modelspec: 1\nmodel: {class_name: Functional\n", ":2:8: error: /: invalid YAML: the '{' here is never closed"),
    ("wrong_type", GOOD_HEAD + "      - class_name: Dense\n        config: {name: d, units: many}\n"
     "        inbound_nodes: [x]\n    input_layers: [x]\n    output_layers: [d]\n",
     ":10:34: error: /model/config/layers/1/config/units: layer 'd': units must be an integer"),
    ("unknown_layer", GOOD_HEAD + "      - class_name: Dense2\n        config: {name: d, units: 2}\n"
     "        inbound_nodes: [x]\n    input_layers: [x]\n    output_layers: [d]\n",
     ":9:21: error: /model/config/layers/1/class_name: layer 'd': unknown layer class 'Dense2'"),
    ("dangling_reference", GOOD_HEAD + "      - class_name: Dense\n        config: {name: d, units: 2}\n"
     "        inbound_nodes: [y]\n    input_layers: [x]\n    output_layers: [d]\n",
     ":11:25: error: /model/config/layers/1/inbound_nodes/0: layer 'd' refers to 'y'"),
    ("duplicate_key", "modelspec: 1\nmodelspec: 1\nmodel: {}\n", ":2:1: error:"),
    ("python_tag", "modelspec: 1\nmodel: !!python/object/apply:os.system ['touch pwned']\n", ":2:8: error:"),
    ("top_level_list", "- modelspec: 1\n", "error: /: a spec is a mapping"),
]


@pytest.mark.parametrize("name,text,fragment", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_spec_gets_a_located_error_and_exit_1(tmp_path, name, text, fragment):
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    proc = cli("validate", str(path), cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    no_traceback(proc)
    assert f"{path}{fragment}" in proc.stderr or fragment in proc.stderr, proc.stderr
    assert not (tmp_path / "pwned").exists()


def test_missing_file_is_an_error_not_a_crash(tmp_path):
    proc = cli("validate", str(tmp_path / "nope.yaml"))
    assert proc.returncode == 1
    no_traceback(proc)
    assert "nope.yaml" in proc.stderr


def test_json_format_lists_every_diagnostic_on_stdout(tmp_path):
    path = tmp_path / "two.yaml"
    path.write_text(GOOD_HEAD + "      - class_name: Dense\n        config: {name: d, unit: 2}\n"
                    "        inbound_nodes: [y]\n    input_layers: [x]\n    output_layers: [d]\n")
    proc = cli("validate", "--format", "json", str(path))
    assert proc.returncode == 1
    found = json.loads(proc.stdout)
    # 'unit' for 'units' is one mistake: the "needs 'units'" that follows from it is left out.
    assert [(d["line"], d["code"]) for d in found] == [(10, "unknown-parameter"), (11, "dangling-reference")]
    assert all(d["source"] == str(path) for d in found)


def test_usage_errors_exit_2():
    assert cli("frobnicate").returncode == 2
    assert cli("validate").returncode == 2
    assert cli("convert", "specs/mnist_mlp.yaml").returncode == 2


def test_help_lists_every_command():
    proc = cli("--help")
    assert proc.returncode == 0
    for command in ("validate", "summary", "convert", "schema"):
        assert command in proc.stdout


@pytest.mark.keras
def test_shape_error_at_build_time_points_at_the_layer(tmp_path):
    path = tmp_path / "shape.yaml"
    path.write_text(
        "modelspec: 1\nmodel:\n  class_name: Functional\n  config:\n    name: m\n    layers:\n"
        "      - {class_name: InputLayer, config: {name: a, shape: [4, 3]}}\n"
        "      - {class_name: InputLayer, config: {name: b, shape: [5]}}\n"
        "      - class_name: Concatenate\n        config: {name: cat, axis: 1}\n"
        "        inbound_nodes: [[a, b]]\n    input_layers: [a, b]\n    output_layers: [cat]\n")
    assert cli("validate", str(path)).returncode == 0  # shapes are known only to Keras
    proc = cli("summary", str(path))
    assert proc.returncode == 1
    no_traceback(proc)
    assert f"{path}:11:25: error: /model/config/layers/2/inbound_nodes/0: layer 'cat':" in proc.stderr
    assert "matching shapes" in proc.stderr


@pytest.mark.keras
def test_plugins_need_permission(tmp_path):
    path = tmp_path / "plugin.yaml"
    path.write_text("modelspec: 1\nplugins: [my_plugin]\nmodel:\n  class_name: Sequential\n"
                    "  config:\n    name: s\n    layers:\n"
                    "      - {class_name: InputLayer, config: {name: x, shape: [2]}}\n")
    (tmp_path / "my_plugin.py").write_text("open('ran', 'w').write('x')\n")
    proc = cli("summary", str(path), cwd=tmp_path)
    assert proc.returncode == 1
    assert "my_plugin" in proc.stderr and "--allow-plugins" in proc.stderr
    assert not (tmp_path / "ran").exists()
    proc = cli("summary", "--allow-plugins", str(path), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "ran").exists()


@pytest.mark.keras
def test_convert_refuses_a_keras_file_that_is_not_a_zip(tmp_path):
    fake = tmp_path / "model.keras"
    fake.write_text("not a zip")
    proc = cli("convert", str(fake), "-o", str(tmp_path / "out.yaml"))
    assert proc.returncode == 1
    no_traceback(proc)
    assert "not a zip archive" in proc.stderr
    assert not (tmp_path / "out.yaml").exists()

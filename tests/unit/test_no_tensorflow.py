"""validate never imports TensorFlow, Keras or plugins: checked in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT

PROBE = """
import json, sys
import modelspec
diagnostics = modelspec.validate(sys.argv[1])
heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'my_plugin'))
print(json.dumps({'heavy': heavy, 'errors': [d.message for d in diagnostics if d.is_error]}))
"""


def run_probe(path: str) -> dict:
    result = subprocess.run([sys.executable, "-c", PROBE, path], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_validating_an_example_spec_imports_no_tensorflow_or_keras():
    outcome = run_probe(str(ROOT / "specs" / "news_headline.yaml"))
    assert outcome == {"heavy": [], "errors": []}


def test_validating_a_spec_with_plugins_imports_no_plugin(tmp_path):
    plugin = tmp_path / "my_plugin.py"
    marker = tmp_path / "imported"
    plugin.write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "modelspec: 1\n"
        "plugins: [my_plugin]\n"
        "model:\n"
        "  class_name: Sequential\n"
        "  config:\n"
        "    name: s\n"
        "    layers:\n"
        "      - {class_name: InputLayer, config: {name: x, shape: [2]}}\n"
        "      - {class_name: FM, module: my_plugin, registered_name: my_plugin>FM, config: {name: fm}}\n"
    )
    result = subprocess.run([sys.executable, "-c", PROBE, str(spec)], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120,
                            env={"PYTHONPATH": f"{tmp_path}:{ROOT}", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["heavy"] == []
    assert not marker.exists()


def test_the_cli_validate_command_imports_no_tensorflow():
    code = ("import io, sys; from modelspec.cli.main import main; "
            "rc = main(['validate', sys.argv[1]], stdout=io.StringIO()); "
            "print(rc, any(m.split('.')[0] in ('tensorflow', 'keras') for m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code, str(ROOT / "specs" / "mnist_mlp.yaml")],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == ["0", "False"], result.stderr


def test_validating_modelspecs_own_layers_imports_no_tensorflow(tmp_path):
    spec = tmp_path / "fm.yaml"
    spec.write_text(
        "modelspec: 1\n"
        "model:\n"
        "  class_name: Sequential\n"
        "  config:\n"
        "    name: s\n"
        "    layers:\n"
        "      - {class_name: InputLayer, config: {name: x, shape: [6]}}\n"
        "      - {class_name: FactorizationMachine, config: {name: fm, output_dim: 3, factor_order: 2}}\n"
        "      - class_name: FactorizationMachine\n"
        "        module: modelspec.layers\n"
        "        registered_name: modelspec>FactorizationMachine\n"
        "        config: {name: fm2, output_dim: 1, factor_order: 2, activation: sigmoid}\n")
    outcome = run_probe(str(spec))
    assert outcome == {"heavy": [], "errors": []}
    assert "modelspec.layers" not in outcome["heavy"]


def test_the_cli_imports_only_the_command_it_runs():
    """validate builds only its own subparser: no other command's module (run,
    export, search ...) is imported, and top-level help still lists them all."""
    code = ("import io, sys; from modelspec.cli.main import main; "
            "rc = main(['validate', sys.argv[1]], stdout=io.StringIO()); "
            "print(rc, sorted(m for m in sys.modules if m.startswith('modelspec.cli.')))")
    result = subprocess.run([sys.executable, "-c", code, str(ROOT / "specs" / "mnist_mlp.yaml")],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split(maxsplit=1) == ["0", "['modelspec.cli.main', 'modelspec.cli.validate_cmd']\n"]
    listing = subprocess.run([sys.executable, "-m", "modelspec", "--help"], cwd=ROOT,
                             capture_output=True, text=True, timeout=120)
    for command in ("validate", "summary", "run", "convert", "plot", "report", "search", "export", "schema"):
        assert f"    {command} " in listing.stdout

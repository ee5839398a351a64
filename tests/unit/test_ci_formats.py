"""validate's machine-readable formats for CI: --format json and --format github."""

from __future__ import annotations

import io
import json
from pathlib import Path

from modelspec.cli.main import main
from modelspec.diagnostics import Diagnostic, Severity, render_github

ROOT = Path(__file__).resolve().parents[2]

BAD = """\
modelspec: 1
model:
  class_name: Sequential
  config:
    layers:
      - {class_name: InputLayer, config: {shape: [4]}}
      - {class_name: Dense, config: {unit: 3}}
      - {class_name: Dense2, config: {units: 3}}
"""


def validate(*args: str) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    code = main(["validate", *args], stdout=stdout, stderr=stderr)
    return code, stdout.getvalue(), stderr.getvalue()


def test_github_format_annotates_each_problem_on_its_line(tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text(BAD)
    code, out, err = validate("--format", "github", str(spec))
    assert code == 1
    first, second = out.splitlines()
    assert first == (f"::error file={spec},line=7,col=38,title=modelspec /model/config/layers/1/config/unit "
                     "(unknown-parameter)::unknown parameter 'unit' for Dense layer%0Ahint: did you mean 'units'?")
    assert second.startswith(f"::error file={spec},line=8,col=22,title=modelspec /model/config/layers/2/"
                             "class_name (unknown-layer)::Dense2 layer: unknown layer class 'Dense2'")
    assert "%0Ahint: did you mean 'Dense'?" in second
    assert err == "2 error(s) in 1 file(s)\n"


def test_github_format_on_valid_specs_prints_no_annotation():
    code, out, err = validate("--format", "github", str(ROOT / "specs" / "mnist_mlp.yaml"))
    assert code == 0 and out == "1 file(s) valid\n" and err == ""


def test_github_escaping_keeps_one_command_per_line():
    diag = Diagnostic("/a,b", "50% bad\nsecond line", severity=Severity.WARNING, source="dir:x/s,1.yaml",
                      line=3, column=2)
    assert render_github([diag]) == (
        "::warning file=dir%3Ax/s%2C1.yaml,line=3,col=2,title=modelspec /a%2Cb::50%25 bad%0Asecond line")
    note = Diagnostic("", "plugin layer unchecked", severity=Severity.NOTE)
    assert render_github([note]) == "::notice title=modelspec /::plugin layer unchecked"


def test_json_format_lists_the_same_diagnostics(tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text(BAD)
    code, out, err = validate("--format", "json", str(spec))
    assert code == 1 and err == ""
    found = json.loads(out)
    assert [(d["line"], d["column"], d["code"], d["severity"]) for d in found] == [
        (7, 38, "unknown-parameter", "error"), (8, 22, "unknown-layer", "error")]
    assert found[0]["source"] == str(spec) and found[0]["hint"] == "did you mean 'units'?"

"""Hostile files (tests/hostile/, plus big ones made here): every one is refused
with the exact exit code and a located message, within 5 s and 500 MB for
`validate`, and nothing named by the file runs: no canary file appears,
`keras.config.floatx()` stays float32, and no file is read but the spec (and
Python's and modelspec's own) or written but the one asked for.

Each command runs in a fresh interpreter through DRIVER, which records every
file Python opens (an audit hook) and the process's peak memory.
"""

from __future__ import annotations

import base64
import json
import marshal
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

HOSTILE = ROOT / "tests" / "hostile"

DRIVER = r"""
import json, os, sys
opened = []
recording = [True]
def hook(event, args):
    if recording[0] and event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
        mode = args[1] if len(args) > 1 and isinstance(args[1], str) else "r"
        opened.append([os.path.abspath(os.fsdecode(args[0])), mode])
sys.addaudithook(hook)
from modelspec.cli.main import main
rc = main(sys.argv[2:])
recording[0] = False
# VmHWM: this process's peak memory since exec (ru_maxrss would count the
# memory of the forking parent, pytest with TensorFlow loaded).
with open("/proc/self/status") as status:
    peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
report = {"rc": rc, "opened": opened,
          "max_rss_mb": peak / 1024,
          "floatx": sys.modules["keras"].config.floatx() if "keras" in sys.modules else None}
sys.stderr.flush()
with open(sys.argv[1], "w") as handle:
    json.dump(report, handle)
"""

# file -> (pointer fragment of the located error, message fragment)
CASES = {
    "python_tag.yaml": ("/model", "YAML tag '!!python/object/apply:os.system' is not allowed"),
    "python_name_tag.yaml": ("/model/class_name", "YAML tag '!!python/name:os.system' is not allowed"),
    "alias_bomb.yaml": ("", "alias"),
    "invalid_utf8.yaml": ("", "UTF-8"),
    "empty.yaml": ("", "empty"),
    "list_at_top.yaml": ("/", "a spec is a mapping"),
    "json_nan.json": ("/model/config/layers/1/config/rate", "NaN"),
    "duplicate_keys.yaml": ("/model", "duplicate key 'model'"),
    "module_os_system.yaml": ("/model/config/layers/1/module", "module 'os' is not allowed"),
    "registered_name_gadget.yaml": ("/model/config/layers/1/registered_name", "x>Dense"),
    "tfsmlayer.yaml": ("/model/config/layers/1/class_name", "TFSMLayer is refused"),
    "stringlookup_file.yaml": ("/model/config/layers/1/config/vocabulary", "vocabulary file path is refused"),
    "path_traversal_name.yaml": ("/model/config/layers/1/config/name", "is not a safe identifier"),
    "lambda_set_floatx.yaml": ("/model/config/layers/1/class_name", "Lambda is refused"),
    "lambda_get_file.yaml": ("/model/config/layers/1/class_name", "Lambda is refused"),
    "activation_gadget.yaml": ("/model/config/layers/1/config/activation",
                               "serialized function 'set_floatx' is refused"),
    "node_kwargs_smuggling.yaml": ("/model/config/layers/1/inbound_nodes/0/kwargs/training",
                                   "node arguments may hold only tensor references and plain values"),
    # made by made_files() below
    "lambda_bytecode.yaml": ("/model/config/layers/1/config/function", "serialized Python bytecode is refused"),
    "deep_nesting.yaml": ("", "nest"),
    "deep_nesting.json": ("", "nest"),
    "huge_scalar.yaml": ("/name", "a value of 52,428,800 characters is too long"),
}
GADGETS = ["lambda_set_floatx.yaml", "lambda_get_file.yaml", "activation_gadget.yaml", "lambda_bytecode.yaml",
           "module_os_system.yaml", "node_kwargs_smuggling.yaml", "registered_name_gadget.yaml"]


def made_files(folder: Path) -> None:
    """The hostile files that are too big to keep, or that hold this Python's bytecode."""
    canary = str(folder / "CANARY")
    code = marshal.dumps((lambda x: (open(canary, "w").write("ran"), x)[1]).__code__)  # noqa: SIM115
    function = {"class_name": "__lambda__", "config": {"code": base64.b64encode(code).decode(), "defaults": None,
                                                       "closure": None}}
    (folder / "lambda_bytecode.yaml").write_text(
        (HOSTILE / "lambda_set_floatx.yaml").read_text().replace(
            "function: {module: keras.config, class_name: function, config: set_floatx, registered_name: function}",
            "function: " + json.dumps(function)))
    (folder / "deep_nesting.yaml").write_text("modelspec: 1\nmodel: " + "[" * 10_000 + "]" * 10_000 + "\n")
    (folder / "deep_nesting.json").write_text('{"modelspec": 1, "model": ' + "[" * 10_000 + "]" * 10_000 + "}")
    (folder / "huge_scalar.yaml").write_text("modelspec: 1\nname: " + "x" * (50 * 1024 * 1024) + "\n")


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    for path in HOSTILE.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    made_files(folder)
    return folder


def run(work: Path, *args: str) -> tuple[subprocess.CompletedProcess, dict, float]:
    report_path = work.parent / f"report-{os.getpid()}-{time.monotonic_ns()}.json"
    env = dict(os.environ, KERAS_HOME=str(work / "keras-home"))
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", DRIVER, str(report_path), *args], cwd=work, env=env,
                          capture_output=True, text=True, timeout=300)
    elapsed = time.monotonic() - started
    report = json.loads(report_path.read_text())
    report_path.unlink()
    return proc, report, elapsed


def allowed_reads(spec: Path) -> list[str]:
    import modelspec

    roots = {sys.prefix, sys.base_prefix, str(Path(modelspec.__file__).resolve().parent),
             str(ROOT / "schemas"), "/proc", "/dev", "/sys", "/etc/ld.so", "/usr/lib", "/lib", "/usr/share/zoneinfo"}
    return [str(spec.resolve()), *sorted(roots)]


def check_nothing_ran(work: Path, before: set[str], report: dict) -> None:
    assert not (work / "CANARY").exists()
    assert not (work / "keras-home").exists()
    assert {p.name for p in work.iterdir()} == before
    assert report["floatx"] in (None, "float32")


@pytest.mark.parametrize("name", sorted(CASES))
def test_validate_refuses_it_located_bounded_and_runs_nothing(work, name):
    spec = work / name
    before = {p.name for p in work.iterdir()}
    proc, report, elapsed = run(work, "validate", str(spec))
    assert report["rc"] == 1 and proc.returncode == 0  # the driver itself exits 0
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    pointer, fragment = CASES[name]
    errors = [line for line in proc.stderr.splitlines() if ": error: " in line]
    assert errors, proc.stderr
    assert any(f"{spec}:" in line and f": error: {pointer or '/'}" in line and fragment in line
               for line in errors), proc.stderr[-3000:]
    assert all(line.startswith(f"{spec}:") and line.split(":")[1].isdigit() for line in errors)
    assert elapsed <= 5, f"validate took {elapsed:.1f} s"
    assert report["max_rss_mb"] <= 500, f"validate used {report['max_rss_mb']:.0f} MB"
    # It read the spec and Python's and modelspec's own files, nothing else; it wrote nothing.
    allowed = allowed_reads(spec)
    strays = [p for p, mode in report["opened"] if not any(p == a or p.startswith(a + os.sep) for a in allowed)]
    assert strays == []
    assert [p for p, mode in report["opened"] if any(c in mode for c in "wax+")] == []
    check_nothing_ran(work, before, report)


@pytest.mark.parametrize("name", sorted(CASES))
def test_convert_to_spec_refuses_it_and_writes_nothing(work, name):
    before = {p.name for p in work.iterdir()}
    proc, report, _ = run(work, "convert", str(work / name), "-o", str(work / "out.yaml"))
    assert report["rc"] == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    assert f"{work / name}:" in proc.stderr
    check_nothing_ran(work, before, report)


@pytest.mark.keras
@pytest.mark.parametrize("name", GADGETS)
def test_summary_refuses_a_gadget_before_keras_can_run_it(work, name):
    before = {p.name for p in work.iterdir()}
    proc, report, _ = run(work, "summary", str(work / name))
    assert report["rc"] == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    check_nothing_ran(work, before, report)


def test_a_keras_file_that_is_not_a_zip_and_one_that_escapes(work, tmp_path):
    not_zip = tmp_path / "model.keras"
    not_zip.write_bytes(b"this is not a zip archive")
    escaping = tmp_path / "escape.keras"
    with zipfile.ZipFile(escaping, "w") as archive:
        archive.writestr("config.json", json.dumps({"class_name": "Sequential", "config": {"layers": []}}))
        archive.writestr("../../escaped.txt", "x")
    for path, fragment in ((not_zip, "not a .keras file (not a zip archive)"),
                           (escaping, "the archive has an unsafe entry '../../escaped.txt'")):
        proc, report, elapsed = run(work, "convert", str(path), "-o", str(tmp_path / "out.yaml"))
        assert report["rc"] == 1
        assert f"{path}: error: /: {fragment}" in proc.stderr
        assert not (tmp_path / "out.yaml").exists() and not (tmp_path.parent / "escaped.txt").exists()


@pytest.mark.keras
def test_summary_refuses_a_huge_model_before_allocating_it(tmp_path):
    spec = tmp_path / "huge.yaml"
    spec.write_text((HOSTILE / "registered_name_gadget.yaml").read_text()
                    .replace('        registered_name: "x>Dense"\n', "")
                    .replace("units: 2", "units: 1000000000").replace("shape: [4]", "shape: [100000]"))
    proc, report, _ = run(tmp_path, "summary", str(spec))
    assert report["rc"] == 1
    assert "the model has 100,001,000,000,000 parameters" in proc.stderr
    assert f"{spec}:3:3: error: /model:" in proc.stderr
    assert report["max_rss_mb"] <= 1500  # TensorFlow itself; the 400 TB of weights never are

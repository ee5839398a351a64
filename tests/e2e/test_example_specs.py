"""End-to-end tests of the example specs in specs/.

* every spec validates and builds EXACTLY the model written by hand with the
  Keras API in tests/e2e/handwritten.py (``get_config()`` and
  ``get_compile_config()``);
* the ``modelspec`` command line (run as ``python -m modelspec``) validates
  them, summarises them and converts them stably.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import copy  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
import yaml  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import keras  # noqa: E402

import modelspec  # noqa: E402

from tests.helpers import diff_message  # noqa: E402

from .handwritten import HANDWRITTEN  # noqa: E402

pytestmark = pytest.mark.keras

SPECS = ROOT / "specs"
SPEC_FILES = sorted(HANDWRITTEN)


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def _snake(name: str) -> str:
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def normalise_optimizer_name(compile_config: dict) -> dict:
    """Replace an AUTO-GENERATED optimizer name by a placeholder; nothing else.

    Keras names an optimizer made without ``name=`` after its class and makes
    the name unique in the process: the same ``"rmsprop"`` is "rm_sprop" the
    first time, then "rm_sprop_1", "rm_sprop_2", ... (see
    test_optimizer_auto_name_is_noise).  The name thus depends on how many
    optimizers were created earlier, not on the spec: it is naming noise.  Only
    a name of exactly that form is replaced; everything else compares exactly.
    """
    cc = copy.deepcopy(compile_config)
    opt = cc.get("optimizer")
    if isinstance(opt, dict) and isinstance(opt.get("config"), dict):
        name = opt["config"].get("name")
        base = _snake(str(opt.get("class_name", "")))
        if isinstance(name, str) and re.fullmatch(re.escape(base) + r"(_\d+)?", name):
            opt["config"]["name"] = "<auto>"
    return cc


def assert_same_model(got: keras.Model, want: keras.Model) -> None:
    assert type(got) is type(want), (type(got), type(want))
    assert got.get_config() == want.get_config(), diff_message(got.get_config(), want.get_config())
    assert got.compiled == want.compiled
    if want.compiled:
        g = normalise_optimizer_name(got.get_compile_config())
        w = normalise_optimizer_name(want.get_compile_config())
        assert g == w, diff_message(g, w, "compile config")


def problems(diagnostics) -> list[str]:
    """Errors and warnings (notes are fine) as readable strings."""
    return [
        f"{d.severity.value} {d.pointer} (line {d.line}): {d.message}"
        for d in diagnostics
        if getattr(d.severity, "value", d.severity) in ("error", "warning")
    ]


# Lines that TensorFlow's native (absl / C++) logging writes to stderr when it
# is imported, whatever TF_CPP_MIN_LOG_LEVEL says in TF 2.21 (checked: they
# appear for a bare `python -c "import keras"`).  They are not modelspec
# output, so they are the only thing removed from stderr before checking it.
_TF_NATIVE_LOG = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|[IWEF]\d{4} [\d:.]+\s+\d+ [\w.\-]+:\d+\] .*"
    r"|To enable the following instructions: .*)$"
)


def modelspec_stderr(stderr: str) -> str:
    return "\n".join(line for line in stderr.splitlines() if not _TF_NATIVE_LOG.match(line)).strip()


def cli(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in [env.get("PYTHONPATH")] if p])
    return subprocess.run(
        [sys.executable, "-m", "modelspec", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def explain(proc: subprocess.CompletedProcess) -> str:
    return f"exit {proc.returncode}\n--- stdout\n{proc.stdout}\n--- stderr\n{modelspec_stderr(proc.stderr)}"


# --------------------------------------------------------------------------
# the example specs themselves
# --------------------------------------------------------------------------


def test_every_spec_has_a_handwritten_model():
    assert sorted(p.name for p in SPECS.glob("*.yaml")) == SPEC_FILES


def test_optimizer_auto_name_is_noise():
    a, b = keras.optimizers.RMSprop(), keras.optimizers.RMSprop()
    assert a.name != b.name  # same constructor, different names
    for opt in (a, b):
        cc = {"optimizer": keras.optimizers.serialize(opt)}
        assert normalise_optimizer_name(cc)["optimizer"]["config"]["name"] == "<auto>"
    named = {"optimizer": keras.optimizers.serialize(keras.optimizers.Adam(name="mine"))}
    assert normalise_optimizer_name(named) == named


@pytest.mark.parametrize("filename", SPEC_FILES)
def test_spec_header(filename):
    doc = yaml.safe_load((SPECS / filename).read_text())
    assert doc["modelspec"] == 1
    assert doc["name"] == Path(filename).stem
    assert isinstance(doc["description"], str) and doc["description"].strip()
    assert doc["model"]["config"]["name"] == Path(filename).stem
    assert "compile" in doc


@pytest.mark.parametrize("filename", SPEC_FILES)
def test_spec_validates(filename):
    diagnostics = modelspec.validate(str(SPECS / filename))
    assert problems(diagnostics) == []


@pytest.mark.parametrize("filename", SPEC_FILES)
def test_build_matches_handwritten(filename):
    built = modelspec.build(str(SPECS / filename))
    assert_same_model(built, HANDWRITTEN[filename]())


@pytest.mark.parametrize("filename", SPEC_FILES)
def test_load_then_build(filename):
    spec = modelspec.load(str(SPECS / filename))
    assert problems(modelspec.validate(spec)) == []
    assert_same_model(modelspec.build(spec), HANDWRITTEN[filename]())


@pytest.mark.parametrize("filename", SPEC_FILES)
def test_build_from_dict(filename):
    doc = yaml.safe_load((SPECS / filename).read_text())
    assert_same_model(modelspec.build(doc), HANDWRITTEN[filename]())


@pytest.mark.parametrize("filename", SPEC_FILES)
def test_from_handwritten_builds_same(filename):
    # from_model of the hand-written model is a spec of the same model
    want = HANDWRITTEN[filename]()
    spec = modelspec.from_model(want)
    assert spec["modelspec"] == 1
    assert_same_model(modelspec.build(spec), want)


# --------------------------------------------------------------------------
# command line
# --------------------------------------------------------------------------


def test_cli_validate_all_specs():
    proc = cli("validate", *(f"specs/{f}" for f in SPEC_FILES))
    assert proc.returncode == 0, explain(proc)
    assert modelspec_stderr(proc.stderr) == "", explain(proc)


def test_cli_validate_invalid_spec_exits_1(tmp_path):
    doc = yaml.safe_load((SPECS / "mnist_mlp.yaml").read_text())
    doc["model"]["config"]["layers"][2]["inbound_nodes"] = ["no_such_layer"]
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(doc, sort_keys=False))
    proc = cli("validate", str(bad))
    assert proc.returncode == 1, explain(proc)
    assert "no_such_layer" in proc.stdout + proc.stderr, explain(proc)


def test_cli_usage_error_exits_2():
    proc = cli("no-such-command")
    assert proc.returncode == 2, explain(proc)


def test_cli_summary_news_headline():
    proc = cli("summary", "specs/news_headline.yaml")
    assert proc.returncode == 0, explain(proc)
    lines = proc.stdout.splitlines()
    for output, weight in (("main_output", r"1(\.0*)?"), ("aux_output", r"0?\.20*")):
        pattern = re.compile(rf"(?<![\w.]){weight}(?![\d.])")
        assert any(output in line and pattern.search(line) for line in lines), (
            f"no line shows {output} with its loss weight\n" + explain(proc)
        )


@pytest.mark.parametrize("filename", SPEC_FILES)
def test_cli_convert_is_stable(filename, tmp_path):
    out = tmp_path / "out.yaml"
    out2 = tmp_path / "out2.yaml"
    proc = cli("convert", f"specs/{filename}", "-o", str(out))
    assert proc.returncode == 0, explain(proc)
    proc = cli("convert", str(out), "-o", str(out2))
    assert proc.returncode == 0, explain(proc)
    assert out2.read_bytes() == out.read_bytes()
    original = modelspec.build(str(SPECS / filename))
    converted = modelspec.build(str(out))
    assert_same_model(converted, original)


def test_cli_convert_to_keras_and_back(tmp_path):
    keras_file = tmp_path / "mnist_mlp.keras"
    back = tmp_path / "back.yaml"
    proc = cli("convert", "specs/mnist_mlp.yaml", "-o", str(keras_file), "--to", "keras")
    assert proc.returncode == 0, explain(proc)
    loaded = keras.saving.load_model(keras_file)
    want = HANDWRITTEN["mnist_mlp.yaml"]()
    # Keras's own load_model gives build_config shapes as lists, not tuples
    # (model.save() + load_model() of the hand-written model does the same),
    # so the .keras file is compared as JSON data.
    got_json = json.loads(json.dumps(loaded.get_config()))
    want_json = json.loads(json.dumps(want.get_config()))
    assert got_json == want_json, diff_message(got_json, want_json)
    proc = cli("convert", str(keras_file), "-o", str(back), "--to", "spec")
    assert proc.returncode == 0, explain(proc)
    assert_same_model(modelspec.build(str(back)), want)

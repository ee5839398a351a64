"""Golden round-trip tests: Keras model -> modelspec spec -> Keras model.

For every model of the zoo (tests/golden/zoo.py), and every compile setup of
``zoo.COMPILES``:

1. ``spec = modelspec.from_model(m)`` is plain JSON data with ``"modelspec": 1``,
   validates without errors and builds a model whose ``get_config()`` is
   EXACTLY ``m.get_config()`` (and ``get_compile_config()`` for compiled ones);
2. it is idempotent: ``from_model(build(spec)) == spec``;
3. a verbatim ``json.loads(m.to_json())`` and a bare ``m.get_config()`` are
   accepted as the ``model:`` section too;
4. the spec is concise: built-in layers carry no ``module`` /
   ``registered_name`` / ``build_config`` and default parameters are left out.

Models are built once per process and cached; tests never mutate them.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import copy  # noqa: E402
import functools  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import keras  # noqa: E402

import modelspec  # noqa: E402

from tests.helpers import diff_message  # noqa: E402

from .zoo import COMPILES, MODELS, keras_self_roundtrip, make_compiled  # noqa: E402

pytestmark = pytest.mark.keras

MODEL_NAMES = sorted(MODELS)
COMPILE_NAMES = sorted(COMPILES)


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def errors_of(diagnostics) -> list:
    return [d for d in diagnostics if getattr(d.severity, "value", d.severity) == "error"]


def _snake(name: str) -> str:
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def normalise_optimizer_name(compile_config: dict) -> dict:
    """Replace an AUTO-GENERATED optimizer name by a placeholder.

    Keras names an optimizer created without ``name=`` after its class and
    makes it unique in the process: the first ``Adam()`` is "adam", the next
    "adam_1", "adam_2", ... (proven by test_optimizer_auto_name_is_noise).  So
    the name depends on how many optimizers were made before, not on the spec.
    Only a name of that exact form (snake_case class name + optional _N) is
    replaced; a user-chosen name is compared exactly.
    """
    cc = copy.deepcopy(compile_config)
    opt = cc.get("optimizer")
    if isinstance(opt, dict) and isinstance(opt.get("config"), dict):
        name = opt["config"].get("name")
        base = _snake(str(opt.get("class_name", "")))
        if isinstance(name, str) and re.fullmatch(re.escape(base) + r"(_\d+)?", name):
            opt["config"]["name"] = "<auto>"
    return cc


@functools.cache
def _model(name: str) -> keras.Model:
    return MODELS[name]()


@functools.cache
def _compiled(name: str) -> keras.Model:
    return make_compiled(name)


@functools.cache
def _spec_json(name: str, compiled: bool) -> str:
    # cached as JSON text so that no test can mutate another's spec
    m = _compiled(name) if compiled else _model(name)
    return json.dumps(modelspec.from_model(m))


def spec_of(name: str, compiled: bool = False) -> dict:
    """from_model of the cached model, freshly (checks not cached)."""
    m = _compiled(name) if compiled else _model(name)
    return modelspec.from_model(m)


def cached_spec(name: str, compiled: bool = False) -> dict:
    return json.loads(_spec_json(name, compiled))


def _built(spec: dict) -> keras.Model:
    return modelspec.build(copy.deepcopy(spec))


# --------------------------------------------------------------------------
# the zoo itself (guards against a Keras change making a test meaningless)
# --------------------------------------------------------------------------


def test_zoo_is_big_enough():
    assert len(MODELS) >= 24


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_keras_self_roundtrip(name):
    m = _model(name)
    again = keras_self_roundtrip(m)
    assert again.get_config() == m.get_config(), diff_message(again.get_config(), m.get_config())


def test_optimizer_auto_name_is_noise():
    a, b = keras.optimizers.Adam(), keras.optimizers.Adam()
    assert a.name != b.name
    for opt in (a, b):
        cc = {"optimizer": keras.optimizers.serialize(opt)}
        assert normalise_optimizer_name(cc)["optimizer"]["config"]["name"] == "<auto>"
    named = {"optimizer": keras.optimizers.serialize(keras.optimizers.Adam(name="my_adam"))}
    assert normalise_optimizer_name(named) == named


# --------------------------------------------------------------------------
# 1. from_model -> validate -> build
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_from_model_is_plain_json_spec(name):
    spec = spec_of(name)
    assert isinstance(spec, dict)
    assert spec.get("modelspec") == 1
    assert isinstance(spec.get("model"), dict)
    assert "compile" not in spec, "an uncompiled model must give no compile section"
    text = json.dumps(spec)  # JSON-serializable
    # plain JSON data (no tuples, numpy scalars...): what a YAML/JSON file gives back
    assert json.loads(text) == spec, diff_message(json.loads(text), spec, "spec after JSON")


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_from_model_spec_validates(name):
    diagnostics = modelspec.validate(cached_spec(name))
    assert not errors_of(diagnostics), [f"{d.pointer}: {d.message}" for d in diagnostics]


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_build_gives_same_config(name):
    m = _model(name)
    built = _built(cached_spec(name))
    assert isinstance(built, keras.Model)
    assert type(built) is type(m), (type(built), type(m))
    assert built.get_config() == m.get_config(), diff_message(built.get_config(), m.get_config())


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_build_in_memory_spec_gives_same_config(name):
    # the dict straight out of from_model (not through JSON)
    m = _model(name)
    built = _built(spec_of(name))
    assert built.get_config() == m.get_config(), diff_message(built.get_config(), m.get_config())


# --------------------------------------------------------------------------
# 2. idempotence
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_idempotent(name):
    spec = cached_spec(name)
    again = modelspec.from_model(_built(spec))
    assert again == spec, diff_message(again, spec, "from_model(build(spec))")


# --------------------------------------------------------------------------
# 3. verbatim Keras JSON / config as the model section
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_verbatim_to_json_accepted(name):
    m = _model(name)
    doc = {"modelspec": 1, "model": json.loads(m.to_json())}
    assert not errors_of(modelspec.validate(copy.deepcopy(doc)))
    built = modelspec.build(doc)
    assert built.get_config() == m.get_config(), diff_message(built.get_config(), m.get_config())


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_bare_get_config_accepted(name):
    # the config dict exactly as get_config() returns it, tuples included
    m = _model(name)
    doc = {"modelspec": 1, "model": copy.deepcopy(m.get_config())}
    built = modelspec.build(doc)
    assert built.get_config() == m.get_config(), diff_message(built.get_config(), m.get_config())


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_bare_get_config_from_json_accepted(name):
    # the same config after a trip through a JSON/YAML file (tuples -> lists)
    m = _model(name)
    doc = {"modelspec": 1, "model": json.loads(json.dumps(m.get_config()))}
    built = modelspec.build(doc)
    assert built.get_config() == m.get_config(), diff_message(built.get_config(), m.get_config())


# --------------------------------------------------------------------------
# 4. conciseness
# --------------------------------------------------------------------------

NOISE_KEYS = {"module", "registered_name", "build_config"}
# parameters of Dense that must be left out when they have the default value
DENSE_DEFAULTED = (
    "use_bias",
    "kernel_initializer",
    "bias_initializer",
    "kernel_regularizer",
    "bias_regularizer",
    "activity_regularizer",
    "kernel_constraint",
    "bias_constraint",
)
_DENSE_DEFAULTS = None


def _dense_defaults() -> dict:
    global _DENSE_DEFAULTS
    if _DENSE_DEFAULTS is None:
        _DENSE_DEFAULTS = keras.layers.Dense(1).get_config()
    return _DENSE_DEFAULTS


def _layer_entries(model_section: dict, where: str):
    """(pointer, entry) of every layer entry, nested models included."""
    config = model_section.get("config") or {}
    for i, entry in enumerate(config.get("layers") or []):
        pointer = f"{where}/config/layers/{i}"
        yield pointer, entry
        if isinstance(entry, dict) and isinstance((entry.get("config") or {}).get("layers"), list):
            yield from _layer_entries(entry, pointer)


def _originals(model_config: dict) -> dict:
    """name -> original Keras layer entry, nested models included."""
    found = {}
    for _, entry in _layer_entries({"config": model_config}, ""):
        found.setdefault(entry["config"].get("name", entry.get("name")), entry)
    return found


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_spec_is_concise(name):
    m = _model(name)
    spec = cached_spec(name)
    originals = _originals(m.get_config())
    problems = []
    checked = 0
    for pointer, entry in _layer_entries(spec["model"], "/model"):
        layer_name = (entry.get("config") or {}).get("name") or entry.get("name")
        original = originals.get(layer_name)
        assert original is not None, f"{pointer}: no layer {layer_name!r} in the model"
        # built-in keras.layers classes only (ops such as keras.src.ops.numpy.Add
        # share class names with layers and need their module)
        if original.get("module") != "keras.layers":
            continue
        checked += 1
        noise = NOISE_KEYS & set(entry)
        if noise:
            problems.append(f"{pointer} ({layer_name}): has {sorted(noise)}")
        if original["class_name"] == "Dense":
            defaults = _dense_defaults()
            for key in DENSE_DEFAULTED:
                if (
                    key in entry["config"]
                    and key in defaults
                    and original["config"].get(key) == defaults[key]
                ):
                    problems.append(f"{pointer}/config/{key} ({layer_name}): default value kept")
    assert checked, "no built-in layer found in the spec"
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------
# compiled variants
# --------------------------------------------------------------------------


@pytest.mark.parametrize("cname", COMPILE_NAMES)
def test_compiled_spec(cname):
    m = _compiled(cname)
    spec = spec_of(cname, compiled=True)
    assert spec.get("modelspec") == 1
    assert isinstance(spec.get("compile"), dict), "a compiled model needs a compile section"
    text = json.dumps(spec)
    assert json.loads(text) == spec, diff_message(json.loads(text), spec, "spec after JSON")
    diagnostics = modelspec.validate(json.loads(text))
    assert not errors_of(diagnostics), [f"{d.pointer}: {d.message}" for d in diagnostics]


@pytest.mark.parametrize("cname", COMPILE_NAMES)
def test_compiled_build(cname):
    m = _compiled(cname)
    built = _built(cached_spec(cname, compiled=True))
    assert built.get_config() == m.get_config(), diff_message(built.get_config(), m.get_config())
    assert built.compiled, "build() must compile when the spec has compile"
    got = normalise_optimizer_name(built.get_compile_config())
    want = normalise_optimizer_name(m.get_compile_config())
    assert got == want, diff_message(got, want, "compile config")


@pytest.mark.parametrize("cname", COMPILE_NAMES)
def test_compiled_idempotent(cname):
    spec = cached_spec(cname, compiled=True)
    again = modelspec.from_model(_built(spec))
    assert again == spec, diff_message(again, spec, "from_model(build(spec))")


@pytest.mark.parametrize("cname", COMPILE_NAMES)
def test_compiled_verbatim_to_json_with_compile(cname):
    # Keras's own to_json (which has compile_config) as model:, plus the
    # compile config as compile:
    m = _compiled(cname)
    doc = {
        "modelspec": 1,
        "model": json.loads(m.to_json()),
        "compile": json.loads(json.dumps(m.get_compile_config())),
    }
    built = modelspec.build(doc)
    assert built.get_config() == m.get_config(), diff_message(built.get_config(), m.get_config())
    got = normalise_optimizer_name(built.get_compile_config())
    want = normalise_optimizer_name(m.get_compile_config())
    assert got == want, diff_message(got, want, "compile config")

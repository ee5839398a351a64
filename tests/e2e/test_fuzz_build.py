"""Fuzzing `modelspec.build`: valid means buildable, and nothing but a located
SpecError ever comes out of a bad spec.

Random DAGs of built-in layers (tests/fuzzing.py `valid_specs()`) and a few
mutated specs are written to files and built. The longer run is
benchmarks/bench_fuzz.py.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import modelspec
from tests import fuzzing

pytestmark = pytest.mark.keras

randoms = st.randoms(use_true_random=False, note_method_calls=False)


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory) -> Path:
    # Importing TensorFlow raises the recursion limit (to 3000); do it before
    # hypothesis starts, which otherwise warns that the limit changed under it.
    import keras  # noqa: F401

    return tmp_path_factory.mktemp("fuzz-build")


def build_checked(path: Path):
    """validate(path), then build(path): a Model only when validate found no
    error, else a SpecError whose diagnostics are all located; never another
    exception. Returns (model or None, validate's errors)."""
    import keras

    keras.backend.clear_session()
    errors = [d for d in modelspec.validate(str(path)) if d.is_error]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = modelspec.build(str(path))
    except modelspec.SpecError as error:
        assert error.diagnostics, "SpecError without diagnostics"
        unlocated = [d.to_dict() for d in error.diagnostics if d.line is None]
        assert not unlocated, f"SpecError diagnostics without a line: {unlocated!r:.1000}"
        return None, errors
    finally:
        keras.backend.clear_session()
    assert isinstance(model, keras.Model)
    assert not errors, f"build succeeded although validate reported {[d.render() for d in errors]}"
    return model, errors


def _names(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    return list(value.values() if isinstance(value, dict) else value)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(spec=fuzzing.valid_specs(), rnd=randoms)
def test_valid_means_buildable(spec, rnd, fuzz_dir):
    path = fuzzing.write_spec(spec, fuzz_dir, rnd)
    model, errors = build_checked(path)
    if model is None:
        return  # a clean, located SpecError (validate said valid, Keras refused: allowed)
    config = spec["model"]["config"]
    if spec["model"]["class_name"] == "Functional":
        assert len(model.inputs) == len(_names(config["input_layers"]))
        assert len(model.outputs) == len(_names(config["output_layers"]))
    built = {layer.name for layer in model.layers}
    wanted = {entry["config"]["name"] for entry in config["layers"]}
    if spec["model"]["class_name"] == "Sequential":
        wanted -= {entry["config"]["name"] for entry in config["layers"] if entry["class_name"] == "InputLayer"}
    assert wanted <= built, f"layers missing from the model: {sorted(wanted - built)}"
    assert model.compiled == ("compile" in spec)


def _buildable_seed(rnd):
    seeds = [d for n, d in fuzzing.seed_documents() if (fuzzing.SPEC_DIR / n).exists()]
    return fuzzing.gen_valid_spec(rnd) if rnd.random() < 0.5 else rnd.choice(seeds)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(rnd=randoms)
def test_mutated_specs_build_or_fail_cleanly(rnd, fuzz_dir):
    data = fuzzing.mutate(_buildable_seed(rnd), rnd)
    build_checked(fuzzing.write_spec(data, fuzz_dir, rnd))


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(spec=fuzzing.param_mutated_specs(), rnd=randoms)
def test_impossible_parameters_build_or_fail_cleanly(spec, rnd, fuzz_dir):
    # these often pass validation (units: 0, units: 2.0, "d[0][1]" on a one-output
    # layer, ...) and fail in Keras, which build must report as a located SpecError
    build_checked(fuzzing.write_spec(spec, fuzz_dir, rnd))

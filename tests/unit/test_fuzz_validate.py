"""Fuzzing `modelspec.validate`: random and hostile input never crashes, never
hangs and never gets an error without a location (no TensorFlow here).

The inputs come from tests/fuzzing.py (mutated example and corpus specs,
generated valid specs, raw byte mutations for the loader); the longer run is
benchmarks/bench_fuzz.py.
"""

from __future__ import annotations

import contextlib
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

import modelspec
from modelspec import Diagnostic, Severity
from tests import fuzzing

#: An input that takes longer than this counts as a hang.
LIMIT_S = 5.0
#: ... and one that takes this long is interrupted, so that the test fails instead of hanging.
ALARM_S = 60

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
randoms = st.randoms(use_true_random=False, note_method_calls=False)


class Hang(Exception):
    pass


@contextlib.contextmanager
def watchdog(seconds: float = ALARM_S) -> Iterator[None]:
    """Interrupt the block (SIGALRM) after `seconds`; a no-op off the main thread."""

    def ring(signum, frame):  # noqa: ANN001
        raise Hang(f"still running after {seconds} s")

    try:
        previous = signal.signal(signal.SIGALRM, ring)
    except ValueError:  # not the main thread
        yield
        return
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def checked_validate(source: str | dict, *, located: bool, allow_unsafe: bool = False) -> list[Diagnostic]:
    """validate(source) under a watchdog and an import watch; asserts the
    properties every input must have, returns the diagnostics."""
    with fuzzing.ImportWatch() as imports, watchdog():
        start = time.perf_counter()
        try:
            result = modelspec.validate(source, allow_unsafe=allow_unsafe)
        except Hang as hang:
            pytest.fail(f"validate hung: {hang}")
        elapsed = time.perf_counter() - start
    assert imports.seen == [], f"validate imported {imports.seen}"
    assert isinstance(result, list), f"validate returned {type(result).__name__}"
    assert all(isinstance(d, Diagnostic) for d in result), f"not all Diagnostics: {result!r:.500}"
    assert all(isinstance(d.severity, Severity) for d in result)
    assert elapsed < LIMIT_S, f"validate took {elapsed:.2f} s (limit {LIMIT_S} s)"
    if located:
        unlocated = [d for d in result if d.is_error and d.line is None]
        assert not unlocated, f"error diagnostics without a line: {[d.to_dict() for d in unlocated]!r:.1000}"
    return result


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


# The properties draw a hypothesis-controlled Random and call the generators
# of tests/fuzzing.py with it (what fuzzing.mutated_specs() etc. do), so that a
# falsifying example prints as a short note, not as a 1,000-deep value that
# hypothesis's own pretty-printer cannot print.


def written(data, rnd, directory: Path) -> Path:
    path = fuzzing.write_spec(data, directory, rnd)
    note(f"input file {path.name}: {fuzzing.short_repr(path.read_bytes())}")
    return path


@FUZZ
@given(rnd=randoms)
def test_validate_never_crashes_on_mutated_spec_files(rnd, fuzz_dir):
    path = written(fuzzing.gen_mutated_spec(rnd), rnd, fuzz_dir)
    checked_validate(str(path), located=True, allow_unsafe=rnd.random() < 0.25)


@FUZZ
@given(rnd=randoms)
def test_validate_never_crashes_on_raw_text(rnd, fuzz_dir):
    text, suffix = fuzzing.gen_raw_text(rnd)
    path = fuzz_dir / f"raw{suffix}"
    path.write_bytes(text)
    note(f"input file {path.name} ({len(text)} bytes): {fuzzing.short_repr(text)}")
    checked_validate(str(path), located=True)


@FUZZ
@given(rnd=randoms)
def test_validate_never_raises_on_mutated_dicts(rnd):
    data = fuzzing.gen_mutated_spec(rnd)
    if not isinstance(data, dict):  # the API takes a path, a dict or a Spec
        data = {"modelspec": 1, "model": data}
    note(f"input dict: {fuzzing.short_repr(data)}")
    checked_validate(data, located=False)


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(rnd=randoms)
def test_generated_valid_specs_validate_cleanly(rnd, fuzz_dir):
    # keeps tests/fuzzing.py honest: the "valid means buildable" property of
    # tests/e2e/test_fuzz_build.py is only worth something if these are valid
    path = written(fuzzing.gen_valid_spec(rnd), rnd, fuzz_dir)
    errors = [d.render() for d in checked_validate(str(path), located=True) if d.is_error]
    assert errors == []


# --------------------------------------------------------------------------
# What the fuzzers found, reduced to the smallest inputs (one per bug), so
# that each stays fixed even when a random run misses it.
# --------------------------------------------------------------------------


def _nest(depth: int, inner: str = "1") -> str:
    return "[" * depth + inner + "]" * depth


_LAYERS = ('[{"class_name": "InputLayer", "config": {"name": "x", "shape": [2]}}, '
           '{"class_name": "Dense", "config": {"name": "d", "units": 1}, "inbound_nodes": %s}]')
_FUNCTIONAL = ('{"modelspec": 1, "model": {"class_name": "Functional", "config": {"name": "m", "layers": %s, '
               '"input_layers": ["x"], "output_layers": %s}}}')

FOUND_FILES = {
    # validator.scan_serialized_objects: `value.get("config") not in function_names` on a dict config
    "function-object-with-dict-config.yaml": """\
modelspec: 1
model:
  class_name: Sequential
  config:
    name: s
    layers:
      - class_name: InputLayer
        config: {name: x, shape: [2]}
      - class_name: Dense
        config: {name: d, units: 1, activation: {class_name: function, config: {}}}
""",
    # validator.check_layer: a Lambda's function named by a mapping, looked up in a set
    "lambda-function-with-dict-config.yaml": """\
modelspec: 1
model:
  class_name: Sequential
  config:
    name: s
    layers:
      - class_name: InputLayer
        config: {name: x, shape: [2]}
      - class_name: Lambda
        config: {name: l, function: {class_name: function, config: {a: 1}, module: keras.ops}}
""",
    # normalize.parse_node_value: `(value.get("config") or {}).get(...)` on a non-dict config
    "keras-tensor-with-number-config.yaml": """\
modelspec: 1
model:
  class_name: Functional
  config:
    name: m
    layers:
      - {class_name: InputLayer, config: {name: x, shape: [2]}}
      - class_name: Dense
        config: {name: d, units: 1}
        inbound_nodes: [{args: [{class_name: __keras_tensor__, config: 1.5}], kwargs: {}}]
    input_layers: [x]
    output_layers: [d]
""",
    # normalize.parse_node_value recursed once per level: RecursionError at ~490 levels when the
    # loader allowed 1,000; now the loader stops at MAX_DEPTH = 100
    "node-argument-500-deep.json": _FUNCTIONAL % (_LAYERS % f'[{{"args": [{_nest(500)}], "kwargs": {{}}}}]', '["d"]'),
    # normalize.parse_structure recurses once per level
    "output-layers-500-deep.json": _FUNCTIONAL % (_LAYERS % '["x"]', _nest(500, '"d"')),
    # legacy.layer_config: copy.deepcopy of an old file's layer config
    "legacy-layer-config-500-deep.json": ('{"class_name": "Sequential", "keras_version": "2.4.0", "config": '
                                          '[{"class_name": "Dense", "config": {"name": "d", "units": 1, "x": '
                                          + _nest(500) + '}}]}'),
    # jsonschema built its message with repr() of the whole 978-deep value (check_top_level)
    "compile-loss-978-deep.yaml": ('{"modelspec": 1, "model": {"class_name": "Sequential", "config": '
                                   '{"name": "m", "layers": []}}, "compile": {"loss": ' + _nest(978) + '}}'),
    # the loader's "more than 1000 problems" error had no line
    "1002-duplicate-keys.yaml": "modelspec: 1\n" * 1002,
    # a did-you-mean for each of 60,000 unknown keys took 4.7 s (over the 5 s limit under load)
    "60000-unknown-keys.yaml": "modelspec: 1\n" + "".join(f"k{i}: {i}\n" for i in range(60_000)),
}


@pytest.mark.parametrize("name", sorted(FOUND_FILES))
def test_inputs_found_by_fuzzing_fail_cleanly(name, tmp_path):
    path = tmp_path / name
    path.write_text(FOUND_FILES[name], encoding="utf-8")
    assert [d for d in checked_validate(str(path), located=True) if d.is_error]


def _deep_list(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


def test_a_lone_surrogate_in_a_message_is_escaped_on_a_strict_stream(tmp_path):
    # found by bench_fuzz seed 1: JSON's "\udcff" reached stderr unencodable
    import io

    from modelspec.cli.main import main

    path = tmp_path / "spec.json"
    path.write_text('{"modelspec": "\\udcff", "model": {}}', encoding="ascii")
    raw = io.BytesIO()
    stderr = io.TextIOWrapper(raw, encoding="utf-8", errors="strict")
    assert main(["validate", str(path)], stdout=io.StringIO(), stderr=stderr) == 1
    stderr.flush()
    assert "modelspec must be 1, got '\\udcff'" in raw.getvalue().decode("utf-8")


FOUND_DICTS = {
    "value-500-deep": {"modelspec": 1, "x": _deep_list(500)},  # spec.plain_data recursed once per level
    "non-string-key": {"modelspec": 1, 3: 1},  # validator.did_you_mean ran difflib on an int
    "non-string-parameter-name": {"modelspec": 1, "model": {"class_name": "Sequential", "config": {
        "name": "s", "layers": [{"class_name": "Dense", "config": {"name": "d", "units": 1, None: 2}}]}}},
}


@pytest.mark.parametrize("name", sorted(FOUND_DICTS))
def test_dicts_found_by_fuzzing_fail_cleanly(name):
    assert [d for d in checked_validate(FOUND_DICTS[name], located=False) if d.is_error]

"""Tests for modelspec.loader: plain data, source maps and located diagnostics."""

from __future__ import annotations

import json
import math
import pickle
import subprocess
import sys
import time

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelspec.diagnostics import Diagnostic, Severity, join_pointer
from modelspec.loader import (
    KEY_CODES,
    MAX_BYTES,
    MAX_DEPTH,
    MAX_STRING_CHARS,
    Document,
    SourceMap,
    from_data,
    load_path,
    load_text,
    locate,
    plain_copy,
)

# the loader module (the package attribute modelspec.load is the load() function)
LOAD_MODULE = sys.modules["modelspec.loader"]


def codes(diags: list[Diagnostic]) -> list[str | None]:
    return [d.code for d in diags]


def where(diag: Diagnostic) -> tuple[str, str | None, int | None, int | None]:
    return (diag.pointer, diag.code, diag.line, diag.column)


@pytest.fixture(params=["libyaml", "pure-python"])
def any_yaml_loader(request, monkeypatch):
    """Run a test with the C loader (when there is one) and with the pure Python one."""
    if request.param == "libyaml":
        if not getattr(yaml, "__with_libyaml__", False):
            pytest.skip("PyYAML built without libyaml")
        monkeypatch.setattr(LOAD_MODULE, "_Loader", yaml.CSafeLoader)
    else:
        monkeypatch.setattr(LOAD_MODULE, "_Loader", yaml.SafeLoader)
    return request.param


# --------------------------------------------------------------------------
# Positions
# --------------------------------------------------------------------------

SPEC_YAML = """\
model:
  class_name: Functional
  config:
    name: demo
    layers:
      - class_name: Dense
        config:
          units: 8
          'a/b~c': 1
      - {class_name: Dropout, config: {rate: 0.5}}
"""

# pointer, value position, key position (None: not a mapping member)
YAML_POSITIONS = [
    ("", (1, 1), None),
    ("/model", (2, 3), (1, 1)),
    ("/model/class_name", (2, 15), (2, 3)),
    ("/model/config/layers", (6, 7), (5, 5)),
    ("/model/config/layers/0", (6, 9), None),
    ("/model/config/layers/0/config", (8, 11), (7, 9)),
    ("/model/config/layers/0/config/units", (8, 18), (8, 11)),
    ("/model/config/layers/0/config/a~1b~0c", (9, 20), (9, 11)),
    ("/model/config/layers/1", (10, 9), None),
    ("/model/config/layers/1/class_name", (10, 22), (10, 10)),
    ("/model/config/layers/1/config/rate", (10, 46), (10, 40)),
]


@pytest.mark.parametrize(("pointer", "value_at", "key_at"), YAML_POSITIONS)
def test_yaml_positions_of_nested_values_and_keys(any_yaml_loader, pointer, value_at, key_at):
    doc, diags = load_text(SPEC_YAML, "spec.yaml")
    assert diags == []
    assert doc.format == "yaml"
    assert doc.source_map.source == "spec.yaml"
    assert doc.source_map.values[pointer] == value_at
    assert doc.source_map.keys.get(pointer) == key_at
    assert doc.source_map.position(pointer) == value_at
    assert doc.source_map.position(pointer, key=True) == (key_at or value_at)


def test_yaml_data_is_plain_python():
    doc, _ = load_text(SPEC_YAML, "spec.yaml")
    assert doc.data == {
        "model": {
            "class_name": "Functional",
            "config": {
                "name": "demo",
                "layers": [
                    {"class_name": "Dense", "config": {"units": 8, "a/b~c": 1}},
                    {"class_name": "Dropout", "config": {"rate": 0.5}},
                ],
            },
        }
    }
    assert list(doc.data["model"]) == ["class_name", "config"]  # document order kept


SPEC_JSON = """\
{
  "model": {
    "class_name": "Functional",
    "config": {
      "layers": [
        {"class_name": "Dense", "config": {"units": 8, "a/b~c": 1}},
        {
          "class_name": "Dropout",
          "config":
            {"rate": 0.5, "esc\\u0041pe": "x\\"y"}
        }
      ]
    }
  }
}
"""

JSON_POSITIONS = [
    ("", (1, 1), None),
    ("/model", (2, 12), (2, 3)),
    ("/model/class_name", (3, 19), (3, 5)),
    ("/model/config/layers", (5, 17), (5, 7)),
    ("/model/config/layers/0", (6, 9), None),
    ("/model/config/layers/0/class_name", (6, 24), (6, 10)),
    ("/model/config/layers/0/config", (6, 43), (6, 33)),
    ("/model/config/layers/0/config/units", (6, 53), (6, 44)),
    ("/model/config/layers/0/config/a~1b~0c", (6, 65), (6, 56)),
    ("/model/config/layers/1", (7, 9), None),
    ("/model/config/layers/1/config", (10, 13), (9, 11)),
    ("/model/config/layers/1/config/rate", (10, 22), (10, 14)),
    ("/model/config/layers/1/config/escApe", (10, 42), (10, 27)),
]


@pytest.mark.parametrize(("pointer", "value_at", "key_at"), JSON_POSITIONS)
def test_json_positions_of_nested_values_and_keys(pointer, value_at, key_at):
    doc, diags = load_text(SPEC_JSON, "spec.json")
    assert diags == []
    assert doc.format == "json"
    assert doc.source_map.values[pointer] == value_at
    assert doc.source_map.keys.get(pointer) == key_at
    assert doc.source_map.position(pointer, key=True) == (key_at or value_at)


def test_json_data_is_plain_python():
    doc, _ = load_text(SPEC_JSON, "spec.json")
    assert doc.data["model"]["config"]["layers"][1]["config"] == {"rate": 0.5, "escApe": 'x"y'}
    assert doc.data["model"]["config"]["layers"][0]["config"] == {"units": 8, "a/b~c": 1}


def test_json_source_map_covers_every_value_once():
    doc, _ = load_text(SPEC_JSON, "spec.json")
    assert len(doc.source_map.values) == 15
    assert len(doc.source_map.keys) == 12


@pytest.mark.parametrize(
    ("text", "pointer", "value_at", "key_at"),
    [
        ('{"a": 1}', "/a", (1, 7), (1, 2)),
        ('{"a":1,"b":[true,{"c":null}]}', "/b/1/c", (1, 23), (1, 19)),
        ('{"a"\n  :\n  "v"}', "/a", (3, 3), (1, 2)),
        ('{"~": {"/": 1}}', "/~0/~1", (1, 13), (1, 8)),
        ('[1, [2, [3]]]', "/1/1/0", (1, 10), None),
        ('"just a string"', "", (1, 1), None),
        ('\r\n{\r\n  "a": 1\r\n}\r\n', "/a", (3, 8), (3, 3)),
    ],
)
def test_json_positions_in_compact_and_odd_layouts(text, pointer, value_at, key_at):
    doc, diags = load_text(text, "x.json")
    assert diags == []
    assert doc.source_map.values[pointer] == value_at
    assert doc.source_map.keys.get(pointer) == key_at


@pytest.mark.parametrize(
    ("pointer", "key", "expected"),
    [
        ("/model/config/layers/0/config/missing", False, (8, 11)),
        ("/model/config/layers/0/config/missing", True, (8, 11)),
        ("/model/config/layers/7/config/units", True, (6, 7)),
        ("/nope/deeper/still", False, (1, 1)),
        ("not-a-pointer", False, (1, 1)),
        ("/model/config/layers/0", True, (6, 9)),
    ],
)
def test_position_falls_back_to_the_nearest_known_ancestor_value(pointer, key, expected):
    doc, _ = load_text(SPEC_YAML, "spec.yaml")
    assert doc.source_map.position(pointer, key=key) == expected


def test_position_is_none_when_nothing_is_known():
    assert SourceMap("<dict>", {}, {}).position("/a/b") is None
    assert SourceMap("<dict>", {}, {}).position("", key=True) is None


def test_pointer_escaping_of_tilde_and_slash_in_yaml_keys():
    doc, diags = load_text("'~/x': {'a~1': 1, '/': 2}\n", "x.yaml")
    assert diags == []
    assert doc.data == {"~/x": {"a~1": 1, "/": 2}}
    assert doc.source_map.keys["/~0~1x"] == (1, 1)
    assert doc.source_map.values["/~0~1x/a~01"] == (1, 16)
    assert doc.source_map.values["/~0~1x/~1"] == (1, 24)


def test_alias_value_sits_at_the_alias_and_its_insides_at_the_anchor():
    doc, diags = load_text("a: &x [1, {u: 2}]\nb: *x\n", "x.yaml")
    assert diags == []
    assert doc.data == {"a": [1, {"u": 2}], "b": [1, {"u": 2}]}
    assert doc.data["a"] is not doc.data["b"]  # aliases are copies, not shared objects
    assert doc.source_map.values["/b"] == (2, 4)
    assert doc.source_map.values["/b/1/u"] == (1, 15)


def test_lazy_json_source_map_is_a_real_dict_and_pickles():
    doc, _ = load_text('{"a": [1, {"b": 2}]}', "x.json")
    copy = pickle.loads(pickle.dumps(doc.source_map))
    assert copy == doc.source_map
    assert type(doc.source_map.values) is dict
    assert doc.source_map.values == {"": (1, 1), "/a": (1, 7), "/a/0": (1, 8), "/a/1": (1, 11), "/a/1/b": (1, 17)}
    assert doc.source_map.keys == {"/a": (1, 2), "/a/1/b": (1, 12)}


# --------------------------------------------------------------------------
# YAML scalars, keys and merges
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("v: 1.5e-3", 0.0015),
        ("v: 1.0e+3", 1000.0),
        ("v: 1e-3", 0.001),  # a YAML 1.2 float (PyYAML alone would read a string)
        ("v: '1e-3'", "1e-3"),
        ("v: !!float 1e-3", 0.001),
        ("v: !!str 1.5", "1.5"),
        ("v: 0x10", 16),
        ("v: 1_000", 1000),
        ("v: 12", 12),
        ("v: -7", -7),
        ("v: true", True),
        ("v: off", False),
        ("v: ~", None),
        ("v:", None),
        ("v: 2001-12-14", "2001-12-14"),
        ("v: =", "="),
        ("v: !!int '42'", 42),
        ("v: !!float 3", 3.0),
        ("v: .inf", math.inf),
        ("v: -.inf", -math.inf),
    ],
)
def test_yaml_scalars_load_as_plain_values(text, expected):
    doc, diags = load_text(text, "x.yaml")
    assert diags == []
    assert doc.data == {"v": expected}
    assert type(doc.data["v"]) is type(expected)


def test_yaml_nan_loads_as_a_float():
    doc, diags = load_text("v: .nan", "x.yaml")
    assert diags == []
    assert math.isnan(doc.data["v"])


@pytest.mark.parametrize(
    ("text", "expected_data", "expected"),
    [
        ("yes: 1\nb: 2\n", {"b": 2}, [("", "key-type", 1, 1)]),
        ("a:\n  1.5: x\n", {"a": {}}, [("/a", "key-type", 2, 3)]),
        ("~: 1\n", {}, [("", "key-type", 1, 1)]),
        ("? [1, 2]\n: x\n", {}, [("", "key-type", 1, 3)]),
        ("? {a: 1}\n: x\n", {}, [("", "key-type", 1, 3)]),
        ("1: a\n0x10: b\n", {"1": "a", "16": "b"}, []),
        ("1e5: a\n", {}, [("", "key-type", 1, 1)]),  # a float key, as 1.5 is
    ],
)
def test_yaml_keys_must_be_strings_or_ints(text, expected_data, expected):
    doc, diags = load_text(text, "x.yaml")
    assert doc.data == expected_data
    assert [where(d) for d in diags] == expected
    assert all(d.source == "x.yaml" and d.severity is Severity.ERROR for d in diags)


def test_merge_keys_fill_in_missing_members():
    text = "base: &b {units: 8, activation: relu}\nlayer:\n  <<: *b\n  units: 16\n"
    doc, diags = load_text(text, "x.yaml")
    assert diags == []
    assert doc.data["layer"] == {"units": 16, "activation": "relu"}
    assert doc.source_map.values["/layer/units"] == (4, 10)
    assert doc.source_map.values["/layer/activation"] == (1, 33)  # where the merged text is
    assert doc.source_map.keys["/layer/activation"] == (1, 21)


def test_merge_list_earlier_mappings_win():
    text = "a: &a {x: 1}\nb: &b {x: 2, y: 2}\nc:\n  <<: [*a, *b]\n  z: 3\n"
    doc, diags = load_text(text, "x.yaml")
    assert diags == []
    assert doc.data["c"] == {"z": 3, "x": 1, "y": 2}


def test_nested_merges_are_followed():
    text = "a: &a {x: 1}\nb: &b {<<: *a, y: 2}\nc: {<<: *b, z: 3}\n"
    doc, diags = load_text(text, "x.yaml")
    assert diags == []
    assert doc.data["c"] == {"z": 3, "y": 2, "x": 1}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a:\n  <<: 3\n  b: 1\n", [("/a", "yaml-merge", 2, 7)]),
        ("a:\n  <<: [1, 2]\n", [("/a", "yaml-merge", 2, 7)]),
    ],
)
def test_merge_of_a_non_mapping_is_a_located_error(text, expected):
    doc, diags = load_text(text, "x.yaml")
    assert [where(d) for d in diags] == expected


# --------------------------------------------------------------------------
# Duplicate keys
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "source", "pointer", "at", "first_line", "kept"),
    [
        ("layer:\n  units: 8\n  name: d\n  units: 16\n", "x.yaml", "/layer/units", (4, 3), 2, 8),
        ("a: {units: 8, units: 9}\n", "x.yaml", "/a/units", (1, 15), 1, 8),
        ("a: {1: x, '1': y}\n", "x.yaml", "/a/1", (1, 11), 1, "x"),
        ('{\n  "layer": {\n    "units": 8,\n    "units": 16\n  }\n}\n', "x.json", "/layer/units", (4, 5), 3, 8),
        ('{"a": {"units": 8, "units": 9}}', "x.json", "/a/units", (1, 20), 1, 8),
    ],
)
def test_duplicate_key_points_at_second_key(text, source, pointer, at, first_line, kept):
    doc, diags = load_text(text, source)
    assert [where(d) for d in diags] == [(pointer, "duplicate-key", *at)]
    assert diags[0].message == f"duplicate key '{pointer.rsplit('/', 1)[1]}' (first at line {first_line})"
    parent = doc.data
    for token in pointer.split("/")[1:-1]:
        parent = parent[token]
    assert parent[pointer.rsplit("/", 1)[1]] == kept  # the first one wins


def test_json_duplicate_inside_a_duplicate_value_is_reported_once():
    text = '{"a": {"x": 1, "x": 2},\n "a": {"x": 3, "x": 4}}'
    doc, diags = load_text(text, "x.json")
    assert [where(d) for d in diags] == [("/a/x", "duplicate-key", 1, 16), ("/a", "duplicate-key", 2, 2)]
    assert doc.data == {"a": {"x": 1}}
    assert doc.source_map.values["/a/x"] == (1, 13)


def test_yaml_duplicate_with_container_value_keeps_first_subtree():
    doc, diags = load_text("a: {x: 1}\na: {x: 2, y: 3}\n", "x.yaml")
    assert [where(d) for d in diags] == [("/a", "duplicate-key", 2, 1)]
    assert doc.data == {"a": {"x": 1}}
    assert "/a/y" not in doc.source_map.values


# --------------------------------------------------------------------------
# Hostile YAML
# --------------------------------------------------------------------------


def test_old_keras_to_yaml_tags_read_as_plain_data(any_yaml_loader):
    text = ("a: !!python/tuple [1, !!python/tuple [2, 3]]\n"
            "b: !!python/unicode 'tensorflow'\n"
            "!!python/unicode 'c': &t !!python/tuple [null, 7]\n"
            "d: *t\n")
    doc, diags = load_text(text, "old.yaml")
    assert diags == []
    assert doc.data == {"a": [1, [2, 3]], "b": "tensorflow", "c": [None, 7], "d": [None, 7]}
    assert type(doc.data["a"]) is list


def test_python_tags_beside_the_harmless_ones_are_refused(any_yaml_loader):
    text = 'x: !!python/tuple [1]\na: !!python/object/apply:os.system ["echo hi"]\n'
    doc, diags = load_text(text, "x.yaml")
    assert [(d.code, d.line, d.column) for d in diags] == [("yaml-tag", 2, 4)]
    assert "!!python/object/apply:os.system" in diags[0].message
    assert doc.data == {"x": [1], "a": None}


@pytest.mark.parametrize(
    ("text", "pointer", "at", "tag"),
    [
        ('a: !!python/object/apply:os.system ["echo hi"]\n', "/a", (1, 4), "!!python/object/apply:os.system"),
        ("a: !!python/tuple {x: 1}\n", "/a", (1, 4), "!!python/tuple"),
        ("a: !!python/tuple 1\n", "/a", (1, 4), "!!python/tuple"),
        ("a: !!python/unicode [x]\n", "/a", (1, 4), "!!python/unicode"),
        ("a: !!python/name:os.system\n", "/a", (1, 4), "!!python/name:os.system"),
        ("a:\n  b: !!python/object/new:dict {}\n", "/a/b", (2, 6), "!!python/object/new:dict"),
        ("!!python/object:collections.OrderedDict {}\n", "", (1, 1), "!!python/object:collections.OrderedDict"),
        ("a: !!binary aGk=\n", "/a", (1, 4), "!!binary"),
        ("a: !!set {x, y}\n", "/a", (1, 4), "!!set"),
        ("a: !!omap [{x: 1}]\n", "/a", (1, 4), "!!omap"),
        ("a: !foo bar\n", "/a", (1, 4), "!foo"),
        ("a: !<tag:example.com,2024:thing> {}\n", "/a", (1, 4), "tag:example.com,2024:thing"),
        ("a: [1, !!python/bytes aGk=]\n", "/a/1", (1, 8), "!!python/bytes"),
        ("!!python/str k: 1\n", "", (1, 1), "!!python/str"),
    ],
)
def test_python_and_custom_tags_are_refused(any_yaml_loader, text, pointer, at, tag):
    doc, diags = load_text(text, "x.yaml")
    assert [where(d) for d in diags] == [(pointer, "yaml-tag", *at)]
    assert diags[0].message == f"YAML tag '{tag}' is not allowed: only plain data is loaded"


@pytest.mark.parametrize(
    "template",
    [
        'a: !!python/object/apply:os.system ["touch {path}"]\n',
        'a: !!python/object/apply:builtins.open ["{path}", "w"]\n',
        'a: !!python/object/apply:subprocess.call [["touch", "{path}"]]\n',
        "a: !!python/object/new:os.system [touch {path}]\n",
    ],
)
def test_python_tags_run_nothing(any_yaml_loader, tmp_path, template):
    target = tmp_path / "pwned"
    text = template.format(path=target)
    doc, diags = load_text(text, "x.yaml")
    assert codes(diags) == ["yaml-tag"]
    assert doc.data == {"a": None}
    assert not target.exists()


def test_billion_laughs_alias_bomb_is_stopped_fast_and_located(any_yaml_loader):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        refs = ",".join(f"*{prev}" for _ in range(9))
        lines.append(f"{name}: &{name} [{refs}]")
    text = "\n".join(lines) + "\n"
    started = time.perf_counter()
    doc, diags = load_text(text, "bomb.yaml")
    assert time.perf_counter() - started < 2.0
    assert doc.data is None
    assert [where(d) for d in diags] == [("", "alias-bomb", 7, 8)]
    assert diags[0].message == "document expands to more than 1000000 nodes (alias expansion?)"


def test_aliases_are_fine_below_the_bomb_limit():
    text = "a: &a [1, 2, 3]\nb: &b [*a, *a, *a]\nc: [*b, *b]\n"
    doc, diags = load_text(text, "x.yaml")
    assert diags == []
    assert doc.data["c"] == [[[1, 2, 3]] * 3] * 2


def test_self_referencing_anchor_is_an_undefined_alias():
    doc, diags = load_text("a: &x [1, *x]\n", "x.yaml")
    assert doc.data is None
    assert [where(d) for d in diags] == [("", "yaml-syntax", 1, 11)]
    assert "undefined alias 'x'" in diags[0].message


@pytest.mark.parametrize(
    ("text", "at"),
    [
        ("[" * 10_000 + "]" * 10_000, (1, MAX_DEPTH + 1)),
        ("[" * 100_000 + "]" * 100_000, (1, MAX_DEPTH + 1)),  # would segfault yaml.compose with libyaml
        ("a: " + "{b: " * 10_000 + "1" + "}" * 10_000, (1, 4 + 4 * (MAX_DEPTH - 1))),
        ("".join(" " * i + "k:\n" for i in range(1_200)), (MAX_DEPTH + 1, MAX_DEPTH + 1)),
    ],
    ids=["flow-10k", "flow-100k", "flow-mappings-10k", "block-1200"],
)
def test_deep_yaml_nesting_is_too_deep_not_a_crash(any_yaml_loader, text, at):
    doc, diags = load_text(text, "deep.yaml")
    assert doc.data is None
    assert [where(d) for d in diags] == [("", "too-deep", *at)]


def test_nesting_at_the_limit_is_fine():
    doc, diags = load_text("[" * MAX_DEPTH + "]" * MAX_DEPTH, "x.yaml")
    assert diags == []
    assert doc.source_map.values["/0" * (MAX_DEPTH - 1)] == (1, MAX_DEPTH)


def test_deep_nesting_through_aliases_is_too_deep():
    n = MAX_DEPTH * 3 // 5  # each of the two is fine alone, together they are too deep
    text = "a: &x " + "[" * n + "]" * n + "\nb: " + "[" * n + "*x" + "]" * n + "\n"
    doc, diags = load_text(text, "x.yaml")
    assert doc.data is None
    assert codes(diags) == ["too-deep"]
    # the root mapping, b's n lists, then x's lists up to the one past the limit
    assert (diags[0].line, diags[0].column) == (1, 6 + MAX_DEPTH - n)


@pytest.mark.parametrize(
    ("raw", "at", "hint_part"),
    [
        (b"a: 1\nb: caf\xe9\n", (2, 7), "UTF-8"),
        (b"\xff\xfea\x00:\x00", (1, 1), "UTF-16"),
        ("a: \u00e9\u00e9 ".encode() + b"\x80", (1, 7), "UTF-8"),
    ],
)
def test_invalid_utf8_is_an_encoding_error_at_the_first_bad_byte(raw, at, hint_part):
    doc, diags = load_text(raw, "x.yaml")
    assert doc.data is None
    assert [where(d) for d in diags] == [("", "encoding", *at)]
    assert hint_part in diags[0].hint


@pytest.mark.parametrize(("raw", "source"), [(b"\xef\xbb\xbfa: 1\n", "x.yaml"), (b'\xef\xbb\xbf{"a": 1}', "x.json")])
def test_utf8_bom_is_accepted_and_not_counted(raw, source):
    doc, diags = load_text(raw, source)
    assert diags == []
    assert doc.data == {"a": 1}
    assert doc.source_map.keys["/a"] == ((1, 1) if source.endswith("yaml") else (1, 2))


def test_bom_in_a_str_is_accepted_too():
    doc, diags = load_text("\ufeffa: 1\n", "x.yaml")
    assert diags == [] and doc.data == {"a": 1}
    assert doc.source_map.values["/a"] == (1, 4)


@pytest.mark.parametrize(
    ("text", "at"),
    [
        ("a: \x01\n", (1, 4)),
        ("\u00e9\u00e9: [\x02]\n", (1, 6)),
    ],
)
def test_control_characters_are_located(any_yaml_loader, text, at):
    doc, diags = load_text(text, "x.yaml")
    assert doc.data is None
    assert [where(d) for d in diags] == [("", "yaml-syntax", *at)]


def test_lone_surrogate_in_a_str_is_an_encoding_error():
    doc, diags = load_text("a: 1\nb: \ud800\n", "x.yaml")
    assert [where(d) for d in diags] == [("", "encoding", 2, 4)]


@pytest.mark.parametrize(
    ("text", "source", "at", "message"),
    [
        ("", "x.yaml", (1, 1), "file is empty"),
        (b"", "x.yaml", (1, 1), "file is empty"),
        ("  \n\n\t\n", "x.yaml", (1, 1), "file is empty"),
        ("# only\n# comments\n", "x.yaml", (1, 1), "file is empty"),
        ("---\n", "x.yaml", (2, 1), "file is empty"),
        ("~\n", "x.yaml", (1, 1), "the document is null: there is nothing to load"),
        ("", "x.json", (1, 1), "file is empty"),
        ("\n  \n", "x", (1, 1), "file is empty"),
    ],
)
def test_empty_and_comment_only_files_are_reported(text, source, at, message):
    doc, diags = load_text(text, source)
    assert doc.data is None
    assert [where(d) for d in diags] == [("", "empty", *at)]
    assert diags[0].message == message


@pytest.mark.parametrize(
    ("text", "at"),
    [
        ("a: 1\n---\nb: 2\n", (2, 1)),
        ("---\na: 1\n---\nb: 2\n", (3, 1)),
        ("a: 1\n...\n---\nb: 2\n", (3, 1)),
        ("a: 1\n--- \n", (2, 1)),
    ],
)
def test_multiple_documents_are_located_at_the_second(any_yaml_loader, text, at):
    doc, diags = load_text(text, "x.yaml")
    assert doc.data is None
    assert [where(d) for d in diags] == [("", "multiple-documents", *at)]


def test_single_document_with_explicit_markers_is_fine():
    doc, diags = load_text("---\na: 1\n...\n", "x.yaml")
    assert diags == [] and doc.data == {"a": 1}
    assert doc.source_map.values["/a"] == (2, 4)


@pytest.mark.parametrize(
    ("text", "at", "part", "hint_part"),
    [
        ("a: b: c\n", (1, 5), "mapping values are not allowed", "quote"),
        ("a:\n  - 1\n  b: 2\n", (3, 3), "", None),  # messages differ per loader
        ("a: [1, 2\nb: 3\n", (1, 4), "the '[' here is not closed before line 2, column 2", "close it with ']'"),
        ("a: {b: [1,\n", (1, 8), "the '[' here is never closed", "close it with ']'"),
        ("a: ['x]', {b: '{'\n", (1, 11), "the '{' here is never closed", "'}'"),
        ("a:\n  b: 1\n   c: 2\n", (3, 4), "line 3 is indented more than line 2, whose key already has a value",
         "line up the keys"),
        ("a:\n  b: 1\n c: 2\n", (3, 2), "line 3 is indented by 1 space(s), which lines up with no line above",
         None),
        ("a:\n  b: 1\n\tc: 2\n", (3, 1), "a tab in the indentation", "tabs"),
        ("a: 1\n\tb: 2\n", (2, 1), "", "tabs"),
        ("a: *nope\n", (1, 4), "undefined alias 'nope'", "anchor"),
        ("a: 'unterminated\n", (2, 1), "end of stream", None),
    ],
)
def test_yaml_syntax_errors_are_located(any_yaml_loader, text, at, part, hint_part):
    doc, diags = load_text(text, "x.yaml")
    assert doc.data is None
    assert [where(d) for d in diags] == [("", "yaml-syntax", *at)]
    assert part in diags[0].message
    if hint_part:
        assert hint_part in diags[0].hint


@pytest.mark.parametrize(
    ("text", "pointer", "at"),
    [
        ("a: !!int abc\n", "/a", (1, 4)),
        ("a: !!bool maybe\n", "/a", (1, 4)),
        ("a: !!float x\n", "/a", (1, 4)),
    ],
)
def test_bad_explicitly_typed_scalars_are_located_errors(text, pointer, at):
    doc, diags = load_text(text, "x.yaml")
    assert [where(d) for d in diags] == [(pointer, "yaml-value", *at)]
    assert doc.data == {"a": None}


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "9" * 5000 + "\n",
        "a: 0x" + "f" * 5000 + "\n",
        "a: 1" + ":1" * 200_000 + "\n",  # YAML 1.1 base 60: quadratic in int() if let through
    ],
    ids=["decimal", "hex", "base-60"],
)
def test_huge_yaml_integers_are_refused_quickly(text):
    started = time.perf_counter()
    doc, diags = load_text(text, "x.yaml")
    assert time.perf_counter() - started < 2.0
    assert [where(d) for d in diags] == [("/a", "number-too-large", 1, 4)]
    assert doc.data == {"a": None}


# --------------------------------------------------------------------------
# JSON problems
# --------------------------------------------------------------------------


def test_json_nan_and_infinity_are_located_errors():
    text = '{\n  "a": NaN,\n  "b": [1, Infinity,\n        -Infinity]\n}\n'
    doc, diags = load_text(text, "x.json")
    assert [where(d) for d in diags] == [
        ("/a", "json-nan", 2, 8),
        ("/b/1", "json-nan", 3, 12),
        ("/b/2", "json-nan", 4, 9),
    ]
    assert diags[0].message == "NaN is not valid JSON"
    assert math.isnan(doc.data["a"]) and doc.data["b"][1:] == [math.inf, -math.inf]


@pytest.mark.parametrize(
    ("text", "at", "message", "hint_part"),
    [
        ('{\n  "a": 1,\n}\n', (3, 1), "invalid JSON: Expecting property name enclosed in double quotes", "quotes"),
        ('{"a": 1 "b": 2}', (1, 9), "invalid JSON: Expecting ',' delimiter", None),
        ('{"a": 1}\n{"b": 2}\n', (2, 1), "invalid JSON: Extra data", "one value"),
        ('{"a": [1, 2}', (1, 12), "invalid JSON: Expecting ',' delimiter", None),
        ("{'a': 1}", (1, 2), "invalid JSON: Expecting property name enclosed in double quotes", "quotes"),
    ],
)
def test_json_syntax_error_location(text, at, message, hint_part):
    doc, diags = load_text(text, "x.json")
    assert doc.data is None and doc.format == "json"
    assert [where(d) for d in diags] == [("", "json-syntax", *at)]
    assert diags[0].message == message
    if hint_part:
        assert hint_part in diags[0].hint


@pytest.mark.parametrize(
    ("text", "at"),
    [
        ("[" * 10_000 + "]" * 10_000, (1, MAX_DEPTH + 1)),
        ('{"a": ' * 10_000 + "1" + "}" * 10_000, (1, 1 + 6 * MAX_DEPTH)),
        ("[\n" * 10_000 + "]" * 10_000, (MAX_DEPTH + 1, 1)),
        # json.loads takes these, being within Python's recursion limit
        ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), (1, MAX_DEPTH + 1)),
        ('{"a": [' + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "]}", (1, 7 + MAX_DEPTH - 1)),
    ],
    ids=["arrays", "objects", "arrays-on-lines", "just-past", "in-an-object"],
)
def test_deep_json_nesting_is_too_deep_not_a_crash(text, at):
    doc, diags = load_text(text, "deep.json")
    assert doc.data is None
    assert [where(d) for d in diags] == [("", "too-deep", *at)]


def test_deep_json_without_extension_falls_back_to_yaml_and_is_too_deep():
    doc, diags = load_text("[" * 10_000 + "]" * 10_000, "<string>")
    assert [where(d) for d in diags] == [("", "too-deep", 1, MAX_DEPTH + 1)]


def test_json_integer_too_long_for_int_is_located():
    doc, diags = load_text('{"a": [1,\n  ' + "9" * 5000 + "]}", "x.json")
    assert doc.data is None
    assert [where(d) for d in diags] == [("/a/1", "number-too-large", 2, 3)]


# --------------------------------------------------------------------------
# Format selection
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "source", "fmt", "data", "diag_codes"),
    [
        ('{"a": 1}', "x.json", "json", {"a": 1}, []),
        ('{"a": 1}', "x.YAML", "yaml", {"a": 1}, []),
        ('{"a": 1}', "x.yml", "yaml", {"a": 1}, []),
        ('  {"a": 1}', "<string>", "json", {"a": 1}, []),
        ("[1, 2]", "spec", "json", [1, 2], []),
        ("{a: 1}", "<string>", "yaml", {"a": 1}, []),
        ("a: 1", "<string>", "yaml", {"a": 1}, []),
        ("a: 1", "x.json", "json", None, ["json-syntax"]),
    ],
)
def test_format_follows_extension_else_sniffing(text, source, fmt, data, diag_codes):
    doc, diags = load_text(text, source)
    assert doc.format == fmt
    assert doc.data == data
    assert codes(diags) == diag_codes


def test_explicit_format_overrides_extension():
    doc, diags = load_text("a: 1", "x.json", format="yaml")
    assert (doc.format, doc.data, diags) == ("yaml", {"a": 1}, [])
    doc, diags = load_text("{a: 1}", "x.yaml", format="json")
    assert doc.format == "json" and codes(diags) == ["json-syntax"]


def test_unknown_format_argument_is_a_programming_error():
    with pytest.raises(ValueError):
        load_text("a: 1", format="toml")


# --------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------


def test_missing_file_is_file_not_found(tmp_path):
    path = str(tmp_path / "nope.yaml")
    doc, diags = load_path(path)
    assert doc.data is None
    assert [where(d) for d in diags] == [("", "file-not-found", None, None)]
    assert diags[0].source == path
    assert diags[0].message == f"cannot read '{path}': no such file"


def test_directory_is_unreadable(tmp_path):
    doc, diags = load_path(tmp_path)
    assert doc.data is None
    assert [where(d) for d in diags] == [("", "file-unreadable", None, None)]
    assert diags[0].source == str(tmp_path)
    assert diags[0].message == f"cannot read '{tmp_path}': is a directory"


def test_path_with_a_nul_byte_is_unreadable():
    doc, diags = load_path("bad\0name.yaml")
    assert codes(diags) == ["file-unreadable"]


@pytest.mark.parametrize(
    ("name", "content", "fmt", "pointer", "at"),
    [
        ("spec.yaml", "model:\n  units: 3\n", "yaml", "/model/units", (2, 10)),
        ("spec.json", '{"model": {\n  "units": 3}}', "json", "/model/units", (2, 12)),
        ("spec.txt", '{"model": {"units": 3}}', "json", "/model/units", (1, 21)),
    ],
)
def test_load_path_reads_a_real_file(tmp_path, name, content, fmt, pointer, at):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    doc, diags = load_path(path)
    assert diags == []
    assert doc.format == fmt
    assert doc.data == {"model": {"units": 3}}
    assert doc.source_map.source == str(path)
    assert doc.source_map.position(pointer) == at


def test_load_path_diagnostics_carry_the_path_as_typed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.yaml").write_text("a: 1\na: 2\n")
    doc, diags = load_path("bad.yaml")
    assert [(d.source, *where(d)) for d in diags] == [("bad.yaml", "/a", "duplicate-key", 2, 1)]


def test_file_over_64_mib_is_refused_without_reading(tmp_path):
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as handle:
        handle.truncate(MAX_BYTES + 1)  # sparse: nothing is written
    doc, diags = load_path(path)
    assert doc.data is None
    assert [where(d) for d in diags] == [("", "file-too-large", None, None)]


# --------------------------------------------------------------------------
# from_data and locate
# --------------------------------------------------------------------------


def test_from_data_wraps_data_with_an_empty_source_map():
    data = {"model": {"units": 3}}
    doc = from_data(data)
    assert doc == Document(data, SourceMap("<dict>", {}, {}), "dict")
    assert doc.data is data
    assert doc.source_map.position("/model/units") is None
    assert from_data(data, "inline").source_map.source == "inline"


def test_plain_copy_gives_what_a_file_would():
    import numpy as np

    source = {"a": (1, 2.5, [np.int64(3), np.float32(0.5)]), "b": {"c": None, "d": True}}
    data, diags = plain_copy(source)
    assert diags == []
    assert data == {"a": [1, 2.5, [3, 0.5]], "b": {"c": None, "d": True}}
    assert type(data["a"][2][0]) is int and type(data["a"][2][1]) is float
    data["b"]["c"] = 1
    assert source["b"]["c"] is None  # a copy


def test_plain_copy_reports_what_no_file_could_hold():
    data, diags = plain_copy({"a": {3: 1, None: 2}, "b": [object(), {1, 2}]})
    assert [(d.pointer, d.code) for d in sorted(diags, key=lambda d: d.pointer)] == [
        ("/a", "key-type"), ("/a", "key-type"), ("/b/0", "value-type"), ("/b/1", "value-type")]
    messages = {d.message for d in diags}
    assert "mapping key 3 (int) is not a string: keys must be strings" in messages
    assert ("a value of type set is not spec data: values are strings, numbers, booleans, null, "
            "lists and mappings") in messages
    assert all(d.is_error for d in diags)


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 100_000])
def test_plain_copy_refuses_deep_data_without_recursing(depth):
    value: list = []
    for _ in range(depth - 1):
        value = [value]
    data, diags = plain_copy(value)
    assert data is None
    assert [(d.code, d.pointer) for d in diags] == [("too-deep", "/0" * MAX_DEPTH)]


def test_plain_copy_at_the_depth_limit_is_fine():
    value: list = []
    for _ in range(MAX_DEPTH - 1):
        value = [value]
    data, diags = plain_copy(value)
    assert (data, diags) == (value, [])


def test_plain_copy_refuses_long_strings():
    data, diags = plain_copy({"a": ["x" * (MAX_STRING_CHARS + 1)]})
    assert data is None
    assert [(d.code, d.pointer) for d in diags] == [("string-too-long", "/a/0")]


LOCATE_YAML = """\
model:
  config:
    layers:
      - class_name: Dense
        config:
          units: 8
          colour: blue
"""


@pytest.mark.parametrize(
    ("pointer", "code", "at"),
    [
        ("/model/config/layers/0/config/colour", "unknown-parameter", (7, 11)),
        ("/model/config/layers/0/config/colour", "unknown-key", (7, 11)),
        ("/model/config/layers/0/config/colour", "additional-properties", (7, 11)),
        ("/model/config/layers/0/config/colour", "bad-value", (7, 19)),
        ("/model/config/layers/0/config/units", None, (6, 18)),
        ("/model/config/layers/0/config/activation", "missing-parameter", (6, 11)),
        ("/model/config/layers/0/config/activation", "unknown-parameter", (6, 11)),
        ("", "top", (1, 1)),
    ],
)
def test_locate_fills_line_and_column(pointer, code, at):
    doc, _ = load_text(LOCATE_YAML, "spec.yaml")
    [diag] = locate([Diagnostic(pointer, "problem", code=code)], doc.source_map)
    assert (diag.source, diag.line, diag.column) == ("spec.yaml", *at)
    assert (diag.pointer, diag.message, diag.code) == (pointer, "problem", code)


def test_key_codes_include_the_member_codes():
    assert {"unknown-parameter", "unknown-key", "duplicate-key", "additional-properties"} <= KEY_CODES


def test_locate_leaves_located_and_foreign_diagnostics_alone():
    doc, _ = load_text(LOCATE_YAML, "spec.yaml")
    located = Diagnostic("/model", "m", code="x", source="spec.yaml", line=99, column=3)
    foreign = Diagnostic("/model", "m", code="x", source="other.yaml")
    no_source_but_line = Diagnostic("/model", "m", code="x", line=5, column=2)
    out = locate([located, foreign, no_source_but_line], doc.source_map)
    assert out[0] == located
    assert out[1] == foreign
    assert (out[2].source, out[2].line, out[2].column) == ("spec.yaml", 5, 2)


def test_locate_with_an_empty_map_sets_only_the_source():
    doc = from_data({"a": 1})
    [diag] = locate([Diagnostic("/a", "m", code="unknown-parameter")], doc.source_map)
    assert (diag.source, diag.line, diag.column) == ("<dict>", None, None)


def test_locate_works_on_the_lazy_json_map():
    doc, _ = load_text('{\n  "a": {"colour": 1}\n}', "x.json")
    out = locate(
        [Diagnostic("/a/colour", "m", code="unknown-parameter"), Diagnostic("/a/colour", "m", code="bad")],
        doc.source_map,
    )
    assert [(d.line, d.column) for d in out] == [(2, 9), (2, 19)]


# --------------------------------------------------------------------------
# Import hygiene and speed
# --------------------------------------------------------------------------


def test_import_pulls_in_nothing_heavy():
    code = (
        "import sys, modelspec.loader; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'tensorflow', 'keras', 'numpy', 'jax', 'torch', 'jsonschema'}))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def _yaml_layers(count: int) -> str:
    lines = ["model:", "  class_name: Functional", "  config:", "    name: big", "    layers:"]
    for i in range(count):
        lines += [
            "      - class_name: Dense",
            "        config:",
            f"          name: dense_{i}",
            f"          units: {i + 1}",
            "          activation: relu",
            f"        inbound_nodes: [[dense_{i - 1}, 0, 0]]",
        ]
    return "\n".join(lines) + "\n"


def test_thousand_layer_yaml_loads_quickly():
    text = _yaml_layers(1000)
    started = time.perf_counter()
    doc, diags = load_text(text, "big.yaml")
    elapsed = time.perf_counter() - started
    assert diags == []
    assert len(doc.data["model"]["config"]["layers"]) == 1000
    assert doc.source_map.values["/model/config/layers/999/config/units"] == (6 + 6 * 999 + 3, 18)
    assert elapsed < 3.0  # about 0.05 s with libyaml; generous for slow CI


def test_thousand_layer_json_maps_every_position():
    layers = [{"class_name": "Dense", "config": {"name": f"d{i}", "units": i}} for i in range(1000)]
    text = json.dumps({"layers": layers}, indent=2)
    doc, diags = load_text(text, "big.json")
    assert diags == []
    # {"layers": [ then each layer takes 7 lines; "units" is the 5th line of a layer
    assert doc.source_map.values["/layers/999/config/units"] == (3 + 7 * 999 + 4, 18)
    assert doc.source_map.keys["/layers/999/config/units"] == (3 + 7 * 999 + 4, 9)
    assert len(doc.source_map.values) == 1 + 1 + 1000 * 5


def test_yaml_with_too_many_nodes_is_refused(monkeypatch):
    monkeypatch.setattr(LOAD_MODULE, "MAX_NODES", 100)
    doc, diags = load_text("a: [" + "1, " * 200 + "]\n", "x.yaml")
    assert doc.data is None
    # the root mapping, 'a', the list and 97 items are 100 nodes; the 98th item is one too many
    assert [where(d) for d in diags] == [("", "file-too-large", 1, 5 + 3 * 97)]


def test_json_map_stops_after_too_many_values_and_falls_back(monkeypatch):
    monkeypatch.setattr(LOAD_MODULE, "MAX_NODES", 10)
    doc, diags = load_text('{"a": [1, 2, 3],\n "b": {"c": [4, 5, 6, 7, 8, 9, 10, 11]}}', "x.json")
    assert diags == []
    assert doc.data["b"]["c"][-1] == 11
    assert len(doc.source_map.values) == 10
    assert doc.source_map.position("/b/c/7") == (2, 13)  # falls back to the list


@pytest.mark.parametrize("text", [b"a: 1234567890\n", "a: 1234567890\n"])
def test_text_over_the_size_limit_is_refused(monkeypatch, text):
    monkeypatch.setattr(LOAD_MODULE, "MAX_BYTES", 8)
    doc, diags = load_text(text, "x.yaml")
    assert doc.data is None
    assert [where(d) for d in diags] == [("", "file-too-large", None, None)]


def test_json_strings_with_millions_of_escapes_map_in_linear_time():
    text = "{" + "".join(f'"a{i}": "' + "\\n" * 50_000 + '", ' for i in range(40)) + '"b": 1}'
    started = time.perf_counter()
    doc, diags = load_text(text, "x.json")
    assert doc.source_map.values["/b"] == (1, text.rindex("1}") + 1)
    assert time.perf_counter() - started < 3.0


@pytest.mark.parametrize(("text", "source", "at"), [
    ('{"modelspec": 1, "name": "' + "x" * 100_001 + '"}', "x.json", (1, 26)),
    ("modelspec: 1\nname: " + "x" * 100_001 + "\n", "x.yaml", (2, 7)),
])
def test_a_string_value_longer_than_any_spec_needs_is_refused(text, source, at):
    doc, diags = load_text(text, source)
    assert [(d.code, d.pointer, (d.line, d.column)) for d in diags] == [("string-too-long", "/name", at)]
    assert "a value of 100,001 characters is too long" in diags[0].message


# --------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------

_KEYS = st.text(st.sampled_from(list("ab~/ \"\\é:#-")), min_size=1, max_size=4)
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=6)
)
_DATA = st.recursive(
    _SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4), max_leaves=25
)


def _pointers(value, prefix=()):
    yield join_pointer(*prefix), value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _pointers(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _pointers(item, (*prefix, index))


def _text_at(text: str, position: tuple[int, int]) -> str:
    line, column = position
    return text.split("\n")[line - 1][column - 1 :]


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(_DATA, st.sampled_from([None, 0, 2]), st.booleans())
def test_every_json_value_is_mapped_to_its_first_character(data, indent, ascii_only):
    text = json.dumps(data, indent=indent, ensure_ascii=ascii_only)
    doc, diags = load_text(text, "x.json")
    assert diags == [] and doc.data == data
    assert len(doc.source_map.values) == sum(1 for _ in _pointers(data))
    for pointer, value in _pointers(data):
        first = json.dumps(value, ensure_ascii=ascii_only)[0]
        assert _text_at(text, doc.source_map.values[pointer]).startswith(first), pointer
        if pointer in doc.source_map.keys:
            assert _text_at(text, doc.source_map.keys[pointer]).startswith('"')


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(_DATA, st.booleans())
def test_yaml_written_by_modelspec_loads_back_unchanged_and_fully_mapped(data, flow):
    # modelspec's own writer: it quotes strings such as "0E0" that the loader
    # reads as YAML 1.2 floats (plain yaml.safe_dump does not).
    from modelspec.dump import _SpecDumper

    text = yaml.dump(data, Dumper=_SpecDumper, default_flow_style=flow, allow_unicode=True)
    expected = yaml.safe_load(text)
    doc, diags = load_text(text, "x.yaml")
    if expected is None:
        assert codes(diags) == ["empty"]
        return
    assert diags == []
    assert doc.data == expected
    assert set(doc.source_map.values) == {pointer for pointer, _ in _pointers(expected)}


_TOKENS = st.sampled_from(
    list("{}[]:,-&*!|>'\"#\n \t?<=~\\.09aeEnul\x00\x01\u00e9\ufeff%@`")
    + ["---", "...", "!!python/tuple", "<<", "NaN", "Infinity", "\\u00", "!!binary", "&a", "*a", "\r\n", "true"]
)


@settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(_TOKENS, max_size=40).map("".join) | st.binary(max_size=40), st.sampled_from(["x.yaml", "x.json", "x"]))
def test_arbitrary_input_never_raises_and_diagnostics_are_well_formed(text, source):
    doc, diags = load_text(text, source)
    assert isinstance(doc, Document)
    for diag in diags:
        assert diag.source == source and diag.code and diag.message
        assert (diag.line is None) == (diag.column is None)
        if diag.line is not None:
            assert diag.line >= 1 and diag.column >= 1
    if doc.data is not None:
        assert all(line >= 1 and column >= 1 for line, column in doc.source_map.values.values())


def test_a_refused_node_behind_many_aliases_is_reported_once():
    text = "a: &x [!foo 1, 2]\nb: [*x, *x, *x]\n"
    doc, diags = load_text(text, "x.yaml")
    assert [where(d) for d in diags] == [("/a/0", "yaml-tag", 1, 8)]
    assert doc.data == {"a": [None, 2], "b": [[None, 2]] * 3}


@pytest.mark.parametrize(
    ("text", "source", "code"),
    [
        ("".join(f"k{i}: !foo x\n" for i in range(1500)), "x.yaml", "yaml-tag"),
        ("{" + ", ".join('"k": 1' for _ in range(1500)) + "}", "x.json", "duplicate-key"),
        ("[" + ", ".join("NaN" for _ in range(1500)) + "]", "x.json", "json-nan"),
    ],
    ids=["yaml-tags", "json-duplicates", "json-nan"],
)
def test_reporting_stops_after_a_thousand_problems(text, source, code):
    doc, diags = load_text(text, source)
    assert len(diags) == 1001
    assert {d.code for d in diags[:1000]} == {code}
    last = diags[-1]
    assert last.code == "too-many-errors"
    # located at the first problem left out, just after the last one reported
    assert last.line is not None
    assert (last.line, last.column) > (diags[-2].line, diags[-2].column)
    assert last.message == "more than 1000 problems: this one and the rest are not reported"

"""${hp:NAME} references and the search section, as validate sees them (no TensorFlow)."""

from __future__ import annotations

import copy

import pytest

import modelspec
from modelspec import hyper

SPEC = {
    "modelspec": 1,
    "search": {"tuner": "RandomSearch", "max_trials": 3, "space": [
        {"class_name": "Int", "config": {"name": "units", "min_value": 4, "max_value": 16, "step": 4}},
        {"class_name": "Float", "config": {"name": "lr", "min_value": 0.001, "max_value": 0.1,
                                           "sampling": "log", "default": 0.01}},
        {"class_name": "Choice", "config": {"name": "act", "values": ["relu", "tanh"]}},
        {"class_name": "Boolean", "config": {"name": "bias"}},
    ]},
    "model": {"class_name": "Sequential", "config": {"name": "m", "layers": [
        {"class_name": "InputLayer", "config": {"name": "x", "shape": [3]}},
        {"class_name": "Dense", "config": {"name": "d_${hp:act}", "units": "${hp:units}",
                                           "activation": "${hp:act}", "use_bias": "${hp:bias}"}},
    ]}},
    "compile": {"optimizer": {"class_name": "Adam", "config": {"learning_rate": "${hp:lr}"}}, "loss": "mse"},
}


def problems(document) -> list[tuple[str, str]]:
    return [(d.pointer, d.message) for d in modelspec.validate(document) if d.is_error]


def test_a_valid_search_spec_validates_at_the_defaults():
    assert problems(SPEC) == []
    assert hyper.defaults(SPEC) == {"units": 4, "lr": 0.01, "act": "relu", "bias": False}


def test_whole_references_keep_their_type_and_partial_ones_become_text():
    plain = hyper.substitute(SPEC, {"units": 8, "lr": 0.5, "act": "tanh", "bias": True})
    dense = plain["model"]["config"]["layers"][1]["config"]
    assert dense == {"name": "d_tanh", "units": 8, "activation": "tanh", "use_bias": True}
    assert plain["compile"]["optimizer"]["config"]["learning_rate"] == 0.5
    assert plain["search"] == SPEC["search"]  # the space itself is never rewritten


def test_undefined_unused_and_repeated_hyperparameters_are_located():
    document = copy.deepcopy(SPEC)
    document["model"]["config"]["layers"][1]["config"]["units"] = "${hp:unit}"
    document["search"]["space"].append({"class_name": "Fixed", "config": {"name": "lr", "value": 1}})
    found = problems(document)
    assert ("/model/config/layers/1/config/units",
            "'${hp:unit}' names no hyperparameter in search.space") in found
    assert ("/search/space/0", "hyperparameter 'units' is never used") in found
    assert ("/search/space/4/config/name",
            "hyperparameter 'lr' is defined twice (also at /search/space/1)") in found
    # the unresolved reference is not also reported as "units must be an integer"
    assert [p for p, _ in found].count("/model/config/layers/1/config/units") == 1


def test_a_reference_without_a_search_section():
    document = copy.deepcopy(SPEC)
    del document["search"]
    found = problems(document)
    assert ("/compile/optimizer/config/learning_rate",
            "'${hp:lr}' names no hyperparameter (the spec has no search section)") in found


@pytest.mark.parametrize("entry, pointer", [
    ({"class_name": "Int", "config": {"name": "units", "min_value": 4}}, "/search/space/0/config"),
    ({"class_name": "Integer", "config": {"name": "units", "min_value": 1, "max_value": 2}},
     "/search/space/0/class_name"),
    ({"class_name": "Choice", "config": {"name": "units", "values": []}}, "/search/space/0/config/values"),
])
def test_the_space_follows_keras_tuners_form(entry, pointer):
    document = copy.deepcopy(SPEC)
    document["search"]["space"][0] = entry
    assert any(p == pointer for p, _ in problems(document)), problems(document)

"""modelspec's own layers (modelspec/layers.py) validate like Keras's, from
their generated schemas, without TensorFlow."""

from __future__ import annotations

import pytest

import modelspec
from modelspec import schemas


def fm_spec(config: dict, **entry) -> dict:
    return {"modelspec": 1, "model": {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"name": "x", "shape": [6]}},
        {"class_name": "FactorizationMachine", "config": {"name": "fm", **config}, **entry}]}}}


def errors(spec: dict) -> list[tuple[str, str]]:
    return [(d.pointer, d.message) for d in modelspec.validate(spec) if d.is_error]


def test_the_factorization_machine_schema_is_generated_and_static():
    schema = schemas.load_schema(schemas.layer_schema_path("FactorizationMachine"))
    assert schema["required"] == ["factor_order", "output_dim"]
    assert schema["properties"]["output_dim"]["minimum"] == 1
    assert schema["properties"]["factor_order"]["minimum"] == 1
    assert schema["x-modelspec"]["catalogues"]["activation"] == "activations"
    assert schema["x-modelspec"]["registered_name"] == "modelspec>FactorizationMachine"
    assert schemas.own_layer("FactorizationMachine") == {
        "module": "modelspec.layers", "registered_name": "modelspec>FactorizationMachine"}
    assert schemas.own_layer("Dense") is None


@pytest.mark.parametrize("entry", [
    {},  # written like a built-in
    {"module": "modelspec.layers", "registered_name": "modelspec>FactorizationMachine"},  # as get_config() writes it
])
def test_a_factorization_machine_validates_in_either_form(entry):
    assert errors(fm_spec({"output_dim": 3, "factor_order": 2, "activation": "sigmoid"}, **entry)) == []


@pytest.mark.parametrize(("config", "expected"), [
    ({"output_dim": 3}, ("/model/config/layers/1/config",
                         "layer 'fm' needs 'factor_order'")),
    ({"output_dim": 0, "factor_order": 2}, ("/model/config/layers/1/config/output_dim",
                                            "layer 'fm': output_dim must be >= 1, got 0")),
    ({"output_dim": 3, "factor_order": 2, "activation": "sigmoidd"},
     ("/model/config/layers/1/config/activation", None)),
    ({"output_dim": 3, "factor_ordr": 2}, ("/model/config/layers/1/config/factor_ordr",
                                           "unknown parameter 'factor_ordr' for layer 'fm'")),
])
def test_factorization_machine_mistakes_are_located(config, expected):
    found = errors(fm_spec(config))
    assert [pointer for pointer, _ in found] == [expected[0]]
    if expected[1]:
        assert found[0][1] == expected[1]


def test_a_foreign_registered_name_for_it_is_not_taken_as_ours():
    found = errors(fm_spec({"output_dim": 3, "factor_order": 2}, module="other.pkg",
                           registered_name="other>FactorizationMachine"))
    assert found and found[0][0] == "/model/config/layers/1/module"

"""Deep graphs build where Keras's own from_config hits the recursion limit."""

from __future__ import annotations

import sys

import pytest

import modelspec

pytestmark = pytest.mark.keras


def chain(depth: int) -> dict:
    layers = [{"class_name": "InputLayer", "config": {"name": "x", "shape": [2]}}]
    previous = "x"
    for i in range(depth):
        layers.append({"class_name": "Dense", "config": {"name": f"d{i}", "units": 2},
                       "inbound_nodes": [previous]})
        previous = f"d{i}"
    return {"modelspec": 1, "model": {"class_name": "Functional", "config": {
        "name": "chain", "layers": layers, "input_layers": ["x"], "output_layers": [previous]}}}


def test_a_1500_deep_chain_builds_at_the_default_recursion_limit():
    import modelspec.builder  # noqa: F401  # TensorFlow's import sets its own limit

    limit = sys.getrecursionlimit()
    model = modelspec.build(chain(1500))
    assert len(model.layers) == 1501
    assert sys.getrecursionlimit() == limit  # restored


@pytest.mark.slow
def test_a_5000_deep_chain_builds():
    model = modelspec.build(chain(5000))
    assert model.layers[-1].name == "d4999"

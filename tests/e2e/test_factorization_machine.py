"""The FactorizationMachine layer: the FM formula, its gradients, its config
round trip, and the seed's text CNN built from a spec."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import modelspec

pytestmark = pytest.mark.keras


def direct_fm(x: np.ndarray, linear: np.ndarray, factors: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """The FM formula term by term, O(n^2): b + x W + sum_{i<j} <v_i, v_j> x_i x_j."""
    pairwise = np.zeros(len(x))
    for i, j in itertools.combinations(range(x.shape[1]), 2):
        pairwise += factors[i] @ factors[j] * x[:, i] * x[:, j]
    return bias + x @ linear + pairwise[:, None]


def fm_layer(output_dim=3, factor_order=4, activation=None, features=7, seed=0):
    import keras

    from modelspec.layers import FactorizationMachine

    layer = FactorizationMachine(output_dim, factor_order, activation=activation, dtype="float64")
    layer.build((None, features))
    rng = np.random.default_rng(seed)
    layer.set_weights([rng.normal(size=w.shape) for w in layer.weights])
    keras.utils.set_random_seed(seed)
    return layer


def test_the_layer_computes_the_fm_formula():
    layer = fm_layer()
    x = np.random.default_rng(1).normal(size=(16, 7))
    linear, factors, bias = (w.numpy() for w in (layer.linear, layer.factors, layer.bias))
    np.testing.assert_allclose(np.asarray(layer(x)), direct_fm(x, linear, factors, bias), rtol=1e-10)


def test_the_activation_is_applied_last():
    layer = fm_layer(activation="sigmoid")
    x = np.random.default_rng(2).normal(size=(4, 7))
    weights = [w.numpy() for w in (layer.linear, layer.factors, layer.bias)]
    np.testing.assert_allclose(np.asarray(layer(x)), 1 / (1 + np.exp(-direct_fm(x, *weights))), rtol=1e-10)


def test_gradients_match_finite_differences():
    import tensorflow as tf

    layer = fm_layer(output_dim=2, factor_order=3, features=5)
    x = tf.constant(np.random.default_rng(3).normal(size=(6, 5)))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.sin(layer(x)))
    grads = tape.gradient(loss, [layer.linear, layer.factors, layer.bias])
    eps = 1e-6
    for variable, grad in zip((layer.linear, layer.factors, layer.bias), grads):
        value = variable.numpy()
        numeric = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            for sign in (1, -1):
                shifted = value.copy()
                shifted[index] += sign * eps
                variable.assign(shifted)
                numeric[index] += sign * float(tf.reduce_sum(tf.sin(layer(x))))
            variable.assign(value)
        np.testing.assert_allclose(grad.numpy(), numeric / (2 * eps), rtol=1e-5, atol=1e-7)


def test_config_round_trip_is_exact():
    import keras

    from modelspec.layers import FactorizationMachine

    layer = FactorizationMachine(5, 2, activation="relu", name="fm")
    serialized = keras.saving.serialize_keras_object(layer)
    assert serialized["registered_name"] == "modelspec>FactorizationMachine"
    assert serialized["module"] == "modelspec.layers"
    again = keras.saving.deserialize_keras_object(serialized)
    assert type(again) is FactorizationMachine
    assert again.get_config() == layer.get_config()


def test_bad_sizes_are_refused_by_the_constructor():
    from modelspec.layers import FactorizationMachine

    for bad in (0, -2, 2.5, True):
        with pytest.raises(ValueError, match="positive integer"):
            FactorizationMachine(bad, 2)


SEED_TEXT_CNN = {
    "modelspec": 1,
    "model": {"class_name": "Sequential", "config": {"name": "text_cnn_fm", "layers": [
        {"class_name": "InputLayer", "config": {"name": "tokens", "shape": [100], "dtype": "int32"}},
        {"class_name": "Embedding", "config": {"name": "embedding", "input_dim": 20000, "output_dim": 50}},
        {"class_name": "Dropout", "config": {"name": "dropout_1", "rate": 0.2}},
        {"class_name": "Conv1D", "config": {"name": "conv", "filters": 250, "kernel_size": 3,
                                            "activation": "relu"}},
        {"class_name": "GlobalMaxPooling1D", "config": {"name": "pool"}},
        {"class_name": "FactorizationMachine", "config": {"name": "fm", "output_dim": 200, "factor_order": 100}},
        {"class_name": "Dropout", "config": {"name": "dropout_2", "rate": 0.2}},
        {"class_name": "Dense", "config": {"name": "label", "units": 1, "activation": "sigmoid"}},
    ]}},
    "compile": {"optimizer": "adam", "loss": "binary_crossentropy", "metrics": ["accuracy"]},
}


def test_the_seed_text_cnn_has_the_seed_parameter_counts():
    model = modelspec.build(SEED_TEXT_CNN)
    counts = {layer.name: layer.count_params() for layer in model.layers}
    assert counts["embedding"] == 1_000_000
    assert counts["conv"] == 37_750
    assert counts["fm"] == 75_200
    assert counts["label"] == 201
    assert model.count_params() == 1_113_151


def test_a_spec_with_it_round_trips_and_trains():
    import keras

    model = modelspec.build(SEED_TEXT_CNN)
    spec = modelspec.from_model(model)
    fm_entry = spec["model"]["config"]["layers"][5]
    assert fm_entry == {"class_name": "FactorizationMachine",
                        "config": {"name": "fm", "output_dim": 200, "factor_order": 100}}
    assert modelspec.validate(spec) == []
    assert modelspec.from_model(modelspec.build(spec)) == spec
    rng = np.random.default_rng(0)
    x = rng.integers(0, 20000, size=(64, 100)).astype("int32")
    y = (x[:, 0] % 2).astype("float32")
    keras.utils.set_random_seed(0)
    history = model.fit(x, y, epochs=2, batch_size=32, verbose=0)
    assert np.isfinite(history.history["loss"]).all()

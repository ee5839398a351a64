"""Layers that ship with modelspec, registered with Keras under ``modelspec>``.

A spec names them like any built-in layer (``class_name: FactorizationMachine``);
the builder imports this module itself, so they need no plugin and no
``--allow-plugins``. Their schemas are generated into ``schemas/layers/`` with
Keras's, so ``validate`` checks their configs without importing TensorFlow.
Keras's own ``get_config()`` writes them with ``module: modelspec.layers`` and
``registered_name: modelspec>FactorizationMachine``; both forms are accepted.
"""

from __future__ import annotations

from typing import Any

from modelspec.kerasenv import keras

ops = keras.ops

#: class name -> the module Keras records for it (read by schemagen and the builder)
OWN_LAYERS = ("FactorizationMachine",)


@keras.saving.register_keras_serializable(package="modelspec", name="FactorizationMachine")
class FactorizationMachine(keras.layers.Layer):
    """Factorization machine (Rendle, 2010): a linear term, all pairwise feature
    interactions through shared factors, and a bias.

    For an input `x` with `n` features, each of the `output_dim` outputs is

        activation(b_o + sum_i w_io x_i + sum_{i<j} <v_i, v_j> x_i x_j)

    where `v_i` is the `factor_order`-long factor vector of feature `i`. The
    pairwise sum is computed in O(k n) as
    1/2 sum_f [(x V)_f^2 - (x^2 V^2)_f]; it is one value per example, shared by
    every output (the factors are not per output), so the layer has
    n * output_dim + n * factor_order + output_dim weights.

    Inputs of rank above 2 are treated feature-wise along the last axis.

    Args:
        output_dim: Positive integer, the number of outputs.
        factor_order: Positive integer, the length of each feature's factor vector.
        activation: Activation function applied to the output (default none).
    """

    def __init__(self, output_dim: int, factor_order: int, activation: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        for name, value in (("output_dim", output_dim), ("factor_order", factor_order)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"Received an invalid value for argument `{name}`. "
                                 f"Expected a positive integer. Received: {name}={value!r}")
        self.output_dim = output_dim
        self.factor_order = factor_order
        self.activation = keras.activations.get(activation)

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        features = input_shape[-1]
        if features is None:
            raise ValueError("FactorizationMachine needs the size of its input's last axis to be known")
        self.linear = self.add_weight(name="linear", shape=(features, self.output_dim),
                                      initializer="glorot_uniform")
        self.factors = self.add_weight(name="factors", shape=(features, self.factor_order),
                                       initializer="glorot_uniform")
        self.bias = self.add_weight(name="bias", shape=(self.output_dim,), initializer="zeros")

    def call(self, inputs: Any) -> Any:
        summed = ops.matmul(inputs, self.factors)  # (..., k): sum_i v_if x_i
        squares = ops.matmul(ops.square(inputs), ops.square(self.factors))  # (..., k): sum_i v_if^2 x_i^2
        pairwise = 0.5 * ops.sum(ops.square(summed) - squares, axis=-1, keepdims=True)  # (..., 1)
        output = ops.matmul(inputs, self.linear) + pairwise + self.bias
        return self.activation(output) if self.activation is not None else output

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        return (*input_shape[:-1], self.output_dim)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(output_dim=self.output_dim, factor_order=self.factor_order,
                      activation=keras.activations.serialize(self.activation))
        return config

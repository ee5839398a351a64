"""A custom layer for modelspec: the seed's MyLayer, a Dense without bias.

How a plugin works:

* it is a plain Python module that defines Keras objects and registers them
  with ``keras.saving.register_keras_serializable`` (here under the package
  name ``my_layers``, so the layer's registered name is ``my_layers>MyLayer``);
* the spec lists the module under ``plugins:`` and names it in each layer
  entry's ``module``;
* ``modelspec summary`` / ``run`` / ``convert --to keras`` import it only when
  the command line says ``--allow-plugins``. Modules next to the spec file
  (like this one) are found without installing them. ``modelspec validate``
  never imports it: the layer's config is accepted as an open mapping, with a
  note, unless ``validate --plugins-schema`` is given, which imports the
  plugin and checks the config against a schema derived from the class.
"""

from __future__ import annotations

import keras


@keras.saving.register_keras_serializable(package="my_layers")
class MyLayer(keras.layers.Layer):
    """A fully connected layer without bias: outputs = inputs @ kernel.

    Args:
        output_dim: Positive integer, the size of the output.
    """

    def __init__(self, output_dim: int, **kwargs):
        super().__init__(**kwargs)
        self.output_dim = output_dim

    def build(self, input_shape):
        # The weight this layer learns, created once the input size is known.
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.output_dim),
                                      initializer="uniform", trainable=True)

    def call(self, inputs):
        return keras.ops.matmul(inputs, self.kernel)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.output_dim)

    def get_config(self):
        return {**super().get_config(), "output_dim": self.output_dim}

"""The Keras layer catalogue the seed documents list, and the losses, metrics,
optimizers, activations, regularizers and constraints they name: each one, in
a minimal spec, validates, builds, and comes back from the model unchanged
(spec → model → from_model → spec, and model.get_config() → model → the same
get_config())."""

from __future__ import annotations

import pytest

import modelspec

pytestmark = pytest.mark.keras

# (class_name, config, input shape without the batch axis, input dtype)
LAYERS = [
    # core
    ("Dense", {"units": 3}, [4], None),
    ("Activation", {"activation": "relu"}, [4], None),
    ("Dropout", {"rate": 0.5}, [4], None),
    ("Flatten", {}, [2, 3], None),
    ("Reshape", {"target_shape": [3, 2]}, [6], None),
    ("Permute", {"dims": [2, 1]}, [2, 3], None),
    ("RepeatVector", {"n": 3}, [4], None),
    ("ActivityRegularization", {"l1": 0.01}, [4], None),
    ("Masking", {"mask_value": 0.0}, [5, 3], None),
    # convolution
    ("Conv1D", {"filters": 2, "kernel_size": 3}, [8, 3], None),
    ("Conv2D", {"filters": 2, "kernel_size": 3}, [8, 8, 3], None),
    ("Conv3D", {"filters": 2, "kernel_size": 3}, [6, 6, 6, 3], None),
    ("Conv1DTranspose", {"filters": 2, "kernel_size": 3}, [8, 3], None),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 3}, [8, 8, 3], None),
    ("Conv3DTranspose", {"filters": 2, "kernel_size": 3}, [6, 6, 6, 3], None),
    ("SeparableConv1D", {"filters": 2, "kernel_size": 3}, [8, 3], None),
    ("SeparableConv2D", {"filters": 2, "kernel_size": 3}, [8, 8, 3], None),
    ("DepthwiseConv1D", {"kernel_size": 3}, [8, 3], None),
    ("DepthwiseConv2D", {"kernel_size": 3}, [8, 8, 3], None),
    ("Cropping1D", {"cropping": 1}, [8, 3], None),
    ("Cropping2D", {"cropping": 1}, [8, 8, 3], None),
    ("Cropping3D", {"cropping": 1}, [6, 6, 6, 3], None),
    ("UpSampling1D", {"size": 2}, [4, 3], None),
    ("UpSampling2D", {"size": 2}, [4, 4, 3], None),
    ("UpSampling3D", {"size": 2}, [2, 2, 2, 3], None),
    ("ZeroPadding1D", {"padding": 1}, [4, 3], None),
    ("ZeroPadding2D", {"padding": 1}, [4, 4, 3], None),
    ("ZeroPadding3D", {"padding": 1}, [2, 2, 2, 3], None),
    # pooling
    ("MaxPooling1D", {"pool_size": 2}, [8, 3], None),
    ("MaxPooling2D", {"pool_size": 2}, [8, 8, 3], None),
    ("MaxPooling3D", {"pool_size": 2}, [4, 4, 4, 3], None),
    ("AveragePooling1D", {"pool_size": 2}, [8, 3], None),
    ("AveragePooling2D", {"pool_size": 2}, [8, 8, 3], None),
    ("AveragePooling3D", {"pool_size": 2}, [4, 4, 4, 3], None),
    ("GlobalMaxPooling1D", {}, [8, 3], None),
    ("GlobalMaxPooling2D", {}, [8, 8, 3], None),
    ("GlobalMaxPooling3D", {}, [4, 4, 4, 3], None),
    ("GlobalAveragePooling1D", {}, [8, 3], None),
    ("GlobalAveragePooling2D", {}, [8, 8, 3], None),
    ("GlobalAveragePooling3D", {}, [4, 4, 4, 3], None),
    # recurrent
    ("SimpleRNN", {"units": 3}, [5, 2], None),
    ("GRU", {"units": 3, "return_sequences": True}, [5, 2], None),
    ("LSTM", {"units": 3, "go_backwards": True}, [5, 2], None),
    ("ConvLSTM2D", {"filters": 2, "kernel_size": 3}, [3, 6, 6, 1], None),
    ("RNN", {"cell": {"class_name": "LSTMCell", "config": {"units": 3}}}, [5, 2], None),
    ("RNN", {"cell": [{"class_name": "GRUCell", "config": {"units": 3}},
                      {"class_name": "SimpleRNNCell", "config": {"units": 2}}]}, [5, 2], None),
    # activations as layers
    ("LeakyReLU", {"negative_slope": 0.2}, [4], None),
    ("PReLU", {}, [4], None),
    ("ELU", {"alpha": 0.5}, [4], None),
    ("Softmax", {"axis": -1}, [4], None),
    ("ReLU", {"max_value": 6.0, "threshold": 0.1}, [4], None),
    # embedding, normalization, noise
    ("Embedding", {"input_dim": 10, "output_dim": 3, "mask_zero": True}, [5], "int32"),
    ("BatchNormalization", {"momentum": 0.9}, [4], None),
    ("GaussianNoise", {"stddev": 0.1}, [4], None),
    ("GaussianDropout", {"rate": 0.1}, [4], None),
    ("AlphaDropout", {"rate": 0.1}, [4], None),
    ("SpatialDropout1D", {"rate": 0.1}, [5, 3], None),
    ("SpatialDropout2D", {"rate": 0.1}, [5, 5, 3], None),
    ("SpatialDropout3D", {"rate": 0.1}, [4, 4, 4, 3], None),
    # wrappers
    ("TimeDistributed", {"layer": {"class_name": "Dense", "config": {"name": "inner", "units": 2}}}, [5, 3], None),
    ("Bidirectional", {"layer": {"class_name": "LSTM", "config": {"name": "forward", "units": 2}},
                       "merge_mode": "concat"}, [5, 3], None),
]

MERGING = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot"]


def sequential(layers: list[dict], shape: list, dtype: str | None = None, batch: int | None = None,
               compile_: dict | None = None) -> dict:
    input_config = {"name": "x", "shape": shape} if batch is None else {"name": "x", "batch_shape": [batch, *shape]}
    if dtype:
        input_config["dtype"] = dtype
    spec = {"modelspec": 1, "model": {"class_name": "Sequential", "config": {"name": "m", "layers": [
        {"class_name": "InputLayer", "config": input_config}, *layers]}}}
    if compile_:
        spec["compile"] = compile_
    return spec


def round_trips(spec: dict):
    """validate clean, build, from_model gives a spec that builds to the same config."""
    import keras

    assert [d.render() for d in modelspec.validate(spec) if d.is_error] == []
    model = modelspec.build(spec)
    again = modelspec.from_model(model)
    assert [d.render() for d in modelspec.validate(again) if d.is_error] == []
    rebuilt = modelspec.build(again)
    assert rebuilt.get_config() == model.get_config()
    assert modelspec.from_model(rebuilt) == again
    if model.compiled:
        assert rebuilt.get_compile_config() == model.get_compile_config()
    keras.backend.clear_session()
    return model


@pytest.mark.parametrize(("class_name", "config", "shape", "dtype"), LAYERS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(LAYERS)])
def test_each_catalogue_layer_validates_builds_and_round_trips(class_name, config, shape, dtype):
    model = round_trips(sequential([{"class_name": class_name, "config": {"name": "layer", **config}}],
                                   shape, dtype))
    assert type(model.get_layer("layer")).__name__ == class_name


def test_a_stateful_rnn_round_trips():
    # its states are variables created while the layer is called: built
    # outside Keras's StatelessScope, which summary's parameter bound uses
    spec = sequential([{"class_name": "LSTM", "config": {"name": "layer", "units": 3, "stateful": True}}],
                      [5, 2], batch=4)
    model = round_trips(spec)
    assert model.get_layer("layer").stateful


def test_an_embedding_with_mask_zero_masks():
    import numpy as np

    spec = sequential([{"class_name": "Embedding", "config": {"name": "e", "input_dim": 10, "output_dim": 3,
                                                              "mask_zero": True}}], [4], "int32")
    model = modelspec.build(spec)
    mask = model.get_layer("e").compute_mask(np.array([[1, 2, 0, 0]]))
    assert np.asarray(mask).tolist() == [[True, True, False, False]]


@pytest.mark.parametrize("class_name", MERGING)
def test_each_merging_layer_round_trips(class_name):
    config = {"name": "merge"}
    if class_name == "Dot":
        config["axes"] = 1
    spec = {"modelspec": 1, "model": {"class_name": "Functional", "config": {
        "name": "m", "input_layers": ["a", "b"], "output_layers": ["merge"], "layers": [
            {"class_name": "InputLayer", "config": {"name": "a", "shape": [4]}},
            {"class_name": "InputLayer", "config": {"name": "b", "shape": [4]}},
            {"class_name": class_name, "config": config, "inbound_nodes": [["a", "b"]]}]}}}
    model = round_trips(spec)
    assert type(model.get_layer("merge")).__name__ == class_name


LOSSES = ["mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
          "mean_squared_logarithmic_error", "squared_hinge", "hinge", "categorical_hinge", "log_cosh",
          "categorical_crossentropy", "binary_crossentropy", "kl_divergence", "poisson",
          "cosine_similarity", "huber", "mse", "mae",
          {"class_name": "CategoricalCrossentropy", "config": {"label_smoothing": 0.1}}]
METRICS = ["accuracy", "binary_accuracy", "categorical_accuracy", "top_k_categorical_accuracy", "mae", "mse",
           {"class_name": "AUC", "config": {"num_thresholds": 50}}, {"class_name": "Precision", "config": {}},
           {"class_name": "Recall", "config": {}}]
OPTIMIZERS = ["sgd", "rmsprop", "adagrad", "adadelta", "adam", "adamax", "nadam", "adamw", "ftrl",
              {"class_name": "SGD", "config": {"learning_rate": 0.01, "momentum": 0.9, "nesterov": True}},
              {"class_name": "Adam", "config": {"learning_rate": {"class_name": "ExponentialDecay", "config": {
                  "initial_learning_rate": 0.01, "decay_steps": 100, "decay_rate": 0.9}}}}]
ACTIVATIONS = ["softmax", "elu", "selu", "softplus", "softsign", "relu", "tanh", "sigmoid", "hard_sigmoid",
               "linear", "exponential", "gelu", "swish", "leaky_relu", "relu6", "mish", "log_softmax"]
REGULARIZERS = [{"class_name": "L1", "config": {"l1": 0.01}}, {"class_name": "L2", "config": {"l2": 0.01}},
                {"class_name": "L1L2", "config": {"l1": 0.01, "l2": 0.01}}, "l2"]
CONSTRAINTS = [{"class_name": "MaxNorm", "config": {"max_value": 2}}, {"class_name": "NonNeg", "config": {}},
               {"class_name": "UnitNorm", "config": {}},
               {"class_name": "MinMaxNorm", "config": {"min_value": 0.5, "max_value": 1.0}}, "non_neg"]


def _name(value) -> str:
    return value if isinstance(value, str) else value["class_name"]


def dense(**config) -> list[dict]:
    return [{"class_name": "Dense", "config": {"name": "d", "units": 3, **config}}]


@pytest.mark.parametrize("loss", LOSSES, ids=[_name(v) for v in LOSSES])
def test_each_loss_round_trips(loss):
    round_trips(sequential(dense(activation="softmax"), [4], compile_={"optimizer": "adam", "loss": loss}))


@pytest.mark.parametrize("metric", METRICS, ids=[_name(v) for v in METRICS])
def test_each_metric_round_trips(metric):
    round_trips(sequential(dense(activation="sigmoid"), [4],
                           compile_={"optimizer": "adam", "loss": "binary_crossentropy", "metrics": [metric]}))


@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=[f"{_name(v)}-{i}" for i, v in enumerate(OPTIMIZERS)])
def test_each_optimizer_round_trips(optimizer):
    round_trips(sequential(dense(), [4], compile_={"optimizer": optimizer, "loss": "mse"}))


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_each_activation_round_trips(activation):
    model = round_trips(sequential(dense(activation=activation), [4]))
    written = {"swish": "silu"}.get(activation, activation)  # Keras 3 serializes swish as its alias silu
    assert model.get_layer("d").get_config()["activation"] == written


@pytest.mark.parametrize("regularizer", REGULARIZERS, ids=[_name(v) for v in REGULARIZERS])
def test_each_regularizer_round_trips(regularizer):
    round_trips(sequential(dense(kernel_regularizer=regularizer, bias_regularizer=regularizer,
                                 activity_regularizer=regularizer), [4]))


@pytest.mark.parametrize("constraint", CONSTRAINTS, ids=[_name(v) for v in CONSTRAINTS])
def test_each_constraint_round_trips(constraint):
    round_trips(sequential(dense(kernel_constraint=constraint, bias_constraint=constraint), [4]))


def test_the_parameter_bound_still_holds_for_a_stateful_rnn():
    spec = sequential([{"class_name": "LSTM", "config": {"name": "layer", "units": 3, "stateful": True}}],
                      [5, 2], batch=4)
    with pytest.raises(modelspec.SpecError) as caught:
        modelspec.build(spec, max_params=10)
    assert [d.code for d in caught.value.diagnostics] == ["too-many-params"]

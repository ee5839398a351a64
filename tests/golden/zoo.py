"""A zoo of small, diverse Keras 3 models for the golden round-trip tests.

Every factory builds a fresh model from built-in Keras layers only, with
explicit layer and model names and tiny sizes so that the whole suite is fast.

Every model here round-trips through Keras ITSELF, i.e.

    keras.Model.from_config(copy.deepcopy(m.get_config())).get_config()
        == m.get_config()

(and Sequential models through ``keras.Sequential.from_config``); see
``keras_self_roundtrip()`` and ``tests/golden/test_roundtrip.py``, which checks
that before blaming modelspec.  Models that Keras cannot round-trip by itself
are not in the zoo; they are listed in ``DROPPED`` at the bottom with the reason.

``COMPILES`` lists compile setups: name -> (zoo model name, factory of the
keyword arguments for ``model.compile``).  Factories (not dicts) because
optimizer, loss and metric objects are stateful and must not be shared.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import copy  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import keras  # noqa: E402
from keras import layers  # noqa: E402

# --------------------------------------------------------------------------
# Sequential models
# --------------------------------------------------------------------------


def make_sequential_mlp() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input(shape=(16,), name="features"),
            layers.Dense(8, activation="relu", name="hidden"),
            layers.Dropout(0.25, name="dropout"),
            layers.Dense(3, activation="softmax", name="probs"),
        ],
        name="sequential_mlp",
    )


def make_sequential_convnet() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input(shape=(12, 12, 1), name="image"),
            layers.Conv2D(4, 3, activation="relu", name="conv"),
            layers.MaxPooling2D(2, name="pool"),
            layers.Conv2D(4, 3, padding="same", strides=2, name="conv_strided"),
            layers.Flatten(name="flatten"),
            layers.Dense(5, activation="softmax", name="logits"),
        ],
        name="sequential_convnet",
    )


def make_sequential_conv1d_text() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input(shape=(20,), dtype="int32", name="tokens"),
            layers.Embedding(50, 6, name="embed"),
            layers.Conv1D(4, 3, activation="relu", name="conv1d"),
            layers.GlobalMaxPooling1D(name="gmp"),
            layers.Dense(1, activation="sigmoid", name="out"),
        ],
        name="sequential_conv1d_text",
    )


# --------------------------------------------------------------------------
# Inputs / outputs structures
# --------------------------------------------------------------------------


def make_multi_input() -> keras.Model:
    a = keras.Input(shape=(4,), name="in_a")
    b = keras.Input(shape=(6,), name="in_b")
    c = keras.Input(shape=(2,), name="in_c")
    x = layers.Concatenate(name="concat")([a, b, c])
    x = layers.Dense(5, activation="tanh", name="dense")(x)
    out = layers.Dense(1, name="out")(x)
    return keras.Model([a, b, c], out, name="multi_input")


def make_multi_output() -> keras.Model:
    x = keras.Input(shape=(8,), name="x")
    h = layers.Dense(6, activation="relu", name="trunk")(x)
    cls = layers.Dense(3, activation="softmax", name="cls")(h)
    reg = layers.Dense(1, name="reg")(h)
    return keras.Model(x, [cls, reg], name="multi_output")


def make_dict_inputs() -> keras.Model:
    a = keras.Input(shape=(3,), name="a")
    b = keras.Input(shape=(5,), name="b")
    x = layers.Concatenate(name="concat")([a, b])
    out = layers.Dense(2, name="out")(x)
    return keras.Model({"a": a, "b": b}, out, name="dict_inputs")


def make_dict_outputs() -> keras.Model:
    x = keras.Input(shape=(7,), name="x")
    h = layers.Dense(4, activation="relu", name="h")(x)
    score = layers.Dense(1, activation="sigmoid", name="score")(h)
    label = layers.Dense(3, activation="softmax", name="label")(h)
    return keras.Model(x, {"score": score, "label": label}, name="dict_outputs")


def make_single_output_tensor() -> keras.Model:
    # output_layers is ONE reference ["out", 0, 0] ...
    x = keras.Input(shape=(4,), name="x")
    out = layers.Dense(2, name="out")(x)
    return keras.Model(x, out, name="single_output_tensor")


def make_single_output_list() -> keras.Model:
    # ... while here it is a one-element LIST [["out", 0, 0]]: must stay so.
    x = keras.Input(shape=(4,), name="x")
    out = layers.Dense(2, name="out")(x)
    return keras.Model([x], [out], name="single_output_list")


# --------------------------------------------------------------------------
# Sharing and nesting
# --------------------------------------------------------------------------


def make_shared_dense() -> keras.Model:
    a = keras.Input(shape=(4,), name="a")
    b = keras.Input(shape=(4,), name="b")
    c = keras.Input(shape=(4,), name="c")
    shared = layers.Dense(3, activation="relu", name="shared_dense")
    ya, yb, yc = shared(a), shared(b), shared(c)  # 3 calls: nodes 0, 1, 2
    s = layers.Add(name="add")([ya, yb, yc])
    m = layers.Maximum(name="maximum")([yc, ya])
    out = layers.Concatenate(name="concat")([s, m])
    return keras.Model([a, b, c], out, name="shared_dense")


def _encoder() -> keras.Model:
    x = keras.Input(shape=(6,), name="enc_in")
    h = layers.Dense(4, activation="relu", name="enc_dense")(x)
    return keras.Model(x, h, name="encoder")


def make_shared_submodel() -> keras.Model:
    encoder = _encoder()
    left = keras.Input(shape=(6,), name="left")
    right = keras.Input(shape=(6,), name="right")
    el, er = encoder(left), encoder(right)  # a functional model called twice
    diff = layers.Subtract(name="diff")([el, er])
    out = layers.Dense(1, activation="sigmoid", name="similar")(diff)
    return keras.Model([left, right], out, name="shared_submodel")


def make_nested_functional() -> keras.Model:
    inner_in = keras.Input(shape=(5,), name="inner_in")
    inner_h = layers.Dense(4, activation="relu", name="inner_dense")(inner_in)
    inner_out = layers.Dense(3, name="inner_out")(inner_h)
    inner = keras.Model(inner_in, inner_out, name="inner")

    x = keras.Input(shape=(5,), name="outer_in")
    y = inner(x)
    y = layers.Activation("softmax", name="softmax")(y)
    return keras.Model(x, y, name="nested_functional")


def make_nested_sequential() -> keras.Model:
    block = keras.Sequential(
        [
            keras.Input(shape=(6,), name="block_in"),
            layers.Dense(5, activation="relu", name="block_dense1"),
            layers.Dense(4, name="block_dense2"),
        ],
        name="block",
    )
    x = keras.Input(shape=(6,), name="x")
    h = block(x)
    out = layers.Dense(2, name="head")(h)
    return keras.Model(x, out, name="nested_sequential")


def make_sequential_in_sequential() -> keras.Model:
    inner = keras.Sequential(
        [
            keras.Input(shape=(4,), name="inner_in"),
            layers.Dense(3, name="inner_dense"),
        ],
        name="inner_seq",
    )
    return keras.Sequential(
        [keras.Input(shape=(4,), name="outer_in"), inner, layers.ReLU(name="relu")],
        name="sequential_in_sequential",
    )


# --------------------------------------------------------------------------
# Recurrent
# --------------------------------------------------------------------------


def make_rnn_wrappers() -> keras.Model:
    x = keras.Input(shape=(7, 3), name="seq")
    h = layers.Bidirectional(
        layers.LSTM(4, return_sequences=True, name="lstm"), merge_mode="concat", name="bilstm"
    )(x)
    h = layers.TimeDistributed(layers.Dense(2, name="td_dense"), name="time_dist")(h)
    h = layers.GRU(3, name="gru")(h)
    return keras.Model(x, h, name="rnn_wrappers")


def make_rnn_cells() -> keras.Model:
    x = keras.Input(shape=(5, 3), name="seq")
    a = layers.RNN(layers.LSTMCell(4, name="lstm_cell"), name="rnn_lstm_cell")(x)
    stacked = layers.StackedRNNCells(
        [layers.GRUCell(3, name="gru_cell"), layers.SimpleRNNCell(2, name="simple_cell")],
        name="stacked_cells",
    )
    b = layers.RNN(stacked, name="rnn_stacked")(x)
    out = layers.Concatenate(name="concat")([a, b])
    return keras.Model(x, out, name="rnn_cells")


def make_lstm_states() -> keras.Model:
    # LSTM(return_state=True) has 3 outputs; state_h is tensor index 1 of its
    # node 0 (reference "lstm[0][1]"), state_c index 2 ("lstm[0][2]").
    x = keras.Input(shape=(6, 3), name="seq")
    seq_out, state_h, state_c = layers.LSTM(4, return_state=True, name="lstm")(x)
    h = layers.Dense(2, name="from_h")(state_h)
    c = layers.Dense(2, name="from_c")(state_c)
    out = layers.Concatenate(name="concat")([h, c, seq_out])
    return keras.Model(x, out, name="lstm_states")


def make_attention() -> keras.Model:
    # MultiHeadAttention called with a keyword argument and returning the
    # attention scores as a second output (tensor index 1).
    q = keras.Input(shape=(4, 8), name="query")
    v = keras.Input(shape=(6, 8), name="value")
    att, scores = layers.MultiHeadAttention(
        num_heads=2, key_dim=4, name="mha"
    )(q, v, return_attention_scores=True)
    pooled = layers.GlobalAveragePooling1D(name="pool")(att)
    flat_scores = layers.Flatten(name="flat_scores")(scores)
    return keras.Model([q, v], [pooled, flat_scores], name="attention")


def make_embedding_mask_lstm() -> keras.Model:
    tokens = keras.Input(shape=(None,), dtype="int32", name="tokens")
    e = layers.Embedding(30, 5, mask_zero=True, name="embed")(tokens)
    h = layers.LSTM(4, name="lstm")(e)
    out = layers.Dense(1, activation="sigmoid", name="out")(h)
    return keras.Model(tokens, out, name="embedding_mask_lstm")


def make_conv_lstm_like_stack() -> keras.Model:
    # SimpleRNN stack with go_backwards / return_sequences / dropout options.
    x = keras.Input(shape=(5, 2), name="seq")
    h = layers.SimpleRNN(3, return_sequences=True, go_backwards=True, name="rnn1")(x)
    h = layers.GRU(3, dropout=0.1, recurrent_dropout=0.1, reset_after=False, name="gru")(h)
    return keras.Model(x, h, name="rnn_options")


# --------------------------------------------------------------------------
# Layer parameters: regularizers, constraints, initializers
# --------------------------------------------------------------------------


def make_regularized() -> keras.Model:
    x = keras.Input(shape=(6,), name="x")
    h = layers.Dense(
        5,
        activation="relu",
        kernel_regularizer=keras.regularizers.L1L2(l1=1e-4, l2=1e-3),
        activity_regularizer=keras.regularizers.L2(1e-5),
        kernel_constraint=keras.constraints.MaxNorm(max_value=2.0, axis=0),
        bias_constraint=keras.constraints.NonNeg(),
        kernel_initializer=keras.initializers.RandomNormal(mean=0.0, stddev=0.01, seed=1),
        bias_initializer=keras.initializers.Constant(0.1),
        name="dense_reg",
    )(x)
    h = layers.Dense(
        4,
        kernel_initializer=keras.initializers.Orthogonal(gain=1.5, seed=3),
        use_bias=False,
        name="dense_ortho",
    )(h)
    out = layers.Dense(
        2,
        kernel_initializer=keras.initializers.VarianceScaling(
            scale=2.0, mode="fan_out", distribution="uniform", seed=7
        ),
        bias_regularizer="l2",
        name="dense_vs",
    )(h)
    return keras.Model(x, out, name="regularized")


# --------------------------------------------------------------------------
# Convolutions, normalisation, pooling
# --------------------------------------------------------------------------


def make_conv_bn() -> keras.Model:
    img = keras.Input(shape=(10, 10, 3), name="img")
    h = layers.Conv2D(4, 3, padding="same", use_bias=False, name="conv")(img)
    h = layers.BatchNormalization(momentum=0.9, epsilon=1e-3, name="bn")(h)
    h = layers.Activation("relu", name="relu")(h)
    h = layers.MaxPooling2D(pool_size=2, name="pool")(h)
    h = layers.SeparableConv2D(4, 3, padding="same", name="sepconv")(h)
    h = layers.DepthwiseConv2D(3, padding="same", name="dwconv")(h)
    h = layers.GlobalAveragePooling2D(name="gap")(h)
    out = layers.Dense(2, activation="softmax", name="out")(h)
    return keras.Model(img, out, name="conv_bn")


def make_conv_updown() -> keras.Model:
    img = keras.Input(shape=(8, 8, 2), name="img")
    h = layers.ZeroPadding2D(1, name="pad")(img)
    h = layers.Cropping2D(((1, 1), (1, 1)), name="crop")(h)
    h = layers.AveragePooling2D(2, name="avgpool")(h)
    h = layers.UpSampling2D(2, name="up")(h)
    h = layers.Conv2DTranspose(3, 3, strides=1, padding="same", name="deconv")(h)
    return keras.Model(img, h, name="conv_updown")


def make_norm_dropout() -> keras.Model:
    x = keras.Input(shape=(5, 8), name="x")
    h = layers.LayerNormalization(epsilon=1e-6, name="ln")(x)
    h = layers.Dropout(0.2, noise_shape=(None, 1, 8), seed=11, name="dropout")(h)
    h = layers.SpatialDropout1D(0.1, name="spatial_dropout")(h)
    h = layers.GaussianNoise(0.05, name="noise")(h)
    h = layers.GlobalAveragePooling1D(name="pool")(h)
    out = layers.Dense(3, name="out")(h)
    return keras.Model(x, out, name="norm_dropout")


# --------------------------------------------------------------------------
# Merges and reshaping
# --------------------------------------------------------------------------


def make_merges() -> keras.Model:
    a = keras.Input(shape=(4,), name="a")
    b = keras.Input(shape=(4,), name="b")
    add = layers.Add(name="add")([a, b])
    sub = layers.Subtract(name="subtract")([a, b])
    mul = layers.Multiply(name="multiply")([a, b])
    avg = layers.Average(name="average")([a, b])
    mx = layers.Maximum(name="maximum")([a, b])
    mn = layers.Minimum(name="minimum")([a, b])
    dot = layers.Dot(axes=1, normalize=True, name="dot")([a, b])
    out = layers.Concatenate(axis=-1, name="concat")([add, sub, mul, avg, mx, mn, dot])
    return keras.Model([a, b], out, name="merges")


def make_reshapes() -> keras.Model:
    x = keras.Input(shape=(12,), name="x")
    h = layers.Reshape((3, 4), name="reshape")(x)
    h = layers.Permute((2, 1), name="permute")(h)
    h = layers.Flatten(name="flatten")(h)
    h = layers.RepeatVector(2, name="repeat")(h)
    h = layers.Reshape((-1,), name="reshape_back")(h)
    return keras.Model(x, h, name="reshapes")


# --------------------------------------------------------------------------
# Operations on KerasTensors (ops layers, not keras.layers classes)
# --------------------------------------------------------------------------


def make_op_layers() -> keras.Model:
    x = keras.Input(shape=(4,), name="x")
    y = keras.Input(shape=(4,), name="y")
    doubled = x * 2.0  # a keras.src.ops.numpy.Multiply operation with a constant
    summed = keras.ops.add(doubled, y)
    h = layers.Dense(2, name="dense")(summed)
    return keras.Model([x, y], h, name="op_layers")


# --------------------------------------------------------------------------
# dtypes, policies, trainable flags
# --------------------------------------------------------------------------


def make_dtypes() -> keras.Model:
    ids = keras.Input(shape=(3,), dtype="int32", name="ids")
    feats = keras.Input(shape=(4,), dtype="float64", name="feats")
    e = layers.Embedding(10, 2, name="embed")(ids)
    e = layers.Flatten(name="flatten")(e)
    f = layers.Dense(3, dtype="float64", name="dense64")(feats)
    f = layers.Activation("linear", dtype="float32", name="cast32")(f)
    h = layers.Concatenate(name="concat")([e, f])
    out = layers.Dense(1, dtype="mixed_float16", name="mixed")(h)
    return keras.Model([ids, feats], out, name="dtypes")


def make_frozen() -> keras.Model:
    x = keras.Input(shape=(5,), name="x")
    frozen = layers.Dense(4, activation="relu", name="frozen_dense")
    frozen.trainable = False
    h = frozen(x)
    h = layers.BatchNormalization(trainable=False, name="frozen_bn")(h)
    out = layers.Dense(2, name="trainable_dense")(h)
    return keras.Model(x, out, name="frozen")


def make_activations() -> keras.Model:
    x = keras.Input(shape=(6,), name="x")
    h = layers.Dense(6, name="d1")(x)
    h = layers.LeakyReLU(negative_slope=0.2, name="leaky")(h)
    h = layers.Dense(6, name="d2")(h)
    h = layers.PReLU(name="prelu")(h)
    h = layers.Dense(6, activation="gelu", name="d3")(h)
    h = layers.ELU(alpha=0.5, name="elu")(h)
    h = layers.Rescaling(scale=0.5, offset=1.0, name="rescale")(h)
    out = layers.Softmax(name="softmax")(h)
    return keras.Model(x, out, name="activations")


def make_attention_layers() -> keras.Model:
    q = keras.Input(shape=(3, 4), name="q")
    v = keras.Input(shape=(5, 4), name="v")
    a = layers.Attention(use_scale=True, name="dot_attention")([q, v])
    b = layers.AdditiveAttention(name="additive_attention")([q, v])
    out = layers.Add(name="add")([a, b])
    return keras.Model([q, v], out, name="attention_layers")


# --------------------------------------------------------------------------
# Calls with keyword arguments, preprocessing layers with state in config
# --------------------------------------------------------------------------


def make_call_kwargs() -> keras.Model:
    # Tensors and constants passed as keyword arguments of a layer call.
    q = keras.Input(shape=(4, 8), name="q")
    mask = keras.Input(shape=(4, 4), dtype="bool", name="mask")
    att = layers.MultiHeadAttention(num_heads=2, key_dim=4, name="mha")(
        q, q, attention_mask=mask
    )
    att = layers.Dropout(0.5, name="always_dropout")(att, training=True)
    return keras.Model([q, mask], att, name="call_kwargs")


def make_bidirectional_backward() -> keras.Model:
    x = keras.Input(shape=(5, 3), name="seq")
    h = layers.Bidirectional(
        layers.LSTM(2, name="forward_lstm"),
        backward_layer=layers.GRU(2, go_backwards=True, name="backward_gru"),
        merge_mode="sum",
        name="bidir",
    )(x)
    return keras.Model(x, h, name="bidirectional_backward")


def make_preprocessing() -> keras.Model:
    words = keras.Input(shape=(1,), dtype="string", name="word")
    nums = keras.Input(shape=(3,), name="nums")
    ids = layers.StringLookup(vocabulary=["a", "b", "c"], name="lookup")(words)
    ids = layers.CategoryEncoding(num_tokens=5, output_mode="one_hot", name="onehot")(ids)
    normed = layers.Normalization(mean=[1.0, 2.0, 3.0], variance=[1.0, 4.0, 9.0], name="norm")(nums)
    out = layers.Concatenate(name="concat")([ids, normed])
    return keras.Model([words, nums], out, name="preprocessing")


def make_ops_list_args() -> keras.Model:
    # An operation taking a LIST of tensors plus a keyword constant.
    x = keras.Input(shape=(3,), name="x")
    y = keras.Input(shape=(3,), name="y")
    z = keras.ops.concatenate([x, y], axis=-1)
    return keras.Model([x, y], keras.ops.tanh(z), name="ops_list_args")


# --------------------------------------------------------------------------
# Registries
# --------------------------------------------------------------------------

MODELS: dict[str, Callable[[], keras.Model]] = {
    "sequential_mlp": make_sequential_mlp,
    "sequential_convnet": make_sequential_convnet,
    "sequential_conv1d_text": make_sequential_conv1d_text,
    "multi_input": make_multi_input,
    "multi_output": make_multi_output,
    "dict_inputs": make_dict_inputs,
    "dict_outputs": make_dict_outputs,
    "single_output_tensor": make_single_output_tensor,
    "single_output_list": make_single_output_list,
    "shared_dense": make_shared_dense,
    "shared_submodel": make_shared_submodel,
    "nested_functional": make_nested_functional,
    "nested_sequential": make_nested_sequential,
    "sequential_in_sequential": make_sequential_in_sequential,
    "rnn_wrappers": make_rnn_wrappers,
    "rnn_cells": make_rnn_cells,
    "lstm_states": make_lstm_states,
    "attention": make_attention,
    "embedding_mask_lstm": make_embedding_mask_lstm,
    "rnn_options": make_conv_lstm_like_stack,
    "regularized": make_regularized,
    "conv_bn": make_conv_bn,
    "conv_updown": make_conv_updown,
    "norm_dropout": make_norm_dropout,
    "merges": make_merges,
    "reshapes": make_reshapes,
    "op_layers": make_op_layers,
    "dtypes": make_dtypes,
    "frozen": make_frozen,
    "activations": make_activations,
    "attention_layers": make_attention_layers,
    "call_kwargs": make_call_kwargs,
    "bidirectional_backward": make_bidirectional_backward,
    "preprocessing": make_preprocessing,
    "ops_list_args": make_ops_list_args,
}

#: Candidate models that Keras itself does NOT round-trip (so they are not in
#: MODELS), name -> reason.  Filled in from checks against keras 3.15.1.
DROPPED: dict[str, str] = {
    "getitem_slice": (
        "`x[:, 0]` on a KerasTensor (a GetItem operation): the index tuple "
        "(slice(None), 0) in the node's args comes back from from_config as a "
        "list, so get_config() differs after Keras's own round trip"
    ),
    "lambda_layer": (
        "layers.Lambda(lambda t: t * 2): from_config refuses to deserialize a "
        "Python lambda in safe mode (ValueError), and it is not declarative anyway"
    ),
}


CompileFactory = Callable[[], dict[str, Any]]

COMPILES: dict[str, tuple[str, CompileFactory]] = {
    # one loss string, metrics list, optimizer by name
    "mlp_rmsprop": (
        "sequential_mlp",
        lambda: {
            "optimizer": "rmsprop",
            "loss": "categorical_crossentropy",
            "metrics": ["accuracy"],
        },
    ),
    # optimizer object with a non-default learning rate
    "convnet_adam": (
        "sequential_convnet",
        lambda: {
            "optimizer": keras.optimizers.Adam(learning_rate=3e-4),
            "loss": "sparse_categorical_crossentropy",
            "metrics": ["sparse_categorical_accuracy"],
        },
    ),
    # per-output dicts: loss, loss_weights, metrics
    "multi_output_dicts": (
        "multi_output",
        lambda: {
            "optimizer": "adam",
            "loss": {"cls": "categorical_crossentropy", "reg": "mse"},
            "loss_weights": {"cls": 1.0, "reg": 0.5},
            "metrics": {"cls": ["accuracy"], "reg": ["mae"]},
        },
    ),
    # list form
    "multi_output_lists": (
        "multi_output",
        lambda: {
            "optimizer": "sgd",
            "loss": ["categorical_crossentropy", "mse"],
            "loss_weights": [1.0, 0.2],
            "metrics": [["accuracy"], ["mae"]],
        },
    ),
    # dict outputs, loss objects and metric objects
    "dict_outputs_objects": (
        "dict_outputs",
        lambda: {
            "optimizer": keras.optimizers.RMSprop(learning_rate=0.01, rho=0.8),
            "loss": {
                "score": keras.losses.BinaryCrossentropy(label_smoothing=0.1),
                "label": "categorical_crossentropy",
            },
            "metrics": {"score": [keras.metrics.AUC(name="auc")], "label": ["accuracy"]},
        },
    ),
    # learning-rate schedule
    "schedule_sgd": (
        "single_output_tensor",
        lambda: {
            "optimizer": keras.optimizers.SGD(
                learning_rate=keras.optimizers.schedules.ExponentialDecay(
                    initial_learning_rate=0.1, decay_steps=100, decay_rate=0.96, staircase=True
                ),
                momentum=0.9,
            ),
            "loss": "mse",
            "metrics": ["mae"],
        },
    ),
    # weighted metrics and options
    "multi_input_weighted": (
        "multi_input",
        lambda: {
            "optimizer": keras.optimizers.AdamW(learning_rate=1e-3, weight_decay=0.01),
            "loss": keras.losses.Huber(delta=0.5),
            "weighted_metrics": ["mse"],
            "steps_per_execution": 2,
        },
    ),
    # dict inputs with a single loss
    "dict_inputs_mse": (
        "dict_inputs",
        lambda: {"optimizer": "adam", "loss": "mse"},
    ),
}


def make_model(name: str) -> keras.Model:
    return MODELS[name]()


def make_compiled(name: str) -> keras.Model:
    """A fresh model of COMPILES[name], compiled with its setup."""
    model_name, factory = COMPILES[name]
    model = MODELS[model_name]()
    model.compile(**factory())
    return model


def keras_self_roundtrip(model: keras.Model) -> keras.Model:
    """Rebuild `model` from its config with Keras alone (no modelspec)."""
    config = copy.deepcopy(model.get_config())
    cls = keras.Sequential if isinstance(model, keras.Sequential) else keras.Model
    return cls.from_config(config)

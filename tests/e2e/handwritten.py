"""The models of specs/*.yaml written by hand with the Keras API.

Each function builds the SAME model as its spec (same model name, same layer
names, same parameters) and compiles it the same way, so that
``modelspec.build("specs/<file>")`` can be compared with it config for config.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from collections.abc import Callable  # noqa: E402

import keras  # noqa: E402
from keras import layers  # noqa: E402


def mnist_mlp() -> keras.Model:
    pixels = keras.Input(shape=(784,), name="pixels")
    x = layers.Dense(64, activation="relu", name="hidden_1")(pixels)
    x = layers.Dense(64, activation="relu", name="hidden_2")(x)
    predictions = layers.Dense(10, activation="softmax", name="predictions")(x)
    model = keras.Model(inputs=pixels, outputs=predictions, name="mnist_mlp")
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def mnist_mlp_sequential() -> keras.Model:
    model = keras.Sequential(
        [
            keras.Input(shape=(784,), name="pixels"),
            layers.Dense(64, activation="relu", name="hidden_1"),
            layers.Dense(64, activation="relu", name="hidden_2"),
            layers.Dense(10, activation="softmax", name="predictions"),
        ],
        name="mnist_mlp_sequential",
    )
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def news_headline() -> keras.Model:
    main_input = keras.Input(shape=(100,), dtype="int32", name="main_input")
    x = layers.Embedding(input_dim=10000, output_dim=512, name="embedding")(main_input)
    lstm_out = layers.LSTM(32, name="lstm")(x)
    aux_output = layers.Dense(1, activation="sigmoid", name="aux_output")(lstm_out)
    aux_input = keras.Input(shape=(5,), name="aux_input")
    x = layers.Concatenate(name="concatenate")([lstm_out, aux_input])
    x = layers.Dense(64, activation="relu", name="dense_1")(x)
    x = layers.Dense(64, activation="relu", name="dense_2")(x)
    x = layers.Dense(64, activation="relu", name="dense_3")(x)
    main_output = layers.Dense(1, activation="sigmoid", name="main_output")(x)
    model = keras.Model(
        inputs=[main_input, aux_input],
        outputs=[main_output, aux_output],
        name="news_headline",
    )
    model.compile(
        optimizer="rmsprop",
        loss={"main_output": "binary_crossentropy", "aux_output": "binary_crossentropy"},
        loss_weights={"main_output": 1.0, "aux_output": 0.2},
        metrics={"main_output": ["accuracy"], "aux_output": ["accuracy"]},
    )
    return model


def tweet_shared_lstm() -> keras.Model:
    tweet_a = keras.Input(shape=(280, 256), name="tweet_a")
    tweet_b = keras.Input(shape=(280, 256), name="tweet_b")
    shared_lstm = layers.LSTM(64, name="shared_lstm")
    encoded_a = shared_lstm(tweet_a)
    encoded_b = shared_lstm(tweet_b)
    merged = layers.Concatenate(axis=-1, name="concatenate")([encoded_a, encoded_b])
    predictions = layers.Dense(1, activation="sigmoid", name="predictions")(merged)
    model = keras.Model(inputs=[tweet_a, tweet_b], outputs=predictions, name="tweet_shared_lstm")
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def ncf_neumf(num_users: int = 943, num_items: int = 1682) -> keras.Model:
    def init():
        return keras.initializers.RandomNormal(stddev=0.01)

    user_input = keras.Input(shape=(1,), dtype="int32", name="user_input")
    item_input = keras.Input(shape=(1,), dtype="int32", name="item_input")

    # GMF branch
    mf_user = layers.Embedding(
        num_users, 8, embeddings_initializer=init(), name="mf_user_embedding"
    )(user_input)
    mf_item = layers.Embedding(
        num_items, 8, embeddings_initializer=init(), name="mf_item_embedding"
    )(item_input)
    mf_user = layers.Flatten(name="mf_user_latent")(mf_user)
    mf_item = layers.Flatten(name="mf_item_latent")(mf_item)
    mf_vector = layers.Multiply(name="mf_vector")([mf_user, mf_item])

    # MLP branch
    mlp_user = layers.Embedding(
        num_users, 32, embeddings_initializer=init(), name="mlp_user_embedding"
    )(user_input)
    mlp_item = layers.Embedding(
        num_items, 32, embeddings_initializer=init(), name="mlp_item_embedding"
    )(item_input)
    mlp_user = layers.Flatten(name="mlp_user_latent")(mlp_user)
    mlp_item = layers.Flatten(name="mlp_item_latent")(mlp_item)
    mlp = layers.Concatenate(name="mlp_concat")([mlp_user, mlp_item])
    mlp = layers.Dense(32, activation="relu", name="mlp_layer_1")(mlp)
    mlp = layers.Dense(16, activation="relu", name="mlp_layer_2")(mlp)
    mlp = layers.Dense(8, activation="relu", name="mlp_layer_3")(mlp)

    # fusion
    neumf = layers.Concatenate(name="neumf_vector")([mf_vector, mlp])
    prediction = layers.Dense(
        1, activation="sigmoid", kernel_initializer="lecun_uniform", name="prediction"
    )(neumf)

    model = keras.Model(inputs=[user_input, item_input], outputs=prediction, name="ncf_neumf")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.001),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    return model


def digits_mlp() -> keras.Model:
    pixels = keras.Input(shape=(64,), name="pixels")
    x = layers.Dense(128, activation="relu", name="hidden_1")(pixels)
    x = layers.Dropout(0.2, name="dropout")(x)
    x = layers.Dense(64, activation="relu", name="hidden_2")(x)
    digit = layers.Dense(10, activation="softmax", name="digit")(x)
    model = keras.Model(inputs=pixels, outputs=digit, name="digits_mlp")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _text_cnn(name: str, middle: keras.layers.Layer) -> keras.Model:
    model = keras.Sequential([
        keras.Input(shape=(100,), dtype="int32", name="tokens"),
        layers.Embedding(20000, 50, name="embedding"),
        layers.Dropout(0.2, name="dropout_1"),
        layers.Conv1D(250, 3, padding="valid", strides=1, activation="relu", name="conv"),
        layers.GlobalMaxPooling1D(name="pool"),
        middle,
        layers.Dropout(0.2, name="dropout_2"),
        layers.Dense(1, activation="sigmoid", name="label"),
    ], name=name)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def text_cnn_fm() -> keras.Model:
    from modelspec.layers import FactorizationMachine

    return _text_cnn("text_cnn_fm", FactorizationMachine(200, factor_order=100, name="fm"))


def text_cnn_dense() -> keras.Model:
    return _text_cnn("text_cnn_dense", layers.Dense(250, activation="relu", name="hidden"))


#: spec file name (in specs/) -> hand-written builder
HANDWRITTEN: dict[str, Callable[[], keras.Model]] = {
    "mnist_mlp.yaml": mnist_mlp,
    "mnist_mlp_sequential.yaml": mnist_mlp_sequential,
    "news_headline.yaml": news_headline,
    "tweet_shared_lstm.yaml": tweet_shared_lstm,
    "ncf_neumf.yaml": ncf_neumf,
    "digits_mlp.yaml": digits_mlp,
    "text_cnn_fm.yaml": text_cnn_fm,
    "text_cnn_dense.yaml": text_cnn_dense,
}

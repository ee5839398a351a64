"""What the hand-written Keras scripts share with each other and with bench_all.py /
bench_run_startup.py: the epoch timer, the news_headline model and its arrays, and
the `--out` tail (save, evaluate, predict, as `modelspec run` does after fit).

Plain Keras and NumPy only: nothing here imports modelspec. Keras is passed in by
the caller, which imports it when it is ready to (after its own timing marks).
"""
import json
import os
import time


def epoch_timer(keras, times=None):
    """A callback appending each epoch's wall time to `times` (a new list if None),
    which is also its `.times`."""

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.times = [] if times is None else times
            self.started = 0.0

        def on_epoch_begin(self, epoch, logs=None):
            self.started = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.times.append(time.perf_counter() - self.started)

    return EpochTimer()


def news_headline_model(keras):
    """The functional API guide's two-input, two-output model, compiled as
    specs/news_headline.yaml compiles it."""
    main_input = keras.Input(shape=(100,), dtype="int32", name="main_input")
    x = keras.layers.Embedding(10000, 512, name="embedding")(main_input)
    lstm = keras.layers.LSTM(32, name="lstm")(x)
    aux_output = keras.layers.Dense(1, activation="sigmoid", name="aux_output")(lstm)
    aux_input = keras.Input(shape=(5,), name="aux_input")
    x = keras.layers.Concatenate(name="concatenate")([lstm, aux_input])
    for i in (1, 2, 3):
        x = keras.layers.Dense(64, activation="relu", name=f"dense_{i}")(x)
    main_output = keras.layers.Dense(1, activation="sigmoid", name="main_output")(x)
    model = keras.Model([main_input, aux_input], [main_output, aux_output], name="news_headline")
    model.compile(optimizer="rmsprop",
                  loss={"main_output": "binary_crossentropy", "aux_output": "binary_crossentropy"},
                  loss_weights={"main_output": 1.0, "aux_output": 0.2},
                  metrics={"main_output": ["accuracy"], "aux_output": ["accuracy"]})
    return model


def news_headline_arrays(rng, n):
    """n random rows: word ids uniform in [0, 10000), 5 standard-normal features, 0/1 labels."""
    x = [rng.integers(0, 10000, size=(n, 100)).astype("int32"),
         rng.standard_normal((n, 5)).astype("float32")]
    y = [(rng.random((n, 1)) < 0.5).astype("float32"), (rng.random((n, 1)) < 0.5).astype("float32")]
    return x, y


def save_evaluate_predict(model, out, x_test, y_test, batch_size):
    """`--out DIR`: model.keras, metrics.json and predictions.npz (one array per
    output, by output name); returns the test metrics."""
    import numpy as np

    os.makedirs(out, exist_ok=True)
    model.save(os.path.join(out, "model.keras"))
    metrics = model.evaluate(x_test, y_test, batch_size=batch_size, verbose=0, return_dict=True)
    with open(os.path.join(out, "metrics.json"), "w") as handle:
        json.dump({k: float(v) for k, v in metrics.items()}, handle)
    predictions = model.predict(x_test, batch_size=batch_size, verbose=0)
    if not isinstance(predictions, (list, tuple)):
        predictions = [predictions]
    np.savez(os.path.join(out, "predictions.npz"), **dict(zip(model.output_names, predictions)))
    return metrics

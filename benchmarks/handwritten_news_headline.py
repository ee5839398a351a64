"""Hand-written plain-Keras news headline model: specs/news_headline.yaml by hand.

A reference script, independent of modelspec, for the throughput, end-to-end
and memory figures of benchmarks/bench_all.py. It is what a Keras user writes
for the functional API guide's two-input, two-output model:

- Model: main_input (100 int32 word ids) -> Embedding(10000, 512) ->
  LSTM(32) -> aux_output Dense(1, sigmoid); [LSTM, aux_input (5 floats)] ->
  Concatenate -> 3 x Dense(64, relu) -> main_output Dense(1, sigmoid).
  RMSprop (defaults), binary cross-entropy on both outputs, loss weights
  1.0 / 0.2, accuracy per output; ``keras.utils.set_random_seed(seed)`` first.
- Data: random NumPy arrays of the spec's shapes and sizes (``--samples``
  training rows, default 2,048 as in the spec, ``--test-samples`` 512): word
  ids uniform in [0, 10000), features standard normal, labels 0/1. (The spec
  uses modelspec's synthetic data, whose labels are a function of the inputs;
  the values do not change the cost of a training step.)
- Training: ``model.fit([ids, features], [main_y, aux_y], batch_size=B,
  epochs=N, validation_split=V, verbose=0)`` (Keras defaults otherwise),
  with one callback that records each epoch's wall time.
- ``--out DIR`` (the end-to-end figure): also what ``modelspec run`` does
  after fit, by hand: ``model.save(DIR/model.keras)``, ``model.evaluate``
  and ``model.predict`` on the test arrays, predictions saved with ``np.savez``.

Usage: python benchmarks/handwritten_news_headline.py --batch-size 64 --epochs 3 [--validation-split 0.1] [--out DIR]
The last line printed is ``RESULT {json}`` (samples, epoch_times, ...).
"""
import argparse
import json
import os
import time

import numpy as np


def arrays(rng, n):
    x = [rng.integers(0, 10000, size=(n, 100)).astype("int32"),
         rng.standard_normal((n, 5)).astype("float32")]
    y = [(rng.random((n, 1)) < 0.5).astype("float32"), (rng.random((n, 1)) < 0.5).astype("float32")]
    return x, y


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--samples", type=int, default=2048)
    ap.add_argument("--test-samples", type=int, default=512)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--validation-split", type=float, default=0.0)
    ap.add_argument("--out", help="also save the model, evaluate and predict into this folder")
    args = ap.parse_args()

    import keras

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.times = []

        def on_epoch_begin(self, epoch, logs=None):
            self.started = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.times.append(time.perf_counter() - self.started)

    keras.utils.set_random_seed(args.seed)
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

    rng = np.random.default_rng(args.seed)
    x_train, y_train = arrays(rng, args.samples)
    timer = EpochTimer()
    history = model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
                        validation_split=args.validation_split, verbose=0, callbacks=[timer])
    trained = args.samples - int(args.samples * args.validation_split) if args.validation_split else args.samples
    result = {"model": "news_headline", "samples": trained, "batch_size": args.batch_size,
              "epochs": args.epochs, "epoch_times": timer.times, "loss": float(history.history["loss"][-1])}
    if args.out:
        x_test, y_test = arrays(np.random.default_rng(7), args.test_samples)
        os.makedirs(args.out, exist_ok=True)
        model.save(os.path.join(args.out, "model.keras"))
        metrics = model.evaluate(x_test, y_test, batch_size=args.batch_size, verbose=0, return_dict=True)
        with open(os.path.join(args.out, "metrics.json"), "w") as handle:
            json.dump({k: float(v) for k, v in metrics.items()}, handle)
        main_pred, aux_pred = model.predict(x_test, batch_size=args.batch_size, verbose=0)
        np.savez(os.path.join(args.out, "predictions.npz"), main_output=main_pred, aux_output=aux_pred)
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()

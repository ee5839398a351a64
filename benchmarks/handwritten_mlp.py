"""Hand-written plain-Keras MLP on scikit-learn's digits: specs/digits_mlp.yaml by hand.

A reference script, independent of modelspec, for the throughput, end-to-end
and memory figures of benchmarks/bench_all.py. It is what a Keras user writes:

- Data: scikit-learn's 8x8 digits (1,797 images, shipped inside scikit-learn),
  pixels / 16 as float32 (n, 64), labels int32 0-9; split as
  ``modelspec.examples.digits`` splits them (per class, shuffled with
  ``default_rng(seed)``, the first round(0.2 n) to test; then each part
  shuffled): 1,438 training and 359 test images. The code is repeated here
  so that this script never imports modelspec.
- Model: Input(64) -> Dense(128, relu) -> Dropout(0.2) -> Dense(64, relu) ->
  Dense(10, softmax); Adam (defaults), sparse categorical cross-entropy,
  accuracy; ``keras.utils.set_random_seed(seed)`` first.
- Training: ``model.fit(x, y, batch_size=B, epochs=N,
  validation_split=V, verbose=0)`` (Keras defaults otherwise: shuffle=True),
  with one callback that records each epoch's wall time.
- ``--out DIR`` (the end-to-end figure): also what ``modelspec run`` does
  after fit, by hand: ``model.save(DIR/model.keras)``,
  ``model.evaluate`` on the test images and ``model.predict`` on them,
  saved with ``np.savez``.

Usage: python benchmarks/handwritten_mlp.py --batch-size 32 --epochs 30 [--validation-split 0.1] [--out DIR]
The last line printed is ``RESULT {json}`` (samples, epoch_times, ...).
"""
import argparse
import json

import numpy as np
from handwritten_common import epoch_timer, save_evaluate_predict


def load_digits(seed=0, test_fraction=0.2):
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    x = (np.asarray(bunch.data, dtype=np.float32) / 16.0).astype(np.float32)
    y = np.asarray(bunch.target, dtype=np.int32)
    rng = np.random.default_rng(seed)
    test_parts, train_parts = [], []
    for label in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == label))
        n_test = round(test_fraction * len(members))
        test_parts.append(members[:n_test])
        train_parts.append(members[n_test:])
    # each split is drawn as if by a fresh call (modelspec.examples.digits makes a new
    # generator per call): the same generator state after the per-class draws
    state = rng.bit_generator.state
    train, test = np.concatenate(train_parts), np.concatenate(test_parts)
    train = train[rng.permutation(len(train))]
    rng.bit_generator.state = state
    test = test[rng.permutation(len(test))]
    return x[train], y[train], x[test], y[test]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--validation-split", type=float, default=0.0)
    ap.add_argument("--out", help="also save the model, evaluate and predict into this folder")
    args = ap.parse_args()

    import keras

    keras.utils.set_random_seed(args.seed)
    x_train, y_train, x_test, y_test = load_digits(args.seed)

    inputs = keras.Input(shape=(64,), name="pixels")
    x = keras.layers.Dense(128, activation="relu", name="hidden_1")(inputs)
    x = keras.layers.Dropout(0.2, name="dropout")(x)
    x = keras.layers.Dense(64, activation="relu", name="hidden_2")(x)
    outputs = keras.layers.Dense(10, activation="softmax", name="digit")(x)
    model = keras.Model(inputs, outputs, name="digits_mlp")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])

    timer = epoch_timer(keras)
    history = model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
                        validation_split=args.validation_split, verbose=0, callbacks=[timer])
    trained = len(x_train) - int(len(x_train) * args.validation_split) if args.validation_split else len(x_train)
    result = {"model": "digits_mlp", "samples": trained, "batch_size": args.batch_size, "epochs": args.epochs,
              "epoch_times": timer.times, "loss": float(history.history["loss"][-1])}
    if args.out:
        metrics = save_evaluate_predict(model, args.out, x_test, y_test, args.batch_size)
        result["test_accuracy"] = float(metrics["accuracy"])
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()

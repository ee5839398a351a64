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

import numpy as np
from handwritten_common import epoch_timer, news_headline_arrays, news_headline_model, save_evaluate_predict


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

    keras.utils.set_random_seed(args.seed)
    model = news_headline_model(keras)

    rng = np.random.default_rng(args.seed)
    x_train, y_train = news_headline_arrays(rng, args.samples)
    timer = epoch_timer(keras)
    history = model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
                        validation_split=args.validation_split, verbose=0, callbacks=[timer])
    trained = args.samples - int(args.samples * args.validation_split) if args.validation_split else args.samples
    result = {"model": "news_headline", "samples": trained, "batch_size": args.batch_size,
              "epochs": args.epochs, "epoch_times": timer.times, "loss": float(history.history["loss"][-1])}
    if args.out:
        x_test, y_test = news_headline_arrays(np.random.default_rng(7), args.test_samples)
        save_evaluate_predict(model, args.out, x_test, y_test, args.batch_size)
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()

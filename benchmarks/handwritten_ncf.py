"""Hand-written plain-Keras NeuMF / GMF / MLP (He et al., 2017) on MovieLens-100k.

A reference implementation, independent of modelspec, used to check the
figures modelspec produces for the same protocol.

Protocol
--------
- Data: recbole's bundled ``ml-100k.inter`` (tab-separated, 100,000 ratings).
  Every rating is a positive. User and item tokens are mapped to contiguous
  0-based indices in numeric-id order (943 users, 1,682 items).
- Leave-one-out: each user's latest interaction (by timestamp) is its test
  item; among rows sharing the latest timestamp, the one LAST in the file wins.
  All other interactions are training positives.
- Test negatives: 99 distinct items per user, drawn once (``default_rng(seed)``)
  from the items the user never rated anywhere in the file.
- Training: every epoch, each training positive plus 4 negatives drawn
  uniformly from the items not among that user's TRAINING positives (the test
  item may be drawn, as in the paper's reference code); redrawn every epoch
  and shuffled. BCE, Adam(lr=0.001), batch 256.
- Models: GMF (user/item Embedding 8, Flatten, Multiply); MLP (user/item
  Embedding 32, Concatenate, Dense 32/16/8 relu); NeuMF = concat of both.
  Embeddings RandomNormal(stddev=0.01); prediction Dense(1, sigmoid,
  lecun_uniform).
- Evaluation after every epoch: each user's test item is scored with its 99
  negatives; rank = number of negatives scoring >= the positive (ties count
  against it); HR@10 = mean[rank < 10], NDCG@10 = mean[(rank < 10)/log2(rank+2)].
- Popularity baseline: score = training count of the item, same ranking rule.

For benchmarks/bench_all.py: ``--batch-size`` (default 256), ``--no-eval``
(no per-epoch ranking evaluation: training throughput only), ``--out DIR``
(also ``model.save(DIR/model.keras)`` at the end). RESULT also holds
``samples`` (training rows per epoch, positives and negatives) and
``train_times`` (each epoch's sampling + shuffling + ``model.fit``, unrounded).

Usage: python benchmarks/handwritten_ncf.py --model neumf --seed 0 --epochs 20
The last line printed is ``RESULT {json}``.
"""
import argparse
import importlib.util
import json
import os
import time

import numpy as np

N_TEST_NEG, N_TRAIN_NEG, TOPK = 99, 4, 10


def load_ml100k():
    root = importlib.util.find_spec("recbole").submodule_search_locations[0]
    path = os.path.join(root, "dataset_example", "ml-100k", "ml-100k.inter")
    raw = np.loadtxt(path, delimiter="\t", skiprows=1, dtype=np.float64)
    user_ids, users = np.unique(raw[:, 0].astype(np.int64), return_inverse=True)  # sorted numeric ids
    item_ids, items = np.unique(raw[:, 1].astype(np.int64), return_inverse=True)
    return users, items, raw[:, 3], len(user_ids), len(item_ids)


def leave_one_out(users, items, ts):
    """Index of each user's test row: latest timestamp, ties -> last in file."""
    order = np.lexsort((np.arange(len(users)), ts, users))  # user, then ts, then file position
    last = np.r_[users[order][1:] != users[order][:-1], True]
    test_rows = order[last]  # one per user, in user order
    is_test = np.zeros(len(users), bool)
    is_test[test_rows] = True
    return test_rows, is_test


def sample_unknown(rng, users, known, n_items):
    """One uniformly drawn item per entry of `users`, not marked in known[user]."""
    items = rng.integers(0, n_items, size=len(users))
    bad = np.flatnonzero(known[users, items])
    while len(bad):
        items[bad] = rng.integers(0, n_items, size=len(bad))
        bad = bad[known[users[bad], items[bad]]]
    return items


def build_model(kind, n_users, n_items):
    import keras
    from keras import layers

    def emb(n, dim, name):
        return layers.Embedding(n, dim, embeddings_initializer=keras.initializers.RandomNormal(stddev=0.01),
                                name=name)

    user = keras.Input(shape=(1,), dtype="int32", name="user")
    item = keras.Input(shape=(1,), dtype="int32", name="item")
    parts = []
    if kind in ("neumf", "gmf"):
        gu = layers.Flatten()(emb(n_users, 8, "gmf_user")(user))
        gi = layers.Flatten()(emb(n_items, 8, "gmf_item")(item))
        parts.append(layers.Multiply()([gu, gi]))
    if kind in ("neumf", "mlp"):
        mu = layers.Flatten()(emb(n_users, 32, "mlp_user")(user))
        mi = layers.Flatten()(emb(n_items, 32, "mlp_item")(item))
        x = layers.Concatenate()([mu, mi])
        for units in (32, 16, 8):
            x = layers.Dense(units, activation="relu")(x)
        parts.append(x)
    x = parts[0] if len(parts) == 1 else layers.Concatenate()(parts)
    out = layers.Dense(1, activation="sigmoid", kernel_initializer="lecun_uniform", name="prediction")(x)
    model = keras.Model([user, item], out, name=kind)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001), loss="binary_crossentropy")
    return model


def hr_ndcg(scores):
    """scores: (users, 1 + 99), column 0 the held-out item."""
    rank = np.sum(scores[:, 1:] >= scores[:, :1], axis=1)
    hit = rank < TOPK
    return float(hit.mean()), float(np.mean(hit / np.log2(rank + 2)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", choices=["neumf", "gmf", "mlp"], default="neumf")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--no-eval", action="store_true", help="skip the per-epoch ranking evaluation")
    ap.add_argument("--out", help="also save the trained model as OUT/model.keras")
    args = ap.parse_args()

    import keras
    keras.utils.set_random_seed(args.seed)  # python, numpy, backend
    rng = np.random.default_rng(args.seed)

    users, items, ts, n_users, n_items = load_ml100k()
    test_rows, is_test = leave_one_out(users, items, ts)
    rated = np.zeros((n_users, n_items), bool)
    rated[users, items] = True
    tr_u, tr_i = users[~is_test], items[~is_test]
    train_known = np.zeros((n_users, n_items), bool)
    train_known[tr_u, tr_i] = True
    print(f"{n_users} users, {n_items} items, {len(tr_u)} training positives, {len(test_rows)} test users")

    # Test candidates: column 0 the held-out item, then 99 distinct never-rated items.
    cand = np.empty((n_users, 1 + N_TEST_NEG), np.int64)
    cand[:, 0] = items[test_rows]
    for u in range(n_users):
        cand[u, 1:] = rng.choice(np.flatnonzero(~rated[u]), size=N_TEST_NEG, replace=False)
    eval_u = np.repeat(np.arange(n_users), 1 + N_TEST_NEG)[:, None]
    eval_i = cand.reshape(-1, 1)

    pop = np.bincount(tr_i, minlength=n_items).astype(np.float64)
    pop_hr, pop_ndcg = hr_ndcg(pop[cand])
    print(f"popularity: HR@10={pop_hr:.4f} NDCG@10={pop_ndcg:.4f}")

    model = build_model(args.model, n_users, n_items)
    print(f"model {args.model}: {model.count_params()} parameters")
    history = []
    train_times = []
    samples = 0
    for epoch in range(1, args.epochs + 1):
        t0 = time.perf_counter()
        neg_u = np.repeat(tr_u, N_TRAIN_NEG)
        neg_i = sample_unknown(rng, neg_u, train_known, n_items)
        u = np.concatenate([tr_u, neg_u])
        i = np.concatenate([tr_i, neg_i])
        y = np.concatenate([np.ones(len(tr_u)), np.zeros(len(neg_u))]).astype(np.float32)
        p = rng.permutation(len(u))
        h = model.fit([u[p, None], i[p, None]], y[p], batch_size=args.batch_size, epochs=1, shuffle=False,
                      verbose=0)
        t_train = time.perf_counter() - t0
        train_times.append(t_train)
        samples = len(u)
        if args.no_eval:
            history.append(dict(epoch=epoch, loss=float(h.history["loss"][0]), train_s=round(t_train, 2)))
            print(f"epoch {epoch:2d} loss={history[-1]['loss']:.4f} train {t_train:.2f}s", flush=True)
            continue
        scores = model.predict([eval_u, eval_i], batch_size=4096, verbose=0).reshape(n_users, -1)
        hr, ndcg = hr_ndcg(scores)
        secs = time.perf_counter() - t0
        history.append(dict(epoch=epoch, loss=float(h.history["loss"][0]), hr=hr, ndcg=ndcg,
                            train_s=round(t_train, 2), epoch_s=round(secs, 2)))
        print(f"epoch {epoch:2d} loss={history[-1]['loss']:.4f} HR@10={hr:.4f} NDCG@10={ndcg:.4f} "
              f"train {t_train:.2f}s total {secs:.2f}s", flush=True)

    if args.out:
        os.makedirs(args.out, exist_ok=True)
        model.save(os.path.join(args.out, "model.keras"))
    if args.no_eval:
        print("RESULT " + json.dumps(dict(model=args.model, seed=args.seed, epochs=args.epochs,
                                          params=model.count_params(), samples=samples,
                                          batch_size=args.batch_size, train_times=train_times,
                                          history=history)))
        return
    best = max(history, key=lambda r: (r["hr"], r["ndcg"]))
    final = history[-1]
    print(f"best epoch {best['epoch']}: HR@10={best['hr']:.4f} NDCG@10={best['ndcg']:.4f}")
    print(f"final epoch {final['epoch']}: HR@10={final['hr']:.4f} NDCG@10={final['ndcg']:.4f}")
    steady = [r["epoch_s"] for r in history[1:]] or [history[0]["epoch_s"]]
    print("RESULT " + json.dumps(dict(
        model=args.model, seed=args.seed, epochs=args.epochs, params=model.count_params(),
        best_epoch=best["epoch"], best_hr=best["hr"], best_ndcg=best["ndcg"],
        final_hr=final["hr"], final_ndcg=final["ndcg"],
        median_epoch_s=float(np.median(steady)), first_epoch_s=history[0]["epoch_s"],
        pop_hr=pop_hr, pop_ndcg=pop_ndcg, history=history, samples=samples, batch_size=args.batch_size,
        train_times=train_times)))


if __name__ == "__main__":
    main()

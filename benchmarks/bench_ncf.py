"""NCF on MovieLens-100k from the shipped specs, against a hand-written Keras version.

Measures, for each seed (default 0 1 2):

- ``neumf``, ``gmf``, ``mlp``: ``modelspec run specs/ncf/<name>.yaml --set seed=S``
  (20 epochs, the paper's protocol as the specs declare it). Read from the run
  directory: metrics.json (best-epoch and epoch-20 HR@10/NDCG@10) and run.json
  (the fit phase over the epochs run = seconds per epoch, ranking evaluation of
  943 x 100 candidates included).
- ``pretrained``: ``specs/ncf/neumf_pretrained.yaml`` initialised from that
  seed's GMF and MLP runs (their best.keras, kept by the specs' ModelCheckpoint),
  prediction layers combined 0.5/0.5, fine-tuned with SGD lr 0.001.
- ``handwritten``: benchmarks/handwritten_ncf.py (plain Keras, same protocol,
  NeuMF), for the reference figures.
- popularity ranking (training counts) on each seed's test candidates.

Prints one row per run and the mean and spread (sample standard deviation)
over seeds. Needs ``pip install --no-deps recbole==1.2.1``. Takes about
5 minutes per seed on 2 CPU cores (`--models` and `--seeds` cut it down).

    python benchmarks/bench_ncf.py
    python benchmarks/bench_ncf.py --seeds 0 --models neumf --epochs 5
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

from seeded import ROOT, handwritten, modelspec_run, parser, spread

MODELS = ("gmf", "mlp", "neumf", "pretrained", "handwritten")


def run_spec(name: str, seed: int, epochs: int, out: Path, extra: list[str]) -> dict:
    spec = ROOT / "specs" / "ncf" / ("neumf_pretrained.yaml" if name == "pretrained" else f"{name}.yaml")
    started = time.perf_counter()
    _, info = modelspec_run(spec, out, ["--set", f"seed={seed}", "--set", f"fit.epochs={epochs}", *extra])
    metrics = json.loads((out / "metrics.json").read_text())
    return {"best_hr": metrics["best_hr@10"], "best_ndcg": metrics["best_ndcg@10"],
            "best_epoch": metrics["best_epoch"], "final_hr": metrics["hr@10"],
            "final_ndcg": metrics["ndcg@10"], "epoch_s": info["phases"]["fit"] / epochs,
            "wall_s": time.perf_counter() - started}


def run_handwritten(seed: int, epochs: int) -> dict:
    result = handwritten("handwritten_ncf.py", ["--model", "neumf", "--seed", str(seed), "--epochs", str(epochs)])
    return {"best_hr": result["best_hr"], "best_ndcg": result["best_ndcg"], "best_epoch": result["best_epoch"],
            "final_hr": result["final_hr"], "final_ndcg": result["final_ndcg"],
            "epoch_s": sum(r["epoch_s"] for r in result["history"]) / epochs}


def popularity(seed: int) -> tuple[float, float]:
    """HR@10 / NDCG@10 of ranking by training popularity, with modelspec's own split and candidates."""
    from modelspec.data import package_root
    from modelspec.interactions import (
        leave_one_out,
        popularity_scores,
        ranking_metrics,
        read_interactions,
        test_candidates,
    )

    path = package_root("recbole") / "dataset_example/ml-100k/ml-100k.inter"
    data = read_interactions(path, user="user_id", item="item_id", timestamp="timestamp",
                             delimiter="\t")
    train, held_out = leave_one_out(data)
    _, candidates = test_candidates(data, held_out, 99, seed=seed)
    scores = popularity_scores(data.items[train], candidates, data.n_items)
    metrics = ranking_metrics(scores, 10)
    return metrics["hr@10"], metrics["ndcg@10"]


def main(argv: list[str] | None = None) -> int:
    options = parser(__doc__, epochs=20, out="bench_ncf")
    options.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    args = options.parse_args(argv)
    if "pretrained" in args.models and not {"gmf", "mlp"} <= set(args.models):
        options.error("--models pretrained needs gmf and mlp too (it starts from their runs)")

    popular = [popularity(seed) for seed in args.seeds]
    for seed, (hr, ndcg) in zip(args.seeds, popular):
        print(f"popularity, seed {seed}: HR@10 {hr:.4f}  NDCG@10 {ndcg:.4f}", flush=True)
    print(f"{'model':<12}{'seed':>5}{'best HR':>9}{'NDCG':>8}{'epoch':>7}{'final HR':>10}{'NDCG':>8}{'s/epoch':>9}",
          flush=True)
    results: dict[str, list[dict]] = {name: [] for name in args.models}
    order = [name for name in MODELS if name in args.models]
    for seed in args.seeds:
        for name in order:
            out = args.out / f"{name}_seed{seed}"
            if name == "handwritten":
                row = run_handwritten(seed, args.epochs)
            else:
                extra = []
                if name == "pretrained":
                    extra = ["--set", f"init.from.gmf={args.out / f'gmf_seed{seed}' / 'best.keras'}",
                             "--set", f"init.from.mlp={args.out / f'mlp_seed{seed}' / 'best.keras'}"]
                row = run_spec(name, seed, args.epochs, out, extra)
            results[name].append(row)
            print(f"{name:<12}{seed:>5}{row['best_hr']:>9.4f}{row['best_ndcg']:>8.4f}{row['best_epoch']:>7}"
                  f"{row['final_hr']:>10.4f}{row['final_ndcg']:>8.4f}{row['epoch_s']:>9.2f}", flush=True)

    print(f"\nover seeds {', '.join(map(str, args.seeds))} (mean ± sample std), {args.epochs} epochs:")
    for name in order:
        rows = results[name]
        print(f"  {name:<12} best HR@10 {spread([r['best_hr'] for r in rows])}, "
              f"NDCG@10 {spread([r['best_ndcg'] for r in rows])}; "
              f"epoch {args.epochs}: HR@10 {spread([r['final_hr'] for r in rows])}, "
              f"NDCG@10 {spread([r['final_ndcg'] for r in rows])}; "
              f"{statistics.fmean(r['epoch_s'] for r in rows):.2f} s/epoch")
    print(f"  {'popularity':<12} HR@10 {spread([hr for hr, _ in popular])}, "
          f"NDCG@10 {spread([ndcg for _, ndcg in popular])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Build time of `modelspec.build` against Keras's own `Model.from_config`.

Measures
--------
For chain specs of N Dense layers (default N = 100, 1000; made by
benchmarks/spec_generator.py):
  - build the spec once with `modelspec.build(spec)` and take
    `cfg = model.get_config()` (the full Keras config of the same model);
  - time `modelspec.build(spec)` and `keras.Model.from_config(copy.deepcopy(cfg))`
    (the deepcopy is outside the timing), median of R runs each (default 3),
    alternating which goes first in each round, with
    `keras.backend.clear_session()` and `gc.collect()` before every run;
  - print both medians and the ratio modelspec / keras.
Keras's `from_config` walks the graph recursively and raises RecursionError on
a 1,000-deep chain at Python's default recursion limit; so that the comparison
is fair, Keras's side runs in a thread with a 512 MiB stack and
`sys.setrecursionlimit(100000)` (modelspec.build does the equivalent itself).
Then (`--deep 5000`, on by default; `--deep 0` skips it) a 5,000-deep chain is
built with `modelspec.build` and its time reported, and a
`wide_graph_spec(1000)` DAG (parallel branches, Add merges, a shared layer) is
built and timed (`--wide 0` skips it).

Target (from the issue): modelspec/keras build-time ratio <= 1.2 at 1,000
layers, and a 5,000-deep chain builds.

Usage:
    python benchmarks/bench_build.py [--sizes 100 1000] [--repeats 3] [--deep 5000] [--wide 1000]
"""

from __future__ import annotations

import argparse
import copy
import gc
import os
import statistics
import sys
import time
import traceback
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # keep TensorFlow's start-up log off the table

sys.path.insert(0, str(Path(__file__).resolve().parent))

import spec_generator  # noqa: E402

TARGET_RATIO = 1.2
from modelspec.builder import BUILD_RECURSION_LIMIT as KERAS_RECURSION  # noqa: E402
from modelspec.builder import BUILD_STACK_BYTES as KERAS_STACK  # noqa: E402


def in_big_thread(function):
    """Run function() the way modelspec.build runs its own build: in a thread
    with a 512 MiB stack and a raised recursion limit (same helper, so the
    comparison is fair)."""
    from modelspec.builder import run_with_deep_stack

    return run_with_deep_stack(function)


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def fresh() -> None:
    """Forget previous models: Keras's global state, then Python garbage (same for both sides)."""
    import keras

    keras.backend.clear_session()
    gc.collect()


def compare(n: int, repeats: int, width: int) -> dict:
    import keras

    import modelspec

    spec = spec_generator.chain_spec(n, width=width)
    keras.backend.clear_session()
    first = timed(lambda: modelspec.build(spec))
    keras.backend.clear_session()
    cfg = modelspec.build(spec).get_config()

    def run_modelspec() -> float:
        fresh()
        return timed(lambda: modelspec.build(spec))

    def run_keras() -> float:
        fresh()
        config = copy.deepcopy(cfg)
        return in_big_thread(lambda: timed(lambda: keras.Model.from_config(config)))

    ms_times: list[float] = []
    keras_times: list[float] = []
    for round_ in range(repeats):
        order = ((ms_times, run_modelspec), (keras_times, run_keras))
        if round_ % 2:
            order = order[::-1]
        for bucket, run in order:
            bucket.append(run())
    keras.backend.clear_session()
    return {"n": n, "first": first, "ms": ms_times, "keras": keras_times, "cfg": cfg}


def keras_at_limit(cfg: dict, limit: int) -> str:
    """Try keras.Model.from_config(cfg) in the main thread at recursion limit `limit`."""
    import keras

    fresh()
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(limit)
    start = time.perf_counter()
    try:
        keras.Model.from_config(copy.deepcopy(cfg))
        outcome = "ok"
    except RecursionError as error:
        outcome = f"RecursionError ({str(error)[:60]})"
    finally:
        sys.setrecursionlimit(old)
    return f"{outcome} after {time.perf_counter() - start:.2f} s"


def build_once(spec: dict) -> tuple[float | None, str]:
    import keras

    import modelspec

    keras.backend.clear_session()
    start = time.perf_counter()
    try:
        model = modelspec.build(spec)
    except BaseException as error:  # noqa: BLE001
        elapsed = time.perf_counter() - start
        tb = traceback.format_exception_only(type(error), error)[-1].strip()
        return None, f"FAILED after {elapsed:.2f} s: {tb[:300]}"
    elapsed = time.perf_counter() - start
    detail = f"ok: {len(model.layers)} layers, {model.count_params()} params"
    keras.backend.clear_session()
    return elapsed, detail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="modelspec.build against keras.Model.from_config.")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000], help="chain lengths to compare")
    parser.add_argument("--repeats", type=int, default=3, help="timed builds per side (median)")
    parser.add_argument("--width", type=int, default=8, help="Dense units")
    parser.add_argument("--deep", type=int, default=5000, help="deep chain built by modelspec only (0: skip)")
    parser.add_argument("--no-recursion-check", action="store_true",
                        help="skip trying keras.Model.from_config at Python's default recursion limit")
    parser.add_argument("--wide", type=int, default=1000, help="wide_graph_spec size built by modelspec (0: skip)")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    # modelspec's own Keras import first: it filters TensorFlow's native start-up log lines.
    try:
        from modelspec.kerasenv import keras
    except ImportError:  # the module moved: plain import (TensorFlow may log a few lines)
        import keras

    import modelspec

    import_s = time.perf_counter() - start
    limit_after_import = sys.getrecursionlimit()
    print(f"modelspec.build vs keras.Model.from_config  (chain specs, width={args.width}, "
          f"median of {args.repeats}, alternating order, clear_session() + gc.collect() before each run; "
          f"cpus={os.cpu_count()})")
    print(f"keras {keras.__version__}, backend {keras.backend.backend()}; "
          f"importing keras + modelspec took {import_s:.1f} s (not counted)")
    print(f"NOTE: keras.Model.from_config runs in a thread with a {KERAS_STACK // 2**20} MiB stack and "
          f"sys.setrecursionlimit({KERAS_RECURSION}), because its recursive graph walk raises RecursionError "
          f"on a 1,000-deep chain at Python's default limit of 1000 (checked below). Recursion limit after "
          f"importing keras: {limit_after_import}.")
    print("modelspec.build's first (untimed) build is shown separately: it includes one-time warm-up.")
    print()

    # A tiny warm-up so the first measured size does not pay lazy imports.
    modelspec.build(spec_generator.chain_spec(2, width=args.width))
    keras.backend.clear_session()

    rows = []
    for n in args.sizes:
        try:
            rows.append(compare(n, args.repeats, args.width))
        except BaseException as error:  # noqa: BLE001
            print(f"!! {n} layers: {type(error).__name__}: {str(error)[:500]}")

    header = (f"{'layers':>7} | {'modelspec med s':>15} {'min s':>7} | {'keras med s':>11} {'min s':>7} | "
              f"{'ratio ms/keras':>14} {'ratio of mins':>13} | {'first ms build s':>16}")
    print(header)
    print("-" * len(header))
    for row in rows:
        ms_med, keras_med = statistics.median(row["ms"]), statistics.median(row["keras"])
        print(f"{row['n']:>7} | {ms_med:>15.3f} {min(row['ms']):>7.3f} | {keras_med:>11.3f} "
              f"{min(row['keras']):>7.3f} | {ms_med / keras_med:>14.2f} {min(row['ms']) / min(row['keras']):>13.2f} | "
              f"{row['first']:>16.3f}")
    print("-" * len(header))
    for row in rows:
        print(f"  {row['n']:>5} layers raw  modelspec: {', '.join(f'{t:.3f}' for t in row['ms'])}   "
              f"keras: {', '.join(f'{t:.3f}' for t in row['keras'])}")
    if rows and not args.no_recursion_check:
        deepest = max(rows, key=lambda r: r["n"])
        print(f"keras.Model.from_config on the {deepest['n']}-deep config in the main thread at "
              f"recursion limit 1000: {keras_at_limit(deepest['cfg'], 1000)}")
    at_1000 = [r for r in rows if r["n"] == 1000]
    if at_1000:
        ratio = statistics.median(at_1000[0]["ms"]) / statistics.median(at_1000[0]["keras"])
        print(f"target: ratio <= {TARGET_RATIO} at 1,000 layers: {'MET' if ratio <= TARGET_RATIO else 'NOT MET'} "
              f"(median ratio {ratio:.2f}; this 2-core machine is shared, so also see the ratio of mins)")
    print()

    extra = []
    if args.deep:
        spec = spec_generator.chain_spec(args.deep, width=args.width)
        extra.append((f"chain, depth {args.deep}", spec_generator.graph_depth(spec), *build_once(spec)))
    if args.wide:
        spec = spec_generator.wide_graph_spec(args.wide, width=args.width)
        extra.append((f"wide_graph_spec({args.wide})", spec_generator.graph_depth(spec), *build_once(spec)))
    if extra:
        header = f"{'modelspec.build only':<24} {'depth':>6} {'build s':>8}  result"
        print(header)
        print("-" * len(header))
        for label, depth, seconds, detail in extra:
            shown = f"{seconds:>8.3f}" if seconds is not None else f"{'-':>8}"
            print(f"{label:<24} {depth:>6} {shown}  {detail}")
        if args.deep:
            ok = extra[0][2] is not None
            print(f"target: a {args.deep}-deep chain builds: {'MET' if ok else 'NOT MET'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

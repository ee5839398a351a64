"""Steady-state training throughput of `modelspec run` against plain Keras.

Measures
--------
For each spec (news_headline: synthetic data, `--samples` samples, default
1,024; digits_mlp: scikit-learn's real digits, 1,437 training samples) and
each batch size (default 32 and 256), samples per second in the steady state,
i.e. training samples / median epoch wall time over epochs 2..N (epoch 1
holds the tf.function tracing and is left out). Validation is off on every
side (`fit.validation_split=0`), so an epoch is training only.

Sides (`--sides`, default `cli inproc keras`):

- ``cli``: a fresh process running modelspec's CLI entry point,
  ``modelspec.cli.main.main(["run", SPEC, "--set", "fit.epochs=N",
  "--set", "fit.batch_size=B", "--set", "fit.validation_split=0",
  ("--set", "data.train.samples=S",) "--output-dir", TMP, "-q"])`` -- the
  function the ``modelspec`` console script calls -- with one timing
  callback appended to the user callbacks (``modelspec.run._callbacks`` is
  wrapped in the child process; the package is not edited). The timer comes
  after modelspec's own `_RunState` and `_Checkpoint` callbacks, so an
  epoch's time includes their per-epoch work (history.json, seed states,
  last-good weights, Keras's backup), exactly as `run.log` counts it. The
  epoch times that `run.log` prints (one decimal) are read too and shown as
  ``cli(log)``; they are too coarse for the small digits epochs.
- ``inproc``: the same `modelspec.run.run_spec` code path in this process
  (spec loaded with the same overrides, `evaluate`/`predict` left out, fresh
  `keras.backend.clear_session()`), timed with the same callback.
- ``keras``: the hand-written baseline, in this process after
  `keras.backend.clear_session()`: the SAME model (built with
  `modelspec.build` from the same spec, so layers, initial weights -- same
  seed -- and compile settings are identical) on the SAME arrays (from
  `modelspec.data.load_datasets`), trained with
  ``model.fit(x, y, batch_size=B, epochs=N, shuffle=True, verbose=0)``
  on NumPy arrays and the same timing callback, nothing else.
- ``pipe`` (optional, for attribution): `modelspec.run.epoch_pipeline` fed
  to `model.fit(..., steps_per_epoch=...)` with only the timing callback,
  i.e. modelspec's data pipeline without its per-epoch callbacks.

The sides are interleaved and repeated (`--rounds`, default 3; the order
rotates every round) because this is a shared 2-core machine; each cell of
the table is the median over rounds of the per-round steady-state rate, and
`spread` is (max - min) / median over rounds of the modelspec side.

A second table gives each side's best case (its fastest epoch 2..N over all
rounds), which other processes disturb less than the median; a third, the
per-epoch time of modelspec's epoch-end callbacks (inproc side), where the
difference from Keras usually is. The load average is printed at the start
and the end.

Target (from the issue): modelspec / keras >= 0.97.

Usage:
    python benchmarks/bench_train.py [--specs news digits] [--batch-sizes 32 256]
        [--rounds 3] [--samples 1024] [--news-epochs 4] [--digits-epochs 10]
        [--sides cli inproc keras [pipe]]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import gc
import io
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

REPO = Path(__file__).resolve().parent.parent
TARGET_RATIO = 0.97
SPECS = {
    # key: (spec file, synthetic training data whose size --samples sets)
    "news": ("specs/news_headline.yaml", True),
    "digits": ("specs/digits_mlp.yaml", False),
}
EPOCH_LINE = re.compile(r"^epoch (\d+)/(\d+) - ([0-9.]+)s\b")


# -- the timing callback (built lazily: keras is imported only when needed) ----------

def make_timer() -> Any:
    from modelspec.kerasenv import keras

    class EpochTimer(keras.callbacks.Callback):
        """Wall time of every epoch, on_epoch_begin to on_epoch_end."""

        def __init__(self) -> None:
            super().__init__()
            self.times: list[float] = []
            self._started = 0.0

        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            self._started = time.perf_counter()

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            self.times.append(time.perf_counter() - self._started)

    return EpochTimer()


@contextlib.contextmanager
def timer_in_run(timer: Any):
    """Append `timer` to the callbacks modelspec.run builds (after its own
    _RunState and _Checkpoint; before _EpochLine)."""
    import modelspec.run as run_module

    original = run_module._callbacks
    run_module._callbacks = lambda section, paths: [*original(section, paths), timer]
    try:
        yield
    finally:
        run_module._callbacks = original


def steady(times: list[float]) -> float:
    """Median epoch time over epochs 2..N (epoch 1 holds the tracing)."""
    rest = times[1:] or times
    return statistics.median(rest)


# -- one case -------------------------------------------------------------------------

@dataclasses.dataclass
class Case:
    key: str
    spec: Path
    batch: int
    epochs: int
    samples: int | None  # synthetic samples, None for real data

    def overrides(self) -> list[str]:
        sets = [f"fit.epochs={self.epochs}", f"fit.batch_size={self.batch}", "fit.validation_split=0"]
        if self.samples is not None:
            sets.append(f"data.train.samples={self.samples}")
        return sets

    def cli_args(self, out_dir: Path) -> list[str]:
        args = ["run", str(self.spec)]
        for item in self.overrides():
            args += ["--set", item]
        return [*args, "--output-dir", str(out_dir), "-q"]


def load_spec(case: Case, *, training_only: bool) -> Any:
    from modelspec.api import load_with_overrides, validate

    spec = load_with_overrides(case.spec, case.overrides())
    errors = [d for d in validate(spec) if d.is_error]
    if errors:
        raise SystemExit("invalid spec after overrides:\n" + "\n".join(d.render() for d in errors))
    if training_only:
        data = {k: v for k, v in spec.data.items() if k not in ("evaluate", "predict")}
        spec = dataclasses.replace(spec, data=data)
    return spec


def fresh_session() -> None:
    from modelspec.kerasenv import keras

    keras.backend.clear_session()
    gc.collect()


def side_cli(case: Case, work: Path) -> dict[str, Any]:
    out_dir = work / "run"
    result_file = work / "timings.json"
    command = [sys.executable, str(Path(__file__).resolve()), "--cli-child", str(result_file), "--",
               *case.cli_args(out_dir)]
    started = time.perf_counter()
    proc = subprocess.run(command, check=False, capture_output=True, text=True, cwd=REPO)
    wall = time.perf_counter() - started
    if proc.returncode != 0 or not result_file.exists():
        raise RuntimeError(f"modelspec run failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    child = json.loads(result_file.read_text())
    if child["rc"] != 0:
        raise RuntimeError(f"modelspec run exited {child['rc']}:\n{proc.stderr[-3000:]}")
    log_times = []
    for line in (out_dir / "run.log").read_text().splitlines():
        match = EPOCH_LINE.match(line)
        if match:
            log_times.append(float(match.group(3)))
    phases = json.loads((out_dir / "run.json").read_text()).get("phases", {})
    return {"times": child["times"], "log_times": log_times, "wall": wall, "phases": phases,
            "samples": child["samples"]}


def side_inproc(case: Case, work: Path) -> dict[str, Any]:
    from modelspec.run import RunOptions, run_spec

    spec = load_spec(case, training_only=True)
    fresh_session()
    timer = make_timer()
    hooks: dict[str, list[float]] = {}
    with timer_in_run(timer), timed_epoch_hooks(hooks), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = run_spec(spec, RunOptions(output_dir=work / "run", verbosity=0,
                                           command_line=["bench_train", *case.cli_args(work / "run")]),
                          io.StringIO())
    if result.exit_code != 0:
        raise RuntimeError(f"run_spec ended {result.status}")
    return {"times": timer.times, "samples": samples_of(case), "hooks": hooks}


@contextlib.contextmanager
def timed_epoch_hooks(hooks: dict[str, list[float]]):
    """Time the on_epoch_end of modelspec's per-epoch callbacks (_RunState,
    _Checkpoint, _EpochLine) while the context is open: the
    classes' methods are wrapped here, in this process only."""
    import modelspec.run as run_module
    from modelspec.kerasenv import keras

    classes = {"_RunState": run_module._RunState, "_Checkpoint": run_module._Checkpoint,
               "_EpochLine": run_module._EpochLine}
    saved = {}
    for name, cls in classes.items():
        original = cls.__dict__.get("on_epoch_end")
        if original is None:
            continue
        saved[name] = (cls, original)

        def wrapped(self, epoch, logs=None, _original=original, _name=name):
            started = time.perf_counter()
            try:
                return _original(self, epoch, logs)
            finally:
                hooks.setdefault(_name, []).append(time.perf_counter() - started)

        cls.on_epoch_end = wrapped
    try:
        yield
    finally:
        for cls, original in saved.values():
            cls.on_epoch_end = original


def _model_and_arrays(case: Case) -> tuple[Any, Any]:
    from modelspec.builder import build_spec
    from modelspec.data import load_datasets
    from modelspec.kerasenv import keras

    spec = load_spec(case, training_only=True)
    seed = spec.data.get("seed")
    fresh_session()
    if seed is not None:
        keras.utils.set_random_seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = build_spec(spec)
    train = load_datasets(spec, model, [spec.data["fit"].get("data", "train")], seed=seed,
                          batch_size=case.batch)
    return model, next(iter(train.values()))


def side_keras(case: Case, work: Path) -> dict[str, Any]:
    model, train = _model_and_arrays(case)
    timer = make_timer()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(train.x, train.y, batch_size=case.batch, epochs=case.epochs, shuffle=True,
                  verbose=0, callbacks=[timer])
    return {"times": timer.times, "samples": _count(train.x)}


def side_pipe(case: Case, work: Path) -> dict[str, Any]:
    from modelspec.run import epoch_pipeline

    model, train = _model_and_arrays(case)
    timer = make_timer()
    pipeline, steps = epoch_pipeline(train.x, train.y, train.sample_weight, batch_size=case.batch,
                                     seed=0, first_epoch=0, epochs=case.epochs, shuffle=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(pipeline, steps_per_epoch=steps, epochs=case.epochs, verbose=0, callbacks=[timer])
    return {"times": timer.times, "samples": _count(train.x)}


SIDES = {"cli": side_cli, "inproc": side_inproc, "keras": side_keras, "pipe": side_pipe}


def _count(x: Any) -> int:
    from modelspec.kerasenv import keras

    return int(keras.tree.flatten(x)[0].shape[0])


_SAMPLES: dict[str, int] = {}


def samples_of(case: Case) -> int:
    if case.samples is not None:
        return case.samples
    if case.key not in _SAMPLES:
        _, train = _model_and_arrays(case)
        _SAMPLES[case.key] = _count(train.x)
    return _SAMPLES[case.key]


# -- the child process of the cli side -------------------------------------------------

def cli_child(result_file: str, argv: list[str]) -> int:
    timer = make_timer()  # imports keras/TF first: the CLI would import them anyway
    import modelspec.run as run_module
    from modelspec.cli.main import main

    counted: dict[str, int] = {}
    original_fit = run_module._fit

    def fit(model, section, datasets, *args, **kwargs):
        train = datasets[section.get("data", "train")]
        counted["samples"] = _count(train.x)
        return original_fit(model, section, datasets, *args, **kwargs)

    run_module._fit = fit
    with timer_in_run(timer):
        rc = main(argv)
    Path(result_file).write_text(json.dumps({"rc": rc, "times": timer.times,
                                             "samples": counted.get("samples", 0)}))
    return 0


# -- main -------------------------------------------------------------------------------

def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--cli-child":
        return cli_child(sys.argv[2], sys.argv[4:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--specs", nargs="+", default=["news", "digits"], choices=sorted(SPECS))
    parser.add_argument("--batch-sizes", nargs="+", type=int, default=[32, 256])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--samples", type=int, default=1024, help="news_headline synthetic samples")
    parser.add_argument("--news-epochs", type=int, default=4)
    parser.add_argument("--digits-epochs", type=int, default=10)
    parser.add_argument("--sides", nargs="+", default=["cli", "inproc", "keras"], choices=sorted(SIDES))
    parser.add_argument("--json", type=Path, help="also write all raw timings here")
    args = parser.parse_args()
    if "keras" not in args.sides:
        parser.error("--sides must include keras (the baseline)")

    import tensorflow as tf

    import modelspec.kerasenv  # noqa: F401 - import TF once, before timing anything

    cases = []
    for key in args.specs:
        path, synthetic = SPECS[key]
        epochs = args.news_epochs if key == "news" else args.digits_epochs
        for batch in args.batch_sizes:
            cases.append(Case(key, REPO / path, batch, epochs, args.samples if synthetic else None))

    print(f"bench_train: {len(cases)} case(s) x sides {args.sides} x {args.rounds} round(s); "
          f"TF {tf.__version__}, {os.cpu_count()} CPU(s)", flush=True)
    raw: dict[str, dict[str, list[dict[str, Any]]]] = {}
    failures = 0
    load_start = _loadavg()
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench_train-") as temp:
        for round_index in range(args.rounds):
            for case_index, case in enumerate(cases):
                label = f"{case.key}/b{case.batch}"
                shift = (round_index + case_index) % len(args.sides)
                order = args.sides[shift:] + args.sides[:shift]
                for side in order:
                    work = Path(temp) / f"r{round_index}-{case.key}-{case.batch}-{side}"
                    work.mkdir()
                    try:
                        result = SIDES[side](case, work)
                    except Exception as error:  # noqa: BLE001 - report, go on with the others
                        print(f"  round {round_index + 1} {label:10s} {side:6s} FAILED: "
                              f"{' '.join(str(error).split())[:300]}", flush=True)
                        failures += 1
                        continue
                    raw.setdefault(label, {}).setdefault(side, []).append(result)
                    rate = result["samples"] / steady(result["times"])
                    print(f"  round {round_index + 1} {label:10s} {side:6s} {rate:9.0f} samples/s  "
                          f"epochs {' '.join(f'{t:.3f}' for t in result['times'])}", flush=True)
    elapsed = time.perf_counter() - began

    def rates(label: str, side: str, key: str = "times") -> list[float]:
        out = []
        for result in raw.get(label, {}).get(side, []):
            times = result.get(key) or []
            if len(times) > 1 and steady(times) > 0:
                out.append(result["samples"] / steady(times))
        return out

    def med(values: list[float]) -> float | None:
        return statistics.median(values) if values else None

    def fmt(value: float | None, spec: str = "9.0f") -> str:
        return format(value, spec) if value is not None else "n/a"

    print()
    columns = [side for side in ("cli", "inproc", "pipe") if side in args.sides]
    header = f"{'model':14s} {'batch':>5s} {'samples':>7s} "
    header += "".join(f"{name + ' s/s':>13s}" for name in columns)
    if "cli" in columns:
        header += f"{'cli(log) s/s':>13s}"
    header += f"{'keras s/s':>11s}" + "".join(f"{'ratio ' + name:>13s}" for name in columns)
    header += f"{'spread':>8s}"
    print(header)
    print("-" * len(header))
    summary = []
    for case in cases:
        label = f"{case.key}/b{case.batch}"
        keras_rate = med(rates(label, "keras"))
        samples = next((r["samples"] for side in raw.get(label, {}).values() for r in side), 0)
        line = f"{Path(case.spec).stem:14s} {case.batch:5d} {samples:7d} "
        ratios = {}
        for name in columns:
            value = med(rates(label, name))
            ratios[name] = value / keras_rate if value and keras_rate else None
            line += f"{fmt(value):>13s}"
        if "cli" in columns:
            line += f"{fmt(med(rates(label, 'cli', 'log_times'))):>13s}"
        line += f"{fmt(keras_rate):>11s}"
        for name in columns:
            line += f"{fmt(ratios[name], '.3f'):>13s}"
        main_side = "inproc" if "inproc" in columns else (columns[0] if columns else "keras")
        values = rates(label, main_side)
        spread = (max(values) - min(values)) / statistics.median(values) if len(values) > 1 else 0.0
        line += f"{spread:8.0%}"
        print(line)
        summary.append((label, ratios))
    # Best case: the fastest steady epoch over all rounds. Less sensitive to other processes on
    # a shared machine than the median (each side's best shows what it costs when undisturbed).
    print()
    print("best case (fastest epoch among epochs 2..N over all rounds), samples/s:")
    head = f"{'model':14s} {'batch':>5s} " + "".join(f"{name:>10s}" for name in [*columns, "keras"])
    head += "".join(f"{'ratio ' + name:>13s}" for name in columns)
    print(head)
    print("-" * len(head))
    for case in cases:
        label = f"{case.key}/b{case.batch}"
        best = {}
        for name in [*columns, "keras"]:
            values = [r["samples"] / min(r["times"][1:]) for r in raw.get(label, {}).get(name, [])
                      if len(r["times"]) > 1]
            best[name] = max(values) if values else None
        line = f"{Path(case.spec).stem:14s} {case.batch:5d} "
        line += "".join(f"{fmt(best[name], '10.0f'):>10s}" for name in [*columns, "keras"])
        line += "".join(f"{fmt(best[name] / best['keras'] if best[name] and best['keras'] else None, '.3f'):>13s}"
                        for name in columns)
        print(line)
    print()
    print(f"load average at the start {load_start}, at the end {_loadavg()} (other processes share the CPUs)")
    print(f"target: modelspec / keras >= {TARGET_RATIO}; s/s = training samples per second, steady "
          f"state (median epoch 2..N); cells = median over {args.rounds} round(s); ratio = modelspec "
          f"side / keras; spread = (max-min)/median of the inproc rate over rounds; cli(log) = from "
          f"run.log's one-decimal epoch times (n/a when they read 0.0s); total {elapsed:.0f} s"
          + (f"; {failures} side run(s) FAILED" if failures else ""))
    worst = [(label, name, r) for label, ratios in summary for name, r in ratios.items()
             if name in ("cli", "inproc") and r is not None and r < TARGET_RATIO]
    for label, name, ratio in worst:
        print(f"  below target: {label} {name} {ratio:.3f}")

    if "inproc" in columns:
        # Where an epoch's extra time goes: modelspec's per-epoch callbacks.
        print()
        print("per-epoch cost of modelspec's epoch-end callbacks (inproc side, ms per epoch, "
              "median over epochs 2..N and rounds):")
        names = ("_RunState", "_Checkpoint", "_EpochLine")
        head = f"{'model':14s} {'batch':>5s} {'epoch ms':>9s} {'keras ms':>9s} {'extra ms':>9s} "
        head += "".join(f"{name + ' ms':>20s}" for name in names)
        print(head)
        print("-" * len(head))
        for case in cases:
            label = f"{case.key}/b{case.batch}"
            runs = raw.get(label, {}).get("inproc", [])
            keras_runs = raw.get(label, {}).get("keras", [])
            if not runs:
                continue
            epoch_ms = 1000 * statistics.median([steady(r["times"]) for r in runs])
            keras_ms = (1000 * statistics.median([steady(r["times"]) for r in keras_runs])
                        if keras_runs else None)
            extra = epoch_ms - keras_ms if keras_ms is not None else None
            line = (f"{Path(case.spec).stem:14s} {case.batch:5d} {epoch_ms:9.1f} {fmt(keras_ms, '9.1f'):>9s} "
                    f"{fmt(extra, '9.1f'):>9s} ")
            for name in names:
                values = [v for r in runs for v in (r.get("hooks", {}).get(name) or [])[1:]]
                line += f"{fmt(1000 * statistics.median(values) if values else None, '20.1f'):>20s}"
            print(line)
    if args.json:
        args.json.write_text(json.dumps(raw, indent=1))
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())

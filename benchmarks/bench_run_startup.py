"""Fixed cost of `modelspec run` before the first training step.

Measures
--------
1. ``python -c "import tensorflow"``: wall time of the whole process (median
   of `--runs`, default 5), and the time from spawning it until the import
   has returned (the child prints time.time(); the interpreter's exit is
   left out), the floor any TensorFlow program pays.
2. ``modelspec run specs/news_headline.yaml --set fit.epochs=1
   --set fit.validation_split=0 --output-dir TMP -q``: the time from spawning
   the process until the first training batch begins (Keras calls
   ``on_train_batch_begin(0)``, just before the first train step, whose
   tracing is therefore NOT included). The child runs modelspec's CLI entry
   point, ``modelspec.cli.main.main(argv)`` (what the ``modelspec`` console
   script calls), after installing an import hook that, when
   ``modelspec.run`` is imported, appends one callback to the user callbacks
   (``modelspec.run._callbacks`` is wrapped; the package is not edited and
   its import order is unchanged). The callback writes the time and raises
   KeyboardInterrupt, so the run stops there (exit 130, "interrupted").
   Events along the way are timestamped by wrapping functions the CLI looks
   up at call time: load_with_overrides, validate, the import of
   modelspec.run (which imports Keras and TensorFlow), build_spec,
   load_datasets, epoch_pipeline, _fit.
3. A hand-written Keras script with the same model (news_headline written
   with the functional API), the same compile settings, random NumPy arrays
   of the same shapes and size, ``model.fit(x, y, batch_size=64, epochs=1)``,
   the same first-batch timestamp: what plain Keras costs before its first
   step.

Reported: import tensorflow alone; modelspec until the first step; their
difference (modelspec's added cost; target <= 1 s), the same difference
over the hand-written script, the breakdown of modelspec's time, run.json's
"phases", the top imports on modelspec's side (``python -X importtime``,
imports not made by TensorFlow/Keras themselves), and a cProfile top-15 of
the modelspec process up to the first batch (`--no-profile` skips it).

Usage:
    python benchmarks/bench_run_startup.py [--runs 5] [--spec specs/news_headline.yaml] [--top 15]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
TARGET_S = 1.0
HEAVY_ROOTS = ("tensorflow", "keras", "tf_keras", "tensorboard", "ml_dtypes", "h5py", "optree",
               "google", "absl", "jax", "torch")


# =====================================================================================
# Children (run as `python bench_run_startup.py --child-... OUT ...`)
# =====================================================================================

class _FirstBatch(Exception):
    pass


def _first_batch_callback(keras: Any, on_first: Any) -> Any:
    class FirstBatch(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch: int, logs: Any = None) -> None:
            on_first()
            raise KeyboardInterrupt  # stop here: modelspec records the run as interrupted

    return FirstBatch()


def child_modelspec(out: str, argv: list[str], profile: str | None) -> int:
    """modelspec's CLI main() with timestamps; writes {event: time.time()} to out."""
    events: list[tuple[str, float]] = [("child started", time.time())]
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()

    import functools
    import importlib.abc
    import importlib.machinery

    def stamp(label: str) -> None:
        events.append((label, time.time()))

    def timed(module: Any, name: str, label: str) -> None:
        original = getattr(module, name)

        @functools.wraps(original)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            stamp(f"{label} start")
            try:
                return original(*args, **kwargs)
            finally:
                stamp(f"{label} end")

        setattr(module, name, wrapper)

    def dump() -> None:
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(profile)
        Path(out).write_text(json.dumps({"events": events}))

    def patch_run(module: Any) -> None:
        import modelspec.builder
        import modelspec.data

        timed(modelspec.builder, "build_spec", "build_spec")
        timed(modelspec.data, "load_datasets", "load_datasets")
        timed(module, "epoch_pipeline", "epoch_pipeline")
        timed(module, "_fit", "_fit")
        original = module._callbacks

        def first() -> None:
            stamp("first train batch")
            dump()

        module._callbacks = lambda section, paths: [*original(section, paths),
                                                    _first_batch_callback(module.keras, first)]

    class Hook(importlib.abc.MetaPathFinder):
        """When modelspec.run is imported, time its import and patch it."""

        def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
            if name != "modelspec.run":
                return None
            spec = importlib.machinery.PathFinder.find_spec(name, path)
            if spec is None or spec.loader is None:
                return spec
            loader = spec.loader
            exec_module = loader.exec_module

            def exec_and_patch(module: Any) -> None:
                stamp("import modelspec.run (Keras, TF) start")
                exec_module(module)
                stamp("import modelspec.run (Keras, TF) end")
                patch_run(module)

            loader.exec_module = exec_and_patch  # type: ignore[method-assign]
            return spec

    sys.meta_path.insert(0, Hook())
    import modelspec.api
    from modelspec.cli.main import main

    stamp("modelspec.cli.main imported")
    timed(modelspec.api, "load_with_overrides", "load_with_overrides")
    timed(modelspec.api, "validate", "validate")
    rc = main(argv)
    if not Path(out).exists():
        Path(out).write_text(json.dumps({"events": events, "rc": rc}))
    return 0


def child_keras(out: str) -> int:
    """The hand-written Keras script: news_headline by hand, random arrays, fit."""
    events: list[tuple[str, float]] = [("child started", time.time())]
    from handwritten_common import news_headline_arrays, news_headline_model  # beside this file

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import numpy as np

    events.append(("import keras (TF) end", time.time()))
    keras.utils.set_random_seed(42)
    model = news_headline_model(keras)
    events.append(("model built and compiled", time.time()))
    xs, ys = news_headline_arrays(np.random.default_rng(42), 2048)
    events.append(("arrays made", time.time()))

    def first() -> None:
        events.append(("first train batch", time.time()))
        Path(out).write_text(json.dumps({"events": events}))

    try:
        model.fit(xs, ys, batch_size=64, epochs=1, verbose=0,
                  callbacks=[_first_batch_callback(keras, first)])
    except KeyboardInterrupt:
        pass
    return 0


def child_import_tf(out: str) -> int:
    import tensorflow  # noqa: F401

    Path(out).write_text(json.dumps({"events": [("import tensorflow end", time.time())]}))
    return 0


# =====================================================================================
# Parent
# =====================================================================================

def spawn(args: list[str], *, env: dict[str, str] | None = None) -> tuple[float, float, subprocess.CompletedProcess]:
    """(time.time() at spawn, wall seconds of the process, completed process)."""
    started_wall = time.time()
    started = time.perf_counter()
    proc = subprocess.run(args, check=False, capture_output=True, text=True, cwd=REPO, env=env)
    return started_wall, time.perf_counter() - started, proc


def run_child(kind: str, extra: list[str], *, prefix: list[str] | None = None,
              env: dict[str, str] | None = None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench_startup-") as temp:
        out = Path(temp) / "events.json"
        argv = [*(prefix or [sys.executable]), str(Path(__file__).resolve()), kind, str(out)]
        argv += [a.replace("{TMP}", temp) for a in extra]
        spawned, wall, proc = spawn(argv, env=env)
        if not out.exists():
            raise RuntimeError(f"{kind} child wrote nothing (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
        data = json.loads(out.read_text())
        events = [(label, stamp - spawned) for label, stamp in data["events"]]
        run_json = Path(temp) / "run" / "run.json"
        phases = json.loads(run_json.read_text()).get("phases", {}) if run_json.exists() else {}
        return {"events": events, "wall": wall, "stderr": proc.stderr, "phases": phases,
                "rc": proc.returncode}


def at(result: dict[str, Any], label: str) -> float | None:
    for name, value in result["events"]:
        if name == label:
            return value
    return None


def importtime_top(stderr: str, top: int) -> tuple[list[tuple[str, float, float]], float, float]:
    """Parse -X importtime: (modelspec-side imports, i.e. not made by TF/Keras, by cumulative
    time WITHOUT the TF/Keras imports they trigger [(name, self s, cumulative s)], the total
    of all top-level imports, the total of the TF/Keras imports (with what they import))."""
    pattern = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)")
    rows = []
    for line in stderr.splitlines():
        match = pattern.match(line)
        if match:
            rows.append((int(match.group(1)) / 1e6, int(match.group(2)) / 1e6,
                         len(match.group(3)) // 2, match.group(4)))
    total = sum(cum for _, cum, depth, _ in rows if depth == 0)
    flags = [name.split(".")[0] in HEAVY_ROOTS for _, _, _, name in rows]
    # importtime prints a module after the modules it imports (one level deeper), so scanning
    # backwards meets every ancestor before its descendants: keep the ancestors on a stack.
    inside = [False] * len(rows)      # an ancestor is a TF/Keras module
    heavy_below = [0.0] * len(rows)   # time of TF/Keras imports made under this module
    stack: list[int] = []
    for index in range(len(rows) - 1, -1, -1):
        depth = rows[index][2]
        while stack and rows[stack[-1]][2] >= depth:
            stack.pop()
        inside[index] = any(flags[i] or inside[i] for i in stack[-1:])
        if flags[index] and not inside[index]:
            for ancestor in stack:
                heavy_below[ancestor] += rows[index][1]
        stack.append(index)
    ours: list[tuple[str, float, float]] = []
    heavy_total = 0.0
    for index, (self_s, cum_s, depth, name) in enumerate(rows):
        if inside[index]:
            continue
        if flags[index]:
            heavy_total += cum_s
        else:
            ours.append((name, self_s, cum_s - heavy_below[index]))
    best: dict[str, tuple[str, float, float]] = {}
    for entry in ours:  # a module can be listed twice (imported again under another name)
        if entry[0] not in best or entry[2] > best[entry[0]][2]:
            best[entry[0]] = entry
    ours = sorted(best.values(), key=lambda r: -r[2])
    return ours[:top], total, heavy_total


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1].startswith("--child-"):
        kind, out, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
        if kind == "--child-modelspec":
            profile = None
            if rest and rest[0].startswith("--profile="):
                profile, rest = rest[0].split("=", 1)[1], rest[1:]
            return child_modelspec(out, rest[1:] if rest[:1] == ["--"] else rest, profile)
        if kind == "--child-keras":
            return child_keras(out)
        if kind == "--child-import-tf":
            return child_import_tf(out)
        raise SystemExit(f"unknown child {kind}")

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--spec", default="specs/news_headline.yaml")
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args()

    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL=os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3"))
    run_args = ["--", "run", args.spec, "--set", "fit.epochs=1", "--set", "fit.validation_split=0",
                "--output-dir", "{TMP}/run", "-q"]
    began = time.perf_counter()

    # Warm the file cache once (first reads of TF's .so files are slower).
    spawn([sys.executable, "-c", "import tensorflow"], env=env)

    tf_wall, tf_ready, ms_first, keras_first, ms_results, keras_results = [], [], [], [], [], []
    for _ in range(args.runs):  # interleaved
        _, wall, proc = spawn([sys.executable, "-c", "import tensorflow"], env=env)
        if proc.returncode != 0:
            raise SystemExit(proc.stderr[-2000:])
        tf_wall.append(wall)
        tf_ready.append(at(run_child("--child-import-tf", [], env=env), "import tensorflow end"))
        result = run_child("--child-modelspec", run_args, env=env)
        first = at(result, "first train batch")
        if first is None:
            raise SystemExit(f"modelspec run never reached a training batch (exit {result['rc']}):\n"
                             f"{result['stderr'][-3000:]}")
        ms_first.append(first)
        ms_results.append(result)
        keras_result = run_child("--child-keras", [], env=env)
        keras_first.append(at(keras_result, "first train batch"))
        keras_results.append(keras_result)

    med = statistics.median
    tf_w, tf_r, ms, kr = med(tf_wall), med(tf_ready), med(ms_first), med(keras_first)
    print(f"bench_run_startup: {args.spec}, median of {args.runs} run(s) each "
          f"(interleaved; {os.cpu_count()} CPUs)")
    print()
    print(f"{'measure':62s} {'median s':>9s} {'min s':>7s} {'max s':>7s}")
    print("-" * 88)

    def row(label: str, values: list[float]) -> None:
        print(f"{label:62s} {med(values):9.3f} {min(values):7.3f} {max(values):7.3f}")

    row('(a) python -c "import tensorflow": whole process', tf_wall)
    row("(a') spawn -> import tensorflow returned (exit excluded)", tf_ready)
    row("(b) modelspec run: spawn -> first training batch begins", ms_first)
    row("(c) hand-written Keras script: spawn -> first batch begins", keras_first)
    print("-" * 88)
    added = ms - tf_r
    print(f"{'(b) - (a`) modelspec cost on top of import tensorflow':62s} {added:9.3f}   target <= {TARGET_S:.1f}"
          f" -> {'OK' if added <= TARGET_S else 'ABOVE TARGET'}")
    print(f"{'(b) - (a)  the same against (a), whose exit (TF teardown) counts':62s} {ms - tf_w:9.3f}")
    print(f"{'(c) - (a`) plain Keras script cost on top of import tensorflow':62s} {kr - tf_r:9.3f}")
    print(f"{'(b) - (c)  modelspec over the hand-written script':62s} {ms - kr:9.3f}")

    # Breakdown: median over runs of each event's time since spawn, and the interval before it.
    def breakdown(title: str, results: list[dict[str, Any]]) -> None:
        print()
        print(title)
        previous = 0.0
        print(f"  {'event':50s} {'at s':>7s} {'+ s':>7s}")
        for label, _ in results[0]["events"]:
            values = [v for v in (at(r, label) for r in results) if v is not None]
            if values:
                when = med(values)
                print(f"  {label:50s} {when:7.3f} {when - previous:7.3f}")
                previous = when

    breakdown("(b) modelspec run, where the time goes (median over runs; seconds since spawn, "
              "interval since the previous event):", ms_results)
    phase_keys = sorted({k for r in ms_results for k in r["phases"]})
    if phase_keys:
        phases = {k: med([r["phases"][k] for r in ms_results if k in r["phases"]]) for k in phase_keys}
        print("  run.json phases: " + ", ".join(f"{k} {v:.3f} s" for k, v in phases.items()))
    breakdown("(c) hand-written Keras script, the same way:", keras_results)

    # Imports: python -X importtime on one modelspec run.
    result = run_child("--child-modelspec", run_args, prefix=[sys.executable, "-X", "importtime"], env=env)
    ours, total, heavy = importtime_top(result["stderr"], args.top)
    print()
    print(f"imports (python -X importtime, one run): all imports {total:.3f} s, of which "
          f"TensorFlow/Keras and what they import {heavy:.3f} s; modelspec side, top {args.top} "
          "by cumulative time (imports not made by TF/Keras; the first importer is charged):")
    print(f"  {'module':50s} {'self s':>8s} {'cumul s':>8s}")
    for name, self_s, cum_s in ours:
        print(f"  {name:50s} {self_s:8.3f} {cum_s:8.3f}")

    if not args.no_profile:
        import pstats

        with tempfile.TemporaryDirectory(prefix="bench_startup-prof-") as temp:
            stats_file = Path(temp) / "run.prof"
            run_child("--child-modelspec", [f"--profile={stats_file}", *run_args], env=env)
            if stats_file.exists():
                import io

                for sort in ("cumulative", "tottime"):
                    buffer = io.StringIO()
                    stats = pstats.Stats(str(stats_file), stream=buffer)
                    stats.sort_stats(sort).print_stats(args.top)
                    text = buffer.getvalue()
                    body = text[text.find("   ncalls"):] if "   ncalls" in text else text
                    print()
                    print(f"cProfile of the modelspec process until the first batch, top {args.top} by {sort}:")
                    for line in body.rstrip().splitlines():
                        print("  " + line.replace(str(Path(sys.prefix)), "<py>"))
    print()
    print(f"total {time.perf_counter() - began:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

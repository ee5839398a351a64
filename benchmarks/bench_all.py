"""The whole performance suite of issue 6 in one command: a markdown table.

Every figure is a ratio (or a difference) taken side by side, in the same
run, against a hand-written Keras equivalent or a floor process. Every
measured command is a child process of this script (which itself never
imports TensorFlow), forked by a bare ``python -I -S`` wrapper that takes
its wall time (from just before the fork to the reaping) and its peak RSS
(``os.wait4``); each child gets a time limit, and a failure puts
``error: ...`` into its cell instead of stopping the suite. Children run in
the repository root with ``PYTHONPATH=<repo>`` (so the code measured is this
checkout's, whatever is installed) and ``TF_CPP_MIN_LOG_LEVEL=3`` on every
side; ``modelspec`` is the console script beside ``sys.executable``
(``python -m modelspec`` when there is none), never a shell shim. Run
outputs go to one temporary folder, removed at the end.

Sections (``--only`` picks some; all by default)
------------------------------------------------

validate
    Wall time of the whole process ``modelspec validate SPEC`` (its exit code
    must be 0) for every ``specs/**/*.yaml`` and for chain specs of 100,
    1,000 and 10,000 Dense layers (``spec_generator.chain_spec``, written as
    YAML into the temporary folder), against the floor process
    ``python -c "import yaml, jsonschema"``. One untimed warm-up run of each
    command (it also writes the bytecode cache: children run without
    PYTHONDONTWRITEBYTECODE, as an installed copy does), then R rounds (7;
    ``--quick`` 3), each round running the floor and then every spec, and
    `handwritten_validate.py` (yaml.safe_load + jsonschema on the same
    schemas, no positions or graph checks) on each file; the median per
    command. Target: validate <= floor + 0.2 s; the hand-written time is in
    the notes.

build
    ``bench_build.compare`` (reused as it is) in a child process per size,
    100, 1,000 and 5,000-layer chains: ``modelspec.build(spec)`` against
    ``keras.Model.from_config`` on the same model's ``get_config()``
    (Keras's side in a thread with the same deep stack and recursion limit
    modelspec uses), ``clear_session()`` + ``gc.collect()`` before every
    build, alternating order, median of 3 builds per side (``--quick`` 1).
    Target: modelspec / keras <= 1.2.

train
    Steady-state training throughput, for three models at batch 32 and 256:

    - ``mlp``: specs/digits_mlp.yaml (scikit-learn's digits, 1,438 training
      images) against benchmarks/handwritten_mlp.py;
    - ``news``: specs/news_headline.yaml (synthetic, 2,048 samples) against
      benchmarks/handwritten_news_headline.py (random arrays of the same
      shapes and size);
    - ``ncf``: specs/ncf/neumf.yaml (MovieLens-100k from recbole: 99,057
      training positives + 4 negatives each, drawn afresh every epoch:
      495,285 rows per epoch) against benchmarks/handwritten_ncf.py
      ``--no-eval`` (a loop of one ``model.fit(epochs=1)`` per epoch on that
      epoch's freshly drawn and shuffled arrays; its epoch time includes the
      drawing, as modelspec's does).

    The modelspec side is a fresh process running the CLI entry point
    ``modelspec.cli.main.main(["run", SPEC, "--set", "fit.epochs=N", "--set",
    "fit.batch_size=B", ..., "--output-dir", TMP, "-q"])`` (what the console
    script calls; ``--child-cli`` below). The only addition: when Keras is
    imported (through modelspec.kerasenv, at the moment the CLI imports it),
    ``keras.Model.fit`` is wrapped to append one callback that records each
    epoch's wall time, on_epoch_begin to on_epoch_end. It comes after
    modelspec's own callbacks, so an epoch's time includes their per-epoch
    work. Overrides: ``fit.validation_split=0`` (mlp, news: training only on
    both sides), ``data.train.samples=2048`` (news), and
    ``evaluate.ranking.every_epoch=false`` (ncf: no per-epoch ranking; the
    final evaluation after fit is not timed). The hand-written side is a
    fresh process of the script: ``model.fit(x, y, batch_size=B, epochs=N,
    verbose=0)`` with Keras defaults otherwise, the same model, compile
    settings and data sizes, and the same timing callback.

    samples/s = training samples per epoch / median epoch time over epochs
    2..N (epoch 1 holds the tracing and is left out). Three sides, run one
    after another in an order that rotates every round: modelspec as it is
    (automatic steps_per_execution on, when the code has it; the value is
    read from run.json's "autotune" entry and from the model after fit),
    modelspec with ``--set fit.autotune=false`` (``n/a`` when the spec
    validator rejects that key: probed once with ``--print-config``), and
    the hand-written script. Epochs per process: mlp 20, news 5, ncf 4 at
    batch 256 and 3 at batch 32; 2 rounds; a cell is the median over rounds
    of each round's rate. ``--quick``: 1 round of 8 / 3 / 3 epochs, and ncf
    at batch 32 (about 20 s an epoch) skipped. Target: modelspec /
    hand-written >= 0.97.

e2e
    Wall time of the whole process ``modelspec run SPEC --set fit.epochs=1
    --output-dir TMP`` (the spec as shipped otherwise: validation split,
    evaluate and predict sections, batch size) against the whole process of
    the hand-written script doing the same job for 1 epoch: the same
    validation split and batch size, then ``model.save``, evaluate and
    predict (saved with ``np.savez``) -- ``--out DIR``; for NCF the
    per-epoch ranking evaluation and the saved model. Median of 3 runs per
    side, interleaved (``--quick`` 1). Target: modelspec <= hand-written + 1 s.

memory
    Peak resident set size (``ru_maxrss`` of the child, from ``os.wait4`` in
    a bare ``python -I -S`` wrapper that forks it: forked from this script,
    a child's figure would include this script's own memory) of the
    processes above: ``modelspec validate`` against `handwritten_validate.py`
    on the same file (the highest ratio among the example specs, and the 100,
    1,000 and 10,000-layer chains; the floor process in the notes), and the 1-epoch ``modelspec run`` of each model against the
    hand-written script (the e2e processes; median over runs). When the
    validate or e2e section did not run, their processes are run once for
    this. Target: <= 1.1 x the reference.

Output: the markdown table (benchmark | modelspec | hand-written / floor |
ratio or difference | target | met? | notes) on stdout at the end, with a
header naming the machine, load average and commit; ``--output FILE`` also
writes it there. Progress lines go to stderr.

The machine is shared: timings move with the load (printed at the start and
the end). A full run takes about 20 minutes on 2 CPU cores; ``--quick``
about 5.

Usage:
    python benchmarks/bench_all.py [--quick] [--only validate,build,train,e2e,memory]
        [--models mlp,news,ncf] [--output FILE]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime
import json
import math
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
THIS = Path(__file__).resolve()
PY = sys.executable
SECTIONS = ("validate", "build", "train", "e2e", "memory")

VALIDATE_OVER_FLOOR_S = 0.2
BUILD_RATIO = 1.2
TRAIN_RATIO = 0.97
E2E_OVER_S = 1.0
MEMORY_RATIO = 1.1
CHAIN_SIZES = (100, 1000, 10000)
HW = "hand-written "  # label prefix of handwritten_validate.py's runs in measure_validate
BUILD_SIZES = (100, 1000, 5000)
BATCHES = (32, 256)


# =====================================================================================
# The models of the train / e2e / memory sections
# =====================================================================================

@dataclasses.dataclass(frozen=True)
class Model:
    key: str
    spec: str
    script: str
    train_sets: tuple[str, ...]          # modelspec overrides for the throughput runs
    train_args: tuple[str, ...]          # hand-written script arguments for them
    epochs: tuple[int, int]              # (full, quick) epochs per throughput run
    e2e_args: tuple[str, ...]            # hand-written arguments doing the spec's job for 1 epoch
    timeout_per_epoch: dict[int, int]    # seconds per epoch allowed, by batch size


MODELS = {
    "mlp": Model("mlp", "specs/digits_mlp.yaml", "handwritten_mlp.py",
                 ("fit.validation_split=0",), (), (20, 8),
                 ("--batch-size", "32", "--validation-split", "0.1"), {32: 10, 256: 10}),
    "news": Model("news", "specs/news_headline.yaml", "handwritten_news_headline.py",
                  ("fit.validation_split=0", "data.train.samples=2048"), ("--samples", "2048"), (5, 3),
                  ("--batch-size", "64", "--validation-split", "0.1", "--samples", "2048",
                   "--test-samples", "512"), {32: 40, 256: 40}),
    "ncf": Model("ncf", "specs/ncf/neumf.yaml", "handwritten_ncf.py",
                 ("evaluate.ranking.every_epoch=false",), ("--no-eval",), (3, 3),
                 ("--batch-size", "256"), {32: 150, 256: 40}),
}
# (model, batch) -> (full epochs, full rounds) where it differs from the model's defaults
# news_headline's epochs vary by +-10% on a shared 2-core VM: more of them, three rounds
SPECIAL = {("ncf", 256): (4, 2), ("ncf", 32): (3, 2), ("news", 32): (6, 3), ("news", 256): (8, 3)}


# =====================================================================================
# Child processes, with wall time, peak RSS and a time limit
# =====================================================================================

def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])])
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    # A user's installed package runs from cached bytecode. With this variable
    # set (some CI images set it) every child compiles modelspec's modules from
    # source, ~40 ms and ~3 MB of peak RSS that no installed copy pays; the
    # hand-written side compiles only itself. The warm-up runs write the cache.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


ENV = child_env()


def modelspec_cli() -> list[str]:
    script = Path(PY).parent / "modelspec"
    return [str(script)] if script.exists() else [PY, "-m", "modelspec"]


CLI = modelspec_cli()


@dataclasses.dataclass
class Proc:
    argv: list[str]
    rc: int
    wall: float
    maxrss_mb: float
    stdout: str
    stderr: str
    timed_out: bool

    def failure(self) -> str | None:
        """None when it exited 0, else a one-line reason."""
        if self.timed_out:
            return f"timed out after {self.wall:.0f} s"
        if self.rc != 0:
            lines = [line for line in self.stderr.strip().splitlines() if line.strip()]
            tail = lines[-1] if lines else "(no stderr)"
            return f"exit {self.rc}: {tail}"
        return None


# The measured process is started by a small wrapper interpreter, not by this process:
# Linux counts in a child's ru_maxrss the memory it had before exec, i.e. a copy of (or,
# with vfork, the very) address space of whoever forked it. Forked from this script, every
# child would report at least this script's size; forked from a bare `python -I -S`
# (about 8 MB, less than any process measured here) it reports its own peak. The wrapper
# also takes the wall time, from just before fork to the reaping, and writes
# "WALL_S MAXRSS_KB STATUS" to the file named by its first argument.
WRAPPER = r"""
import os, sys, time
out, argv = sys.argv[1], sys.argv[2:]
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(argv[0], argv)
    except OSError as error:
        os.write(2, f"cannot run {argv[0]}: {error}\n".encode())
    os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - started
with open(out, "w") as handle:
    handle.write(f"{wall!r} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
"""


def run_process(argv: list[str], timeout: float, *, cwd: Path = REPO) -> Proc:
    """Run argv to the end (through WRAPPER): wall time, exit code, peak RSS, output."""
    with tempfile.NamedTemporaryFile(prefix="bench_all-", suffix=".rusage", delete=False) as handle:
        result = Path(handle.name)
    try:
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            started = time.perf_counter()
            proc = subprocess.Popen([PY, "-I", "-S", "-c", WRAPPER, str(result), *argv], cwd=cwd, env=ENV,
                                    stdin=subprocess.DEVNULL, stdout=out, stderr=err, start_new_session=True)
            try:
                proc.wait(timeout=timeout)
                timed_out = False
            except subprocess.TimeoutExpired:
                timed_out = True
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)  # the session this wrapper leads, nothing else
                proc.wait()
            outer = time.perf_counter() - started
            out.seek(0)
            err.seek(0)
            stdout = out.read().decode("utf-8", "replace")
            stderr = err.read().decode("utf-8", "replace")
        fields = result.read_text().split() if result.exists() else []
        if len(fields) == 3 and not timed_out:
            wall, maxrss_kb, rc = float(fields[0]), int(fields[1]), int(fields[2])
        else:
            wall, maxrss_kb, rc = outer, 0, proc.returncode if not timed_out else -9
            if not timed_out and proc.returncode == 0:
                rc = -1
                stderr += "\nthe wrapper wrote no result"
        return Proc(argv, rc, wall, maxrss_kb / 1024.0, stdout, stderr, timed_out)
    finally:
        result.unlink(missing_ok=True)


def result_line(text: str) -> dict[str, Any]:
    """The JSON of a hand-written script's last 'RESULT {json}' line."""
    for line in reversed(text.strip().splitlines()):
        if line.startswith("RESULT "):
            return json.loads(line.removeprefix("RESULT "))
    raise RuntimeError("no RESULT line in its output")


# =====================================================================================
# Child modes of this script
# =====================================================================================

def child_cli(result_file: str, argv: list[str]) -> int:
    """modelspec's CLI main(argv), with an epoch timer added to every model.fit.

    keras.Model.fit is wrapped right after modelspec.kerasenv (or modelspec.run)
    has been imported by the CLI itself, so nothing is imported earlier or in
    another order than in a plain `modelspec run`.
    """
    import importlib.abc
    import importlib.machinery

    from handwritten_common import epoch_timer  # beside this file; plain Keras, imports nothing

    fits: list[dict[str, Any]] = []
    patched: list[bool] = []

    def patch() -> None:
        keras = sys.modules.get("keras")
        if keras is None or patched:
            return
        patched.append(True)

        original = keras.Model.fit

        def fit(self: Any, *args: Any, **kwargs: Any) -> Any:
            record: dict[str, Any] = {"times": [], "steps_per_epoch": kwargs.get("steps_per_epoch")}
            fits.append(record)
            kwargs["callbacks"] = [*(kwargs.get("callbacks") or []), epoch_timer(keras, record["times"])]
            try:
                return original(self, *args, **kwargs)
            finally:
                with contextlib.suppress(Exception):
                    record["steps_per_execution"] = int(getattr(self, "steps_per_execution", 1) or 1)

        keras.Model.fit = fit

    class Hook(importlib.abc.MetaPathFinder):
        def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
            if name not in ("modelspec.kerasenv", "modelspec.run"):
                return None
            spec = importlib.machinery.PathFinder.find_spec(name, path)
            if spec is None or spec.loader is None:
                return spec
            exec_module = spec.loader.exec_module

            def exec_and_patch(module: Any) -> None:
                exec_module(module)
                patch()

            spec.loader.exec_module = exec_and_patch  # type: ignore[method-assign]
            return spec

    sys.meta_path.insert(0, Hook())
    from modelspec.cli.main import main

    rc = 1
    try:
        rc = main(argv)
    finally:
        Path(result_file).write_text(json.dumps({"rc": rc, "fits": fits}))
    return rc


def child_build(size: int, repeats: int, result_file: str) -> int:
    """bench_build.compare(size, repeats) after bench_build's own warm-up."""
    sys.path.insert(0, str(BENCH))
    import bench_build
    import spec_generator

    import modelspec
    from modelspec.kerasenv import keras

    modelspec.build(spec_generator.chain_spec(2, width=8))
    keras.backend.clear_session()
    row = bench_build.compare(size, repeats, 8)
    Path(result_file).write_text(json.dumps({k: row[k] for k in ("n", "first", "ms", "keras")}))
    return 0


# =====================================================================================
# The suite
# =====================================================================================

@dataclasses.dataclass
class Row:
    section: str
    name: str
    modelspec: str
    reference: str
    compare: str = ""
    target: str = ""
    met: str = "n/a"
    notes: str = ""


class Suite:
    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.args = args
        self.quick = args.quick
        self.work = work
        self.models = [MODELS[key] for key in args.models]
        self.rows: list[Row] = []
        self.began = time.perf_counter()
        self.validate_results: dict[str, dict[str, list[Proc]]] | None = None
        self.e2e_results: dict[str, dict[str, list[Proc]]] | None = None
        self.counter = 0

    # -- helpers ---------------------------------------------------------------------

    def log(self, message: str) -> None:
        elapsed = time.perf_counter() - self.began
        print(f"[{int(elapsed) // 60:3d}:{int(elapsed) % 60:02d}] {message}", file=sys.stderr, flush=True)

    def folder(self, label: str) -> Path:
        self.counter += 1
        path = self.work / f"{self.counter:03d}-{label}"
        path.mkdir(parents=True)
        return path

    def add(self, row: Row) -> None:
        self.rows.append(row)

    # -- validate ----------------------------------------------------------------------

    def measure_validate(self, runs: int) -> dict[str, dict[str, Any]]:
        if self.validate_results is not None:
            return self.validate_results
        import spec_generator  # yaml only: no TensorFlow in this process

        targets: list[tuple[str, list[str]]] = [("floor", [PY, "-c", "import yaml, jsonschema"])]
        handwritten = [PY, str(BENCH / "handwritten_validate.py")]
        for path in sorted(REPO.glob("specs/**/*.yaml")):
            rel = str(path.relative_to(REPO))
            targets.append((rel, [*CLI, "validate", rel]))
            targets.append((HW + rel, [*handwritten, rel]))
        folder = self.folder("chains")
        for n in CHAIN_SIZES:
            file = spec_generator.write_yaml(spec_generator.chain_spec(n, width=8), folder / f"chain{n}.yaml")
            targets.append((f"chain {n:,} layers", [*CLI, "validate", str(file)]))
            targets.append((HW + f"chain {n:,} layers", [*handwritten, str(file)]))
        results: dict[str, dict[str, Any]] = {label: {"procs": [], "error": None} for label, _ in targets}
        self.log(f"validate: {len(targets) - 1} specs + floor, 1 warm-up + {runs} rounds")
        for round_ in range(runs + 1):
            for label, argv in targets:
                if results[label]["error"]:
                    continue
                proc = run_process(argv, 120)
                problem = proc.failure()
                if problem:
                    results[label]["error"] = problem
                    self.log(f"  {label}: error: {problem}")
                    continue
                if round_:  # round 0 is the warm-up
                    results[label]["procs"].append(proc)
            if round_:
                floor = results["floor"]["procs"]
                self.log(f"  round {round_}/{runs} done (floor {floor[-1].wall:.3f} s)" if floor
                         else f"  round {round_}/{runs} done")
        self.validate_results = results
        return results

    def section_validate(self) -> None:
        results = self.measure_validate(3 if self.quick else 7)
        floor = results["floor"]
        floor_s = statistics.median(p.wall for p in floor["procs"]) if floor["procs"] else None
        for label, result in results.items():
            if label == "floor" or label.startswith(HW):
                continue
            name = f"validate {label}"
            target = f"<= floor + {VALIDATE_OVER_FLOOR_S} s"
            if result["error"] or not result["procs"]:
                self.add(Row("validate", name, f"error: {result['error']}", fmt_s(floor_s), target=target))
                continue
            walls = [p.wall for p in result["procs"]]
            value = statistics.median(walls)
            if floor_s is None:
                self.add(Row("validate", name, fmt_s(value), f"error: {floor['error']}", target=target))
                continue
            over = value - floor_s
            hand = results.get(HW + label, {})
            hand_note = (f"; hand-written yaml.safe_load + jsonschema {statistics.median(p.wall for p in hand['procs']):.3f} s"
                         if hand.get("procs") else "")
            self.add(Row("validate", name, fmt_s(value), f"{fmt_s(floor_s)} (floor)", f"{over:+.3f} s", target,
                         yes(over <= VALIDATE_OVER_FLOOR_S),
                         f"min {min(walls):.3f} s, max {max(walls):.3f} s, {len(walls)} runs{hand_note}"))
            self.log(f"validate {label}: {value:.3f} s (floor {floor_s:.3f} s, {over:+.3f} s)")

    # -- build -------------------------------------------------------------------------

    def section_build(self) -> None:
        repeats = 1 if self.quick else 3
        for n in BUILD_SIZES:
            name = f"build chain {n:,} layers"
            target = f"<= {BUILD_RATIO}x"
            self.log(f"build: {n:,} layers, {repeats} build(s) per side (bench_build.compare) ...")
            result_file = self.folder(f"build{n}") / "result.json"
            timeout = 120 + (n / 1000) * 40 * (repeats + 2)
            proc = run_process([PY, str(THIS), "--child-build", str(n), str(repeats), str(result_file)], timeout)
            problem = proc.failure() or (None if result_file.exists() else "no result written")
            if problem:
                self.add(Row("build", name, f"error: {problem}", "", target=target))
                self.log(f"  error: {problem}")
                continue
            row = json.loads(result_file.read_text())
            ms, keras = statistics.median(row["ms"]), statistics.median(row["keras"])
            ratio = ms / keras
            self.add(Row("build", name, fmt_s(ms), f"{fmt_s(keras)} (from_config)", f"{ratio:.2f}x", target,
                         yes(ratio <= BUILD_RATIO),
                         f"median of {len(row['ms'])}; ratio of mins {min(row['ms']) / min(row['keras']):.2f}; "
                         f"first build {row['first']:.2f} s"))
            self.log(f"  modelspec {ms:.3f} s, from_config {keras:.3f} s, ratio {ratio:.2f}")

    # -- train -------------------------------------------------------------------------

    def autotune_supported(self) -> tuple[bool, str]:
        """Does the spec validator accept fit.autotune (probed with --print-config, no TensorFlow)?"""
        proc = run_process([*CLI, "run", MODELS["mlp"].spec, "--set", "fit.autotune=false", "--print-config"], 60)
        if proc.rc == 0:
            return True, ""
        return False, proc.failure() or ""

    def train_side(self, side: str, model: Model, batch: int, epochs: int) -> dict[str, Any]:
        timeout = 90 + model.timeout_per_epoch[batch] * epochs
        if side == "keras":
            argv = [PY, str(BENCH / model.script), "--batch-size", str(batch), "--epochs", str(epochs),
                    *model.train_args]
            proc = run_process(argv, timeout)
            problem = proc.failure()
            if problem:
                raise RuntimeError(problem)
            result = result_line(proc.stdout)
            times = result.get("epoch_times") or result.get("train_times")
            return {"times": times, "samples": result["samples"], "spe": 1, "autotune": None, "wall": proc.wall}
        folder = self.folder(f"train-{model.key}-{batch}-{side}")
        result_file = folder / "timings.json"
        sets = [*model.train_sets, f"fit.epochs={epochs}", f"fit.batch_size={batch}"]
        if side == "modelspec-noautotune":
            sets.append("fit.autotune=false")
        argv = [PY, str(THIS), "--child-cli", str(result_file), "--", "run", model.spec]
        for item in sets:
            argv += ["--set", item]
        argv += ["--output-dir", str(folder / "run"), "-q"]
        proc = run_process(argv, timeout)
        problem = proc.failure() or (None if result_file.exists() else "no timings written")
        if problem:
            raise RuntimeError(problem)
        child = json.loads(result_file.read_text())
        if not child["fits"]:
            raise RuntimeError("model.fit was never called")
        main_fit = max(child["fits"], key=lambda f: len(f["times"]))
        autotune = None
        run_json = folder / "run" / "run.json"
        if run_json.exists():
            autotune = json.loads(run_json.read_text()).get("autotune")
        return {"times": main_fit["times"], "steps_per_epoch": main_fit.get("steps_per_epoch"),
                "spe": main_fit.get("steps_per_execution"), "autotune": autotune, "wall": proc.wall}

    def section_train(self) -> None:
        supported, why = self.autotune_supported()
        sides = ["modelspec", "modelspec-noautotune", "keras"] if supported else ["modelspec", "keras"]
        why = one_line(why)[:200]
        self.log("train: fit.autotune " + ("accepted: modelspec is also run with fit.autotune=false" if supported
                                           else f"rejected by this code ({why[:150]}): that side is n/a"))
        for model in self.models:
            for batch in BATCHES:
                label = f"train {Path(model.spec).stem} b{batch}"
                if self.quick and (model.key, batch) == ("ncf", 32):
                    for side_label in ("", " (autotune off)"):
                        self.add(Row("train", label + side_label, "skipped (--quick)", "", target=f">= {TRAIN_RATIO}x"))
                    continue
                epochs, rounds = model.epochs[1 if self.quick else 0], (1 if self.quick else 2)
                if not self.quick and (model.key, batch) in SPECIAL:
                    epochs, rounds = SPECIAL[(model.key, batch)]
                runs: dict[str, list[dict[str, Any]]] = {side: [] for side in sides}
                errors: dict[str, str] = {}
                for round_ in range(rounds):
                    shift = round_ % len(sides)
                    for side in sides[shift:] + sides[:shift]:
                        if side in errors:
                            continue
                        self.log(f"{label} {side}: {epochs} epochs, round {round_ + 1}/{rounds} ...")
                        try:
                            result = self.train_side(side, model, batch, epochs)
                        except Exception as error:  # noqa: BLE001 - into its cell
                            errors[side] = one_line(error)
                            self.log(f"  error: {errors[side]}")
                            continue
                        runs[side].append(result)
                        self.log(f"  epochs {' '.join(f'{t:.3f}' for t in result['times'])} s "
                                 f"(steps_per_execution {result.get('spe')}, process {result['wall']:.1f} s)")
                self.train_rows(label, model, batch, epochs, sides, None if supported else why, runs, errors)

    def train_rows(self, label: str, model: Model, batch: int, epochs: int, sides: list[str], rejected: str | None,
                   runs: dict[str, list[dict[str, Any]]], errors: dict[str, str]) -> None:
        target = f">= {TRAIN_RATIO}x"
        samples = next((r["samples"] for r in runs.get("keras", [])), None)

        def rate(side: str) -> float | None:
            if not samples:
                return None
            values = [samples / steady(r["times"]) for r in runs.get(side, []) if len(r["times"]) > 1]
            return statistics.median(values) if values else None

        keras_rate = rate("keras")
        keras_cell = (f"error: {errors['keras']}" if "keras" in errors
                      else fmt_rate(keras_rate) if keras_rate else "n/a")
        for side, suffix in (("modelspec", ""), ("modelspec-noautotune", " (autotune off)")):
            name = label + suffix
            if side not in sides:
                self.add(Row("train", name, f"n/a (--set fit.autotune=false not accepted: {rejected})",
                             keras_cell, target=target))
                continue
            if side in errors:
                self.add(Row("train", name, f"error: {errors[side]}", keras_cell, target=target))
                continue
            value = rate(side)
            if value is None or keras_rate is None:
                shown = fmt_rate(value) if value else "n/a"
                if value is None and runs.get(side):
                    epoch = statistics.median(steady(r["times"]) for r in runs[side])
                    shown = f"{epoch:.3f} s per epoch"
                self.add(Row("train", name, shown, keras_cell, target=target,
                             notes="no sample count: the hand-written side failed" if samples is None else ""))
                continue
            ratio = value / keras_rate
            last = runs[side][-1]
            notes = [f"steps_per_execution {last.get('spe')}"]
            if last.get("autotune") is not None:
                notes.append("run.json autotune: " + describe_autotune(last["autotune"]))
            elif side == "modelspec":
                notes.append("no autotune entry in run.json")
            steps = last.get("steps_per_epoch")
            if steps and samples and steps != math.ceil(samples / batch):
                notes.append(f"WARNING: {steps} steps per epoch, hand-written {math.ceil(samples / batch)}")
            ms_epoch = statistics.median(steady(r["times"]) for r in runs[side])
            kr_epoch = statistics.median(steady(r["times"]) for r in runs["keras"])
            notes.append(f"epoch {ms_epoch * 1000:.0f} / {kr_epoch * 1000:.0f} ms; {samples:,} samples, "
                         f"{epochs} epochs x {len(runs[side])} round(s)")
            self.add(Row("train", name, fmt_rate(value), fmt_rate(keras_rate), f"{ratio:.3f}x", target,
                         yes(ratio >= TRAIN_RATIO), "; ".join(notes)))
            self.log(f"{name}: {value:,.0f} vs {keras_rate:,.0f} samples/s, ratio {ratio:.3f}")

    # -- e2e ---------------------------------------------------------------------------

    def measure_e2e(self, repeats: int) -> dict[str, dict[str, Any]]:
        if self.e2e_results is not None:
            return self.e2e_results
        results: dict[str, dict[str, Any]] = {
            m.key: {"modelspec": [], "keras": [], "errors": {}, "autotune": None} for m in self.models}
        for round_ in range(repeats):
            for model in self.models:
                result = results[model.key]
                sides = ["modelspec", "keras"] if round_ % 2 == 0 else ["keras", "modelspec"]
                for side in sides:
                    if side in result["errors"]:
                        continue
                    folder = self.folder(f"e2e-{model.key}-{side}")
                    if side == "modelspec":
                        argv = [*CLI, "run", model.spec, "--set", "fit.epochs=1", "--output-dir", str(folder / "run")]
                    else:
                        argv = [PY, str(BENCH / model.script), "--epochs", "1", *model.e2e_args,
                                "--out", str(folder / "out")]
                    self.log(f"e2e {Path(model.spec).stem} {side}: 1 epoch, run {round_ + 1}/{repeats} ...")
                    proc = run_process(argv, 600)
                    problem = proc.failure()
                    if problem:
                        result["errors"][side] = problem
                        self.log(f"  error: {problem}")
                        continue
                    result[side].append(proc)
                    if side == "modelspec":
                        run_json = folder / "run" / "run.json"
                        if run_json.exists():
                            info = json.loads(run_json.read_text())
                            result["autotune"] = info.get("autotune")
                            result["phases"] = info.get("phases")
                    self.log(f"  {proc.wall:.2f} s, peak RSS {proc.maxrss_mb:.0f} MB")
        self.e2e_results = results
        return results

    def section_e2e(self) -> None:
        results = self.measure_e2e(1 if self.quick else 3)
        target = f"<= hand-written + {E2E_OVER_S:.0f} s"
        for model in self.models:
            result = results[model.key]
            name = f"e2e {Path(model.spec).stem}, 1 epoch"
            cells = {}
            for side in ("modelspec", "keras"):
                if side in result["errors"]:
                    cells[side] = f"error: {result['errors'][side]}"
                else:
                    cells[side] = fmt_s(statistics.median(p.wall for p in result[side]))
            if result["errors"]:
                self.add(Row("e2e", name, cells["modelspec"], cells["keras"], target=target))
                continue
            ms = statistics.median(p.wall for p in result["modelspec"])
            kr = statistics.median(p.wall for p in result["keras"])
            notes = [f"{len(result['modelspec'])} run(s) per side"]
            if result.get("phases"):
                notes.append("run.json phases: " + ", ".join(f"{k} {v:.2f}" for k, v in result["phases"].items()))
            if result.get("autotune"):
                notes.append("autotune: " + describe_autotune(result["autotune"]))
            self.add(Row("e2e", name, fmt_s(ms), fmt_s(kr), f"{ms - kr:+.2f} s", target, yes(ms - kr <= E2E_OVER_S),
                         "; ".join(notes)))
            self.log(f"{name}: {ms:.2f} s vs {kr:.2f} s ({ms - kr:+.2f} s)")

    # -- memory ------------------------------------------------------------------------

    def section_memory(self) -> None:
        """Peak RSS of validate against handwritten_validate.py on the same file (the
        hand-written script; the bare-import floor is in the notes), and of a 1-epoch
        run against the hand-written training script."""
        target = f"<= {MEMORY_RATIO}x"
        validate = self.measure_validate(1)

        def rss(label: str) -> float | None:
            procs = validate.get(label, {}).get("procs")
            return statistics.median(p.maxrss_mb for p in procs) if procs else None

        floor_mb = rss("floor")
        examples = [label for label in validate if label.startswith("specs/")]
        groups = [("peak RSS validate, example specs (highest ratio)", examples)]
        groups += [(f"peak RSS validate {label}", [label]) for label in validate if label.startswith("chain")]
        for name, members in groups:
            bad = [f"{label}: {validate[label]['error'] or validate[HW + label]['error']}" for label in members
                   if rss(label) is None or rss(HW + label) is None]
            if bad:
                self.add(Row("memory", name, f"error: {bad[0]}", "", target=f"{target} hand-written"))
                continue
            label = max(members, key=lambda m: rss(m) / rss(HW + m))
            value, hand = rss(label), rss(HW + label)
            ratio = value / hand
            notes = [label] if len(members) > 1 else []
            if floor_mb:
                notes.append(f"floor (import yaml, jsonschema) {fmt_mb(floor_mb)}: {value / floor_mb:.2f}x")
            self.add(Row("memory", name, fmt_mb(value), f"{fmt_mb(hand)} (handwritten_validate.py)",
                         f"{ratio:.2f}x", f"{target} hand-written", yes(ratio <= MEMORY_RATIO), "; ".join(notes)))
        e2e = self.measure_e2e(1)
        for model in self.models:
            result = e2e[model.key]
            name = f"peak RSS run {Path(model.spec).stem}, 1 epoch"
            if result["errors"]:
                cells = {side: f"error: {result['errors'][side]}" if side in result["errors"]
                         else fmt_mb(statistics.median(p.maxrss_mb for p in result[side]))
                         for side in ("modelspec", "keras")}
                self.add(Row("memory", name, cells["modelspec"], cells["keras"], target=target))
                continue
            ms = statistics.median(p.maxrss_mb for p in result["modelspec"])
            kr = statistics.median(p.maxrss_mb for p in result["keras"])
            self.add(Row("memory", name, fmt_mb(ms), fmt_mb(kr), f"{ms / kr:.2f}x", target,
                         yes(ms / kr <= MEMORY_RATIO),
                         f"the e2e processes; {len(result['modelspec'])} run(s) per side"))
            self.log(f"{name}: {ms:.0f} MB vs {kr:.0f} MB")


# =====================================================================================
# Formatting
# =====================================================================================

def steady(times: list[float]) -> float:
    """Median epoch time over epochs 2..N (epoch 1 holds the tracing)."""
    return statistics.median(times[1:] or times)


def fmt_s(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f} s" if value < 10 else f"{value:.1f} s"


def fmt_rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f} samples/s"


def fmt_mb(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f} MB"


def yes(ok: bool) -> str:
    return "yes" if ok else "**NO**"


def one_line(error: BaseException | str) -> str:
    return " ".join(str(error).split())[:300]


def describe_autotune(entry: Any) -> str:
    if isinstance(entry, dict):
        shown = f"steps_per_execution {entry.get('steps_per_execution')}"
        if entry.get("chosen") is False and entry.get("reason"):
            shown += f" (kept: {entry['reason']})"
        elif entry.get("rule"):
            shown += f" ({entry['rule']})"
        elif entry.get("steps_per_epoch"):
            shown += f" (chosen for {entry['steps_per_epoch']} steps per epoch)"
        return shown
    return json.dumps(entry)[:120]


def cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def versions() -> str:
    from importlib import metadata

    found = []
    for name in ("tensorflow", "keras", "numpy"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            found.append(f"{name} {metadata.version(name)}")
    return ", ".join(found)


def commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True,
                              timeout=10, check=False).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                               capture_output=True, text=True, timeout=10, check=False).stdout.strip()
        return f"{head}{' (with uncommitted changes)' if dirty else ''}" if head else "n/a"
    except (OSError, subprocess.SubprocessError):
        return "n/a"


def render(suite: Suite, header: list[str]) -> str:
    lines = [*header, "",
             "| benchmark | modelspec | hand-written / floor | ratio or difference | target | met? | notes |",
             "|---|---|---|---|---|---|---|"]
    for row in suite.rows:
        lines.append("| " + " | ".join(cell(v) for v in (row.name, row.modelspec, row.reference, row.compare,
                                                          row.target, row.met, row.notes)) + " |")
    met = sum(1 for row in suite.rows if row.met == "yes")
    missed = [row.name for row in suite.rows if row.met == "**NO**"]
    judged = met + len(missed)
    lines += ["", f"{met} of {judged} targets met" + (f"; missed: {', '.join(missed)}" if missed else "") + "."]
    return "\n".join(lines) + "\n"


# =====================================================================================
# main
# =====================================================================================

def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child-cli"]:
        return child_cli(argv[1], argv[3:] if argv[2:3] == ["--"] else argv[2:])
    if argv[:1] == ["--child-build"]:
        return child_build(int(argv[1]), int(argv[2]), argv[3])

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repeats and epochs (a smoke run of a few minutes)")
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help=f"comma-separated sections to run, from {','.join(SECTIONS)}")
    parser.add_argument("--models", default=",".join(MODELS),
                        help=f"comma-separated models for train/e2e/memory, from {','.join(MODELS)}")
    parser.add_argument("--output", type=Path, help="also write the markdown table to this file")
    args = parser.parse_args(argv)
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = sorted(set(only) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    args.models = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = sorted(set(args.models) - set(MODELS))
    if unknown:
        parser.error(f"unknown model(s) {', '.join(unknown)}; choose from {', '.join(MODELS)}")

    sys.path.insert(0, str(BENCH))
    started = datetime.datetime.now().astimezone()
    load_start = loadavg()
    with tempfile.TemporaryDirectory(prefix="bench_all-") as temp:
        suite = Suite(args, Path(temp))
        suite.log(f"bench_all: sections {', '.join(only)}{' (--quick)' if args.quick else ''}; "
                  f"modelspec = {' '.join(CLI)}; load average {load_start}")
        for section in SECTIONS:
            if section not in only:
                continue
            try:
                getattr(suite, f"section_{section}")()
            except Exception as error:  # noqa: BLE001 - one broken section must not stop the others
                suite.add(Row(section, f"{section} (whole section)", f"error: {one_line(error)}", ""))
                suite.log(f"{section}: error: {one_line(error)}")
        elapsed = time.perf_counter() - suite.began
    header = [
        f"## modelspec performance suite (issue 6){' -- quick' if args.quick else ''}",
        "",
        (f"{started:%Y-%m-%d %H:%M %Z}; commit {commit()}; {platform.node()}, {os.cpu_count()} CPU(s), "
         f"Python {platform.python_version()}, {versions()}; load average {load_start} at the start, "
         f"{loadavg()} at the end; sections {', '.join(only)}; {elapsed / 60:.1f} min."),
        ("Every ratio is taken side by side in this run; see the docstring of benchmarks/bench_all.py for "
         "what is measured."),
    ]
    text = render(suite, header)
    print(text, end="")
    if args.output:
        args.output.write_text(text)
        suite.log(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

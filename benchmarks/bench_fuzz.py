"""Fuzz modelspec: thousands of random and hostile inputs, none may crash or hang.

What it runs
------------
`--n` inputs (default 10,000), each generated from `random.Random(f"{seed}:{index}")`
by the generators of `tests/fuzzing.py`:

  validate/mutated  a mutated spec (example, corpus file, verbatim Keras model, Lambda
                    layers with bytecode, or a generated spec) written as YAML or JSON;
                    `modelspec.validate(file)` (a quarter with allow_unsafe=True)
  validate/raw      raw bytes for the loader (truncations, byte flips, syntax tokens,
                    invalid UTF-8, alias bombs, 100,000-deep brackets, ...); `validate(file)`
  validate/valid    a generated valid spec written to a file; `validate(file)`
  validate/dict     a mutated spec as a dict; `validate(dict)` (nothing to locate)
  cli/validate      a mutated spec or raw bytes through `modelspec validate [--format json]`
                    (the CLI's main() in-process, on strict UTF-8 streams)
  build/valid       a generated valid spec; `validate(file)` then `build(file)`
  build/mutated     a generated spec with impossible parameters (half), or a mutated
                    example or generated spec; `validate(file)` then `build(file)`

`--builds` of them (default 500, at most a tenth of `--n`) are build inputs, half valid
and half mutated; the rest are validate inputs in the proportions above.

Every input runs in a worker process (one for the validate kinds, one with Keras for
the build kinds) with a per-input time limit (`--timeout`, default 5 s, for validate;
`--build-timeout`, default 30 s, for build): a worker that takes longer is killed and
the input counts as hung; a worker that dies (segfault, out of memory) counts as a crash.

Outcomes
--------
  passed   no error diagnostic (validate) / a keras.Model (build)
  failed   rejected cleanly: error diagnostics, all located (line not None for a file),
           or a SpecError whose diagnostics are all located
  crashed  any other exception, a result that is not a list of Diagnostics, an error
           diagnostic without a line for a file input, a CLI "internal error", a
           build that succeeds although validate reported errors, a dead worker
  hung     over the time limit

Every crashing or hanging input is saved to `--save DIR` (default
benchmarks/fuzz-failures/, git-ignored) as the exact file that was validated, plus
report.txt (kind, seed, index, traceback, how to replay it). `--replay KIND:INDEX`
(with the same `--seed`) regenerates one input and runs it in this process, printing
the full traceback.

Usage:
    python benchmarks/bench_fuzz.py [--n 10000] [--seed 0] [--builds 500] [--save DIR]
    python benchmarks/bench_fuzz.py --seed 0 --replay validate/mutated:1234
"""

from __future__ import annotations

import argparse
import collections
import io
import json
import multiprocessing
import os
import random
import re
import shutil
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import fuzzing

VALIDATE_KINDS = {  # kind: share of the validate inputs
    "validate/mutated": 0.50,
    "validate/raw": 0.25,
    "validate/valid": 0.05,
    "validate/dict": 0.05,
    "cli/validate": 0.15,
}
BUILD_KINDS = {"build/valid": 0.5, "build/mutated": 0.5}
KINDS = list(VALIDATE_KINDS) + list(BUILD_KINDS)
OUTCOMES = ("passed", "failed", "crashed", "hung")
DEFAULT_SAVE = ROOT / "benchmarks" / "fuzz-failures"
GENERATE_LIMIT_S = 120.0  # generating one input (a bug in the generators if longer)
LOCATED_LINE = re.compile(r"^.*:\d+:\d+: (error|warning|note): ")


# --------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------


def rng_for(seed: int, index: int) -> random.Random:
    return random.Random(f"{seed}:{index}")


def make_input(kind: str, seed: int, index: int, directory: Path) -> tuple[Any, Path | None]:
    """(data, path): the input of `index`, written into `directory` (path None for dicts)."""
    rnd = rng_for(seed, index)
    stem = f"in{index}"
    if kind in ("validate/raw",) or (kind == "cli/validate" and rnd.random() < 0.4):
        raw, suffix = fuzzing.gen_raw_text(rnd)
        path = directory / f"{stem}{suffix}"
        path.write_bytes(raw)
        return raw, path
    if kind in ("validate/valid", "build/valid"):
        data = fuzzing.gen_valid_spec(rnd)
    elif kind == "build/mutated":
        # half: impossible parameters in generated specs (they often pass validation);
        # half: any mutation of the example specs and of generated ones
        if rnd.random() < 0.5:
            data = fuzzing.gen_param_mutated_spec(rnd)
        else:
            base = fuzzing.gen_valid_spec(rnd) if rnd.random() < 0.5 else rnd.choice(_buildable_seeds())[1]
            data = fuzzing.mutate(base, rnd)
    else:
        data = fuzzing.gen_mutated_spec(rnd)
    if kind == "validate/dict":
        # the API takes a path, a dict or a Spec: anything else is a TypeError by contract
        return (data if isinstance(data, dict) else {"modelspec": 1, "model": data}), None
    return data, fuzzing.write_spec(data, directory, rnd, stem=stem)


def _buildable_seeds() -> list[tuple[str, Any]]:
    return [(n, d) for n, d in fuzzing.seed_documents() if n.endswith(".yaml") and (fuzzing.SPEC_DIR / n).exists()]


# --------------------------------------------------------------------------
# Checks (run in the worker)
# --------------------------------------------------------------------------


def _trace(error: BaseException) -> str:
    return "".join(traceback.format_exception(type(error), error, error.__traceback__))


def _signature(error: BaseException) -> str:
    return trace_signature(_trace(error))


def trace_signature(text: str) -> str:
    """What tells one bug from another in a traceback's text: the exception type and
    the innermost modelspec frame; for a RecursionError, the modelspec function
    that recurses (the one most often on the stack)."""
    frames = re.findall(r'File "([^"]+)", line (\d+), in (\S+)', text)
    last = [ln for ln in text.strip().splitlines() if ln.strip()]
    exc = last[-1].split(":")[0].strip() if last else "?"
    inside = [(Path(f).name, line, fn) for f, line, fn in frames if "/modelspec/" in f] or \
        [(Path(f).name, line, fn) for f, line, fn in frames]
    if not inside:
        return exc
    if exc == "RecursionError":
        counted = collections.Counter((n, fn) for n, _, fn in inside if not fn.startswith("<"))
        if counted and counted.most_common(1)[0][1] >= 10:
            (name, fn), _ = counted.most_common(1)[0]
            return f"RecursionError recursing in {name}:{fn}"
    name, line, fn = inside[-1]
    return f"{exc} at {name}:{line} in {fn}"


def _check_diagnostics(result: Any, *, located: bool) -> tuple[str, str, str]:
    from modelspec import Diagnostic, Severity

    if not isinstance(result, list) or not all(isinstance(d, Diagnostic) for d in result):
        return "crashed", f"returned {type(result).__name__}: {result!r:.300}", "bad return value"
    if not all(isinstance(d.severity, Severity) for d in result):
        return "crashed", f"a severity is not a Severity: {result!r:.300}", "bad severity"
    errors = [d for d in result if d.severity is Severity.ERROR]
    if located:
        unlocated = [d for d in errors if d.line is None]
        if unlocated:
            d = unlocated[0]
            return ("crashed", f"error without a line: code={d.code} pointer={d.pointer!r} message={d.message!r:.300}",
                    f"unlocated error diagnostic, code {d.code}")
    return ("failed" if errors else "passed"), "", ""


def check_validate(path: Path | None, data: Any, unsafe: bool = False) -> tuple[str, str, str]:
    import modelspec

    try:
        result = modelspec.validate(str(path) if path is not None else data, allow_unsafe=unsafe)
    except Exception as error:  # noqa: BLE001 - a crash is what we are looking for
        return "crashed", _trace(error), _signature(error)
    return _check_diagnostics(result, located=path is not None)


def check_cli(path: Path, as_json: bool) -> tuple[str, str, str]:
    from modelspec.cli.main import main

    args = ["validate", str(path)]
    if as_json:
        args[1:1] = ["--format", "json"]
    out_bytes, err_bytes = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(out_bytes, encoding="utf-8", errors="strict", write_through=True)
    err = io.TextIOWrapper(err_bytes, encoding="utf-8", errors="strict", write_through=True)
    try:
        code = main(args, stdout=out, stderr=err)
        out.flush()
        err.flush()
    except BaseException as error:  # noqa: BLE001 - main() must not raise
        return "crashed", _trace(error), "cli main() raised " + _signature(error)
    stdout, stderr = out_bytes.getvalue().decode(), err_bytes.getvalue().decode()
    if "internal error" in stderr:
        log = re.search(r"traceback saved to (\S+?);", stderr)
        detail = stderr
        if log and os.path.exists(log.group(1)):
            detail += "\n" + Path(log.group(1)).read_text(errors="replace")
            os.remove(log.group(1))
        return "crashed", detail, "cli internal error: " + trace_signature(detail)
    if code not in (0, 1):
        return "crashed", f"exit code {code}\n{stderr}", f"cli exit code {code}"
    if code == 1:
        if as_json:
            try:
                listed = json.loads(stdout)
            except ValueError:
                return "crashed", f"--format json printed no JSON: {stdout[:300]!r}", "cli json output"
            bad = [d for d in listed if d.get("severity") == "error" and d.get("line") is None]
            if bad:
                return "crashed", f"unlocated: {bad[0]}", f"cli unlocated error, code {bad[0].get('code')}"
        else:
            errors = [ln for ln in stderr.splitlines() if ": error: " in ln]
            bad = [ln for ln in errors if not LOCATED_LINE.match(ln)]
            if bad:
                return "crashed", f"unlocated error line: {bad[0][:300]}", "cli unlocated error line"
    return ("passed" if code == 0 else "failed"), "", ""


def check_build(path: Path) -> tuple[str, str, str]:
    import keras

    import modelspec

    try:
        found = modelspec.validate(str(path))
    except Exception as error:  # noqa: BLE001
        return "crashed", _trace(error), "validate: " + _signature(error)
    status, detail, sig = _check_diagnostics(found, located=True)
    if status == "crashed":
        return status, detail, sig
    valid = status == "passed"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = modelspec.build(str(path))
    except modelspec.SpecError as error:
        unlocated = [d for d in error.diagnostics if d.line is None]
        if unlocated or not error.diagnostics:
            d = unlocated[0] if unlocated else None
            text = f"code={d.code} pointer={d.pointer!r} message={d.message!r:.300}" if d else "no diagnostics"
            return "crashed", f"SpecError with an unlocated diagnostic: {text}", \
                f"build: unlocated SpecError diagnostic, code {d.code if d else None}"
        if valid:  # valid means buildable: a clean SpecError is allowed, but noted
            first = next((d for d in error.diagnostics if d.is_error), error.diagnostics[0])
            return "failed", f"valid-but-unbuildable: {first.code}: {first.message[:200]}", ""
        return "failed", "", ""
    except Exception as error:  # noqa: BLE001
        return "crashed", _trace(error), "build: " + _signature(error)
    finally:
        keras.backend.clear_session()
    if not isinstance(model, keras.Model):
        return "crashed", f"build returned {type(model).__name__}", "build returned a non-Model"
    if not valid:
        return "crashed", "build succeeded although validate reported errors", "build/validate disagree"
    return "passed", "", ""


def run_one(kind: str, seed: int, index: int, directory: Path,
            started: Any = None) -> tuple[str, str, str, float]:
    data, path = make_input(kind, seed, index, directory)
    if started is not None:
        started()  # the clock for the time limit starts now, not while generating
    start = time.perf_counter()
    if kind.startswith("build/"):
        outcome = check_build(path)
    elif kind == "cli/validate":
        outcome = check_cli(path, as_json=index % 3 == 0)  # a third with --format json
    else:
        outcome = check_validate(path, data, unsafe=index % 4 == 0)  # a quarter with allow_unsafe
    elapsed = time.perf_counter() - start
    if path is not None:
        path.unlink(missing_ok=True)
    return (*outcome, elapsed)


# --------------------------------------------------------------------------
# Workers
# --------------------------------------------------------------------------


def _worker(conn: Any, keras_worker: bool, log_path: str) -> None:
    # Keep Keras's and TensorFlow's output off the table.
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    directory = Path(tempfile.mkdtemp(prefix="fuzz-worker-"))
    try:
        if keras_worker:  # import TensorFlow and build once before the clock starts
            warm = fuzzing.gen_valid_spec(random.Random(0))
            check_build(fuzzing.write_spec(warm, directory, random.Random(0), stem="warm"))
        conn.send("ready")
        while True:
            job = conn.recv()
            if job is None:
                break
            kind, seed, index = job
            try:
                conn.send(run_one(kind, seed, index, directory, started=lambda: conn.send("started")))
            except Exception as error:  # noqa: BLE001 - a bug in the generators, not in modelspec
                conn.send(("harness-error", _trace(error), "harness: " + _signature(error), 0.0))
    finally:
        shutil.rmtree(directory, ignore_errors=True)


class Worker:
    def __init__(self, keras_worker: bool, log_path: str):
        self.keras_worker, self.log_path = keras_worker, log_path
        self.process: Any = None
        self.conn: Any = None
        self.start()

    def start(self) -> None:
        context = multiprocessing.get_context("fork")
        parent, child = context.Pipe()
        self.process = context.Process(target=_worker, args=(child, self.keras_worker, self.log_path), daemon=True)
        self.process.start()
        child.close()
        self.conn = parent
        if not self.conn.poll(600) or self.conn.recv() != "ready":
            raise RuntimeError("the fuzz worker did not start; see " + self.log_path)

    def kill(self) -> None:
        if self.process is not None and self.process.is_alive():
            self.process.kill()
        if self.process is not None:
            self.process.join(10)

    def stop(self) -> None:
        try:
            self.conn.send(None)
            self.process.join(10)
        except (OSError, EOFError):
            pass
        self.kill()

    def run(self, kind: str, seed: int, index: int, limit: float) -> tuple[str, str, str, float]:
        self.conn.send((kind, seed, index))
        # the limit applies to the modelspec call, not to generating the input
        if not self.conn.poll(GENERATE_LIMIT_S):
            self.kill()
            self.start()
            return "harness-error", f"generating the input took over {GENERATE_LIMIT_S} s", "harness: slow generator", 0.0
        try:
            first = self.conn.recv()
        except (EOFError, OSError):
            return self._died(time.perf_counter())
        if first != "started":  # a harness error, reported before the modelspec call
            return first
        start = time.perf_counter()
        if self.conn.poll(limit + 1.0):
            try:
                status, detail, signature, elapsed = self.conn.recv()
            except (EOFError, OSError):
                return self._died(start)
            if elapsed > limit and status != "harness-error":
                return "hung", f"took {elapsed:.2f} s (limit {limit} s); outcome {status}", "over the time limit", elapsed
            return status, detail, signature, elapsed
        if not self.process.is_alive():
            return self._died(start)
        self.kill()
        self.start()
        return "hung", f"no answer after {limit + 1.0:.0f} s: worker killed", "over the time limit", \
            time.perf_counter() - start

    def _died(self, start: float) -> tuple[str, str, str, float]:
        self.process.join(5)
        code = self.process.exitcode
        self.start()
        return "crashed", f"the worker process died (exit code {code})", f"worker died, exit code {code}", \
            time.perf_counter() - start


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def plan(n: int, builds: int, seed: int) -> list[str]:
    rnd = random.Random(f"plan:{seed}")
    builds = max(0, min(builds, n // 10))
    kinds = rnd.choices(list(VALIDATE_KINDS), weights=list(VALIDATE_KINDS.values()), k=n - builds)
    kinds += rnd.choices(list(BUILD_KINDS), weights=list(BUILD_KINDS.values()), k=builds)
    return kinds


def save_failure(save: Path, kind: str, seed: int, index: int, status: str, detail: str, signature: str) -> Path:
    folder = save / f"{kind.replace('/', '-')}-seed{seed}-{index:06d}"
    folder.mkdir(parents=True, exist_ok=True)
    data, path = make_input(kind, seed, index, folder)
    if path is None:
        with fuzzing._Deep():
            text = repr(data)[:5_000_000]
        (folder / "input.repr.txt").write_text(text, encoding="utf-8", errors="backslashreplace")
        try:
            (folder / "input.json").write_bytes(fuzzing.dump_text(data, "json"))
        except Exception:  # noqa: BLE001
            pass
    (folder / "report.txt").write_text(
        f"kind: {kind}\nseed: {seed}\nindex: {index}\noutcome: {status}\nsignature: {signature}\n"
        f"input: {path.name if path else 'input.repr.txt (a dict passed to modelspec.validate)'}\n"
        f"replay: python benchmarks/bench_fuzz.py --seed {seed} --replay {kind}:{index}\n\n{detail}\n",
        encoding="utf-8", errors="backslashreplace")
    return folder


def replay(spec: str, seed: int) -> int:
    kind, _, index = spec.rpartition(":")
    if kind not in KINDS:
        print(f"unknown kind {kind!r}; one of {', '.join(KINDS)}")
        return 2
    directory = Path(tempfile.mkdtemp(prefix="fuzz-replay-"))
    data, path = make_input(kind, seed, int(index), directory)
    print(f"input: {path or '(a dict)'}")
    if path is not None:
        print(path.read_bytes()[:3000].decode("utf-8", "backslashreplace"))
    else:
        with fuzzing._Deep():
            print(repr(data)[:3000])
    status, detail, signature, elapsed = run_one(kind, seed, int(index), directory)
    print(f"\noutcome: {status} in {elapsed:.3f} s {signature}\n{detail}")
    return 0 if status in ("passed", "failed") else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="number of inputs (default 10000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--builds", type=int, default=500, help="build inputs among --n (at most n/10)")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds per validate input")
    parser.add_argument("--build-timeout", type=float, default=30.0, help="seconds per build input")
    parser.add_argument("--save", type=Path, default=DEFAULT_SAVE, help="folder for crashing inputs")
    parser.add_argument("--replay", metavar="KIND:INDEX", help="regenerate one input and run it here")
    args = parser.parse_args(argv)
    if args.replay:
        return replay(args.replay, args.seed)

    kinds = plan(args.n, args.builds, args.seed)
    counts = {k: collections.Counter() for k in KINDS}
    seconds = collections.Counter()
    signatures: dict[str, list[Any]] = {}
    notes: dict[str, list[Any]] = collections.defaultdict(list)
    log_path = os.path.join(tempfile.gettempdir(), f"bench_fuzz-{os.getpid()}.log")
    print(f"bench_fuzz: {args.n} inputs ({sum(k.startswith('build/') for k in kinds)} builds), seed {args.seed}, "
          f"limits {args.timeout:g} s (validate) / {args.build_timeout:g} s (build); worker output in {log_path}",
          flush=True)
    total_start = time.perf_counter()
    worker: Worker | None = None
    current_keras = None
    done = 0
    try:
        for index, kind in sorted(enumerate(kinds), key=lambda item: item[1].startswith("build/")):
            keras_kind = kind.startswith("build/")
            if worker is None or current_keras != keras_kind:
                if worker is not None:
                    worker.stop()
                worker, current_keras = Worker(keras_kind, log_path), keras_kind
            limit = args.build_timeout if keras_kind else args.timeout
            status, detail, signature, elapsed = worker.run(kind, args.seed, index, limit)
            seconds[kind] += elapsed
            if status == "harness-error":
                notes["harness errors (bugs in the generators, not counted)"].append((index, kind, signature))
                print(f"  harness error at {kind}:{index}: {detail.strip().splitlines()[-1]}", flush=True)
                continue
            counts[kind][status] += 1
            if status == "failed" and detail.startswith("valid-but-unbuildable"):
                notes["valid by validate, but build raised a (located) SpecError"].append((index, kind, detail))
            if kind.endswith("/valid") and status == "failed" and not detail:
                notes["generated valid specs that validate rejected"].append((index, kind, ""))
            if status in ("crashed", "hung"):
                folder = save_failure(args.save, kind, args.seed, index, status, detail, signature)
                entry = signatures.setdefault(f"{status}: {signature}", [0, folder, kind, index])
                entry[0] += 1
                if entry[0] == 1:
                    print(f"  NEW {status} at {kind}:{index}: {signature} -> {folder}", flush=True)
            done += 1
            if done % 1000 == 0:
                print(f"  {done} inputs, {time.perf_counter() - total_start:.0f} s", flush=True)
    except KeyboardInterrupt:
        print("interrupted: the table covers the inputs run so far")
    finally:
        if worker is not None:
            worker.stop()
    total = time.perf_counter() - total_start

    print()
    header = f"{'kind':<18}{'inputs':>8}{'passed':>8}{'failed':>8}{'crashed':>9}{'hung':>6}{'time s':>9}{'inputs/s':>10}"
    print(header)
    print("-" * len(header))
    grand = collections.Counter()
    for kind in KINDS:
        c = counts[kind]
        n = sum(c.values())
        if not n:
            continue
        grand.update(c)
        rate = n / seconds[kind] if seconds[kind] else float("inf")
        print(f"{kind:<18}{n:>8}{c['passed']:>8}{c['failed']:>8}{c['crashed']:>9}{c['hung']:>6}"
              f"{seconds[kind]:>9.1f}{rate:>10.1f}")
    print("-" * len(header))
    n = sum(grand.values())
    print(f"{'total':<18}{n:>8}{grand['passed']:>8}{grand['failed']:>8}{grand['crashed']:>9}{grand['hung']:>6}"
          f"{total:>9.1f}{n / total if total else 0:>10.1f}")
    print(f"\ntotal wall time {total:.1f} s, {n / total if total else 0:.1f} inputs/s "
          f"(time s / inputs/s per kind: time inside modelspec only)")
    for title, items in notes.items():
        print(f"\n{title}: {len(items)}")
        groups: dict[str, list[Any]] = {}
        for index, kind, detail in items:  # grouped by the message, numbers and names left out
            key = re.sub(r"'[^']*'|\d[\d,.]*", "_", detail)[:110]
            groups.setdefault(key, []).append((index, kind, detail))
        for group in sorted(groups.values(), key=len, reverse=True)[:12]:
            index, kind, detail = group[0]
            print(f"  {len(group):>4} x e.g. {kind}:{index} {detail[:150]}")
    if signatures:
        print(f"\ndistinct crashes and hangs ({len(signatures)}), saved under {args.save}:")
        for signature, (count, folder, kind, index) in sorted(signatures.items(), key=lambda s: -s[1][0]):
            print(f"  {count:>5} x {signature}\n        first: {kind}:{index} -> {folder}")
    else:
        print("\nno crashes, no hangs")
    return 1 if signatures else 0


if __name__ == "__main__":
    raise SystemExit(main())

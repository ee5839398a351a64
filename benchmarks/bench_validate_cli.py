"""Wall time of one `modelspec validate` process, and what it imports.

Measures
--------
1. The whole process `modelspec validate specs/news_headline.yaml` (the
   console script found with shutil.which, else `python -m modelspec`):
   median and min over N runs after 1 warm-up run.
2. `python -c pass`, the interpreter start-up floor, the same way.
3. `python -X importtime -m modelspec validate ...`: the 10 imports with the
   largest cumulative time (parsed from the importtime lines on stderr).
4. Whether validating imports TensorFlow or Keras at all (it must not).

Target (from the issue): <= 0.3 s per `modelspec validate` process, and no
TensorFlow/Keras import while validating.

Usage:
    python benchmarks/bench_validate_cli.py [--runs 10] [--spec specs/news_headline.yaml] [--top 10]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_S = 0.3
REPO = Path(__file__).resolve().parent.parent


def modelspec_command() -> tuple[list[str], str]:
    script = shutil.which("modelspec")
    if script:
        return [script], script
    return [sys.executable, "-m", "modelspec"], f"{sys.executable} -m modelspec"


def time_process(cmd: list[str], runs: int) -> tuple[list[float], int, str]:
    times: list[float] = []
    rc = 0
    err = ""
    for i in range(runs + 1):
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        elapsed = time.perf_counter() - start
        rc = proc.returncode
        err = proc.stderr.decode("utf-8", "replace")
        if i:  # run 0 is the warm-up
            times.append(elapsed)
    return times, rc, err


IMPORT_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S.*)$")


def parse_importtime(stderr: str) -> list[tuple[int, int, int, str]]:
    """(self_us, cumulative_us, nesting level, module) for each importtime line."""
    rows = []
    for line in stderr.splitlines():
        match = IMPORT_LINE.match(line)
        if match:
            self_us, cum_us, indent, name = match.groups()
            rows.append((int(self_us), int(cum_us), (len(indent) - 1) // 2, name.strip()))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Wall time of a `modelspec validate` process.")
    parser.add_argument("--runs", type=int, default=10, help="timed runs per command (after 1 warm-up)")
    parser.add_argument("--spec", default="specs/news_headline.yaml", help="spec to validate (relative to the repo)")
    parser.add_argument("--top", type=int, default=10, help="how many imports to list")
    args = parser.parse_args(argv)

    cmd, shown = modelspec_command()
    validate_cmd = cmd + ["validate", args.spec]
    floor_cmd = [sys.executable, "-c", "pass"]

    print(f"modelspec validate process time  (runs={args.runs} after 1 warm-up, cwd={REPO})")
    print(f"command: {shown} validate {args.spec}")
    print(f"python:  {sys.executable} ({sys.version.split()[0]}), cpus={os.cpu_count()}")
    print()

    results = []
    for label, command in (("modelspec validate", validate_cmd), ("python -c pass (floor)", floor_cmd)):
        times, rc, err = time_process(command, args.runs)
        if rc != 0:
            print(f"!! {label} exited with {rc}:\n{err}")
        results.append((label, times, rc))

    header = f"{'command':<26} {'median s':>9} {'min s':>9} {'max s':>9} {'exit':>5}"
    print(header)
    print("-" * len(header))
    for label, times, rc in results:
        print(f"{label:<26} {statistics.median(times):>9.3f} {min(times):>9.3f} {max(times):>9.3f} {rc:>5}")
    validate_median = statistics.median(results[0][1])
    floor_median = statistics.median(results[1][1])
    print("-" * len(header))
    print(f"{'modelspec over floor':<26} {validate_median - floor_median:>9.3f}")
    verdict = "MET" if validate_median <= TARGET_S else "NOT MET"
    print(f"target <= {TARGET_S:.1f} s per process: {verdict} (median {validate_median:.3f} s)")
    print()

    # -X importtime: where the start-up time goes.
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "modelspec", "validate", args.spec],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    rows = parse_importtime(proc.stderr.decode("utf-8", "replace"))
    total_self = sum(r[0] for r in rows)
    print(f"python -X importtime -m modelspec validate {args.spec}  (exit {proc.returncode}, "
          f"{len(rows)} modules, sum of self times {total_self / 1e6:.3f} s)")
    header = f"{'#':>2} {'cumulative ms':>13} {'self ms':>8} {'level':>5}  module"
    print(header)
    print("-" * len(header))
    for i, (self_us, cum_us, level, name) in enumerate(sorted(rows, key=lambda r: -r[1])[: args.top], 1):
        print(f"{i:>2} {cum_us / 1000:>13.1f} {self_us / 1000:>8.1f} {level:>5}  {name}")
    heavy = sorted({r[3].split(".")[0] for r in rows if r[3].split(".")[0] in ("tensorflow", "keras", "numpy", "jsonschema")})
    print(f"heavy top-level packages in the import list: {', '.join(heavy) or 'none'}")
    print()

    # Does validating import TensorFlow or Keras?
    probe = (
        "import sys, modelspec.api as a; "
        f"a.validate({args.spec!r}); "
        "print(any(m.startswith(('tensorflow','keras')) for m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True)
    answer = proc.stdout.strip() or f"(no output; exit {proc.returncode}: {proc.stderr.strip()[-500:]})"
    print(f"tensorflow/keras imported by modelspec.api.validate: {answer}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

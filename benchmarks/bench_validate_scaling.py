"""How validation time grows with the number of layers.

Measures, for chain specs of N Dense layers (default N = 100, 1000, 10000,
made by benchmarks/spec_generator.py and written as YAML to a temp folder):
  (a) `modelspec.validate(path)` in-process: median of R runs (default 3),
      after a warm-up validate of a small spec so import costs are excluded;
  (b) the whole CLI process `modelspec validate file.yaml`, once per size.
For each it prints the time, the time per layer (µs) and the ratio of the
time per layer to the smallest size's: ratios near 1 mean linear growth.
It also reports whether each spec validated without errors.

Targets (from the issue): validating a 1,000-layer spec takes <= 1 s, and
the time grows linearly with the number of layers.

Usage:
    python benchmarks/bench_validate_scaling.py [--sizes 100 1000 10000] [--repeats 3] [--kind chain|wide]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import spec_generator  # noqa: E402

TARGET_1000_S = 1.0
REPO = Path(__file__).resolve().parent.parent


def modelspec_command() -> list[str]:
    script = shutil.which("modelspec")
    return [script] if script else [sys.executable, "-m", "modelspec"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Validation time against the number of layers.")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000], help="layer counts")
    parser.add_argument("--repeats", type=int, default=3, help="in-process runs per size (median)")
    parser.add_argument("--kind", choices=("chain", "wide"), default="chain", help="spec shape")
    parser.add_argument("--width", type=int, default=8, help="Dense units")
    parser.add_argument("--no-cli", action="store_true", help="skip the CLI process timings")
    args = parser.parse_args(argv)
    sizes = sorted(args.sizes)

    import modelspec  # the package import is not part of any timing below

    make = spec_generator.chain_spec if args.kind == "chain" else spec_generator.wide_graph_spec
    cli = modelspec_command()

    with tempfile.TemporaryDirectory(prefix="modelspec-bench-") as tmp:
        # Warm-up: a small spec, so lazy imports (jsonschema, schemas) are paid here.
        warm = spec_generator.write_yaml(spec_generator.chain_spec(3, width=args.width), Path(tmp) / "warm.yaml")
        modelspec.validate(warm)

        paths = {}
        for n in sizes:
            paths[n] = spec_generator.write_yaml(make(n, width=args.width), Path(tmp) / f"{args.kind}{n}.yaml")

        rows = []
        for n in sizes:
            path = paths[n]
            times = []
            diagnostics = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                diagnostics = modelspec.validate(path)
                times.append(time.perf_counter() - start)
            errors = [d for d in diagnostics if d.is_error]
            cli_s = cli_rc = None
            if not args.no_cli:
                start = time.perf_counter()
                proc = subprocess.run(cli + ["validate", str(path)], cwd=REPO,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                cli_s = time.perf_counter() - start
                cli_rc = proc.returncode
            rows.append((n, path.stat().st_size, statistics.median(times), min(times), cli_s, cli_rc,
                         len(diagnostics), errors))

    print(f"modelspec validate scaling  ({args.kind} specs, width={args.width}, "
          f"in-process median of {args.repeats} after warm-up; CLI once; cpus={os.cpu_count()})")
    print(f"CLI: {' '.join(cli)} validate FILE")
    print()
    base_api = rows[0][2] / rows[0][0]
    base_cli = (rows[0][4] / rows[0][0]) if rows[0][4] is not None else None
    header = (f"{'layers':>7} {'YAML KiB':>9} | {'api s':>8} {'api µs/layer':>13} {'ratio':>6} | "
              f"{'cli s':>7} {'cli µs/layer':>13} {'ratio':>6} {'exit':>4} | {'diags':>5} {'errors':>6}")
    print(header)
    print("-" * len(header))
    for n, size, api_med, api_min, cli_s, cli_rc, n_diag, errors in rows:
        per = api_med / n
        line = f"{n:>7} {size / 1024:>9.1f} | {api_med:>8.3f} {per * 1e6:>13.1f} {per / base_api:>6.2f} | "
        if cli_s is None:
            line += f"{'-':>7} {'-':>13} {'-':>6} {'-':>4} | "
        else:
            cper = cli_s / n
            line += f"{cli_s:>7.3f} {cper * 1e6:>13.1f} {cper / base_cli:>6.2f} {cli_rc:>4} | "
        line += f"{n_diag:>5} {len(errors):>6}"
        print(line)
    print("-" * len(header))
    print("ratio = time per layer / time per layer at the smallest size (≈1 means linear; "
          "the CLI figure includes the fixed process start-up, so its ratio falls with size)")

    for n, *_rest, errors in rows:
        status = "no errors" if not errors else f"{len(errors)} ERROR(S), first: {errors[0].render()}"
        print(f"diagnostics for {n} layers: {status}")

    by_n = {r[0]: r for r in rows}
    if 1000 in by_n:
        t = by_n[1000][2]
        print(f"target: 1,000 layers <= {TARGET_1000_S:.1f} s in-process: {'MET' if t <= TARGET_1000_S else 'NOT MET'} "
              f"({t:.3f} s)")
        if by_n[1000][4] is not None:
            c = by_n[1000][4]
            print(f"        1,000 layers <= {TARGET_1000_S:.1f} s as a CLI process: "
                  f"{'MET' if c <= TARGET_1000_S else 'NOT MET'} ({c:.3f} s)")
    if len(rows) > 1:
        worst = max(r[2] / r[0] for r in rows) / base_api
        print(f"linear growth: largest per-layer ratio (in-process) = {worst:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

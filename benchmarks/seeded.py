"""What the accuracy benchmarks over several seeds share (bench_ncf.py, bench_text_cnn.py)."""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def parser(doc: str, *, epochs: int, out: str) -> argparse.ArgumentParser:
    """--seeds (default 0 1 2), --epochs and --out (run directories, under runs/)."""
    result = argparse.ArgumentParser(description=doc.splitlines()[0])
    result.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    result.add_argument("--epochs", type=int, default=epochs)
    result.add_argument("--out", type=Path, default=ROOT / "runs" / out,
                        help=f"run directories go here (default runs/{out})")
    return result


def spread(values: list[float]) -> str:
    """'mean ± sample standard deviation' (the mean alone for one value)."""
    mean = statistics.fmean(values)
    return f"{mean:.4f} ± {statistics.stdev(values):.4f}" if len(values) > 1 else f"{mean:.4f}"


def handwritten(script: str, args: list[str]) -> dict:
    """Run a hand-written reference script in benchmarks/; its last line is 'RESULT {json}'."""
    command = [sys.executable, str(ROOT / "benchmarks" / script), *args]
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1].removeprefix("RESULT "))


def modelspec_run(spec: Path, out: Path, args: list[str]) -> tuple[dict, dict]:
    """`modelspec run SPEC --output-dir OUT -q ARGS`: (history.json, run.json)."""
    command = [sys.executable, "-m", "modelspec", "run", str(spec), "--output-dir", str(out), "-q", *args]
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{proc.stderr}")
    return json.loads((out / "history.json").read_text()), json.loads((out / "run.json").read_text())

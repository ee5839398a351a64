"""modelspec report RUN_DIR: write the run's report.html again."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", metavar="RUN_DIR", type=Path, help="a run directory (from modelspec run)")
    parser.add_argument("--shapes", action="store_true",
                        help="rebuild the model with Keras (imports TensorFlow) to show every layer's "
                        "output shape in the graph (the report written by run has them)")


def run(args: argparse.Namespace, *, stdout: TextIO, stderr: TextIO) -> int:
    from modelspec.report import write_report

    if not (args.run_dir / "run.json").is_file():
        print(f"modelspec report: {args.run_dir} is not a run directory (no run.json)", file=stderr)
        return 1
    shapes = None
    if args.shapes:
        from modelspec import hyper
        from modelspec.api import build, load
        from modelspec.diagnostics import SpecError
        from modelspec.plot import model_shapes

        try:
            shapes = model_shapes(build(hyper.resolved(load(str(args.run_dir / "spec.resolved.yaml")))))
        except SpecError as error:
            print(f"modelspec report: cannot rebuild the model for its shapes: {error}", file=stderr)
            return 1
    try:
        path = write_report(args.run_dir, shapes)
    except OSError as error:
        print(f"modelspec report: cannot write {args.run_dir / 'report.html'}: {error}", file=stderr)
        return 1
    print(f"wrote {path}", file=stdout)
    return 0

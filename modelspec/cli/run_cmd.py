"""modelspec run SPEC: build, fit, evaluate and predict into a run directory."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from modelspec.cli.common import add_trust_arguments, load_checked, print_diagnostics
from modelspec.diagnostics import SpecError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", metavar="SPEC",
                        help="spec file (YAML or JSON); with --resume, defaults to the run's "
                        "spec.resolved.yaml")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a value (repeatable): a dotted path, list items by index, "
                        "model layers by name (model.layers.out.config.units=2); VALUE is YAML")
    parser.add_argument("--print-config", action="store_true",
                        help="print the resolved spec (after --set) and exit")
    parser.add_argument("--output-dir", type=Path, metavar="DIR",
                        help="run directory (default: runs/<name>/<timestamp>/)")
    parser.add_argument("--overwrite", action="store_true",
                        help="with --output-dir: replace the run that DIR already holds "
                        "(without it, such a DIR is refused)")
    parser.add_argument("--resume", type=Path, metavar="RUN_DIR",
                        help="continue an interrupted run from its last completed epoch")
    weights = parser.add_mutually_exclusive_group()
    weights.add_argument("--weights", type=Path, metavar="PATH",
                         help="start from saved weights (.weights.h5 or a .keras file)")
    weights.add_argument("--weights-by-name", type=Path, metavar="PATH",
                         help="load weights layer by layer where names and shapes match "
                         "(Keras 2's load_weights(by_name=True))")
    add_trust_arguments(parser, plugins_help="import the modules the spec names (plugins, python data sources)")
    verbosity = parser.add_mutually_exclusive_group()
    verbosity.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    verbosity.add_argument("-v", "--verbose", action="store_true", help="print more detail")


def run(args: argparse.Namespace, *, stdout: TextIO, stderr: TextIO) -> int:
    from modelspec.dump import dumps_yaml

    if args.resume is not None and not (args.resume / "run.json").exists():
        print(f"modelspec run: {args.resume} is not a run directory (no run.json): nothing to resume; "
              "a run killed before it started leaves none", file=stderr)
        return 2
    source = args.file
    if source is None:
        if args.resume is None:
            print("modelspec run: give a SPEC file (or --resume RUN_DIR)", file=stderr)
            return 2
        source = args.resume / "spec.resolved.yaml"
    spec = load_checked(source, args.overrides, allow_unsafe=args.unsafe, quiet=args.quiet, stderr=stderr)
    if spec is None:
        return 1
    if args.print_config:
        print(dumps_yaml(spec.data), end="", file=stdout)
        return 0
    from modelspec import distribute

    distribute.prepare(spec.data.get("distribute"))  # before Keras starts TensorFlow
    from modelspec.run import RunFailure, RunOptions, run_spec

    options = RunOptions(
        output_dir=args.output_dir, overwrite=args.overwrite, resume=args.resume, weights=args.weights,
        weights_by_name=args.weights_by_name, allow_plugins=args.allow_plugins,
        allow_unsafe=args.unsafe, verbosity=0 if args.quiet else (2 if args.verbose else 1),
        command_line=["modelspec", *sys.argv[1:]],
    )
    from modelspec.outputs import OutputError

    try:
        result = run_spec(spec, options, stdout)
    except SpecError as error:
        print_diagnostics(error.diagnostics, stderr)
        return 1
    except OutputError as error:  # the run directory could not be set up
        print(f"modelspec run: {error}", file=stderr)
        return 1
    except RunFailure as error:  # before the run directory: the distribution strategy
        print(f"modelspec run: error: {error}", file=stderr)
        return 1
    return result.exit_code

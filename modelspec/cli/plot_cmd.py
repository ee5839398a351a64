"""modelspec plot SPEC -o graph.svg: the model graph (no TensorFlow unless --shapes)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from modelspec.cli.common import add_trust_arguments, print_diagnostics


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="SPEC", help="spec file (YAML or JSON)")
    parser.add_argument("-o", "--output", required=True, metavar="FILE",
                        help="graph.svg, graph.png or graph.dot (.svg/.png need Graphviz's dot program)")
    parser.add_argument("--shapes", action="store_true",
                        help="build the model with Keras (imports TensorFlow) to show every layer's "
                        "output shape; without it only the inputs' shapes are shown")
    add_trust_arguments(parser, plugins_help="with --shapes: import the modules the spec lists under 'plugins'")


def run(args: argparse.Namespace, *, stdout: TextIO, stderr: TextIO) -> int:
    from modelspec import hyper
    from modelspec.api import load, validate
    from modelspec.diagnostics import SpecError
    from modelspec.plot import PlotError, write

    if print_diagnostics(validate(args.file, allow_unsafe=args.unsafe), stderr):
        return 1
    spec = hyper.resolved(load(args.file))
    shapes = None
    try:
        if args.shapes:
            from modelspec.api import build
            from modelspec.plot import model_shapes

            shapes = model_shapes(build(spec, allow_plugins=args.allow_plugins, allow_unsafe=args.unsafe))
        out = write(spec.data, Path(args.output), shapes)
    except SpecError as error:
        print_diagnostics(error.diagnostics, stderr)
        return 1
    except PlotError as error:
        print(f"modelspec plot: error: {error}", file=stderr)
        return 1
    except OSError as error:
        print(f"modelspec plot: error: cannot write {args.output}: {error.strerror or error}", file=stderr)
        return 1
    print(f"wrote {out}", file=stdout)
    return 0

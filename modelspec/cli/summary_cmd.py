"""modelspec summary FILE: build the model and show layers, shapes, parameters and losses."""

from __future__ import annotations

import argparse
import os
import warnings
from typing import TextIO

from modelspec.api import DEFAULT_MAX_PARAMS, validate
from modelspec.cli.common import add_trust_arguments, print_diagnostics
from modelspec.diagnostics import SpecError

SUMMARY_WIDTH = 120


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="spec file (YAML or JSON)")
    add_trust_arguments(parser)
    parser.add_argument("--max-params", type=int, default=DEFAULT_MAX_PARAMS, metavar="N",
                        help="refuse, before allocating anything, a model of more than N "
                        "parameters (default: 1,000,000,000)")


def run(args: argparse.Namespace, *, stdout: TextIO, stderr: TextIO) -> int:
    if print_diagnostics(validate(args.file, allow_unsafe=args.unsafe), stderr):
        return 1
    from modelspec.api import build
    from modelspec.builder import DroppedLayerWarning, describe_outputs

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DroppedLayerWarning)
            model = build(args.file, allow_plugins=args.allow_plugins, allow_unsafe=args.unsafe,
                          max_params=args.max_params)
        for warning in caught:
            if issubclass(warning.category, DroppedLayerWarning):
                print(str(warning.message), file=stderr)
    except SpecError as error:
        print_diagnostics(error.diagnostics, stderr)
        return 1
    # Keras renders with rich, whose width comes from COLUMNS when not on a terminal.
    old_columns = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(SUMMARY_WIDTH)
    try:
        model.summary(print_fn=lambda line, *_, **__: print(line, file=stdout),
                      line_length=SUMMARY_WIDTH)
    finally:
        if old_columns is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = old_columns
    rows = describe_outputs(model)
    print("", file=stdout)
    header = ("output", "shape", "loss", "loss weight", "metrics")
    table = [header] + [
        (row["name"], str(row["shape"]), str(row["loss"] or "-"),
         "-" if row["loss_weight"] is None else f"{row['loss_weight']:g}",
         ", ".join(str(m) for m in row["metrics"]) or "-")
        for row in rows
    ]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    for index, row in enumerate(table):
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip(), file=stdout)
        if index == 0:
            print("  ".join("-" * w for w in widths), file=stdout)
    if not model.compiled:
        print("(not compiled: the spec has no 'compile' section)", file=stdout)
    return 0

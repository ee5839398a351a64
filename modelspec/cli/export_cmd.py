"""modelspec export RUN_DIR --format saved_model|keras|onnx: a trained model for serving or sharing."""

from __future__ import annotations

import argparse
import os
import warnings
from pathlib import Path
from typing import TextIO

from modelspec.cli.common import add_trust_arguments
from modelspec.export import FORMATS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", metavar="RUN_DIR",
                        help="a run directory (from modelspec run) or a .keras file")
    parser.add_argument("--format", required=True, choices=tuple(FORMATS),
                        help="saved_model: a TensorFlow SavedModel (TF Serving); keras: a .keras archive; "
                        "onnx: an ONNX file (needs: pip install 'modelspec[onnx]')")
    parser.add_argument("-o", "--output", metavar="PATH",
                        help="where to write it (default: RUN_DIR/export/saved_model, model.keras or "
                        "model.onnx; beside a .keras file, in export/)")
    add_trust_arguments(parser, plugins_help="import the modules the run's spec lists under 'plugins'")


def run(args: argparse.Namespace, *, stdout: TextIO, stderr: TextIO) -> int:
    from modelspec import export
    from modelspec.kerasenv import keras  # noqa: F401 - quiet TensorFlow start-up

    source = Path(args.source)
    folder = source if source.is_dir() else source.parent
    out = Path(args.output) if args.output else folder / "export" / FORMATS[args.format][0]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = export.load_trained(source, allow_plugins=args.allow_plugins, allow_unsafe=args.unsafe)
            print(f"exporting model '{model.name}' ({model.count_params():,} parameters) from {source} "
                  f"as {FORMATS[args.format][1]} ...", file=stdout, flush=True)
            export.export(model, args.format, out)
    except export.ExportError as error:
        print(f"modelspec export: error: {error}", file=stderr)
        return 1
    except OSError as error:
        print(f"modelspec export: error: cannot write {out}: {error.strerror or error}", file=stderr)
        return 1
    print(f"wrote {os.path.normpath(out)} ({export.size(out) / 1e6:.2f} MB)", file=stdout)
    return 0

"""Parser wiring and exit codes: 0 ok, 1 invalid spec or failed run, 2 usage, 130 interrupted."""

from __future__ import annotations

import argparse
import datetime
import importlib
import os
import sys
import tempfile
import traceback
from typing import TextIO

from modelspec import __version__

COMMANDS = {
    "validate": "Check specs against the schemas (fast; never imports TensorFlow or plugins).",
    "summary": "Build a spec's model and print its layers, shapes, parameters and losses.",
    "run": "Train, evaluate and predict from a spec into a run directory (resumable).",
    "convert": "Turn a Keras model file or JSON into a concise spec, or a spec into Keras JSON.",
    "plot": "Draw a spec's model graph (SVG, PNG or DOT) with Graphviz.",
    "report": "Write (again) a run directory's report.html: graph, training curves, metrics.",
    "search": "Search hyperparameters with Keras Tuner over a spec's search section.",
    "export": "Export a trained model (a run directory or .keras file) as a SavedModel, .keras or ONNX.",
    "schema": "Print the spec JSON Schema, or regenerate schemas/ from the installed Keras.",
}
ISSUES_URL = "the modelspec issue tracker"

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole parser, or, given the command being run, one whose other
    subcommands carry only their help line: only that command's module is
    imported (validate then loads none of run's, export's or search's code,
    ~2 MB and ~30 ms less).  Top-level help lists every command either way."""
    parser = argparse.ArgumentParser(
        prog="modelspec",
        description="Declarative Keras 3 models: validate, build, run, convert and export YAML/JSON specs.",
        epilog="Exit codes: 0 ok, 1 invalid spec or failed command, 2 usage error. "
        "See README.md for the spec format.",
    )
    parser.add_argument("--version", action="version", version=f"modelspec {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name, help_text in COMMANDS.items():
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        if command is None or name == command:
            _command_module(name).add_arguments(sub)
    return parser


def _command_named(argv: list[str]) -> str | None:
    """The subcommand in argv: its first word not starting with '-' (the top-level
    options, --help and --version, take no value).  None if it names none."""
    word = next((a for a in argv if not a.startswith("-")), None)
    return word if word in COMMANDS else None


def _command_module(name: str):  # noqa: ANN202 - a module
    return importlib.import_module(f"modelspec.cli.{name}_cmd")


def _save_traceback() -> str:
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    handle, path = tempfile.mkstemp(prefix=f"modelspec-crash-{stamp}-", suffix=".log")
    with os.fdopen(handle, "w") as log:
        log.write(f"modelspec {__version__}, Python {sys.version}\n")
        log.write(" ".join(sys.argv) + "\n\n")
        traceback.print_exc(file=log)
    return path


def main(argv: list[str] | None = None, *, stdout: TextIO | None = None,
         stderr: TextIO | None = None) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    for stream in (stdout, stderr):
        # text from a spec may hold what the terminal's encoding cannot show
        # (a lone surrogate from JSON's "\udcff"): escape it, never crash on it
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_command_named(argv))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        return _command_module(args.command).run(args, stdout=stdout, stderr=stderr)
    except KeyboardInterrupt:
        print("modelspec: interrupted", file=stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as error:  # noqa: BLE001 - the crash handler: one line, never a traceback
        path = _save_traceback()
        print(f"modelspec: internal error: {type(error).__name__}: {error} "
              f"(this is a bug in modelspec; traceback saved to {path}; please report it "
              f"to {ISSUES_URL} with that file)", file=stderr)
        return EXIT_INVALID


if __name__ == "__main__":
    raise SystemExit(main())

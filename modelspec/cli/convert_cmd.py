"""modelspec convert SOURCE -o TARGET: model files and Keras JSON ↔ concise specs."""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path
from typing import Any, TextIO

from modelspec.diagnostics import Diagnostic, SpecError, sort_diagnostics
from modelspec.dump import dumps_for, dumps_json
from modelspec.outputs import OutputError, write_atomic, write_text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", metavar="SOURCE",
                        help="a spec, a .keras file, a to_json() dump, a get_config() dump, "
                        "or an old Keras 1/2, tf.keras or TensorFlow.js model file (JSON or "
                        "to_yaml() YAML), translated to Keras 3 with a note per change")
    parser.add_argument("-o", "--output", required=True, metavar="TARGET",
                        help="file to write: .yaml/.yml → YAML, .keras → a Keras archive "
                        "(with --to keras), otherwise JSON")
    parser.add_argument("--to", choices=("spec", "keras"), default="spec",
                        help="spec: the concise form (default); keras: to_json() of the built model")
    parser.add_argument("--allow-plugins", action="store_true",
                        help="with --to keras: import the modules the spec lists under 'plugins'")
    parser.add_argument("--unsafe", action="store_true",
                        help="accept Lambda layers and other classes that run code")


def _print(diagnostics: list[Diagnostic], stderr: TextIO) -> None:
    for diagnostic in diagnostics:
        print(diagnostic.render(), file=stderr)


def _read_source(path: Path) -> tuple[Any, Any, list[Diagnostic]]:
    """The source document's data, source map and what reading it said.

    Old Keras formats come back translated to Keras 3 (modelspec.legacy),
    with a note for each change.
    """
    from modelspec.legacy import upgrade_loaded
    from modelspec.spec import _read

    if path.suffix.lower() == ".keras":
        from modelspec.convert import read_keras_archive

        data, source_map = read_keras_archive(path)
        return upgrade_loaded(data, source_map)
    spec, diagnostics = _read(path)
    if spec is None:
        raise SpecError(diagnostics)
    return spec.data, spec.source_map, diagnostics


def _check_source(data: Any, source_map: Any, allow_unsafe: bool) -> list[Diagnostic]:
    """Validate the source as written, so that errors point into that file."""
    from modelspec.loader import locate
    from modelspec.validator import validate_document

    diagnostics = [d for d in validate_document(data, allow_unsafe=allow_unsafe)
                   if d.code != "model-document"]
    return sort_diagnostics(locate(diagnostics, source_map))


def run(args: argparse.Namespace, *, stdout: TextIO, stderr: TextIO) -> int:
    source = Path(args.source)
    try:
        data, source_map, read_notes = _read_source(source)
    except SpecError as error:
        _print(error.diagnostics, stderr)
        return 1
    diagnostics = sort_diagnostics(read_notes + _check_source(data, source_map, args.unsafe))
    _print(diagnostics, stderr)
    if any(d.is_error for d in diagnostics):
        return 1
    from modelspec.convert import spec_from_document

    try:
        spec = spec_from_document(data, str(source))
    except SpecError as error:
        _print(error.diagnostics, stderr)
        return 1
    if args.to == "spec":
        text = dumps_for(args.output, spec)
    else:
        from modelspec.api import build

        try:
            model = build(spec, allow_plugins=args.allow_plugins, allow_unsafe=args.unsafe)
        except SpecError as error:
            _print([dataclasses.replace(d, source=str(source)) for d in error.diagnostics], stderr)
            return 1
        if str(args.output).endswith(".keras"):
            # A .keras archive (config + freshly initialised weights), saved by Keras.
            return _written(args.output, stderr, lambda: write_atomic(
                Path(args.output), lambda temporary: model.save(str(temporary))))
        text = dumps_json(json.loads(model.to_json()))
    return _written(args.output, stderr, lambda: write_text(Path(args.output), text))


def _written(output: str, stderr: TextIO, write: Any) -> int:
    try:
        write()
    except OutputError as error:
        print(f"modelspec convert: {error}", file=stderr)
        return 1
    print(f"wrote {output}", file=stderr)
    return 0

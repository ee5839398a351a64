"""modelspec convert SOURCE -o TARGET: model files and Keras JSON ↔ concise specs."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TextIO

from modelspec.diagnostics import Diagnostic, SpecError
from modelspec.dump import dumps_for, dumps_json, write_atomic


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", metavar="SOURCE",
                        help="a spec, a .keras file, a to_json() dump, a get_config() dump, "
                        "or a legacy tf.keras 2.x JSON")
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


def _read_source(path: Path) -> tuple[object, str]:
    from modelspec.api import validate
    from modelspec.convert import read_keras_archive
    from modelspec.load import load_path

    if path.suffix.lower() == ".keras":
        return read_keras_archive(path), str(path)
    document, diagnostics = load_path(path)
    if any(d.is_error for d in diagnostics):
        raise SpecError(diagnostics)
    del validate
    return document.data, str(path)


def run(args: argparse.Namespace, *, stdout: TextIO, stderr: TextIO) -> int:
    from modelspec.api import validate
    from modelspec.convert import spec_from_document

    source = Path(args.source)
    try:
        data, name = _read_source(source)
        spec = spec_from_document(data, name)
    except SpecError as error:
        _print(error.diagnostics, stderr)
        return 1
    diagnostics = validate(spec, allow_unsafe=args.unsafe)
    errors = [d for d in diagnostics if d.is_error]
    if errors:
        # Point at the source file: the converted spec exists only in memory.
        _print([Diagnostic(d.pointer, d.message, hint=d.hint, code=d.code, source=name)
                for d in errors], stderr)
        return 1
    if args.to == "spec":
        text = dumps_for(args.output, spec)
    else:
        from modelspec.api import build

        try:
            model = build(spec, allow_plugins=args.allow_plugins, allow_unsafe=args.unsafe)
        except SpecError as error:
            _print([Diagnostic(d.pointer, d.message, hint=d.hint, code=d.code, source=name)
                    for d in error.diagnostics], stderr)
            return 1
        if str(args.output).endswith(".keras"):
            # A .keras archive (config + freshly initialised weights), saved by Keras.
            model.save(args.output)
            print(f"wrote {args.output}", file=stderr)
            return 0
        text = dumps_json(json.loads(model.to_json()))
    write_atomic(args.output, text)
    print(f"wrote {args.output}", file=stderr)
    return 0

"""modelspec validate FILE...: report every problem, located, without importing Keras
(unless --plugins-schema asks to import the spec's plugins)."""

from __future__ import annotations

import argparse
from typing import TextIO

from modelspec.api import validate
from modelspec.diagnostics import render_github, render_json


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="spec files (YAML or JSON)")
    parser.add_argument("--format", choices=("text", "json", "github"), default="text",
                        help="text (FILE:LINE:COL: error: /pointer: message) on stderr; json: a JSON "
                        "list on stdout; github: GitHub Actions annotations (::error file=...,line=...::) "
                        "on stdout, which mark the lines in a pull request")
    parser.add_argument("--unsafe", action="store_true",
                        help="accept Lambda layers and other classes that run code")
    parser.add_argument("--plugins-schema", action="store_true",
                        help="import the spec's plugins (this runs their code, and imports Keras) "
                        "and check their layers' configs against schemas derived from the classes; "
                        "without it, plugin layers' configs are accepted unchecked, with a note")


def run(args: argparse.Namespace, *, stdout: TextIO, stderr: TextIO) -> int:
    diagnostics = []
    for path in args.files:
        found = validate(path, allow_unsafe=args.unsafe)
        if args.plugins_schema:
            from modelspec.plugin_schema import check_plugin_layers

            found = check_plugin_layers(path, found)
        diagnostics.extend(found)
    errors = [d for d in diagnostics if d.is_error]
    if args.format == "json":
        print(render_json(diagnostics), file=stdout)
        return 1 if errors else 0
    if args.format == "github":
        if diagnostics:
            print(render_github(diagnostics), file=stdout)
    else:
        for diagnostic in diagnostics:
            print(diagnostic.render(), file=stderr)
    if errors:
        bad_files = len({d.source for d in errors})
        print(f"{len(errors)} error(s) in {bad_files} file(s)", file=stderr)
    else:
        warnings = sum(d.severity.value == "warning" for d in diagnostics)
        suffix = f", {warnings} warning(s)" if warnings else ""
        print(f"{len(args.files)} file(s) valid{suffix}", file=stdout)
    return 1 if errors else 0

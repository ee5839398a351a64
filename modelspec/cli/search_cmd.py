"""modelspec search SPEC: Keras Tuner over the spec's `search` section."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from modelspec.cli.common import add_trust_arguments, load_checked, print_diagnostics
from modelspec.diagnostics import SpecError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="SPEC", nargs="?",
                        help="spec file with a search section (with --resume: defaults to the search's spec)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a value, as for run (repeatable)")
    parser.add_argument("--output-dir", type=Path, metavar="DIR",
                        help="search directory (default: runs/<name>_search/<timestamp>/)")
    parser.add_argument("--overwrite", action="store_true", help="replace an earlier search in --output-dir")
    parser.add_argument("--resume", type=Path, metavar="SEARCH_DIR",
                        help="continue an interrupted search (refused if the search space changed)")
    add_trust_arguments(parser)
    parser.add_argument("-q", "--quiet", action="store_true", help="print errors only")


def run(args: argparse.Namespace, *, stdout: TextIO, stderr: TextIO) -> int:
    from modelspec.outputs import OutputError, read_json

    source = args.file
    if args.resume is not None:
        if not (args.resume / "search.json").is_file():
            print(f"modelspec search: {args.resume} is not a search directory (no search.json)", file=stderr)
            return 2
        source = source or read_json(args.resume / "search.json").get("spec")
    if source is None:
        print("modelspec search: give a SPEC file (or --resume SEARCH_DIR)", file=stderr)
        return 2
    spec = load_checked(source, args.overrides, allow_unsafe=args.unsafe, quiet=args.quiet, stderr=stderr)
    if spec is None:
        return 1
    if not isinstance(spec.data.get("search"), dict):
        print(f"modelspec search: {spec.source} has no search section: nothing to search "
              "(see README, 'Hyperparameter search')", file=stderr)
        return 1
    if "fit" not in spec.data:
        print(f"modelspec search: {spec.source} has no fit section: a search trains every trial", file=stderr)
        return 1
    from modelspec.search import SearchError, SearchOptions, run_search

    options = SearchOptions(output_dir=args.output_dir, overwrite=args.overwrite, resume=args.resume,
                            allow_plugins=args.allow_plugins, allow_unsafe=args.unsafe,
                            verbosity=0 if args.quiet else 1)
    try:
        return run_search(spec, options, stdout)
    except SpecError as error:
        print_diagnostics(error.diagnostics, stderr)
        return 1
    except (SearchError, OutputError) as error:
        print(f"modelspec search: {error}", file=stderr)
        return 1

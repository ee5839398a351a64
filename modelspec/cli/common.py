"""What several subcommands share: the trust flags, printing diagnostics, and
reading a spec with its --set overrides and checking it before any work."""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from typing import Any, TextIO

from modelspec.diagnostics import Diagnostic, SpecError

PLUGINS_HELP = "import the modules the spec lists under 'plugins'"
UNSAFE_HELP = "accept Lambda layers and other classes that run code"


def add_trust_arguments(parser: argparse.ArgumentParser, *, plugins_help: str = PLUGINS_HELP) -> None:
    """--allow-plugins and --unsafe: the consents a command needs to run code a spec names."""
    parser.add_argument("--allow-plugins", action="store_true", help=plugins_help)
    parser.add_argument("--unsafe", action="store_true", help=UNSAFE_HELP)


def print_diagnostics(diagnostics: Iterable[Diagnostic], stderr: TextIO, *, quiet: bool = False) -> bool:
    """Print them (errors only when quiet); True when one is an error."""
    errors = False
    for diagnostic in diagnostics:
        errors = errors or diagnostic.is_error
        if diagnostic.is_error or not quiet:
            print(diagnostic.render(), file=stderr)
    return errors


def load_checked(source: Any, overrides: list[str], *, allow_unsafe: bool, quiet: bool,
                 stderr: TextIO) -> Any:
    """The spec with its overrides applied and validated, or None after printing why not."""
    from modelspec.api import load_with_overrides, validate

    try:
        spec = load_with_overrides(source, overrides)
    except SpecError as error:
        print_diagnostics(error.diagnostics, stderr)
        return None
    if print_diagnostics(validate(spec, allow_unsafe=allow_unsafe), stderr, quiet=quiet):
        return None
    return spec

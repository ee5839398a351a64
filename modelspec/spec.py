"""The Spec value: a loaded spec document with its source map."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Union

from modelspec.diagnostics import Diagnostic, SpecError, sort_diagnostics
from modelspec.loader import (
    Document,
    SourceMap,
    cap_reported,
    from_data,
    load_path,
    locate,
    plain_copy,
)

SpecLike = Union[str, "os.PathLike[str]", dict, "Spec"]


@dataclasses.dataclass(frozen=True)
class Spec:
    """A spec as loaded: plain data plus where each value came from.

    `data` is the document as written (concise or verbatim Keras); `path` is
    the file it came from, if any, so that relative data paths can resolve.
    """

    data: Any
    source_map: SourceMap
    path: Path | None = None
    overrides: tuple[Any, ...] = ()  # modelspec.overrides.Override, in command-line order
    # What reading an old Keras format said (modelspec.legacy): notes naming each
    # translation, and errors for what cannot be translated. Already located.
    notes: tuple[Diagnostic, ...] = ()

    @property
    def source(self) -> str:
        return self.source_map.source

    @property
    def model(self) -> Any:
        return self.data.get("model") if isinstance(self.data, dict) else None

    def locate(self, diagnostics: list[Diagnostic]) -> list[Diagnostic]:
        """Fill in file positions; a problem in a value set by --set names that override."""
        by_override = []
        for diagnostic in diagnostics:
            override = self._override_for(diagnostic.pointer)
            if override is not None and diagnostic.line is None:
                diagnostic = dataclasses.replace(
                    diagnostic, source=override.label, line=1, column=1,
                    message=f"{diagnostic.message} (set by {override.label} {override.text!r})")
            by_override.append(diagnostic)
        return cap_reported(sort_diagnostics(locate(by_override, self.source_map)))

    def _override_for(self, pointer: str) -> Any:
        for override in reversed(self.overrides):
            if pointer == override.pointer or pointer.startswith(override.pointer + "/"):
                return override
        return None


@contextlib.contextmanager
def importable_beside(spec: Spec | None) -> Iterator[None]:
    """While importing allowed plugins, let modules next to the spec file be found."""
    folder = str(spec.path.resolve().parent) if spec is not None and spec.path else None
    added = folder is not None and folder not in sys.path
    if added:
        sys.path.insert(0, folder)
    try:
        yield
    finally:
        if added and folder in sys.path:
            sys.path.remove(folder)


def _read(source: SpecLike) -> tuple[Spec | None, list[Diagnostic]]:
    """The Spec and what loading it said; old Keras formats come back translated
    (see modelspec.legacy), with the translation's notes in both."""
    if isinstance(source, Spec):
        return source, []
    if isinstance(source, dict):
        data, problems = plain_copy(source)
        if data is None or any(d.is_error for d in problems):
            return None, sort_diagnostics(problems)
        return _spec(from_data(data), None, [])
    if isinstance(source, (str, os.PathLike)):
        document, diagnostics = load_path(source)
        if any(d.is_error for d in diagnostics) or document.data is None:
            return None, sort_diagnostics(diagnostics)
        return _spec(document, Path(source), diagnostics)
    raise TypeError(f"expected a path, a dict or a Spec, got {type(source).__name__}")


def _spec(document: Document, path: Path | None, diagnostics: list[Diagnostic]) -> tuple[Spec, list[Diagnostic]]:
    from modelspec.legacy import upgrade_loaded

    data, source_map, notes = upgrade_loaded(document.data, document.source_map)
    spec = Spec(data, source_map, path, notes=tuple(notes))
    return spec, sort_diagnostics(diagnostics + notes)


def load(source: SpecLike) -> Spec:
    """Load a spec from a YAML/JSON file, a dict, or return a Spec unchanged.

    Args:
        source: a path (`str` or `os.PathLike`), a dict holding the spec, or a Spec.

    Returns:
        The Spec. It is not validated yet: see `modelspec.validate`.

    Raises:
        SpecError: the file is missing or is not well-formed YAML/JSON.
    """
    spec, diagnostics = _read(source)
    if spec is None:
        raise SpecError(diagnostics)
    return spec

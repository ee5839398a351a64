"""The Diagnostic value: one located problem, its sorting and its rendering."""

from __future__ import annotations

import dataclasses
import enum
import json
from collections.abc import Iterable, Sequence
from typing import Any


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclasses.dataclass(frozen=True)
class Diagnostic:
    """One problem found in a spec.

    `pointer` is an RFC 6901 JSON pointer into the document as the user wrote
    it; `source`, `line` and `column` (1-based) are filled in by `locate()`.
    """

    pointer: str
    message: str
    hint: str | None = None
    severity: Severity = Severity.ERROR
    code: str | None = None
    source: str | None = None
    line: int | None = None
    column: int | None = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def prefixed(self, prefix: str) -> Diagnostic:
        """The same diagnostic with `prefix` (a pointer) put before its pointer."""
        return dataclasses.replace(self, pointer=prefix + self.pointer)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["severity"] = self.severity.value
        return data

    def render(self) -> str:
        where = self.source or "<spec>"
        if self.line is not None:
            where += f":{self.line}:{self.column or 1}"
        pointer = self.pointer or "/"
        text = f"{where}: {self.severity.value}: {pointer}: {self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        # a lone surrogate (JSON allows "\udcff") cannot be written as UTF-8: show it escaped
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


class SpecError(Exception):
    """Raised by the Python API when a spec has errors; carries them all."""

    def __init__(self, diagnostics: Sequence[Diagnostic]):
        self.diagnostics = list(diagnostics)
        errors = [d for d in self.diagnostics if d.is_error] or self.diagnostics
        first = errors[0].render() if errors else "invalid spec"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(first + more)


class OptionError(ValueError):
    """A problem found while reading data for a spec; `field` names the option at
    fault (the caller turns it into a located diagnostic), `hint` says what to do."""

    def __init__(self, message: str, field: str | None = None, hint: str | None = None):
        super().__init__(message)
        self.field = field
        self.hint = hint


def escape_token(token: str | int) -> str:
    """Escape one JSON pointer reference token (RFC 6901)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def join_pointer(*tokens: str | int) -> str:
    return "".join("/" + escape_token(t) for t in tokens)


def split_pointer(pointer: str) -> list[str]:
    if not pointer:
        return []
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Sort by file, then position (unlocated last), then pointer; drop repeats."""
    seen: set[tuple[Any, ...]] = set()
    unique = []
    for diag in diagnostics:
        key = (diag.source, diag.pointer, diag.message, diag.severity)
        if key not in seen:
            seen.add(key)
            unique.append(diag)

    def order(diag: Diagnostic) -> tuple[Any, ...]:
        located = diag.line is not None
        return (diag.source or "", not located, diag.line or 0, diag.column or 0, diag.pointer)

    return sorted(unique, key=order)


def render_text(diagnostics: Iterable[Diagnostic]) -> str:
    return "\n".join(d.render() for d in diagnostics)


def render_json(diagnostics: Iterable[Diagnostic]) -> str:
    return json.dumps([d.to_dict() for d in diagnostics], indent=2)


#: GitHub Actions' annotation level for each severity
_GITHUB_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


def _github_escape(text: str, *, in_property: bool) -> str:
    """Escape for a workflow command: %, CR and LF always; ':' and ',' in properties."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if in_property:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def render_github(diagnostics: Iterable[Diagnostic]) -> str:
    """One GitHub Actions workflow command per diagnostic, which the Actions runner
    turns into an annotation on the file and line of a pull request's diff:
    ``::error file=F,line=L,col=C,title=modelspec POINTER::MESSAGE (hint: ...)``."""
    lines = []
    for diag in diagnostics:
        properties = []
        if diag.source:
            properties.append(f"file={_github_escape(diag.source, in_property=True)}")
        if diag.line is not None:
            properties.append(f"line={diag.line}")
            properties.append(f"col={diag.column or 1}")
        title = f"modelspec {diag.pointer or '/'}" + (f" ({diag.code})" if diag.code else "")
        properties.append(f"title={_github_escape(title, in_property=True)}")
        message = diag.message + (f"\nhint: {diag.hint}" if diag.hint else "")
        lines.append(f"::{_GITHUB_LEVELS[diag.severity]} {','.join(properties)}::"
                     f"{_github_escape(message, in_property=False)}")
    return "\n".join(lines)

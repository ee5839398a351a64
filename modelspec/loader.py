"""Load a spec file (YAML or JSON) into plain data plus a source map.

`load_path` / `load_text` return a `Document` (plain ``dict``/``list``/``str``/
``int``/``float``/``bool``/``None`` data and a `SourceMap`) together with a list
of located `Diagnostic`s.  Nothing here raises on bad input: files may be
hostile, so every problem (bad encoding, syntax errors, Python tags, alias
bombs, absurd nesting, huge files) comes back as a diagnostic with a file,
line, column, JSON pointer and a stable ``code``.

The `SourceMap` maps RFC 6901 JSON pointers (``"/model/config/layers/3"``) to
1-based ``(line, column)`` positions of values and of the mapping keys naming
them, so later stages (the validator, the builder) can report problems where
the user wrote them, via `locate`.

``Document.data`` is ``None`` when the document could not be read at all
(encoding, syntax, empty, several documents, too deep, alias bomb, file
errors).  For recoverable problems (duplicate keys, refused tags, bad keys,
bad merges, JSON NaN) the data is still returned, best effort: the first of
duplicate keys wins, a refused node becomes ``None``, a bad key is dropped.

YAML specifics
--------------
* Only the safe parser is used, and only its event stream: the node graph is
  composed here ITERATIVELY (PyYAML's composer, including the libyaml one, is
  recursive: ``[[[[...`` 100,000 deep segfaults ``yaml.compose`` with the C
  loader) and then walked iteratively.  No Python object is ever constructed
  from a tag: scalars are built with `yaml.constructor.SafeConstructor`
  methods for the standard tags (str, int, float, bool, null; timestamps stay
  strings).  Two tags that old Keras ``to_yaml()`` wrote are harmless and
  read as plain data: ``!!python/tuple`` (on a sequence, as a list) and
  ``!!python/unicode`` (on a scalar, as a string).  Every other tag
  (``!!python/object...``, ``!!python/name``, ``!!binary``, ``!!set``,
  ``!foo`` ...), and those two on the wrong kind of node, is a ``yaml-tag``
  error.
* Scalars resolve as PyYAML's safe loader resolves them (YAML 1.1), with one
  YAML 1.2 addition: ``1e-3`` (an exponent without a dot) is a float, as a
  user writing a learning rate means it; `modelspec.dump` quotes strings of
  that shape so that written specs load back unchanged.
* Merge keys ``<<`` are SUPPORTED the YAML way: the merged mapping (or list of
  mappings, earlier ones winning) fills in keys not present in the mapping
  itself.  Explicit keys come first in the resulting dict, then merged ones.
  Positions of merged members point at the text of the merged (anchored)
  mapping.  A ``<<`` whose value is not a mapping / list of mappings is a
  ``yaml-merge`` error.
* Aliases: an alias is the anchored node again (positions of its insides
  point at the anchor's text; the aliased value itself at the ``*alias``).
  An anchor is registered when its node is complete, so a node can never
  contain itself.  More than 1,000,000 nodes added by alias expansion is an
  ``alias-bomb``; nesting deeper than MAX_DEPTH = 100 levels (literally or through
  aliases) is ``too-deep``.  (The node count that trips ``alias-bomb`` is
  the nodes added by expanding aliases, so a big plain document is not
  mistaken for a bomb; a document with more than 1,000,000 literal nodes is
  refused as ``file-too-large``.)

JSON specifics
--------------
Strict ``json`` parsing (NaN/Infinity -> ``json-nan``, duplicate keys ->
``duplicate-key``, the first one wins); positions come from a small
iterative regex tokenizer that only runs on text ``json`` accepted.  When
there is nothing to report, the tokenizer runs lazily, on the first access
to ``source_map.values`` / ``.keys`` / ``.position()``: a big valid spec
loads in the time of ``json.loads`` and the map (two to three times that)
is only paid for when a diagnostic needs locating.  It maps at most
1,000,000 values; later ones fall back to their ancestors.

Diagnostic codes produced here
------------------------------
file-not-found, file-unreadable, file-too-large, string-too-long, encoding, empty,
multiple-documents, too-deep, alias-bomb, yaml-syntax, yaml-tag, yaml-value,
yaml-merge, key-type, value-type, duplicate-key, json-syntax, json-nan, number-too-large,
too-many-errors (after MAX_REPORTED = 1000 diagnostics for one document).
"""

from __future__ import annotations

import codecs
import dataclasses
import json
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import ScalarNode

from modelspec.diagnostics import Diagnostic, escape_token

__all__ = [
    "KEY_CODES",
    "MAX_ALIAS_NODES",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NODES",
    "MAX_REPORTED",
    "Document",
    "SourceMap",
    "cap_reported",
    "from_data",
    "load_path",
    "load_text",
    "locate",
    "plain_copy",
]

MAX_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 100
MAX_ALIAS_NODES = 1_000_000
#: YAML documents with more literal nodes are refused (memory); JSON source
#: maps stop mapping after this many values (later positions fall back to
#: their ancestors).
MAX_NODES = 1_000_000
# No value of a spec is a long text; a 50 MB string would only make every
# message that quotes it (and every did-you-mean) slow and unreadable.
MAX_STRING_CHARS = 100_000
#: At most this many diagnostics per document (then one "too-many-errors").
MAX_REPORTED = 1000

#: Diagnostic codes about a mapping member as such (rather than its value):
#: `locate` points them at the key token.
KEY_CODES = frozenset(
    {
        "unknown-parameter",
        "unknown-key",
        "unknown-field",
        "unknown-property",
        "duplicate-key",
        "additional-properties",
        "key-type",
        "bad-key",
    }
)


# --------------------------------------------------------------------------
# Public data types
# --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SourceMap:
    """Where each value (and each mapping key) of a document was written.

    `values` maps a JSON pointer to the 1-based ``(line, column)`` of the
    value's first character; `keys` maps the pointer of a mapping member to
    the position of its key token.
    """

    source: str
    values: dict[str, tuple[int, int]]
    keys: dict[str, tuple[int, int]]

    @classmethod
    def _deferred(cls, source: str, build: Callable[[], tuple[dict, dict]]) -> SourceMap:
        """A map whose `values` and `keys` are built by `build()` on first access."""
        self = object.__new__(cls)
        object.__setattr__(self, "source", source)
        object.__setattr__(self, "_build", build)
        return self

    def __getattr__(self, name: str) -> Any:  # only called for missing attributes
        build = self.__dict__.get("_build") if name in ("values", "keys") else None
        if build is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        values, keys = build()
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "keys", keys)
        self.__dict__.pop("_build", None)  # and the text it holds
        return self.__dict__[name]

    def __getstate__(self) -> dict[str, Any]:
        return {"source": self.source, "values": self.values, "keys": self.keys}

    def position(self, pointer: str, *, key: bool = False) -> tuple[int, int] | None:
        """(line, col) of pointer; key=True prefers the key token's position when the pointer
        ends in a mapping member. If the pointer itself is unknown (e.g. it names a missing
        member '/model/config/units'), fall back to the nearest known ancestor's VALUE position.
        Returns None only when nothing is known (e.g. data came from a dict)."""
        if key:
            found = self.keys.get(pointer)
            if found is not None:
                return found
        values = self.values
        while True:
            found = values.get(pointer)
            if found is not None:
                return found
            if not pointer:
                return None
            cut = pointer.rfind("/")
            pointer = pointer[:cut] if cut > 0 else ""


@dataclasses.dataclass(frozen=True)
class Document:
    data: Any
    source_map: SourceMap
    format: str


# --------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------


def from_data(data: Any, source: str = "<dict>") -> Document:
    """Wrap already-loaded data (no positions are known)."""
    return Document(data, SourceMap(source, {}, {}), "dict")


_SCALARS = (str, int, float, bool, type(None))


def plain_copy(data: Any, source: str = "<dict>") -> tuple[Any, list[Diagnostic]]:
    """A copy of Python data as a file would have given it, and its problems.

    Tuples become lists and NumPy scalars Python numbers (get_config() has
    both). What no file could hold is reported as the loader would: a key
    that is not a string (`key-type`), a value that is not a string, number,
    boolean, null, list or mapping (`value-type`), nesting deeper than
    MAX_DEPTH (`too-deep`, fatal: the copy is None) and strings longer than
    MAX_STRING_CHARS (`string-too-long`, fatal). Iterative, so that no depth
    of input can exhaust the stack.
    """
    diags: list[Diagnostic] = []
    root: list[Any] = [None]
    # (container to fill, its key, value, pointer, depth)
    stack: list[tuple[Any, Any, Any, str, int]] = [(root, 0, data, "", 0)]
    while stack:
        parent, key, value, pointer, depth = stack.pop()
        if isinstance(value, dict):
            if depth >= MAX_DEPTH:
                return None, [_too_deep(source, None, None, pointer)]
            copy: Any = {}
            for name, item in value.items():
                if not isinstance(name, str):
                    _report(diags, Diagnostic(pointer, f"mapping key {name!r} ({type(name).__name__}) is not a "
                                              "string: keys must be strings", code="key-type", source=source))
                    name = str(name)
                copy[name] = None
                stack.append((copy, name, item, pointer + "/" + _esc(name), depth + 1))
        elif isinstance(value, (list, tuple)):
            if depth >= MAX_DEPTH:
                return None, [_too_deep(source, None, None, pointer)]
            copy = [None] * len(value)
            stack.extend((copy, i, item, f"{pointer}/{i}", depth + 1) for i, item in enumerate(value))
        elif isinstance(value, _SCALARS):
            if isinstance(value, str) and len(value) > MAX_STRING_CHARS:
                return None, [_string_too_long(source, pointer, None, len(value))]
            copy = value
        elif type(value).__module__ == "numpy" and hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
            copy = value.item()
        else:
            _report(diags, Diagnostic(pointer, f"a value of type {type(value).__name__} is not spec data: values are "
                                      "strings, numbers, booleans, null, lists and mappings",
                                      code="value-type", source=source))
            copy = None
        parent[key] = copy
    return root[0], diags


def locate(diagnostics: Iterable[Diagnostic], source_map: SourceMap) -> list[Diagnostic]:
    """Fill in source, line and column of diagnostics from `source_map`.

    A diagnostic that already has a line keeps it.  One whose source names a
    different file is left unlocated (its pointer is not about this map).
    Codes in `KEY_CODES` point at the key token of their member.
    """
    out = []
    # A translated old-format document (modelspec.legacy.MovedSourceMap): its
    # diagnostics name the pointer as the old file wrote it.
    original = getattr(source_map, "original_pointer", None)
    for diag in diagnostics:
        changes: dict[str, Any] = {}
        if diag.source is None:
            changes["source"] = source_map.source
        if diag.line is None and (diag.source is None or diag.source == source_map.source):
            found = source_map.position(diag.pointer, key=diag.code in KEY_CODES)
            if found is not None:
                changes["line"], changes["column"] = found
            if original is not None:
                changes["pointer"] = original(diag.pointer)
        out.append(dataclasses.replace(diag, **changes) if changes else diag)
    return out


def load_path(path: str | os.PathLike) -> tuple[Document, list[Diagnostic]]:
    """Read and load a spec file; the format follows the extension (else sniffed)."""
    try:
        source = os.fsdecode(path)
    except TypeError:
        source = str(path)

    def failed(code: str, message: str, hint: str | None = None):
        diag = Diagnostic("", message, hint=hint, code=code, source=source)
        return Document(None, SourceMap(source, {}, {}), _format_for(source) or "yaml"), [diag]

    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            return failed(
                "file-unreadable",
                f"cannot read {source!r}: is a directory",
                "give the path of a spec file (.yaml, .yml or .json)",
            )
        if not stat.S_ISREG(info.st_mode):
            return failed("file-unreadable", f"cannot read {source!r}: not a regular file")
        if info.st_size > MAX_BYTES:
            return _too_large(source, info.st_size)
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        return failed("file-not-found", f"cannot read {source!r}: no such file")
    except NotADirectoryError:
        return failed("file-not-found", f"cannot read {source!r}: no such file (a parent is not a directory)")
    except PermissionError:
        return failed("file-unreadable", f"cannot read {source!r}: permission denied")
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        return failed("file-unreadable", f"cannot read {source!r}: {reason[0].lower() + reason[1:]}")
    if len(raw) > MAX_BYTES:  # the file grew between stat and read
        return _too_large(source, len(raw))
    return load_text(raw, source)


def load_text(
    text: str | bytes, source: str = "<string>", *, format: str | None = None
) -> tuple[Document, list[Diagnostic]]:
    """Load YAML or JSON text (str or UTF-8 bytes) into a `Document`.

    format: "yaml", "json" or None (by the extension of `source`, else JSON
    when the text starts with '{' or '[' and parses as JSON, else YAML).
    """
    if format is not None and format not in ("yaml", "json"):
        raise ValueError(f"format must be 'yaml', 'json' or None, not {format!r}")
    fmt = format or _format_for(source)

    if isinstance(text, (bytes, bytearray, memoryview)):
        raw = bytes(text)
        if len(raw) > MAX_BYTES:
            return _too_large(source, len(raw), fmt)
        decoded, diag = _decode(raw, source)
        if diag is not None:
            return _failed(source, fmt or "yaml", [diag])
        text = decoded
    elif not isinstance(text, str):
        raise TypeError(f"text must be str or bytes, not {type(text).__name__}")
    else:
        if len(text) > MAX_BYTES:
            return _too_large(source, len(text), fmt)
        if text.startswith("\ufeff"):
            text = text[1:]

    blank = _BLANK.match(text).end()
    if blank == len(text):
        diag = Diagnostic("", "file is empty", code="empty", source=source, line=1, column=1)
        return _failed(source, fmt or "yaml", [diag])

    if fmt is None:
        if text[blank] in ("{", "["):
            result = _load_json(text, source, sniffing=True)
            if result is not None:
                return result
        fmt = "yaml"
    if fmt == "json":
        result = _load_json(text, source, sniffing=False)
        assert result is not None
        return result
    return _load_yaml(text, source)


# --------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------


_BLANK = re.compile(r"\s*")


def _format_for(source: str) -> str | None:
    lower = source.lower()
    if lower.endswith(".json"):
        return "json"
    if lower.endswith((".yaml", ".yml")):
        return "yaml"
    return None


def _failed(source: str, fmt: str, diags: list[Diagnostic]) -> tuple[Document, list[Diagnostic]]:
    return Document(None, SourceMap(source, {}, {}), fmt), diags


def _too_large(source: str, size: int, fmt: str | None = None) -> tuple[Document, list[Diagnostic]]:
    diag = Diagnostic(
        "",
        f"{source!r} is too large ({size / 2**20:.1f} MiB; the limit is {MAX_BYTES // 2**20} MiB)",
        code="file-too-large",
        source=source,
    )
    return _failed(source, fmt or _format_for(source) or "yaml", [diag])


def _line_col(prefix: str) -> tuple[int, int]:
    """1-based position just after `prefix` (the text before some point)."""
    line = prefix.count("\n") + 1
    return line, len(prefix) - (prefix.rfind("\n") + 1) + 1


def _decode(raw: bytes, source: str) -> tuple[str, Diagnostic | None]:
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        prefix = raw[: exc.start].decode("utf-8", "replace")
        line, column = _line_col(prefix)
        hint = "save the file as UTF-8"
        if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            hint = "the file looks UTF-16 encoded: save it as UTF-8"
        diag = Diagnostic(
            "",
            f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
            hint=hint,
            code="encoding",
            source=source,
            line=line,
            column=column,
        )
        return "", diag


def _report(diags: list[Diagnostic], diag: Diagnostic) -> None:
    """Append `diag`, up to MAX_REPORTED; then one 'too-many-errors' closes the list."""
    if len(diags) < MAX_REPORTED:
        diags.append(diag)
    elif len(diags) == MAX_REPORTED:
        # located where the first problem left out is, so that it is never a
        # diagnostic about the file without a line
        message = f"more than {MAX_REPORTED} problems: this one and the rest are not reported"
        diags.append(Diagnostic(diag.pointer, message, code="too-many-errors", source=diag.source,
                                line=diag.line, column=diag.column))


def cap_reported(diags: list[Diagnostic]) -> list[Diagnostic]:
    """The first MAX_REPORTED of sorted `diags`, then one 'too-many-errors' in
    place of the rest, located at the first one left out."""
    if len(diags) <= MAX_REPORTED:
        return diags
    kept: list[Diagnostic] = []
    for diag in diags[: MAX_REPORTED + 1]:
        _report(kept, diag)
    return kept


def _abbrev(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _esc(token: str) -> str:
    if "~" in token or "/" in token:
        return escape_token(token)
    return token


# --------------------------------------------------------------------------
# YAML
# --------------------------------------------------------------------------

_BaseLoader = yaml.CSafeLoader if getattr(yaml, "__with_libyaml__", False) else yaml.SafeLoader
# YAML 1.2 floats: PyYAML (YAML 1.1) reads `1e-3` as a string, which would turn a
# hand-written `learning_rate: 1e-3` into a type error. dump.py quotes such strings.
YAML12_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$")


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """The safe loader, plus YAML 1.2 exponent floats."""


_Loader.add_implicit_resolver("tag:yaml.org,2002:float", YAML12_FLOAT, list("-+0123456789."))
_CParser = getattr(getattr(yaml, "cyaml", None), "CParser", None)  # libyaml's parser

_Y = "tag:yaml.org,2002:"
_STR = _Y + "str"
_INT = _Y + "int"
_FLOAT = _Y + "float"
_BOOL = _Y + "bool"
_NULL = _Y + "null"
_TIMESTAMP = _Y + "timestamp"
_VALUE = _Y + "value"
_MERGE = _Y + "merge"
_SEQ_TAG = _Y + "seq"
_MAP_TAG = _Y + "map"
# The two harmless tags of old Keras `to_yaml()` files: a tuple is read as a
# list and a Python 2 unicode string as a string. Every other tag is refused.
_TUPLE_TAG = _Y + "python/tuple"
_UNICODE_TAG = _Y + "python/unicode"

# Node kinds.  Scalars: (0, tag, value, line, col); collections:
# (1|2, tag, children, line, col) where a mapping's children alternate key, value.
_SCALAR, _SEQ, _MAP = 0, 1, 2
_KIND_NAMES = {_SCALAR: "a scalar", _SEQ: "a sequence", _MAP: "a mapping"}

_SAFE = yaml.constructor.SafeConstructor()
_MAX_INT_CHARS = 4300  # Python's own default limit on int() of a decimal string


class _Stop(Exception):
    """A fatal problem: stop loading, the diagnostic says why."""

    def __init__(self, diag: Diagnostic):
        self.diag = diag


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_Y) :] if tag.startswith(_Y) else tag


def _load_yaml(text: str, source: str) -> tuple[Document, list[Diagnostic]]:
    try:
        root, literal = _compose(text, source)
        if root is None:
            raise _Stop(Diagnostic("", "file is empty", code="empty", source=source, line=1, column=1))
        if root[0] == _SCALAR and root[1] == _NULL:
            message = "file is empty" if root[2] == "" else "the document is null: there is nothing to load"
            raise _Stop(
                Diagnostic("", message, code="empty", source=source, line=root[3], column=root[4])
            )
        data, values, keys, diags = _walk(root, literal, source)
    except _Stop as stop:
        return _failed(source, "yaml", [stop.diag])
    except yaml.MarkedYAMLError as exc:
        return _failed(source, "yaml", [_yaml_error(exc, source, text)])
    except yaml.reader.ReaderError as exc:
        return _failed(source, "yaml", [_reader_error(exc, text, source)])
    except UnicodeEncodeError as exc:  # lone surrogates in a str
        line, column = _line_col(text[: exc.start])
        diag = Diagnostic(
            "", "text is not valid Unicode (lone surrogate)", code="encoding", source=source, line=line, column=column
        )
        return _failed(source, "yaml", [diag])
    except (RecursionError, MemoryError):
        diag = _too_deep(source, 1, 1)
        return _failed(source, "yaml", [diag])
    except Exception as exc:  # never a traceback, whatever the parser does
        message = f"cannot parse YAML: {type(exc).__name__}: {_abbrev(str(exc), 200)}"
        diag = Diagnostic("", message, code="yaml-syntax", source=source)
        return _failed(source, "yaml", [diag])
    return Document(data, SourceMap(source, values, keys), "yaml"), diags


def _yaml_error(exc: yaml.MarkedYAMLError, source: str, text: str = "") -> Diagnostic:
    plain = _plain_yaml_error(exc, source, text)
    if plain is not None:
        return plain
    problem = exc.problem or exc.context or "syntax error"
    message = f"invalid YAML: {problem}"
    mark = exc.problem_mark or exc.context_mark
    if exc.context and exc.problem:
        cmark = exc.context_mark
        if cmark is not None and mark is not None and (cmark.line, cmark.column) != (mark.line, mark.column):
            message += f" ({exc.context} at line {cmark.line + 1}, column {cmark.column + 1})"
        else:
            message += f" ({exc.context})"
    hint = None
    lowered = problem.lower()
    if "tab" in lowered or "\\t" in problem or "\t" in problem:
        hint = "indent with spaces: YAML does not allow tabs for indentation"
    elif "mapping values are not allowed" in lowered:
        hint = "quote values that contain ': ', and put nested mappings on their own indented lines"
    elif "undefined alias" in lowered:
        hint = "define the anchor (&name) before using the alias (*name)"
    line = mark.line + 1 if mark is not None else None
    column = mark.column + 1 if mark is not None else None
    return Diagnostic("", message, hint=hint, code="yaml-syntax", source=source, line=line, column=column)


def _content_lines(text: str) -> list[tuple[int, int, str]]:
    """(line number, indentation, stripped text) of lines that hold more than a comment."""
    out = []
    for number, line in enumerate(text.split("\n"), 1):
        stripped = line.lstrip(" ")
        if stripped and not stripped.startswith("#"):
            out.append((number, len(line) - len(stripped), stripped))
    return out


def _unclosed_bracket(text: str, end: int) -> tuple[str, int] | None:
    """The innermost '[' or '{' still open at `end` (quotes and comments
    skipped, roughly as YAML flow style has them), and its offset."""
    stack: list[tuple[str, int]] = []
    quote = None
    i = 0
    while i < min(end, len(text)):
        char = text[i]
        if quote:
            if char == "\\" and quote == '"':
                i += 1
            elif char == quote:
                quote = None
        elif char in "\"'" and (i == 0 or text[i - 1] in " \t\n[{,:"):
            quote = char
        elif char == "#" and (i == 0 or text[i - 1] in " \t\n"):
            newline = text.find("\n", i)
            i = len(text) if newline < 0 else newline
            continue
        elif char in "[{":
            stack.append((char, i))
        elif char in "]}" and stack:
            stack.pop()
        i += 1
    return stack[-1] if stack else None


def _plain_yaml_error(exc: yaml.MarkedYAMLError, source: str, text: str) -> Diagnostic | None:
    """The commonest YAML mistakes (a tab, an unclosed bracket, a line indented
    wrong) said in plain words, instead of the parser's; None for the rest."""
    mark = exc.problem_mark
    if mark is None or not text:
        return None
    problem, context = (exc.problem or "").lower(), (exc.context or "").lower()
    if "maximum nesting depth" in problem:
        # libyaml 0.2.5 (PyYAML 6.0.4's wheels) stops at 1,000 levels itself: the same
        # too-deep as the pure-Python parser gets, at the first bracket past MAX_DEPTH
        return _json_too_deep(text, source)
    line, column = mark.line + 1, mark.column + 1
    lines = text.split("\n")
    here = lines[mark.line] if mark.line < len(lines) else ""

    def diag(message: str, hint: str, at: tuple[int, int] = (line, column)) -> Diagnostic:
        return Diagnostic("", f"invalid YAML: {message}", hint=hint, code="yaml-syntax", source=source,
                          line=at[0], column=at[1])

    if "tab" in problem or here[mark.column:mark.column + 1] == "\t":
        return diag("a tab in the indentation", "indent with spaces: YAML does not allow tabs for indentation")
    if "flow" in context:
        offset = len("\n".join(lines[: mark.line])) + (1 if mark.line else 0) + mark.column
        opened = _unclosed_bracket(text, offset)
        if opened is not None:
            char, at = opened
            closer = "]" if char == "[" else "}"
            where = _line_col(text[:at])
            if "stream end" in problem or "node content" in problem or offset >= len(text.rstrip()):
                return diag(f"the '{char}' here is never closed", f"close it with '{closer}'", where)
            return diag(f"the '{char}' here is not closed before line {line}, column {column}",
                        f"close it with '{closer}', or add the ',' missing before line {line}", where)
    content = [entry for entry in _content_lines(text) if entry[0] <= line]
    if content and content[-1][0] == line and len(content) > 1:
        _, indent, _ = content[-1]
        above, above_indent, above_text = content[-2]
        if "mapping values are not allowed" in problem and indent > above_indent \
                and not above_text.rstrip().endswith(":"):
            return diag(f"line {line} is indented more than line {above}, whose key already has a value",
                        f"line up the keys of one mapping, or end line {above} with ':' to nest line {line} "
                        "under it", (line, indent + 1))
        if "expected key" in problem or "block end" in problem:
            levels = sorted({i for n, i, _ in content[:-1]})
            if indent not in levels:
                shown = ", ".join(str(i) for i in levels[:6])
                return diag(f"line {line} is indented by {indent} space(s), which lines up with no line "
                            f"above (those use {shown})", "indent it like the keys it belongs with",
                            (line, indent + 1))
    return None


def _reader_error(exc: yaml.reader.ReaderError, text: str, source: str) -> Diagnostic:
    position = exc.position if isinstance(exc.position, int) else 0
    if _CParser is not None and issubclass(_Loader, _CParser):  # libyaml counts UTF-8 bytes
        prefix = text.encode("utf-8", "surrogatepass")[:position].decode("utf-8", "replace")
    else:
        prefix = text[:position]
    line, column = _line_col(prefix)
    char = exc.character
    what = f"character U+{char:04X}" if isinstance(char, int) else f"character {char!r}"
    return Diagnostic(
        "",
        f"{what} is not allowed in YAML ({exc.reason})",
        hint="remove control characters from the file",
        code="yaml-syntax",
        source=source,
        line=line,
        column=column,
    )


def _compose(text: str, source: str) -> tuple[tuple | None, int]:
    """Compose the single document of `text` into nodes, without recursion.

    Returns (root node or None when there is no document, number of literal
    nodes).  Raises _Stop or YAML errors.
    """
    loader = _Loader(text)
    try:
        get = loader.get_event
        resolve = loader.resolve
        resolved: dict[str, str] = {}  # plain scalar -> tag (implicit[0] is all a plain scalar's resolution reads)
        get()  # StreamStartEvent
        event = get()
        if isinstance(event, StreamEndEvent):
            return None, 0
        anchors: dict[str, tuple[tuple, int]] = {}
        # frame: [kind, tag, children, line, col, anchor, expanded size]
        frames: list[list] = []
        root = None
        literal = 0
        alias_nodes = 0
        cap = MAX_ALIAS_NODES + 1
        while True:
            event = get()
            cls = event.__class__
            if cls is ScalarEvent:
                tag = event.tag
                value = event.value
                if tag is None or tag == "!":
                    if event.implicit[0]:
                        # specs repeat their words ("class_name", "Dense", "8"): resolve each once
                        tag = resolved.get(value)
                        if tag is None:
                            tag = resolved[value] = resolve(ScalarNode, value, event.implicit)
                    else:
                        tag = _STR
                mark = event.start_mark
                node = (_SCALAR, tag, value, mark.line + 1, mark.column + 1)
                size = 1
                literal += 1
                if literal > MAX_NODES:
                    raise _Stop(_too_many_nodes(source, mark.line + 1, mark.column + 1))
                if event.anchor is not None:
                    anchors[event.anchor] = (node, 1)
            elif cls is MappingStartEvent or cls is SequenceStartEvent:
                kind = _MAP if cls is MappingStartEvent else _SEQ
                tag = event.tag
                if tag is None or tag == "!":
                    tag = _MAP_TAG if kind == _MAP else _SEQ_TAG
                mark = event.start_mark
                frames.append([kind, tag, [], mark.line + 1, mark.column + 1, event.anchor, 1])
                literal += 1
                if literal > MAX_NODES:
                    raise _Stop(_too_many_nodes(source, mark.line + 1, mark.column + 1))
                if len(frames) > MAX_DEPTH:
                    raise _Stop(_too_deep(source, mark.line + 1, mark.column + 1))
                continue
            elif cls is MappingEndEvent or cls is SequenceEndEvent:
                frame = frames.pop()
                node = (frame[0], frame[1], frame[2], frame[3], frame[4])
                size = frame[6]
                if frame[5] is not None:
                    anchors[frame[5]] = (node, size)
            elif cls is AliasEvent:
                mark = event.start_mark
                target = anchors.get(event.anchor)
                if target is None:
                    raise _Stop(
                        Diagnostic(
                            "",
                            f"invalid YAML: found undefined alias {event.anchor!r}",
                            hint="define the anchor (&name) before using the alias (*name)",
                            code="yaml-syntax",
                            source=source,
                            line=mark.line + 1,
                            column=mark.column + 1,
                        )
                    )
                anchored, size = target
                # the alias itself sits where it is written; its insides are the anchor's
                node = (anchored[0], anchored[1], anchored[2], mark.line + 1, mark.column + 1)
                alias_nodes += size
                if alias_nodes > MAX_ALIAS_NODES:
                    raise _Stop(_alias_bomb(source, mark.line + 1, mark.column + 1))
            elif cls is DocumentEndEvent:
                break
            else:  # pragma: no cover - the parser emits nothing else inside a document
                raise _Stop(
                    Diagnostic("", f"unexpected YAML event {cls.__name__}", code="yaml-syntax", source=source)
                )
            if frames:
                top = frames[-1]
                top[2].append(node)
                top[6] = min(top[6] + size, cap)
            else:
                root = node
        event = get()
        if isinstance(event, DocumentStartEvent):
            mark = event.start_mark
            raise _Stop(
                Diagnostic(
                    "",
                    "file contains more than one YAML document (the second one starts here)",
                    hint="a spec is a single document: remove the '---' separator or split the file",
                    code="multiple-documents",
                    source=source,
                    line=mark.line + 1,
                    column=mark.column + 1,
                )
            )
        return root, literal
    finally:
        loader.dispose()


def _string_too_long(source: str, pointer: str, node: tuple | None, size: int,
                     position: tuple[int, int] | None = None) -> Diagnostic:
    line, column = (node[3], node[4]) if node is not None else (position or (None, None))
    return Diagnostic(pointer, f"a value of {size:,} characters is too long: no value of a spec "
                      f"is longer than {MAX_STRING_CHARS:,}", code="string-too-long", source=source,
                      line=line, column=column)


def _too_deep(source: str, line: int | None, column: int | None, pointer: str = "") -> Diagnostic:
    return Diagnostic(
        pointer,
        f"document is nested more than {MAX_DEPTH} levels deep",
        code="too-deep",
        source=source,
        line=line,
        column=column,
    )


def _too_many_nodes(source: str, line: int, column: int) -> Diagnostic:
    return Diagnostic(
        "",
        f"document has more than {MAX_NODES} nodes",
        hint="split the spec, or write it as JSON",
        code="file-too-large",
        source=source,
        line=line,
        column=column,
    )


def _alias_bomb(source: str, line: int | None, column: int | None) -> Diagnostic:
    return Diagnostic(
        "",
        f"document expands to more than {MAX_ALIAS_NODES} nodes (alias expansion?)",
        hint="aliases (*name) multiply the document: use fewer of them",
        code="alias-bomb",
        source=source,
        line=line,
        column=column,
    )


class _YamlWalker:
    """Build plain data and the source map from composed nodes, iteratively."""

    def __init__(self, source: str):
        self.source = source
        self.diags: list[Diagnostic] = []
        self.reported: set[tuple[int, int, str]] = set()
        self.members_cache: dict[int, dict[str, tuple[tuple, tuple]]] = {}

    # -- diagnostics -------------------------------------------------------

    def error(self, pointer: str, node: tuple, code: str, message: str, hint: str | None = None) -> None:
        where = (node[3], node[4], code)
        if where in self.reported:  # the same node again, through an alias
            return
        self.reported.add(where)
        diag = Diagnostic(pointer, message, hint=hint, code=code, source=self.source, line=node[3], column=node[4])
        _report(self.diags, diag)

    def tag_error(self, pointer: str, node: tuple) -> None:
        self.error(
            pointer,
            node,
            "yaml-tag",
            f"YAML tag {_short_tag(node[1])!r} is not allowed: only plain data is loaded",
            "remove the tag; specs hold plain mappings, lists, strings, numbers, booleans and null",
        )

    # -- scalars and keys --------------------------------------------------

    def scalar(self, node: tuple, pointer: str) -> Any:
        tag, value = node[1], node[2]
        if tag == _STR or tag == _UNICODE_TAG:
            return value
        try:
            if tag == _INT:
                if len(value) > _MAX_INT_CHARS:  # also keeps 1:2:3:... (base 60) linear
                    self.error(
                        pointer,
                        node,
                        "number-too-large",
                        f"integer literal of {len(value)} characters is too large",
                    )
                    return None
                if value.isdigit() and value.isascii() and (value[0] != "0" or len(value) == 1):
                    return int(value)
                return _SAFE.construct_yaml_int(ScalarNode(tag, value))
            if tag == _FLOAT:
                return _SAFE.construct_yaml_float(ScalarNode(tag, value))
            if tag == _BOOL:
                return _SAFE.construct_yaml_bool(ScalarNode(tag, value))
            if tag == _NULL:
                return None
            if tag in (_TIMESTAMP, _VALUE, _MERGE):
                return value
        except (ValueError, KeyError, TypeError, OverflowError) as exc:
            detail = str(exc) if isinstance(exc, ValueError) else "not a valid value"
            self.error(
                pointer,
                node,
                "yaml-value",
                f"cannot read {_abbrev(value)!r} as {_short_tag(tag)}: {_abbrev(detail, 120)}",
            )
            return None
        self.tag_error(pointer, node)
        return None

    def key(self, node: tuple, pointer: str) -> str | None:
        """The str key of key node `node` in the mapping at `pointer`, or None (reported)."""
        kind, tag = node[0], node[1]
        if kind != _SCALAR:
            if tag not in (_SEQ_TAG, _MAP_TAG):
                self.tag_error(pointer, node)
            else:
                self.error(pointer, node, "key-type", f"mapping key is {_KIND_NAMES[kind]}: keys must be strings")
            return None
        value = node[2]
        if tag == _STR or tag == _TIMESTAMP or tag == _VALUE or tag == _UNICODE_TAG:
            return value
        if tag == _INT:
            number = self.scalar(node, pointer)
            return None if number is None else str(number)
        if tag == _BOOL or tag == _FLOAT or tag == _NULL:
            if tag == _NULL:
                message = "mapping key is null: keys must be strings"
                hint = "write a key before the ':'" if value == "" else f"quote the key: '{value}':"
            else:
                what = "a boolean" if tag == _BOOL else "a number"
                message = f"mapping key {value!r} is read as {what}: keys must be strings"
                hint = f"quote the key: '{value}':"
            self.error(pointer, node, "key-type", message, hint)
            return None
        self.tag_error(pointer, node)
        return None

    # -- mappings ----------------------------------------------------------

    def members(self, node: tuple, pointer: str) -> dict[str, tuple[tuple, tuple]]:
        """key -> (key node, value node) of mapping `node`, merges applied (memoized)."""
        cache = self.members_cache
        found = cache.get(id(node[2]))
        if found is not None:
            return found
        todo = [node]
        while todo:
            current = todo[-1]
            if id(current[2]) in cache:
                todo.pop()
                continue
            pending = [
                source
                for source in self.merge_sources(current, pointer, report=False)
                if id(source[2]) not in cache
            ]
            if pending:
                todo.extend(pending)
                continue
            cache[id(current[2])] = self.flatten(current, pointer)
            todo.pop()
        return cache[id(node[2])]

    def merge_sources(self, node: tuple, pointer: str, *, report: bool) -> list[tuple]:
        sources = []
        children = node[2]
        for i in range(0, len(children), 2):
            key_node = children[i]
            if key_node[0] == _SCALAR and key_node[1] == _MERGE:
                value = children[i + 1]
                if value[0] == _MAP:
                    candidates = [value]
                elif value[0] == _SEQ and value[1] == _SEQ_TAG and all(c[0] == _MAP for c in value[2]):
                    candidates = value[2]
                else:
                    if report:
                        self.error(
                            pointer,
                            value,
                            "yaml-merge",
                            "merge key '<<' needs a mapping or a list of mappings",
                            "write '<<: *anchor' or '<<: [*a, *b]' with anchors on mappings",
                        )
                    continue
                for candidate in candidates:
                    if candidate[1] != _MAP_TAG:
                        if report:
                            self.tag_error(pointer, candidate)
                        continue
                    sources.append(candidate)
        return sources

    def flatten(self, node: tuple, pointer: str) -> dict[str, tuple[tuple, tuple]]:
        result: dict[str, tuple[tuple, tuple]] = {}
        children = node[2]
        has_merge = False
        for i in range(0, len(children), 2):
            key_node = children[i]
            if key_node[0] == _SCALAR and key_node[1] == _MERGE:
                has_merge = True
                continue
            key = key_node[2] if key_node[0] == _SCALAR and key_node[1] == _STR else self.key(key_node, pointer)
            if key is None:
                continue
            first = result.get(key)
            if first is not None:
                self.error(
                    pointer + "/" + _esc(key),
                    key_node,
                    "duplicate-key",
                    f"duplicate key '{_abbrev(key)}' (first at line {first[0][3]})",
                    "remove one of them",
                )
                continue
            result[key] = (key_node, children[i + 1])
        if has_merge:
            for source in self.merge_sources(node, pointer, report=True):
                for key, pair in self.members_cache[id(source[2])].items():
                    if key not in result:
                        result[key] = pair
        return result

    # -- the walk ----------------------------------------------------------

    def container_for(self, node: tuple, pointer: str) -> Any:
        """A fresh empty container for collection `node`, or None when its tag is refused."""
        if node[0] == _SEQ:
            if node[1] == _SEQ_TAG or node[1] == _TUPLE_TAG:
                return []
        elif node[1] == _MAP_TAG:
            return {}
        self.tag_error(pointer, node)
        return None

    def walk(self, root: tuple, literal: int) -> tuple[Any, dict, dict]:
        values: dict[str, tuple[int, int]] = {"": (root[3], root[4])}
        keys: dict[str, tuple[int, int]] = {}
        if root[0] == _SCALAR:
            return self.scalar(root, ""), values, keys
        data = self.container_for(root, "")
        if data is None:
            return None, values, keys
        limit = literal + MAX_ALIAS_NODES
        visited = 1
        stack = [(root, "", 1, data)]
        scalar = self.scalar
        container_for = self.container_for
        while stack:
            node, pointer, depth, target = stack.pop()
            pending = []
            if node[0] == _SEQ:
                children = node[2]
                visited += len(children)
                index = 0
                append = target.append
                for child in children:
                    child_pointer = f"{pointer}/{index}"
                    index += 1
                    values[child_pointer] = (child[3], child[4])
                    if child[0] == _SCALAR:
                        if len(child[2]) > MAX_STRING_CHARS and child[1] in (_STR, _UNICODE_TAG):
                            raise _Stop(_string_too_long(self.source, child_pointer, child, len(child[2])))
                        append(child[2] if child[1] == _STR else scalar(child, child_pointer))
                    else:
                        container = container_for(child, child_pointer)
                        append(container)
                        if container is not None:
                            pending.append((child, child_pointer, depth + 1, container))
            else:
                members = self.members(node, pointer)
                visited += len(members)
                for key, (key_node, child) in members.items():
                    child_pointer = pointer + "/" + _esc(key)
                    keys[child_pointer] = (key_node[3], key_node[4])
                    values[child_pointer] = (child[3], child[4])
                    if child[0] == _SCALAR:
                        if len(child[2]) > MAX_STRING_CHARS and child[1] in (_STR, _UNICODE_TAG):
                            raise _Stop(_string_too_long(self.source, child_pointer, child, len(child[2])))
                        target[key] = child[2] if child[1] == _STR else scalar(child, child_pointer)
                    else:
                        container = container_for(child, child_pointer)
                        target[key] = container
                        if container is not None:
                            pending.append((child, child_pointer, depth + 1, container))
            if visited > limit:
                raise _Stop(_alias_bomb(self.source, node[3], node[4]))
            if pending:
                if depth + 1 > MAX_DEPTH:
                    first = pending[0][0]
                    raise _Stop(_too_deep(self.source, first[3], first[4]))
                pending.reverse()
                stack.extend(pending)
        return data, values, keys


def _walk(root: tuple, literal: int, source: str) -> tuple[Any, dict, dict, list[Diagnostic]]:
    walker = _YamlWalker(source)
    data, values, keys = walker.walk(root, literal)
    return data, values, keys, walker.diags


# --------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------

# possessive (no backtracking state is kept: a string of 10 million escapes
# would otherwise cost gigabytes when the key alternative fails)
_JSON_STRING = r'"[^"\\]*+(?:\\.[^"\\]*+)*+"'
_JSON_BARE = r'[^ \t\r\n,:\[\]{}"]+'
# One match per token of valid JSON.  Group 1 spans the line breaks (and the
# blanks, ',' and ':' between them) before the token; it ends at a line start.
# Then one of: the inside of a member key (2) and, when it follows on the same
# line, its scalar value: a string (3) or a bare number/true/false/null/NaN/
# Infinity (4); a string value (5); an opening bracket (6); a closing bracket
# (7); a bare value (8).
_JSON_TOKEN = re.compile(
    r"((?:[ \t\r,:]*\n)*)[ \t\r,:]*(?:"
    rf'"([^"\\]*+(?:\\.[^"\\]*+)*+)"[ \t\r]*:[ \t\r]*(?:({_JSON_STRING})|({_JSON_BARE}))?'
    rf"|({_JSON_STRING})|([\[{{])|([\]}}])|({_JSON_BARE}))",
    re.S,
)
_JSON_BRACKET = re.compile(rf"{_JSON_STRING}|[\[\]{{}}]", re.S)
_JSON_NAN = frozenset({"NaN", "Infinity", "-Infinity"})


def _load_json(text: str, source: str, *, sniffing: bool) -> tuple[Document, list[Diagnostic]] | None:
    """Load JSON; when sniffing, None means 'not JSON after all, try YAML'.

    When json finds nothing to report, positions are mapped lazily, on the
    first look at the source map (a big valid spec never pays for them).
    """
    found = {"duplicate": False, "nan": False}

    def first_wins(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(pairs)
        if len(result) != len(pairs):
            found["duplicate"] = True
            result = {}
            for key, value in pairs:
                if key not in result:
                    result[key] = value
        return result

    def parse_constant(name: str) -> float:
        found["nan"] = True
        return float(name)

    number_problem = None
    try:
        data = json.loads(text, object_pairs_hook=first_wins, parse_constant=parse_constant)
    except json.JSONDecodeError as exc:
        if sniffing:
            return None
        hint = None
        if exc.msg.startswith("Expecting property name"):
            hint = "JSON keys need double quotes, and no comma may follow the last member"
        elif exc.msg.startswith("Extra data"):
            hint = "a JSON spec holds exactly one value"
        diag = Diagnostic(
            "",
            f"invalid JSON: {exc.msg}",
            hint=hint,
            code="json-syntax",
            source=source,
            line=exc.lineno,
            column=exc.colno,
        )
        return _failed(source, "json", [diag])
    except (RecursionError, MemoryError):
        if sniffing:
            return None
        return _failed(source, "json", [_json_too_deep(text, source)])
    except ValueError as exc:  # integers beyond sys.get_int_max_str_digits()
        if sniffing:
            return None
        data = None
        number_problem = Diagnostic("", f"invalid JSON: {exc}", code="number-too-large", source=source)

    if data is not None and _nested_deeper_than(data, MAX_DEPTH, text):
        # json.loads itself goes as deep as the recursion limit allows
        return _failed(source, "json", [_json_too_deep(text, source)])
    if len(text) > MAX_STRING_CHARS and data is not None:
        long_value = _long_string(data)
        if long_value is not None:
            pointer, size = long_value
            positions = SourceMap._deferred(source, lambda: _json_positions(text, source))
            return _failed(source, "json", [_string_too_long(source, pointer, None, size,
                                                             positions.position(pointer))])
    special = found["nan"] or number_problem is not None
    if not (special or found["duplicate"] or sys.getrecursionlimit() > MAX_DEPTH):
        # nothing to report (json cannot nest deeper than the recursion limit)
        return Document(data, SourceMap._deferred(source, lambda: _json_positions(text, source)), "json"), []
    try:
        values, keys, diags = _json_scan(text, source, special=special, duplicates=found["duplicate"])
    except _Stop as stop:
        return _failed(source, "json", [stop.diag])
    if number_problem is not None:  # fatal: the data could not be built
        return _failed(source, "json", [d for d in diags if d.code == "number-too-large"] or [number_problem])
    return Document(data, SourceMap(source, values, keys), "json"), diags


def _nested_deeper_than(data: Any, limit: int, text: str) -> bool:
    """Whether JSON `data` (parsed from `text`) has lists/objects nested more than `limit` deep."""
    if not isinstance(data, (dict, list)) or text.count("[") + text.count("{") <= limit:
        return False  # cannot be: skip the walk
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value
        for child in children:
            if isinstance(child, (dict, list)):
                if depth >= limit:
                    return True
                stack.append((child, depth + 1))
    return False


def _long_string(data: Any) -> tuple[str, int] | None:
    """(pointer, length) of the first string value longer than MAX_STRING_CHARS."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        pointer, value = stack.pop()
        if isinstance(value, str):
            if len(value) > MAX_STRING_CHARS:
                return pointer, len(value)
        elif isinstance(value, dict):
            stack.extend((pointer + "/" + _esc(k), v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((f"{pointer}/{i}", v) for i, v in enumerate(value))
    return None


def _json_positions(text: str, source: str) -> tuple[dict, dict]:
    """The source map of JSON text json.loads accepted with nothing to report."""
    try:
        values, keys, _ = _json_scan(text, source, special=False, duplicates=False)
    except Exception:  # pragma: no cover - a map is a help, never a crash
        return {}, {}
    return values, keys


def _json_too_deep(text: str, source: str) -> Diagnostic:
    """too-deep located at the first bracket past MAX_DEPTH (or the deepest one)."""
    depth = 0
    deepest = (0, 0)
    for match in _JSON_BRACKET.finditer(text):
        char = text[match.start()]
        if char == "[" or char == "{":
            depth += 1
            if depth > deepest[0]:
                deepest = (depth, match.start())
                if depth > MAX_DEPTH:
                    break
        elif char == "]" or char == "}":
            depth -= 1
    line, column = _line_col(text[: deepest[1]])
    return _too_deep(source, line, column)


def _json_scan(
    text: str, source: str, *, special: bool, duplicates: bool
) -> tuple[dict, dict, list[Diagnostic]]:
    """Positions of every value and key of (valid) JSON `text`.

    Iterative, one regex match per token (a key and its scalar value
    together), line numbers counted only across line breaks.  When
    `duplicates`, reports duplicate keys (the first one wins: a later one and
    the insides of its value are not mapped); when `special`, NaN/Infinity
    and integers too long for int().  Returns (values, keys, diagnostics).
    """
    values: dict[str, tuple[int, int]] = {}
    keys: dict[str, tuple[int, int]] = {}
    diags: list[Diagnostic] = []

    line = 1
    line_start = 0
    stack: list[tuple] = []
    prefix = ""  # pointer of the current container + "/"
    is_object = False
    index = 0
    member = ""  # pointer of the member whose value comes next
    pending = False  # a key was read, its value is the next token
    ghost = False  # inside the value of a duplicate key: map nothing
    hide = False  # the pending value belongs to a duplicate key
    budget = MAX_NODES  # values still to map
    count = text.count

    for match in _JSON_TOKEN.finditer(text):
        start, end = match.span(1)
        if end != start:
            line += count("\n", start, end)
            line_start = end
        group = match.lastindex
        if group <= 4 or (group == 5 and is_object and not pending):
            # a member key (group 5 here: a key whose ':' is on a later line)
            if group == 5:
                key = match.group(5)[1:-1]
                key_pos = match.start(5)
            else:
                key = match.group(2)
                key_pos = match.start(2) - 1
            if ghost:
                pending = group == 2 or group == 5
                continue
            if "\\" in key:
                key = json.loads('"' + key + '"')
            member = prefix + (escape_token(key) if "~" in key or "/" in key else key)
            if duplicates and member in keys:
                _report(
                    diags,
                    Diagnostic(
                        member,
                        f"duplicate key '{_abbrev(key)}' (first at line {keys[member][0]})",
                        hint="remove one of them",
                        code="duplicate-key",
                        source=source,
                        line=line,
                        column=key_pos - line_start + 1,
                    )
                )
                pending = hide = group == 2 or group == 5
                continue
            keys[member] = (line, key_pos - line_start + 1)
            if group == 2 or group == 5:  # the value is the next token
                pending = True
                continue
            if not budget:
                break
            budget -= 1
            value_pos = match.start(group)
            values[member] = (line, value_pos - line_start + 1)
            if special and group == 4:
                _json_special(match.group(4), member, source, line, value_pos - line_start + 1, diags)
            continue
        if group == 7:  # a closing bracket
            if not stack:  # not valid JSON after all (only after a failed parse)
                break
            prefix, is_object, index, member, ghost = stack.pop()
            continue
        # a value: string (5), opening bracket (6) or bare scalar (8)
        pos = match.start(group)
        if pending:
            pointer = member
            pending = False
        elif stack:
            pointer = f"{prefix}{index}"
            index += 1
        else:
            pointer = ""
        hidden = ghost or hide
        hide = False
        if not hidden:
            if not budget:
                break
            budget -= 1
            values[pointer] = (line, pos - line_start + 1)
        if group == 6:
            stack.append((prefix, is_object, index, member, ghost))
            if len(stack) > MAX_DEPTH:
                raise _Stop(_too_deep(source, line, pos - line_start + 1))
            prefix = pointer + "/"
            is_object = text[pos] == "{"
            index = 0
            ghost = hidden
        elif special and group == 8 and not hidden:
            _json_special(match.group(8), pointer, source, line, pos - line_start + 1, diags)
    return values, keys, diags


def _json_special(token: str, pointer: str, source: str, line: int, column: int, diags: list) -> None:
    """Report a NaN/Infinity token, or an integer too long for int()."""
    if token in _JSON_NAN:
        _report(
            diags,
            Diagnostic(
                pointer,
                f"{token} is not valid JSON",
                hint="JSON has no NaN or Infinity: use a number, a string or null",
                code="json-nan",
                source=source,
                line=line,
                column=column,
            )
        )
        return
    limit = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else 0
    digits = token.lstrip("-")
    if limit and len(digits) > limit and digits.isdigit():
        _report(
            diags,
            Diagnostic(
                pointer,
                f"integer with {len(digits)} digits is too large (the limit is {limit})",
                code="number-too-large",
                source=source,
                line=line,
                column=column,
            )
        )

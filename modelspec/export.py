"""modelspec export: a trained model for serving or sharing, with Keras's own exporters.

The model comes from a run directory: rebuilt from its `spec.resolved.yaml`
(validated, plugins imported only with --allow-plugins, as for `run`) with the
weights of its `model.keras`, or from a `.keras` file rebuilt from the
archive's config.json (validated like any spec, never unpickled). Formats:

- `saved_model`: `Model.export(format="tf_saved_model")`, a TensorFlow
  SavedModel whose `serve` endpoint takes the model's inputs (TF Serving,
  `tf.saved_model.load`);
- `keras`: `Model.save`, the native `.keras` archive;
- `onnx`: `Model.export(format="onnx")`, which uses tf2onnx (`pip install
  'modelspec[onnx]'`).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any


#: format -> (default output name inside the run directory's export/, what it is)
FORMATS = {
    "saved_model": ("saved_model", "a TensorFlow SavedModel folder"),
    "keras": ("model.keras", "a .keras archive"),
    "onnx": ("model.onnx", "an ONNX file"),
}


class ExportError(Exception):
    """A problem to report in one line (exit 1)."""


def load_trained(source: Path, *, allow_plugins: bool = False, allow_unsafe: bool = False) -> Any:
    """The trained model of a run directory or a .keras file."""
    from modelspec.diagnostics import SpecError
    from modelspec.run import RunFailure, _source_model

    if source.is_dir():
        spec_file, weights = source / "spec.resolved.yaml", source / "model.keras"
        missing = [p.name for p in (spec_file, weights) if not p.is_file()]
        if missing:
            raise ExportError(f"{source} is not a finished run directory: it has no {' or '.join(missing)}")
        from modelspec.api import build, load

        try:
            model = build(load(str(spec_file)), allow_plugins=allow_plugins, allow_unsafe=allow_unsafe)
        except SpecError as error:
            raise ExportError(f"cannot rebuild the model of {source}: {error}") from None
        try:
            model.load_weights(str(weights))
        except Exception as error:  # noqa: BLE001 - Keras raises many kinds here
            raise ExportError(f"cannot load the weights in {weights}: {error}") from None
        return model
    if source.suffix == ".keras" and source.is_file():
        try:
            return _source_model(source)
        except RunFailure as error:
            raise ExportError(str(error)) from None
    raise ExportError(f"{source}: no such run directory or .keras file")


def sample_inputs(model: Any, batch: int = 2, seed: int = 0) -> Any:
    """A small batch that fits the model's inputs (synthetic data, as `format: synthetic`
    makes it), for tracing the model before export and for comparing an export with it."""
    from modelspec.data import model_io, synthesize

    io = model_io(model)
    x, _ = synthesize(io, batch, seed=seed)
    return io.structure(x)


def export(model: Any, fmt: str, out: Path) -> Path:
    """Write `model` as `fmt` to `out` (replaced if it exists); returns `out`."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format '{fmt}'; choose one of {', '.join(FORMATS)}")
    if fmt == "onnx":
        try:
            import tf2onnx  # noqa: F401
        except ImportError:
            raise ExportError("ONNX export needs tf2onnx: pip install 'modelspec[onnx]'") from None
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.is_dir():
        shutil.rmtree(out)
    elif out.exists():
        out.unlink()
    model.predict(sample_inputs(model), verbose=0)  # Keras exports only a model that has been called
    try:
        if fmt == "keras":
            model.save(str(out))
        elif fmt == "saved_model":
            model.export(str(out), format="tf_saved_model", verbose=False)
        else:
            model.export(str(out), format="onnx", verbose=False)
    except Exception as error:  # noqa: BLE001 - the exporters raise many kinds
        raise ExportError(f"Keras could not export the model as {fmt}: {type(error).__name__}: {error}") from None
    return out


def size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size

"""Datasets named in a spec's `data` section → what Model.fit/evaluate/predict take.

`load_datasets(spec, model, names)` reads each named dataset, checks it
against the model (every input gets an array, shapes, dtypes, sample counts,
ids within the vocabulary of the Embedding they feed, class ids within the
output's units) and raises one `SpecError` holding every problem found, each
located at its entry under `/data/<name>/...`, before any training starts.

Formats (see `$defs/dataset` in the spec schema):

- ``npz``: ``path`` of an .npz archive; ``inputs``/``outputs`` name its keys.
- ``npy``: ``inputs``/``outputs`` give .npy paths (memory-mapped, not read
  into memory).
- ``csv``: ``path``; ``inputs``/``outputs`` name columns (a list of columns
  is stacked into one input). Streamed through ``tf.data``, batched and
  prefetched here: Keras ignores ``batch_size`` for a ``tf.data`` source.
- ``synthetic``: random inputs that fit the model, and LEARNABLE labels: a
  fixed random function of the inputs (see `synthesize`).
- ``python``: ``function: package.module:function`` returning arrays, a dict,
  a ``tf.data.Dataset`` or a ``keras.utils.PyDataset``. Only the data
  functions of modelspec's own modules (`modelspec.examples`) run without
  ``allow_plugins``; any other module is not even imported.

Importing this module imports neither TensorFlow nor Keras: only the csv
format, ``tf.data`` results and `model_io` (reading a Keras model) do, lazily.
Everything else works on a `ModelIO`, a plain description of the model's
inputs and outputs.
"""

from __future__ import annotations

import csv
import dataclasses
import importlib
import math
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from modelspec.diagnostics import Diagnostic, OptionError, SpecError, join_pointer
from modelspec.spec import importable_beside
from modelspec.validator import PARTS, did_you_mean, reference_problem

if TYPE_CHECKING:  # pragma: no cover
    import keras

    from modelspec.spec import Spec

__all__ = [
    "Dataset",
    "ModelIO",
    "Slot",
    "describe",
    "load_datasets",
    "load_datasets_for",
    "loss_kind",
    "model_io",
    "synthesize",
]

#: batch size of the tf.data pipelines built here (csv, unbatched tf.data results)
DEFAULT_BATCH_SIZE = 32
#: synthetic data: samples when `samples` is not given
DEFAULT_SAMPLES = 1024
#: synthetic data: a None dimension of a model input or output becomes this
NONE_DIM = 8
#: synthetic data: integer inputs that feed no Embedding take values in [0, this)
DEFAULT_INT_RANGE = 10
#: synthetic labels: width of the random code the labels are a function of
CODE_WIDTH = 32
#: synthetic labels: per-token weights are looked up in a table this long (id % size)
TOKEN_TABLE = 65536
#: synthetic integer ids: drawn from a Zipf law over at most this many ids
MAX_ZIPF_IDS = 1_000_000
#: synthetic labels: in id sequences only the most frequent ids carry weight (keywords)
KEYWORDS = 16
#: synthetic string inputs: sentences of this many words from a vocabulary this large
STRING_WORDS, STRING_VOCAB = 8, 1000
#: csv: rows read by Python to check values before training (the file itself is streamed)
CSV_CHECK_ROWS = 200
#: csv: files up to this size get their rows counted (for `size` and `describe`)
CSV_COUNT_BYTES = 64 * 1024 * 1024
#: csv: column dtypes that tf.data's CsvDataset reads
CSV_DTYPES = ("float32", "float64", "int32", "int64", "string")

FORMATS = ("npz", "npy", "csv", "synthetic", "python", "interactions", "text")
#: text: the TextVectorization arguments `vectorize` may set (output_mode is always "int")
VECTORIZE_KEYS = ("max_tokens", "output_sequence_length", "standardize", "split", "ngrams")

ROLES_NEEDING_LABELS = ("fit", "validation", "evaluate")


# --------------------------------------------------------------------------
# Public values
# --------------------------------------------------------------------------


@dataclasses.dataclass
class Dataset:
    """One loaded dataset, ready for Model.fit/evaluate/predict.

    `x`: an array, a list of arrays (positional inputs), a dict of arrays
    (by input name, or by the model's input dict keys), a `tf.data.Dataset`
    or a `keras.utils.PyDataset`. `y` and `sample_weight` likewise for the
    outputs; both are None for a dataset that yields (x, y[, w]) itself.
    `size` is the number of samples when known. `source` says where the
    data came from (for `describe`).
    """

    name: str
    x: Any
    y: Any = None
    sample_weight: Any = None
    size: int | None = None
    source: str = ""
    #: training data drawn afresh each epoch: epoch number → (x, y); x and y
    #: above are epoch 0's (interactions' negative sampling)
    epoch_data: Callable[[int], tuple[Any, Any]] | None = None
    #: a `python` function's tf.data pipeline for one tf.distribute input
    #: pipeline (its `input_context` argument); None when it takes none
    per_input_pipeline: Callable[[Any], Any] | None = None
    #: ranking evaluation: x holds `candidates` consecutive rows per group
    #: (user), the first of each group the held-out positive
    candidates: int | None = None

    @property
    def is_stream(self) -> bool:
        """True for a tf.data.Dataset or PyDataset (it brings its own batches and labels)."""
        return _is_stream(self.x)

    def as_fit_kwargs(self) -> dict[str, Any]:
        """{"x": ..., "y": ..., "sample_weight": ...} without the None entries."""
        if self.is_stream:
            return {"x": self.x}
        kwargs = {"x": self.x, "y": self.y, "sample_weight": self.sample_weight}
        return {k: v for k, v in kwargs.items() if v is not None}


@dataclasses.dataclass(frozen=True)
class Slot:
    """One model input or output as the data side sees it.

    `name` is the key used in specs and in dict x/y (the InputLayer or output
    layer name, or the model's dict key for dict inputs/outputs); `shape`
    excludes the batch axis (None: any size). For inputs, `vocab` is the
    smallest `input_dim` of the Embedding layers fed straight by it (`layer`
    names it) and `low` the smallest id to generate (1 when that Embedding
    masks zeros). For outputs, `loss` is the loss name compile() gave it.
    """

    name: str
    shape: tuple[int | None, ...]
    dtype: str = "float32"
    vocab: int | None = None
    layer: str | None = None
    low: int = 0
    loss: str | None = None

    @property
    def kind(self) -> str:
        """The label kind of an output: binary, sparse, categorical, poisson or regression."""
        return loss_kind(self.loss)


@dataclasses.dataclass(frozen=True)
class ModelIO:
    """The inputs and outputs of a model; `*_struct` is how Keras takes them:
    "single" (one array), "list" (positional) or "dict" (by slot name)."""

    inputs: tuple[Slot, ...]
    outputs: tuple[Slot, ...]
    input_struct: str = "list"
    output_struct: str = "list"
    compiled: bool = True

    def structure(self, arrays: dict[str, Any], outputs: bool = False, *, tuples: bool = False) -> Any:
        """Arrays by slot name → the structure Keras expects (None for a missing slot)."""
        slots = self.outputs if outputs else self.inputs
        struct = self.output_struct if outputs else self.input_struct
        if struct == "single":
            return arrays.get(slots[0].name)
        if struct == "dict":
            return {s.name: arrays[s.name] for s in slots if s.name in arrays}
        values = [arrays.get(s.name) for s in slots]
        return tuple(values) if tuples else values


# --------------------------------------------------------------------------
# Reading the model
# --------------------------------------------------------------------------


def _is_serialized(value: Any) -> bool:
    return (isinstance(value, dict) and "class_name" in value
            and set(value) <= {"module", "class_name", "config", "registered_name"})


def _loss_name(loss: Any) -> str | None:
    if loss is None:
        return None
    if isinstance(loss, str):
        return loss
    if _is_serialized(loss):
        if loss.get("class_name") == "function" and isinstance(loss.get("config"), str):
            return loss["config"]
        return str(loss.get("class_name"))
    name = getattr(loss, "name", None) or getattr(loss, "__name__", None) or type(loss).__name__
    return str(name)


def losses_by_output(loss: Any, names: Sequence[str]) -> dict[str, str | None]:
    """compile()'s `loss` (one value, a list in output order, a dict by output
    name or a serialized object) → loss name per output name."""
    if isinstance(loss, dict) and not _is_serialized(loss):
        return {n: _loss_name(loss.get(n)) for n in names}
    if isinstance(loss, (list, tuple)):
        return {n: _loss_name(loss[i]) if i < len(loss) else None for i, n in enumerate(names)}
    return {n: _loss_name(loss) for n in names}


_BINARY = {"binarycrossentropy", "bce", "binaryfocalcrossentropy", "hinge", "squaredhinge"}
_CATEGORICAL = {"categoricalcrossentropy", "cce", "categoricalfocalcrossentropy",
                "categoricalhinge", "kldivergence", "kld", "kullbackleiblerdivergence"}


def loss_kind(loss: str | None) -> str:
    """The labels a loss wants: binary ({0,1} floats), sparse (class ids),
    categorical (one-hot), poisson (non-negative) or regression (floats)."""
    if not loss:
        return "regression"
    key = loss.lower().replace("_", "")
    if key in _BINARY:
        return "binary"
    if key.startswith("sparsecategorical"):
        return "sparse"
    if key in _CATEGORICAL:
        return "categorical"
    if key == "poisson":
        return "poisson"
    return "regression"


def model_io(model: keras.Model) -> ModelIO:
    """The inputs and outputs of a built Keras model, as `load_datasets` checks them."""
    from modelspec.kerasenv import keras

    try:
        inputs = list(keras.tree.flatten(model.inputs))
    except (AttributeError, ValueError) as error:
        raise SpecError([Diagnostic(
            "/model", "the model has no defined inputs (a Sequential model without an "
            "InputLayer?), so no data can be checked against it", code="data-no-inputs",
            hint="start the model with an InputLayer")]) from error
    in_struct = getattr(model, "_inputs_struct", None)
    if isinstance(in_struct, dict):
        named = list(in_struct.items())
        input_struct = "dict"
    else:
        named = [(t._keras_history.operation.name, t) for t in inputs]
        input_struct = "list" if isinstance(in_struct, (list, tuple)) else "single"

    # Embedding layers fed straight by an InputLayer bound its ids.
    vocab: dict[str, tuple[int, str, bool]] = {}
    for layer in model.layers:
        if not isinstance(layer, keras.layers.Embedding):
            continue
        for node in getattr(layer, "_inbound_nodes", []):
            tensors = list(getattr(node, "input_tensors", []) or [])
            if not tensors:
                continue
            history = getattr(tensors[0], "_keras_history", None)
            op = getattr(history, "operation", None)
            if isinstance(op, keras.layers.InputLayer):
                known = vocab.get(op.name)
                if known is None or int(layer.input_dim) < known[0]:
                    vocab[op.name] = (int(layer.input_dim), layer.name, bool(layer.mask_zero))

    in_slots = []
    for key, tensor in named:
        layer_name = tensor._keras_history.operation.name
        found = vocab.get(layer_name)
        in_slots.append(Slot(
            name=key, shape=tuple(tensor.shape[1:]), dtype=str(tensor.dtype),
            vocab=found[0] if found else None, layer=found[1] if found else None,
            low=1 if found and found[2] and found[0] > 1 else 0))

    out_struct = getattr(model, "_outputs_struct", None)
    outputs = list(keras.tree.flatten(model.outputs))
    if isinstance(out_struct, dict):
        out_named = list(out_struct.items())
        output_struct = "dict"
    else:
        names = list(getattr(model, "output_names", None) or [model.layers[-1].name])
        out_named = list(zip(names, outputs))
        output_struct = "list" if isinstance(out_struct, (list, tuple)) else "single"

    compile_config = model.get_compile_config() if getattr(model, "compiled", False) else None
    loss = compile_config.get("loss") if isinstance(compile_config, dict) else None
    losses = losses_by_output(loss, [n for n, _ in out_named])
    out_slots = tuple(Slot(name=n, shape=tuple(t.shape[1:]), dtype=str(t.dtype), loss=losses[n])
                      for n, t in out_named)
    return ModelIO(tuple(in_slots), out_slots, input_struct, output_struct,
                   compiled=compile_config is not None)


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def _is_stream(value: Any) -> bool:
    """A tf.data.Dataset or a keras PyDataset (checked without importing either)."""
    tf = sys.modules.get("tensorflow")
    if tf is not None and isinstance(value, tf.data.Dataset):
        return True
    keras_module = sys.modules.get("keras")
    py_dataset = getattr(getattr(keras_module, "utils", None), "PyDataset", None)
    return py_dataset is not None and isinstance(value, py_dataset)


def _shape_text(shape: Sequence[Any]) -> str:
    dims = ["None" if d is None else str(d) for d in shape]
    return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"


def _dims_match(got: Sequence[Any], want: Sequence[Any]) -> bool:
    return len(got) == len(want) and all(w is None or g is None or g == w for g, w in zip(got, want))


def shape_fits(got: Sequence[Any], want: Sequence[Any]) -> bool:
    """Per-sample shape `got` fits `want` as Keras takes it: equal (None matches
    anything), or off by a trailing axis of size 1 (Keras adds or drops it)."""
    got, want = tuple(got), tuple(want)
    if _dims_match(got, want):
        return True
    if len(got) == len(want) + 1 and got[-1] in (1, None):
        return _dims_match(got[:-1], want)
    if len(want) == len(got) + 1 and want[-1] in (1, None):
        return _dims_match(got, want[:-1])
    return False


def _dtype_kind(dtype: str) -> str:
    """float, int, bool, string or other for a Keras/NumPy/TF dtype name."""
    name = str(dtype)
    if name in ("string", "str", "object", "bytes") or name.startswith(("<U", "|S", "<S", "str", "bytes")):
        return "string"
    if name == "bool":
        return "bool"
    if name.startswith(("float", "bfloat", "half", "double")):
        return "float"
    if name.startswith(("int", "uint")):
        return "int"
    return "other"


def _numpy_kind(array: np.ndarray) -> str:
    return {"f": "float", "i": "int", "u": "int", "b": "bool", "U": "string", "S": "string",
            "O": "object", "c": "complex"}.get(array.dtype.kind, "other")


def _numpy_dtype(dtype: str) -> np.dtype:
    try:
        return np.dtype(dtype)
    except TypeError:
        return np.dtype("float32")  # bfloat16 and friends: generate float32, Keras casts


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _names(items: Iterable[str], limit: int = 30) -> str:
    items = list(items)
    shown = ", ".join(items[:limit])
    return shown + (f", ... ({len(items)} in all)" if len(items) > limit else "") if items else "(none)"


def dataset_roles(data: Any) -> dict[str, list[str]]:
    """Dataset name → what uses it (fit, validation, evaluate, predict), from
    the sections the spec has; defaults: fit.data 'train', the others 'test'."""
    roles: dict[str, list[str]] = {}
    if not isinstance(data, dict):
        return roles
    for section, key, default, role in (("fit", "data", "train", "fit"),
                                        ("fit", "validation_data", None, "validation"),
                                        ("evaluate", "data", "test", "evaluate"),
                                        ("predict", "data", "test", "predict")):
        if section not in data:
            continue
        body = data.get(section) if isinstance(data.get(section), dict) else {}
        name = body.get(key, default)
        if isinstance(name, str):
            roles.setdefault(name, []).append(role)
    return roles


# --------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------


@dataclasses.dataclass
class _Entry:
    """One input/output/sample-weight entry of a dataset definition."""

    slot: Slot | None  # None for sample_weight
    value: Any         # npz key, npy path, csv column(s)
    pointer: str


class _Context:
    def __init__(self, loader: _Loader, name: str, definition: dict[str, Any]):
        self.loader = loader
        self.io = loader.io
        self.name = name
        self.definition = definition
        self.pointer = join_pointer("data", name)
        self.problems: list[Diagnostic] = []

    def at(self, *tokens: str | int) -> str:
        return self.pointer + join_pointer(*tokens)

    def error(self, pointer: str, message: str, code: str, hint: str | None = None) -> None:
        self.problems.append(Diagnostic(pointer, message, hint=hint, code=code))

    def resolve(self, value: str) -> Path:
        path = Path(os.path.expanduser(value))
        if not path.is_absolute():
            path = self.loader.base / path
        return Path(os.path.abspath(path))

    # -- inputs/outputs entries ---------------------------------------------------
    def entries(self, field: str, slots: Sequence[Slot], *, columns: bool = False) -> list[_Entry]:
        """The `inputs`/`outputs` field → one entry per slot it names.

        A string is the single slot's; a list is positional (for csv and a
        single-slot model, a list of strings is that slot's columns); a
        mapping is by slot name. Unknown names and wrong lengths are reported.
        """
        value = self.definition.get(field)
        pointer = self.at(field)
        what = "input" if field == "inputs" else "output"
        known = [s.name for s in slots]
        if value is None:
            return []
        if isinstance(value, str) or (columns and isinstance(value, list) and len(slots) == 1
                                      and value and all(isinstance(v, str) for v in value)):
            if len(slots) != 1:
                self.error(pointer, f"the model has {_plural(len(slots), what)} ({_names(known)}): "
                           f"give a list in that order or a mapping by {what} name",
                           f"data-{what}-count")
                return []
            return [_Entry(slots[0], value, pointer)]
        if isinstance(value, list):
            if len(value) != len(slots):
                self.error(pointer, f"{len(value)} {'entry' if len(value) == 1 else 'entries'} "
                           f"for the model's {_plural(len(slots), what)} ({_names(known)})",
                           f"data-{what}-count")
                return []
            return [_Entry(s, v, _under(pointer, i)) for i, (s, v) in enumerate(zip(slots, value))]
        if isinstance(value, dict):
            by_name = {s.name: s for s in slots}
            out = []
            for key, item in value.items():
                slot = by_name.get(key)
                if slot is None:
                    self.error(_under(pointer, key),
                               f"the model has no {what} named '{key}'; its {what}s: {_names(known)}",
                               "unknown-key", hint=did_you_mean(key, known))
                    continue
                out.append(_Entry(slot, item, _under(pointer, key)))
            return out
        self.error(pointer, f"{field} must be a string, a list or a mapping", "bad-value")
        return []

    def require_inputs(self, entries: list[_Entry]) -> None:
        given = {e.slot.name for e in entries if e.slot is not None}
        missing = [s.name for s in self.io.inputs if s.name not in given]
        if missing:
            where = self.at("inputs") if "inputs" in self.definition else self.pointer
            for name in missing:
                self.error(where, f"no data for model input '{name}': every input needs an array",
                           "data-missing-input")

    def require_outputs(self, entries: list[_Entry]) -> None:
        """Outputs may be left out altogether (predict); given partly, each output with a loss needs one."""
        if not entries:
            return
        given = {e.slot.name for e in entries if e.slot is not None}
        for slot in self.io.outputs:
            if slot.name not in given and (slot.loss is not None or not self.io.compiled):
                self.error(self.at("outputs"), f"no data for model output '{slot.name}' "
                           "(the other outputs have some)", "data-missing-output")


def _under(pointer: str, token: str | int) -> str:
    """pointer + one escaped token."""
    return pointer + join_pointer(token)


class _Loader:
    def __init__(self, spec: Spec, io: ModelIO, *, allow_plugins: bool, seed: int | None,
                 batch_size: int | None):
        self.spec = spec
        self.io = io
        self.allow_plugins = allow_plugins
        data = spec.data if isinstance(spec.data, dict) else {}
        spec_seed = data.get("seed")
        self.seed = seed if seed is not None else (spec_seed if isinstance(spec_seed, int) else None)
        self.batch_size = batch_size or DEFAULT_BATCH_SIZE
        self.base = Path(spec.path).resolve().parent if spec.path is not None else Path.cwd()
        self.definitions = data.get("data") if isinstance(data.get("data"), dict) else {}
        self.roles = dataset_roles(data)

    def load(self, names: Iterable[str]) -> dict[str, Dataset]:
        problems: list[Diagnostic] = []
        result: dict[str, Dataset] = {}
        split: dict[str, dict[str, Dataset] | None] = {}  # datasets with parts, loaded once
        for name in dict.fromkeys(names):
            base = name.partition(".")[0]
            definition = self.definitions.get(base)
            if isinstance(definition, dict) and (base != name or definition.get("format") in PARTS):
                problem = reference_problem(name, self.definitions)
                if problem is not None:
                    problems.append(Diagnostic(join_pointer("data", base), problem[0], hint=problem[1],
                                               code="unknown-dataset"))
                    continue
                if base not in split:
                    ctx = _Context(self, base, definition)
                    split[base] = self.load_one(ctx)
                    problems += ctx.problems
                    if ctx.problems:
                        split[base] = None
                parts = split[base]
                if parts is not None:
                    result[name] = dataclasses.replace(parts[name.partition(".")[2]], name=name)
                continue
            if not isinstance(definition, dict):
                if name not in self.definitions:
                    problems.append(Diagnostic("/data" if self.definitions else "", f"no dataset named "
                                               f"'{name}' in 'data'", code="unknown-dataset",
                                               hint=did_you_mean(name, list(self.definitions))))
                else:
                    problems.append(Diagnostic(join_pointer("data", name), "a dataset must be a mapping "
                                               "with a 'format'", code="bad-value"))
                continue
            ctx = _Context(self, name, definition)
            dataset = self.load_one(ctx)
            if dataset is not None and not ctx.problems:
                self.check_labels(ctx, dataset)
            problems += ctx.problems
            if dataset is not None and not ctx.problems:
                result[name] = dataset
        if any(p.is_error for p in problems):
            raise SpecError(self.spec.locate(problems))
        return result

    def load_one(self, ctx: _Context) -> Dataset | None:
        fmt = ctx.definition.get("format")
        if fmt not in FORMATS:
            ctx.error(ctx.at("format"), f"format must be one of {', '.join(FORMATS)}, got {fmt!r}",
                      "bad-value", hint=did_you_mean(str(fmt), FORMATS))
            return None
        return getattr(self, "load_" + fmt)(ctx)

    def check_labels(self, ctx: _Context, dataset: Dataset) -> None:
        """A dataset that fit/evaluate uses must give labels for a compiled model."""
        fit = self.spec.data.get("fit") if isinstance(self.spec.data, dict) else None
        if "fit" in self.roles.get(ctx.name, []) and dataset.is_stream and isinstance(fit, dict) \
                and fit.get("validation_split"):
            ctx.error("/fit/validation_split", f"validation_split needs arrays, but dataset '{ctx.name}' "
                      f"is streamed ({dataset.source})", "data-validation-split",
                      hint="name a validation dataset in fit.validation_data instead")
        uses = [r for r in self.roles.get(ctx.name, []) if r in ROLES_NEEDING_LABELS]
        if not uses or not self.io.compiled or not self.io.outputs:
            return
        if dataset.is_stream:
            if not _stream_has_labels(dataset.x):
                ctx.error(ctx.at("function") if "function" in ctx.definition else ctx.pointer,
                          f"dataset '{ctx.name}' yields inputs only, but {' and '.join(uses)} "
                          "needs labels: yield (x, y) pairs", "data-no-labels")
            return
        if dataset.y is None:
            where = ctx.at("function") if ctx.definition.get("format") == "python" else ctx.pointer
            ctx.error(where, f"dataset '{ctx.name}' gives no outputs (labels), but "
                      f"{' and '.join(uses)} uses it", "data-no-labels",
                      hint="add 'outputs'" if ctx.definition.get("format") != "python"
                      else "return (x, y) from the function")

    # -- formats ------------------------------------------------------------------
    def load_npz(self, ctx: _Context) -> Dataset | None:
        path = self.existing_file(ctx, ctx.definition.get("path"), ctx.at("path"), required=True)
        ins = ctx.entries("inputs", ctx.io.inputs)
        outs = ctx.entries("outputs", ctx.io.outputs)
        weight = self.weight_entry(ctx)
        ctx.require_inputs(ins)
        ctx.require_outputs(outs)
        if path is None:
            return None
        try:
            archive = np.load(path, allow_pickle=False)
        except Exception as error:  # noqa: BLE001 - becomes a located diagnostic
            ctx.error(ctx.at("path"), f"cannot read {path} as an .npz archive: {_message(error)}",
                      "data-unreadable")
            return None
        if not hasattr(archive, "files"):
            ctx.error(ctx.at("path"), f"{path} holds a single array (.npy), not an .npz archive",
                      "data-unreadable", hint="use format: npy, or save it with numpy.savez")
            return None
        keys = list(archive.files)

        def read(entry: _Entry) -> np.ndarray | None:
            if not isinstance(entry.value, str):
                ctx.error(entry.pointer, "give one npz key here", "bad-value")
                return None
            if entry.value not in keys:
                ctx.error(entry.pointer, f"no array '{entry.value}' in {path.name}; it holds: "
                          f"{_names(keys)}", "data-missing-key", hint=did_you_mean(entry.value, keys))
                return None
            try:
                return archive[entry.value]
            except ValueError as error:
                ctx.error(entry.pointer, f"array '{entry.value}' in {path.name} cannot be read "
                          f"without unpickling Python objects, which is refused: {_message(error)}",
                          "data-pickle")
                return None

        arrays = _Arrays(ctx)
        for entry in ins + outs + ([weight] if weight else []):
            value = read(entry)
            if value is not None:
                arrays.add(entry, value, f"array '{entry.value}'")
        archive.close()
        return arrays.dataset(source=f"npz {ctx.definition.get('path')}")

    def load_npy(self, ctx: _Context) -> Dataset | None:
        if "path" in ctx.definition:
            ctx.error(ctx.at("path"), "format npy takes no 'path': inputs and outputs give one .npy "
                      "file each", "unknown-parameter")
        ins = ctx.entries("inputs", ctx.io.inputs)
        outs = ctx.entries("outputs", ctx.io.outputs)
        weight = self.weight_entry(ctx)
        ctx.require_inputs(ins)
        ctx.require_outputs(outs)
        arrays = _Arrays(ctx)
        for entry in ins + outs + ([weight] if weight else []):
            if not isinstance(entry.value, str):
                ctx.error(entry.pointer, "give one .npy path here", "bad-value")
                continue
            path = self.existing_file(ctx, entry.value, entry.pointer)
            if path is None:
                continue
            try:
                value = np.load(path, mmap_mode="r", allow_pickle=False)
            except Exception as error:  # noqa: BLE001
                ctx.error(entry.pointer, f"cannot read {path} as a .npy array: {_message(error)}",
                          "data-unreadable")
                continue
            if not isinstance(value, np.ndarray):
                ctx.error(entry.pointer, f"{path} is an .npz archive, not a single .npy array",
                          "data-unreadable", hint="use format: npz")
                continue
            arrays.add(entry, value, f"file {entry.value}")
        return arrays.dataset(source="npy")

    def load_synthetic(self, ctx: _Context) -> Dataset | None:
        samples = ctx.definition.get("samples", DEFAULT_SAMPLES)
        seed = ctx.definition.get("seed", self.seed if self.seed is not None else 0)
        if not isinstance(samples, int) or isinstance(samples, bool) or samples < 1:
            ctx.error(ctx.at("samples"), f"samples must be an integer >= 1, got {samples!r}", "bad-value")
            return None
        for key in ("inputs", "outputs", "path", "function"):
            if key in ctx.definition:
                ctx.error(ctx.at(key), f"format synthetic takes no '{key}': the arrays are made "
                          "to fit the model", "unknown-parameter")
        for slot in ctx.io.inputs:
            if _dtype_kind(slot.dtype) == "other":
                ctx.error(ctx.pointer, f"synthetic data cannot make input '{slot.name}' of dtype "
                          f"{slot.dtype}", "data-synthetic")
        if ctx.problems:
            return None
        x, y = synthesize(ctx.io, samples, seed=seed, concept_seed=self.seed or 0)
        return Dataset(ctx.name, ctx.io.structure(x), ctx.io.structure(y, outputs=True) if y else None,
                       size=samples, source=f"synthetic, seed {seed}")

    def load_python(self, ctx: _Context) -> Dataset | None:
        pointer = ctx.at("function")
        target = ctx.definition.get("function")
        if not isinstance(target, str) or target.count(":") != 1:
            ctx.error(pointer, "function must be 'package.module:function'", "bad-value")
            return None
        module_name, function_name = target.split(":")
        ours = module_name == "modelspec" or module_name.startswith("modelspec.")
        if not ours and not self.allow_plugins:
            ctx.error(pointer, f"dataset '{ctx.name}' wants to import module '{module_name}'; "
                      "that runs its code, so it is imported only with --allow-plugins "
                      "(allow_plugins=True)", "plugins-not-allowed",
                      hint="check the module, then run again with --allow-plugins")
            return None
        try:
            with importable_beside(None if ours else self.spec):
                module = importlib.import_module(module_name)
        except (Exception, SystemExit) as error:  # noqa: BLE001
            ctx.error(pointer, f"cannot import module '{module_name}': {_message(error)}", "data-import")
            return None
        if ours and not self.allow_plugins and function_name not in getattr(module, "DATA_FUNCTIONS", ()):
            offered = getattr(module, "DATA_FUNCTIONS", ())
            ctx.error(pointer, f"'{target}' is not a data function; without --allow-plugins only "
                      f"the data functions of modelspec modules run"
                      + (f" ({module_name}: {', '.join(offered)})" if offered else
                         " (see modelspec.examples)"), "plugins-not-allowed",
                      hint=did_you_mean(function_name, offered) if offered else None)
            return None
        function = getattr(module, function_name, None)
        if not callable(function):
            ctx.error(pointer, f"module '{module_name}' has no function '{function_name}'",
                      "data-import", hint=did_you_mean(function_name,
                                                      [n for n in dir(module) if not n.startswith("_")]))
            return None
        kwargs = ctx.definition.get("kwargs") or {}
        if not isinstance(kwargs, dict):
            ctx.error(ctx.at("kwargs"), "kwargs must be a mapping", "bad-value")
            return None
        per_pipeline = _takes_input_context(function)
        try:
            result = function(**kwargs, input_context=None) if per_pipeline else function(**kwargs)
        except (Exception, SystemExit) as error:  # noqa: BLE001
            ctx.error(pointer, f"{target}() failed: {type(error).__name__}: {_message(error)}",
                      "data-function")
            return None
        dataset = self.from_python(ctx, result, target)
        if dataset is not None and per_pipeline and _is_stream(result) and dataset.x is result:
            # Under a distribution strategy, run calls it once per input pipeline
            # (tf.distribute's distribute_datasets_from_function).
            dataset.per_input_pipeline = lambda context: function(**kwargs, input_context=context)
            dataset.source += ", one pipeline per worker under a strategy"
        return dataset

    def from_python(self, ctx: _Context, result: Any, target: str) -> Dataset | None:
        pointer = ctx.at("function")
        source = f"python {target}"
        if _is_stream(result):
            return self.from_stream(ctx, result, source)
        x = y = w = None
        if isinstance(result, tuple):
            if not 1 <= len(result) <= 3:
                ctx.error(pointer, f"{target}() returned a tuple of {len(result)}; expected x, "
                          "(x, y) or (x, y, sample_weight)", "data-function")
                return None
            x, y, w = (list(result) + [None, None])[:3]
        elif isinstance(result, dict) and "x" in result and set(result) <= {"x", "y", "sample_weight"} \
                and not set(result) <= {s.name for s in ctx.io.inputs}:
            x, y, w = result.get("x"), result.get("y"), result.get("sample_weight")
        else:
            x = result
        if x is None:
            ctx.error(pointer, f"{target}() returned no inputs (x is None)", "data-function")
            return None
        arrays = _Arrays(ctx)
        for what, value, slots in (("x", x, ctx.io.inputs), ("y", y, ctx.io.outputs)):
            if value is None:
                continue
            for slot, array in self.split(ctx, value, slots, what, target):
                arrays.add(_Entry(slot, None, pointer), array, f"the function's {what} for '{slot.name}'")
        if w is not None:
            arrays.add(_Entry(None, None, pointer), _as_array(w), "the function's sample_weight")
        return arrays.dataset(source=source)

    def split(self, ctx: _Context, value: Any, slots: Sequence[Slot], what: str,
              target: str) -> list[tuple[Slot, np.ndarray]]:
        """x or y as a function returned it → (slot, array) pairs."""
        pointer = ctx.at("function")
        noun = "input" if what == "x" else "output"
        names = [s.name for s in slots]
        if isinstance(value, dict):
            by_name = {s.name: s for s in slots}
            out = []
            for key, item in value.items():
                if key not in by_name:
                    ctx.error(pointer, f"{target}() returned {what}['{key}'], but the model has no "
                              f"{noun} named '{key}'; its {noun}s: {_names(names)}", "unknown-key",
                              hint=did_you_mean(str(key), names))
                else:
                    out.append((by_name[key], _as_array(item)))
            given = {s.name for s, _ in out}
            for slot in slots:
                if slot.name not in given and slot.name not in value:
                    ctx.error(pointer, f"{target}() returned no {what} for model {noun} '{slot.name}'",
                              f"data-missing-{noun}")
            return out
        if isinstance(value, (list, tuple)) and not _is_flat_list(value):
            if len(value) != len(slots):
                ctx.error(pointer, f"{target}() returned {what} as a list of {len(value)} arrays for "
                          f"the model's {_plural(len(slots), noun)} ({_names(names)})",
                          f"data-{noun}-count")
                return []
            return [(s, _as_array(v)) for s, v in zip(slots, value)]
        if len(slots) != 1:
            ctx.error(pointer, f"{target}() returned {what} as one array, but the model has "
                      f"{_plural(len(slots), noun)} ({_names(names)}): return a list or a dict by name",
                      f"data-{noun}-count")
            return []
        return [(slots[0], _as_array(value))]

    def from_stream(self, ctx: _Context, stream: Any, source: str) -> Dataset | None:
        tf = sys.modules.get("tensorflow")
        if tf is None or not isinstance(stream, tf.data.Dataset):
            return Dataset(ctx.name, stream, source=source)  # a PyDataset: Keras batches it itself
        spec = stream.element_spec
        x_spec = spec[0] if isinstance(spec, tuple) else spec
        leaves = _spec_leaves(x_spec, ctx.io.inputs)
        if leaves is None:
            ctx.error(ctx.at("function"), "the dataset's elements do not match the model's inputs "
                      f"({_names(s.name for s in ctx.io.inputs)}): yield (x, y), (x, y, sample_weight) or (x,) "
                      "with x structured like them (a bare tuple is read as (x, y))", "data-structure")
            return None
        batched_here = False
        if any(len(s.shape) for s in ctx.io.inputs) and all(_unbatched(ts, slot) for slot, ts in leaves):
            # Elements of one sample each: batch them (Keras would take each as a batch).
            stream = stream.batch(self.batch_size).prefetch(tf.data.AUTOTUNE)
            batched_here = True
            x_spec = stream.element_spec[0] if isinstance(stream.element_spec, tuple) else stream.element_spec
            leaves = _spec_leaves(x_spec, ctx.io.inputs) or []
        for slot, tensor_spec in leaves:
            if tensor_spec.shape.rank is None:
                continue
            got = tuple(tensor_spec.shape)[1:]
            if not shape_fits(got, slot.shape):
                ctx.error(ctx.at("function"), f"the dataset's x for '{slot.name}' has per-sample shape "
                          f"{_shape_text(got)}, but input '{slot.name}' takes {_shape_text(slot.shape)}",
                          "data-shape")
            check_dtype(ctx, slot, _dtype_kind(tensor_spec.dtype.name), ctx.at("function"),
                        f"the dataset's x for '{slot.name}'", tensor_spec.dtype.name)
        if batched_here:
            source += f", batched here by {self.batch_size}"
        return Dataset(ctx.name, stream, source=source)

    def load_csv(self, ctx: _Context) -> Dataset | None:
        d = ctx.definition
        path = self.existing_file(ctx, d.get("path"), ctx.at("path"), required=True)
        ins = ctx.entries("inputs", ctx.io.inputs, columns=True)
        outs = ctx.entries("outputs", ctx.io.outputs, columns=True)
        weight = self.weight_entry(ctx)
        ctx.require_inputs(ins)
        ctx.require_outputs(outs)
        delimiter = d.get("delimiter", ",")
        if not isinstance(delimiter, str) or len(delimiter) != 1:
            ctx.error(ctx.at("delimiter"), "delimiter must be one character", "bad-value")
            return None
        if path is None:
            return None
        # Python reads the header and checks rows: all of them (and counts them)
        # in a small file, the first CSV_CHECK_ROWS in a big one. tf.data streams it.
        whole = path.stat().st_size <= CSV_COUNT_BYTES
        rows: list[tuple[int, list[str]]] = []  # (line number, fields) of the first rows
        count = 0
        bad_row: tuple[int, int] | None = None  # (line, fields)
        try:
            with open(path, newline="", encoding="utf-8-sig") as handle:
                reader = csv.reader(handle, delimiter=delimiter)
                header = next(reader, None)
                for row in reader:
                    if bad_row is None and header and len(row) != len(header):
                        bad_row = (reader.line_num, len(row))
                    if count < CSV_CHECK_ROWS:
                        rows.append((reader.line_num, row))
                    count += 1
                    if not whole and count >= CSV_CHECK_ROWS:
                        break
        except (OSError, UnicodeDecodeError, csv.Error) as error:
            ctx.error(ctx.at("path"), f"cannot read {path} as csv: {_message(error)}", "data-unreadable")
            return None
        if not header:
            ctx.error(ctx.at("path"), f"{path} is empty: a csv needs a header line of column names",
                      "data-unreadable")
            return None
        if bad_row is not None:
            line, fields = bad_row
            ctx.error(ctx.at("path"), f"line {line} of {path.name} " + (
                "is empty" if fields == 0 else f"has {_plural(fields, 'field')}")
                + f"; the header has {len(header)}", "data-bad-row")
        header = [h.strip() for h in header]
        index = {h: i for i, h in enumerate(header)}

        # Column dtypes: `dtypes`, else from the slot (inputs) or float32.
        dtypes_given = d.get("dtypes") or {}
        column_dtype: dict[str, str] = {}
        for column, dtype in dtypes_given.items() if isinstance(dtypes_given, dict) else []:
            if dtype not in CSV_DTYPES:
                ctx.error(ctx.at("dtypes", column), f"csv column dtype must be one of "
                          f"{', '.join(CSV_DTYPES)}, got {dtype!r}", "bad-value",
                          hint=did_you_mean(str(dtype), CSV_DTYPES))
            elif column not in index:
                ctx.error(ctx.at("dtypes", column), f"no column '{column}' in {path.name}; its "
                          f"columns: {_names(header)}", "data-missing-column",
                          hint=did_you_mean(column, header))
            else:
                column_dtype[column] = dtype

        plan: list[tuple[str, Slot | None, list[str], str]] = []  # (role, slot, columns, pointer)
        for role, entries in (("x", ins), ("y", outs), ("w", [weight] if weight else [])):
            for entry in entries:
                columns = [entry.value] if isinstance(entry.value, str) else entry.value
                if not isinstance(columns, list) or not columns or not all(isinstance(c, str) for c in columns):
                    ctx.error(entry.pointer, "give a column name or a list of column names", "bad-value")
                    continue
                missing = [c for c in columns if c not in index]
                for column in missing:
                    ctx.error(entry.pointer, f"no column '{column}' in {path.name}; its columns: "
                              f"{_names(header)}", "data-missing-column", hint=did_you_mean(column, header))
                if missing:
                    continue
                slot = entry.slot
                if slot is not None:
                    want = slot.shape if role == "x" or slot.kind != "sparse" else slot.shape[:-1]
                    if not _columns_fit(len(columns), want):
                        ctx.error(entry.pointer, f"{_plural(len(columns), 'column')} {'gives' if len(columns) == 1 else 'give'} per-sample shape "
                                  f"({len(columns)},), but {'input' if role == 'x' else 'output'} "
                                  f"'{slot.name}' takes {_shape_text(want)}", "data-shape")
                        continue
                elif len(columns) != 1:
                    ctx.error(entry.pointer, "sample_weight takes one column", "bad-value")
                    continue
                for column in columns:
                    if column not in column_dtype:
                        column_dtype[column] = _csv_default_dtype(slot if role == "x" else None)
                plan.append((role, slot, columns, entry.pointer))

        # Values of the first rows that would not parse as their dtype.
        reported: set[str] = set()
        for role, slot, columns, pointer in plan:
            for column in columns:
                dtype = column_dtype[column]
                for number, row in rows:
                    if len(row) != len(header) or column in reported:
                        continue
                    text = row[index[column]]
                    problem = _csv_value_problem(text, dtype)
                    if problem is None and role == "x" and slot is not None and slot.vocab is not None \
                            and dtype.startswith("int") and not slot.low <= int(text) < slot.vocab:
                        problem = (f"id {int(text)} is outside the vocabulary [0, {slot.vocab}) of "
                                   f"Embedding '{slot.layer}'")
                    if problem is not None:
                        reported.add(column)
                        ctx.error(pointer, f"line {number} of {path.name}, column '{column}': {problem}",
                                  "data-dtype" if "vocabulary" not in problem else "data-vocabulary")
                if role == "x" and slot is not None:
                    check_dtype(ctx, slot, _dtype_kind(dtype), pointer, f"column '{column}'", dtype)
        if ctx.problems:
            return None
        size = count if whole else None
        dataset = _csv_pipeline(path, header, delimiter, plan, column_dtype, ctx.io, self.batch_size,
                                shuffle=d.get("shuffle_buffer"), rows=size,
                                seed=d.get("seed", self.seed if self.seed is not None else 0))
        return Dataset(ctx.name, dataset, size=size,
                       source=f"csv {d.get('path')}, streamed in batches of {self.batch_size}")

    def load_interactions(self, ctx: _Context) -> dict[str, Dataset] | None:
        """User-item interactions → {"train": resampled every epoch, "test": ranking candidates}."""
        from modelspec import interactions as rec

        d = ctx.definition
        for key in ("outputs", "sample_weight", "function", "samples", "dtypes", "shuffle_buffer"):
            if key in d:
                ctx.error(ctx.at(key), f"format interactions takes no '{key}': the labels are the "
                          "interactions (1) and the sampled negatives (0)", "unknown-parameter")
        counts = {}
        for key, default, low in (("negatives", 4, 0), ("test_negatives", 99, 1)):
            value = d.get(key, default)
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                ctx.error(ctx.at(key), f"{key} must be an integer >= {low}, got {value!r}", "bad-value")
            counts[key] = value
        for key in ("user", "item"):
            if not isinstance(d.get(key), str):
                ctx.error(ctx.at(key) if key in d else ctx.pointer,
                          f"format interactions needs '{key}': the column of {key} ids", "missing-parameter")
        roles = self.interaction_inputs(ctx)
        if len(ctx.io.outputs) != 1:
            ctx.error(ctx.pointer, f"format interactions feeds one output (the interaction "
                      f"probability); the model has {len(ctx.io.outputs)}", "data-output-count")
        path = self.existing_file(ctx, d.get("path"), ctx.at("path"), required=True)
        if path is None or ctx.problems:
            return None
        default_delimiter = "\t" if path.suffix in (".inter", ".tsv") else ","
        seed = d.get("seed", self.seed if self.seed is not None else 0)
        try:
            data = rec.read_interactions(path, user=d["user"], item=d["item"], timestamp=d.get("timestamp"),
                                         delimiter=d.get("delimiter", default_delimiter))
            training, held_out = rec.leave_one_out(data)
            users, items = rec.test_candidates(data, held_out, counts["test_negatives"], seed)
            sampler = rec.TrainSampler(data.users[training], data.items[training], data.n_items,
                                       counts["negatives"], seed)
        except rec.InteractionsError as error:
            _option_error(ctx, error, "data-interactions")
            return None
        for slot, role in roles.items():
            count = data.n_users if role == "user" else data.n_items
            if slot.vocab is not None and slot.vocab < count:
                ctx.error(ctx.at(role), f"{path.name} has {count:,} {role}s (ids 0..{count - 1:,}), but "
                          f"Embedding '{slot.layer}' behind input '{slot.name}' has input_dim "
                          f"{slot.vocab:,}", "data-id-range", hint=f"set input_dim: {count}")
        if ctx.problems:
            return None
        output = ctx.io.outputs[0]

        def arrays(user_ids: np.ndarray, item_ids: np.ndarray, labels: np.ndarray | None) -> tuple[Any, Any]:
            by_slot = {slot.name: _fit_shape(user_ids if role == "user" else item_ids, slot)
                       for slot, role in roles.items()}
            y = None if labels is None else ctx.io.structure({output.name: _fit_shape(labels, output)},
                                                             outputs=True)
            return ctx.io.structure(by_slot), y

        def epoch_data(epoch: int) -> tuple[Any, Any]:
            return arrays(*sampler.epoch(epoch))

        first = epoch_data(0)
        facts = (f"{len(data):,} interactions of {data.n_users:,} users with {data.n_items:,} items "
                 f"from {d.get('path')}")
        train = Dataset(ctx.name, first[0], first[1], size=sampler.size, epoch_data=epoch_data,
                        source=f"{facts}; {sampler.positives:,} positives + {counts['negatives']} "
                        "negatives each, drawn afresh every epoch")
        labels = np.zeros(users.shape, np.float32)
        labels[:, 0] = 1.0
        x, y = arrays(users.reshape(-1), items.reshape(-1), labels.reshape(-1))
        test = Dataset(ctx.name, x, y, size=users.size, candidates=users.shape[1],
                       source=f"{facts}; each user's latest held out, ranked against "
                       f"{counts['test_negatives']} items the user never rated")
        return {"train": train, "test": test}

    def load_text(self, ctx: _Context) -> dict[str, Dataset] | None:
        """Labelled text → {"train", "validation"}: a stratified split, texts turned into
        integer sequences by a TextVectorization adapted on the training part only."""
        from modelspec import textdata

        d = ctx.definition
        for key in ("outputs", "sample_weight", "function", "samples", "dtypes", "shuffle_buffer",
                    "user", "item", "timestamp", "negatives", "test_negatives"):
            if key in d:
                ctx.error(ctx.at(key), f"format text takes no '{key}'", "unknown-parameter")
        for key, what in (("text", "the texts"), ("label", "the labels")):
            if not isinstance(d.get(key), str):
                ctx.error(ctx.at(key) if key in d else ctx.pointer,
                          f"format text needs '{key}': the column of {what}", "missing-parameter")
        classes = d.get("classes")
        if not (isinstance(classes, list) and len(classes) >= 2 and all(isinstance(c, str) for c in classes)
                and len(set(classes)) == len(classes)):
            ctx.error(ctx.at("classes") if "classes" in d else ctx.pointer, "format text needs 'classes': "
                      "two or more distinct label values, in class-id order", "missing-parameter")
        fraction = d.get("validation", 0.2)
        if not isinstance(fraction, (int, float)) or isinstance(fraction, bool) or not 0 < fraction < 1:
            ctx.error(ctx.at("validation"), f"validation must be a fraction between 0 and 1, got {fraction!r}",
                      "bad-value")
        vectorize = d.get("vectorize") or {}
        if not isinstance(vectorize, dict):
            ctx.error(ctx.at("vectorize"), "vectorize must be a mapping of TextVectorization arguments",
                      "bad-value")
            vectorize = {}
        for key in vectorize:
            if key not in VECTORIZE_KEYS:
                ctx.error(ctx.at("vectorize", key), f"vectorize takes {', '.join(VECTORIZE_KEYS)}, not "
                          f"'{key}'", "unknown-parameter", hint=did_you_mean(key, VECTORIZE_KEYS))
        slot = self.text_input(ctx)
        output = ctx.io.outputs[0] if len(ctx.io.outputs) == 1 else None
        if output is None:
            ctx.error(ctx.pointer, f"format text feeds one output (the class); the model has "
                      f"{len(ctx.io.outputs)}", "data-output-count")
        path = self.existing_file(ctx, d.get("path"), ctx.at("path"), required=True)
        if path is None or ctx.problems:
            return None
        seed = d.get("seed", self.seed if self.seed is not None else 0)
        try:
            data = textdata.read_labelled_text(path, text=d["text"], label=d["label"], classes=classes,
                                               delimiter=d.get("delimiter", ","))
        except textdata.TextError as error:
            _option_error(ctx, error, "data-text")
            return None
        kind = output.kind
        if kind == "binary" and len(classes) != 2:
            ctx.error(ctx.at("classes"), f"output '{output.name}' has a binary loss, which takes two "
                      f"classes, not {len(classes)}", "data-label-range")
        elif kind in ("sparse", "categorical") and output.shape and output.shape[-1] not in (None, len(classes)):
            ctx.error(ctx.at("classes"), f"{len(classes)} classes, but output '{output.name}' has "
                      f"{output.shape[-1]} units", "data-label-range")
        length = vectorize.get("output_sequence_length")
        if slot.shape and slot.shape[0] is not None and length != slot.shape[0]:
            ctx.error(ctx.at("vectorize", "output_sequence_length") if length is not None else ctx.at("vectorize"),
                      f"input '{slot.name}' takes sequences of {slot.shape[0]} ids; set "
                      f"output_sequence_length: {slot.shape[0]}", "data-shape")
        tokens = vectorize.get("max_tokens")
        if slot.vocab is not None and (tokens is None or tokens > slot.vocab):
            ctx.error(ctx.at("vectorize", "max_tokens") if tokens is not None else ctx.at("vectorize"),
                      f"Embedding '{slot.layer}' behind input '{slot.name}' has input_dim {slot.vocab:,}: "
                      f"set max_tokens to at most that", "data-id-range")
        if ctx.problems:
            return None
        train_rows, validation_rows = textdata.stratified_split(data.labels, float(fraction), seed)
        texts = np.asarray(data.texts, dtype=object)
        try:
            sequences = _vectorize(texts, train_rows, vectorize)
        except ValueError as error:
            ctx.error(ctx.at("vectorize"), f"TextVectorization refused these arguments: {_message(error)}",
                      "bad-value")
            return None
        if kind == "binary":  # 0.0/1.0, shaped like the output
            labels = data.labels.astype(np.float32).reshape((-1, *([1] if output.shape else [])))
        elif kind == "categorical":  # one-hot
            labels = np.eye(len(classes), dtype=np.float32)[data.labels]
        else:  # class ids
            labels = data.labels.astype(np.int32)
        sequences = sequences.astype(_numpy_dtype(slot.dtype), copy=False)
        dropped = ", ".join(f"{n:,} '{value}'" for value, n in data.dropped.items())
        source = (f"{len(texts):,} texts from {d.get('path')}" + (f" ({dropped} rows dropped)" if dropped else "")
                  + f", split {1 - fraction:.0%}/{fraction:.0%} by class, vocabulary adapted on the training part")
        parts = {}
        for part, rows in (("train", train_rows), ("validation", validation_rows)):
            x = ctx.io.structure({slot.name: sequences[rows]})
            y = ctx.io.structure({output.name: labels[rows]}, outputs=True)
            parts[part] = Dataset(ctx.name, x, y, size=len(rows), source=source)
        return parts

    def text_input(self, ctx: _Context) -> Slot:
        """The model input that takes the integer sequences: `inputs`, or the only input."""
        slots = ctx.io.inputs
        name = ctx.definition.get("inputs")
        if name is None and len(slots) == 1:
            slot = slots[0]
        elif isinstance(name, str) and name in {s.name for s in slots}:
            slot = next(s for s in slots if s.name == name)
        else:
            known = [s.name for s in slots]
            ctx.error(ctx.at("inputs") if name is not None else ctx.pointer,
                      f"say which model input takes the sequences: inputs: <one of {_names(known)}>"
                      if name is None or isinstance(name, str) else "inputs must name one model input",
                      "data-missing-input", hint=did_you_mean(name, known) if isinstance(name, str) else None)
            return slots[0] if slots else Slot("?", (None,))
        if _dtype_kind(slot.dtype) not in ("int", "float") or len(slot.shape) != 1:
            ctx.error(ctx.at("inputs") if "inputs" in ctx.definition else ctx.pointer,
                      f"input '{slot.name}' has shape {_shape_text(slot.shape)} and dtype {slot.dtype}; "
                      "sequences of ids need an integer input of shape [length]", "data-shape")
        return slot

    def interaction_inputs(self, ctx: _Context) -> dict[Slot, str]:
        """Model input slot → 'user' or 'item', from `inputs` (default: the two inputs in order)."""
        slots = ctx.io.inputs
        value = ctx.definition.get("inputs")
        pointer = ctx.at("inputs")
        if value is None:
            if len(slots) != 2:
                ctx.error(ctx.pointer, f"the model has {_plural(len(slots), 'input')}; say which takes "
                          "user ids and which item ids: inputs: {<input>: user, <input>: item}",
                          "data-input-count")
                return {}
            roles = dict(zip(slots, ("user", "item")))
        elif isinstance(value, dict):
            by_name = {s.name: s for s in slots}
            roles = {}
            for key, role in value.items():
                if key not in by_name:
                    ctx.error(_under(pointer, key), f"the model has no input named '{key}'; its inputs: "
                              f"{_names(by_name)}", "unknown-key", hint=did_you_mean(key, list(by_name)))
                elif role not in ("user", "item"):
                    ctx.error(_under(pointer, key), f"an input takes 'user' or 'item' ids, got {role!r}",
                              "bad-value")
                else:
                    roles[by_name[key]] = role
            for slot in slots:
                if slot.name not in value:
                    ctx.error(pointer, f"no ids for model input '{slot.name}': map it to user or item",
                              "data-missing-input")
        else:
            ctx.error(pointer, "inputs must map each model input to 'user' or 'item'", "bad-value")
            return {}
        for slot in roles:
            if _dtype_kind(slot.dtype) != "int" and _dtype_kind(slot.dtype) != "float":
                ctx.error(pointer if "inputs" in ctx.definition else ctx.pointer,
                          f"input '{slot.name}' has dtype {slot.dtype}; ids need an integer input",
                          "data-dtype")
            elif any(n not in (1, None) for n in slot.shape) or len(slot.shape) > 1:
                ctx.error(pointer if "inputs" in ctx.definition else ctx.pointer,
                          f"input '{slot.name}' has shape {_shape_text(slot.shape)}; an id input has "
                          "shape [1] (or [])", "data-shape")
        return roles

    # -- shared pieces ------------------------------------------------------------
    def existing_file(self, ctx: _Context, value: Any, pointer: str, required: bool = False) -> Path | None:
        if value is None:
            if required:
                ctx.error(ctx.pointer, f"format {ctx.definition.get('format')} needs 'path'",
                          "missing-parameter")
            return None
        if not isinstance(value, str) or not value:
            ctx.error(pointer, "a path must be a non-empty string", "bad-value")
            return None
        package = ctx.definition.get("package")
        if package is not None:
            root = package_root(package)
            if root is None:
                ctx.error(ctx.at("package"), f"no installed package named {package!r} to read "
                          f"{value} from", "data-missing-package",
                          hint=f"install it, e.g. pip install --no-deps {package}"
                          if isinstance(package, str) and package.isidentifier() else None)
                return None
            path = Path(os.path.abspath(root / value))
        else:
            path = ctx.resolve(value)
        if not path.is_file():
            what = "a directory, not a file" if path.is_dir() else "no such file"
            ctx.error(pointer, f"{what}: {path}", "data-missing-file",
                      hint=None if self.spec.path is not None else "relative paths resolve against the "
                      "current directory for a spec given as a dict")
            return None
        return path

    def weight_entry(self, ctx: _Context) -> _Entry | None:
        if "sample_weight" not in ctx.definition:
            return None
        return _Entry(None, ctx.definition["sample_weight"], ctx.at("sample_weight"))


def _option_error(ctx: _Context, error: OptionError, code: str) -> None:
    """A reader's OptionError, located at the option it names (else at the dataset)."""
    located = error.field is not None and error.field in ctx.definition
    ctx.error(ctx.at(error.field) if located else ctx.pointer, str(error), code, hint=error.hint)


def package_root(name: Any) -> Path | None:
    """The folder of the installed top-level package `name`, found without
    importing it (no code of the package runs); None when it is not installed."""
    import importlib.util

    if not isinstance(name, str) or not name.isidentifier():
        return None
    try:
        found = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    locations = list(found.submodule_search_locations or []) if found is not None else []
    return Path(locations[0]) if locations else None


def _message(error: BaseException) -> str:
    text = " ".join(str(error).split())
    if len(text) > 400:
        text = text[:397] + "..."
    return text or type(error).__name__


def _vectorize(texts: np.ndarray, train_rows: np.ndarray, options: dict[str, Any]) -> np.ndarray:
    """Every text → ids, by a Keras TextVectorization adapted on texts[train_rows] only."""
    from modelspec.kerasenv import keras

    layer = keras.layers.TextVectorization(output_mode="int", **options)
    layer.adapt(list(texts[train_rows]), batch_size=1024)
    chunks = [np.asarray(layer(list(texts[start:start + 4096])))
              for start in range(0, len(texts), 4096)]
    return np.concatenate(chunks) if chunks else np.zeros((0, options.get("output_sequence_length") or 0))


def _fit_shape(values: np.ndarray, slot: Slot) -> np.ndarray:
    """A 1-D array of ids or labels, shaped (n, 1) or (n,) as the slot wants, in its dtype."""
    array = values.astype(_numpy_dtype(slot.dtype), copy=False)
    return array.reshape(-1, 1) if len(slot.shape) == 1 else array


def _is_flat_list(value: Any) -> bool:
    """A Python list of numbers/strings (one array written as a list), not a list of arrays."""
    return bool(value) and all(isinstance(v, (int, float, str, bytes, bool, np.generic)) for v in value)


def _as_array(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value
    try:
        return np.asarray(value)
    except Exception:  # noqa: BLE001 - reported by the checks as an unusable array
        return value


def _spec_leaves(x_spec: Any, slots: Sequence[Slot]) -> list[tuple[Slot, Any]] | None:
    """Pair a tf.data x element_spec with the model's input slots, or None when they do not match."""
    if isinstance(x_spec, dict):
        by_name = {s.name: s for s in slots}
        if not set(by_name) <= set(x_spec):
            return None
        return [(by_name[k], x_spec[k]) for k in by_name]
    if isinstance(x_spec, (tuple, list)):
        if len(x_spec) != len(slots):
            return None
        return list(zip(slots, x_spec))
    if len(slots) != 1 or not hasattr(x_spec, "shape"):
        return None
    return [(slots[0], x_spec)]


def _unbatched(tensor_spec: Any, slot: Slot) -> bool:
    """A tf.data element of exactly one sample's shape (no batch axis)."""
    shape = tensor_spec.shape
    if shape.rank is None or shape.rank != len(slot.shape):
        return False
    return all(w is None or g == w for g, w in zip(tuple(shape), slot.shape))


def _stream_has_labels(stream: Any) -> bool:
    tf = sys.modules.get("tensorflow")
    if tf is None or not isinstance(stream, tf.data.Dataset):
        return True  # a PyDataset: cannot tell without fetching a batch
    spec = stream.element_spec
    return isinstance(spec, tuple) and len(spec) >= 2


def check_dtype(ctx: _Context, slot: Slot, kind: str, pointer: str, label: str, dtype_name: str) -> bool:
    """Can data of this kind feed input `slot`? Report it if not."""
    want = _dtype_kind(slot.dtype)
    ok = (kind == want or (want == "float" and kind in ("int", "bool"))
          or (want == "int" and kind == "bool") or (want == "bool" and kind in ("int", "bool")))
    if want == "int" and kind == "float":
        ok = True  # integral floats are fine; non-integral values are checked on the values
    if not ok:
        ctx.error(pointer, f"{label} holds {dtype_name} values, which cannot be cast to {slot.dtype} "
                  f"for input '{slot.name}'", "data-dtype")
    return ok


class _Arrays:
    """Arrays collected for one dataset: checked against their slots, then counted."""

    def __init__(self, ctx: _Context):
        self.ctx = ctx
        self.x: dict[str, Any] = {}
        self.y: dict[str, Any] = {}
        self.weight: Any = None
        self.counts: list[tuple[int, str, str]] = []  # (samples, label, pointer)

    def add(self, entry: _Entry, array: Any, label: str) -> None:
        ctx, slot = self.ctx, entry.slot
        if not isinstance(array, np.ndarray) or array.dtype.kind == "O" and not _castable_object(array, slot):
            ctx.error(entry.pointer, f"{label} is not a numeric array "
                      f"({type(array).__name__}{', dtype object' if isinstance(array, np.ndarray) else ''})",
                      "data-dtype")
            return
        if array.dtype.kind == "O":
            array = np.asarray(array, dtype=_numpy_dtype(slot.dtype))
        if array.ndim == 0:
            ctx.error(entry.pointer, f"{label} is a single value, not an array of samples", "data-shape")
            return
        if array.shape[0] == 0:
            ctx.error(entry.pointer, f"{label} holds no samples", "data-shape")
            return
        is_input = slot is not None and any(s is slot for s in ctx.io.inputs)
        if slot is None:
            ok = self.check_weight(entry, array, label)
        elif is_input:
            ok = self.check_input(entry, slot, array, label)
        else:
            ok = self.check_output(entry, slot, array, label)
        if not ok:
            return
        self.counts.append((int(array.shape[0]), label, entry.pointer))
        if slot is None:
            self.weight = array
        elif is_input:
            self.x[slot.name] = array
        else:
            self.y[slot.name] = array

    def check_input(self, entry: _Entry, slot: Slot, array: np.ndarray, label: str) -> bool:
        ctx = self.ctx
        kind = _numpy_kind(array)
        if not check_dtype(ctx, slot, kind, entry.pointer, label, str(array.dtype)):
            return False
        got = array.shape[1:]
        if not shape_fits(got, slot.shape):
            ctx.error(entry.pointer, f"{label} has shape {_shape_text(array.shape)}, i.e. "
                      f"{_shape_text(got)} per sample, but input '{slot.name}' takes "
                      f"{_shape_text(slot.shape)}", "data-shape")
            return False
        want = _dtype_kind(slot.dtype)
        if want == "int" and kind == "float":
            bad = _first_non_integral(array)
            if bad is not None:
                ctx.error(entry.pointer, f"{label} holds non-integer values ({bad:g}) for integer "
                          f"input '{slot.name}' ({slot.dtype})", "data-dtype")
                return False
        if slot.vocab is not None and kind in ("int", "float", "bool") and array.size:
            low, high = array.min(), array.max()
            if low < 0 or high >= slot.vocab:
                worst = int(high) if high >= slot.vocab else int(low)
                ctx.error(entry.pointer, f"{label} holds id {worst}, outside the vocabulary "
                          f"[0, {slot.vocab}) of Embedding '{slot.layer}' fed by input '{slot.name}' "
                          "(Keras would silently read garbage on CPU or fail on GPU)", "data-vocabulary",
                          hint=f"ids must be in [0, {slot.vocab}): raise the Embedding's input_dim "
                          f"to at least {int(high) + 1} or remap the ids" if high >= slot.vocab else
                          "ids must not be negative")
                return False
        return True

    def check_output(self, entry: _Entry, slot: Slot, array: np.ndarray, label: str) -> bool:
        ctx = self.ctx
        kind = _numpy_kind(array)
        if kind not in ("float", "int", "bool"):
            ctx.error(entry.pointer, f"{label} holds {array.dtype} values; output '{slot.name}' "
                      "needs numbers", "data-dtype")
            return False
        got = array.shape[1:]
        loss = slot.loss or "its loss"
        if slot.kind == "sparse":
            want = slot.shape[:-1]
            if not shape_fits(got, want):
                ctx.error(entry.pointer, f"{label} has {_shape_text(got)} per sample, but {loss} takes "
                          f"class ids of shape {_shape_text(want)} for output '{slot.name}' of shape "
                          f"{_shape_text(slot.shape)}", "data-shape")
                return False
            units = slot.shape[-1] if slot.shape else None
            bad = _first_non_integral(array) if kind == "float" else None
            if bad is not None:
                ctx.error(entry.pointer, f"{label} holds {bad:g}, not a class id ({loss})", "data-dtype")
                return False
            if array.size and units is not None:
                low, high = array.min(), array.max()
                if low < 0 or high >= units:
                    worst = int(high) if high >= units else int(low)
                    ctx.error(entry.pointer, f"{label} holds class id {worst}, but output '{slot.name}' "
                              f"has {units} units (class ids must be in [0, {units}))", "data-labels")
                    return False
            return True
        if not shape_fits(got, slot.shape):
            extra = ""
            if slot.kind == "categorical" and len(got) == len(slot.shape) - 1:
                extra = " (one-hot labels; for class ids use sparse_categorical_crossentropy)"
            ctx.error(entry.pointer, f"{label} has {_shape_text(got)} per sample, but output "
                      f"'{slot.name}' gives {_shape_text(slot.shape)}{extra}", "data-shape")
            return False
        return True

    def check_weight(self, entry: _Entry, array: np.ndarray, label: str) -> bool:
        if _numpy_kind(array) not in ("float", "int", "bool"):
            self.ctx.error(entry.pointer, f"{label} holds {array.dtype} values; sample weights are "
                           "numbers", "data-dtype")
            return False
        return True

    def dataset(self, source: str) -> Dataset | None:
        ctx = self.ctx
        if self.counts:
            first_n, first_label, _ = self.counts[0]
            for n, label, pointer in self.counts[1:]:
                if n != first_n:
                    ctx.error(pointer, f"{label} has {_plural(n, 'sample')}, but {first_label} has "
                              f"{first_n}", "data-sample-count")
        if ctx.problems:
            return None
        io = ctx.io
        y = None
        if self.y:
            filled = {s.name: self.y.get(s.name) for s in io.outputs}
            y = io.structure({k: v for k, v in filled.items() if v is not None} if io.output_struct == "dict"
                             else filled, outputs=True)
        return Dataset(ctx.name, io.structure(self.x), y, self.weight,
                       size=self.counts[0][0] if self.counts else None, source=source)


def _castable_object(array: np.ndarray, slot: Slot | None) -> bool:
    try:
        np.asarray(array, dtype=_numpy_dtype(slot.dtype if slot else "float32"))
        return True
    except (TypeError, ValueError):
        return False


def _first_non_integral(array: np.ndarray) -> float | None:
    flat = np.asarray(array).reshape(-1)
    bad = flat[(flat != np.floor(flat)) | ~np.isfinite(flat)] if flat.size else flat
    return float(bad[0]) if bad.size else None


# -- csv --------------------------------------------------------------------------


def _columns_fit(k: int, shape: Sequence[Any]) -> bool:
    if any(d is None for d in shape):
        return False
    return math.prod(shape) == k or (k == 1 and len(shape) == 0)


def _csv_default_dtype(slot: Slot | None) -> str:
    if slot is None:
        return "float32"
    kind = _dtype_kind(slot.dtype)
    if kind == "string":
        return "string"
    if kind in ("int", "bool"):
        return "int64" if slot.dtype in ("int64", "uint32", "uint64") else "int32"
    return "float64" if slot.dtype == "float64" else "float32"


def _csv_value_problem(text: str, dtype: str) -> str | None:
    if dtype == "string":
        return None
    if text.strip() == "":
        return "the field is empty (a missing value)"
    try:
        if dtype.startswith("int"):
            int(text)
        else:
            float(text)
    except ValueError:
        return f"'{text[:40]}' is not {'an' if dtype.startswith('int') else 'a'} {dtype}"
    return None


def _csv_pipeline(path: Path, header: list[str], delimiter: str, plan: list[tuple[str, Any, list[str], str]],
                  column_dtype: dict[str, str], io: ModelIO, batch_size: int, *, shuffle: int | None,
                  rows: int | None, seed: int) -> Any:
    """CsvDataset → (shuffle) → batch → map to (x, y, w) structures → prefetch.

    With `rows` known, the dataset asserts its number of batches, so that Keras
    knows the epoch length (progress bar; no "ran out of data" warning).
    """
    from modelspec.kerasenv import tensorflow as tf  # imports TensorFlow quietly

    index = {h: i for i, h in enumerate(header)}
    needed = sorted({index[c] for _, _, columns, _ in plan for c in columns})
    position = {header[i]: n for n, i in enumerate(needed)}
    defaults = [tf.as_dtype(column_dtype[header[i]]) for i in needed]
    dataset = tf.data.experimental.CsvDataset(str(path), defaults, header=True, field_delim=delimiter,
                                              select_cols=needed)
    if shuffle:
        dataset = dataset.shuffle(int(shuffle), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size)
    if rows is not None:
        dataset = dataset.apply(tf.data.experimental.assert_cardinality(-(-rows // batch_size)))

    def make(*fields: Any) -> Any:
        x: dict[str, Any] = {}
        y: dict[str, Any] = {}
        w = None
        for role, slot, columns, _ in plan:
            tensors = [fields[position[c]] for c in columns]
            if role == "w":
                w = tf.cast(tensors[0], tf.float32)
                continue
            if role == "x":
                want_shape = slot.shape
                dtype = "float32" if _dtype_kind(slot.dtype) == "other" else slot.dtype
                if slot.vocab is not None and tensors[0].dtype.is_integer:
                    for column, tensor in zip(columns, tensors):
                        tf.debugging.assert_non_negative(
                            tensor, message=f"csv column '{column}': negative id")
                        tf.debugging.assert_less(
                            tensor, tf.cast(slot.vocab, tensor.dtype),
                            message=f"csv column '{column}': id outside the vocabulary [0, {slot.vocab}) "
                            f"of Embedding '{slot.layer}'")
            else:
                want_shape = slot.shape[:-1] if slot.kind == "sparse" else slot.shape
                dtype = "float32"
            if len(want_shape) == 0:
                value = tensors[0]
            else:
                value = tf.stack(tensors, axis=-1)
                if len(want_shape) > 1:
                    value = tf.reshape(value, [-1, *want_shape])
            if value.dtype != tf.string:
                value = tf.cast(value, dtype)
            (x if role == "x" else y)[slot.name] = value
        xs = io.structure(x, tuples=True)
        if not y:
            return (xs,)  # a 1-tuple: Keras reads a bare tuple of inputs as (x, y)
        filled = {s.name: y.get(s.name) for s in io.outputs}
        ys = io.structure({k: v for k, v in filled.items() if v is not None} if io.output_struct == "dict"
                          else filled, outputs=True, tuples=True)
        return (xs, ys) if w is None else (xs, ys, w)

    dataset = dataset.map(make, num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.prefetch(tf.data.AUTOTUNE)


# --------------------------------------------------------------------------
# Synthetic data
# --------------------------------------------------------------------------


def _filled(shape: Sequence[Any]) -> tuple[int, ...]:
    return tuple(NONE_DIM if d is None else int(d) for d in shape)


def _zipf(vocab: int, low: int) -> np.ndarray:
    """Id probabilities over [0, vocab): Zipf's law from `low` (word-frequency-like)."""
    n = min(vocab, MAX_ZIPF_IDS)
    p = np.zeros(n)
    p[low:] = 1.0 / np.arange(1, n - low + 1)
    return p / p.sum()


def _input_probs(slot: Slot) -> np.ndarray:
    if slot.vocab is not None:
        return _zipf(slot.vocab, slot.low)
    return np.full(DEFAULT_INT_RANGE, 1.0 / DEFAULT_INT_RANGE)


def synthesize(io: ModelIO, samples: int, *, seed: int = 0, concept_seed: int = 0
               ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Random inputs that fit the model, and labels learnable from them.

    Inputs (by slot name; None dims → `NONE_DIM`): floats ~ N(0, 1); integer
    ids in the vocabulary of the Embedding they feed, Zipf-distributed like
    word ids (from 1 when the Embedding masks zeros), else uniform in
    [0, `DEFAULT_INT_RANGE`); booleans fair coins; strings sentences of
    `STRING_WORDS` words "w<k>". They depend on `seed` only.

    Labels (by output name) are a fixed random function of the inputs, drawn
    from `concept_seed` alone, so that datasets with different seeds share
    it: for each output, a code of up to `CODE_WIDTH` columns sums, over the
    inputs, a random linear projection of the flattened float inputs and the
    mean of random per-id weights over integer ids (in a sequence only the
    `KEYWORDS` most frequent ids carry weight, as keywords), each scaled to
    unit variance (analytically, not from the sample); the code is mixed into
    one column per output value and then thresholded at 0, the median, for
    binary losses, arg-maxed over the units for class losses (ids or
    one-hot), or kept as standardised floats for regression.
    """
    rng = np.random.default_rng(seed)
    x: dict[str, np.ndarray] = {}
    tokens: dict[str, np.ndarray] = {}  # integer ids behind int and string inputs
    for slot in io.inputs:
        shape = (samples, *_filled(slot.shape))
        kind = _dtype_kind(slot.dtype)
        if kind == "float":
            x[slot.name] = rng.standard_normal(shape).astype(_numpy_dtype(slot.dtype))
        elif kind == "int":
            probs = _input_probs(slot)
            ids = rng.choice(len(probs), size=shape, p=probs)
            tokens[slot.name] = ids
            x[slot.name] = ids.astype(_numpy_dtype(slot.dtype))
        elif kind == "bool":
            x[slot.name] = rng.random(shape) < 0.5
        elif kind == "string":
            ids = rng.choice(STRING_VOCAB, size=(*shape, STRING_WORDS), p=_zipf(STRING_VOCAB, 0))
            tokens[slot.name] = ids
            words = np.char.add("w", ids.astype(str))
            x[slot.name] = np.array([" ".join(row) for row in words.reshape(-1, STRING_WORDS)],
                                    dtype=object).reshape(shape).astype(str)
        else:
            raise ValueError(f"cannot make synthetic data of dtype {slot.dtype} for '{slot.name}'")

    y: dict[str, np.ndarray] = {}
    if not io.outputs:
        return x, y
    concept = np.random.default_rng(np.random.SeedSequence([concept_seed, 0x5EED]))
    for out in io.outputs:
        out_shape = _filled(out.shape)
        width = max(math.prod(out_shape), 1)
        hidden = min(width, CODE_WIDTH)
        code = np.zeros((samples, hidden), dtype=np.float64)
        parts = 0
        for slot in io.inputs:
            kind = _dtype_kind(slot.dtype)
            if kind in ("float", "bool"):
                flat = x[slot.name].reshape(samples, -1).astype(np.float32)
                if kind == "bool":
                    flat = flat * 2.0 - 1.0
                depth = flat.shape[1]
                projection = (concept.standard_normal((depth, hidden)) / math.sqrt(max(depth, 1))).astype(np.float32)
                code += flat @ projection
                parts += 1
            else:
                ids = tokens[slot.name].reshape(samples, -1)
                probs = _input_probs(slot) if kind == "int" else _zipf(STRING_VOCAB, 0)
                table_size = min(len(probs), TOKEN_TABLE)
                table = concept.standard_normal((table_size, hidden)).astype(np.float32)
                table_probs = np.bincount(np.arange(len(probs)) % table_size, weights=probs,
                                          minlength=table_size)
                if ids.shape[1] > 1 and table_size > KEYWORDS:
                    table[np.argsort(-table_probs, kind="stable")[KEYWORDS:]] = 0
                mean = table_probs @ table
                spread = np.sqrt(np.maximum(table_probs @ table ** 2 - mean ** 2, 0) / ids.shape[1])
                if not np.all(spread > 0):
                    continue  # a single possible id carries no signal
                for start in range(0, samples, 1024):
                    chunk = ids[start:start + 1024] % table_size
                    code[start:start + 1024] += (table[chunk].mean(axis=1) - mean) / spread
                parts += 1
        if width > hidden:
            mixing = concept.standard_normal((hidden, width)) / math.sqrt(hidden)
            signal = code @ mixing
        else:
            signal = code
        signal = signal / math.sqrt(max(parts, 1))
        kind = out.kind
        if kind == "binary":
            y[out.name] = (signal > 0).astype(np.float32).reshape(samples, *out_shape)
        elif kind in ("sparse", "categorical"):
            units = out_shape[-1] if out_shape else 1
            classes = signal.reshape(samples, *out_shape[:-1], units).argmax(axis=-1) if out_shape \
                else np.zeros(samples, dtype=np.int64)
            if kind == "sparse":
                y[out.name] = classes.astype(np.int32)
            else:
                y[out.name] = np.eye(units, dtype=np.float32)[classes]
        elif kind == "poisson":
            y[out.name] = np.log1p(np.exp(signal)).astype(np.float32).reshape(samples, *out_shape)
        else:
            y[out.name] = signal.astype(np.float32).reshape(samples, *out_shape)
    return x, y


# --------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------


def load_datasets_for(spec: Spec, io: ModelIO, names: Iterable[str], *, allow_plugins: bool = False,
                      seed: int | None = None, batch_size: int | None = DEFAULT_BATCH_SIZE
                      ) -> dict[str, Dataset]:
    """`load_datasets` against a `ModelIO` description instead of a Keras model."""
    return _Loader(spec, io, allow_plugins=allow_plugins, seed=seed, batch_size=batch_size).load(names)


def load_datasets(spec: Spec, model: keras.Model, names: Iterable[str], *, allow_plugins: bool = False,
                  seed: int | None = None, batch_size: int | None = DEFAULT_BATCH_SIZE
                  ) -> dict[str, Dataset]:
    """Load the named datasets of a spec's `data` section for `model`.

    Args:
        spec: the loaded Spec (relative paths resolve against its file, or the
            current directory for a spec made from a dict).
        model: the built Keras model the data must fit.
        names: dataset names, in `data`.
        allow_plugins: let `format: python` import modules outside modelspec.
        seed: overrides the spec's `seed` (the default seed of synthetic and
            shuffled datasets, and the seed of synthetic labels).
        batch_size: batch size of the tf.data pipelines built here (csv, and
            unbatched tf.data results of python functions); Keras ignores
            fit's batch_size for those.

    Returns:
        Dataset by name.

    Raises:
        SpecError: every problem found in any of the datasets, located under
            `/data/<name>/...`.
    """
    return load_datasets_for(spec, model_io(model), names, allow_plugins=allow_plugins, seed=seed,
                             batch_size=batch_size)


def _takes_input_context(function: Any) -> bool:
    """A data function with an `input_context` parameter builds one input pipeline
    per worker itself: called with None for the whole dataset, and under a strategy
    with each tf.distribute.InputContext (shard by its input_pipeline_id, batch by
    its get_per_replica_batch_size(global batch)), as TensorFlow's guide shows."""
    import inspect

    try:
        return "input_context" in inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False


def describe(dataset: Dataset) -> str:
    """One line for a run header, e.g. "train: 1,024 samples (npz data/train.npz)"."""
    amount = f"{dataset.size:,} samples" if dataset.size is not None else "streamed"
    return f"{dataset.name}: {amount} ({dataset.source})" if dataset.source else f"{dataset.name}: {amount}"

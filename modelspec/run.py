"""Run a spec: build, fit, evaluate and predict into a run directory, resumably.

Reproducibility and resume rest on three choices:
- `seed` seeds Python, NumPy and Keras before the build; `deterministic: true`
  also turns on TensorFlow's op determinism.
- Training arrays go to Keras as a tf.data pipeline whose order in epoch `e`
  is a stateless shuffle seeded by `(seed, e)`, so a resumed run sees exactly
  the batches the uninterrupted run would have seen.
- At the end of every epoch, `_Checkpoint` snapshots every variable of the
  model and its optimizer (weights, optimizer slots, iteration count, and the
  layers' seed-generator states, i.e. dropout masks, which Keras's own
  weights files leave out) into `backup/checkpoint.npy`. The snapshot is a
  memory copy; the file is written by a background thread while the next
  epoch trains, then renamed into place, so a checkpoint costs the training
  loop a few milliseconds instead of a full weights save (Keras's
  `BackupAndRestore` took 90–180 ms per epoch on news_headline, about 10% of
  its throughput). A kill during that write keeps the previous checkpoint.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import platform
import random
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from modelspec import __version__
from modelspec.diagnostics import SpecError
from modelspec.dump import dumps_yaml
from modelspec.kerasenv import keras
from modelspec.outputs import (
    OutputError,
    RunPaths,
    new_run_dir,
    read_json,
    to_jsonable,
    write_atomic,
    write_json,
    write_npz,
    write_text,
)
from modelspec.spec import Spec

ALLOWED_CALLBACKS = ("EarlyStopping", "ReduceLROnPlateau", "ModelCheckpoint", "CSVLogger",
                     "TensorBoard", "TerminateOnNaN", "BackupAndRestore")
# Callback arguments that name files: relative ones go into the run directory.
CALLBACK_PATHS = {"ModelCheckpoint": "filepath", "CSVLogger": "filename",
                  "TensorBoard": "log_dir", "BackupAndRestore": "backup_dir"}
FIT_KEYS = ("epochs", "batch_size", "shuffle", "class_weight", "initial_epoch",
            "steps_per_epoch", "validation_steps", "validation_freq")
DEFAULT_BATCH = 32


@dataclasses.dataclass
class RunOptions:
    output_dir: Path | None = None
    overwrite: bool = False  # replace an earlier run in output_dir
    resume: Path | None = None
    weights: Path | None = None
    weights_by_name: Path | None = None
    allow_plugins: bool = False
    allow_unsafe: bool = False
    verbosity: int = 1  # 0 quiet, 1 normal, 2 verbose
    command_line: list[str] | None = None


@dataclasses.dataclass
class RunResult:
    paths: RunPaths | None
    status: str  # completed | failed | interrupted | nan
    exit_code: int
    metrics: dict[str, float] | None = None


class RunFailure(Exception):
    """A failure after validation (data, Keras at fit time, a file); message is for the user."""


class Reporter:
    """Progress for the user (stdout) and the log file, one place."""

    def __init__(self, stream: TextIO, verbosity: int):
        self.stream = stream
        self.verbosity = verbosity
        self.log_handle: Any = None
        self.held: list[tuple[str, int, bool]] | None = None
        try:
            self.interactive = stream.isatty()
        except (AttributeError, ValueError):
            self.interactive = False

    def open_log(self, path: Path) -> None:
        self.log_handle = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()

    def close(self) -> None:
        if self.log_handle is not None:
            self.log_handle.close()
            self.log_handle = None

    def hold(self) -> None:
        """Keep lines back until release(): what happens while building is
        reported under the run's header, which needs the built model."""
        self.held = []

    def release(self) -> list[tuple[str, int, bool]]:
        """Stop holding; the held lines are returned unprinted, for replay()."""
        held, self.held = self.held or [], None
        return held

    def replay(self, held: list[tuple[str, int, bool]]) -> None:
        for text, level, to_stream in held:
            self.line(text, level=level, to_stream=to_stream)

    def line(self, text: str = "", *, level: int = 1, to_stream: bool = True) -> None:
        if self.held is not None:
            if level > 0:
                self.held.append((text, level, to_stream))
                return
            self.replay(self.release())  # an error: what led up to it first
        if to_stream and self.verbosity >= level:
            print(text, file=self.stream, flush=True)
        if self.log_handle is not None:
            self.log_handle.write(text + "\n")
            self.log_handle.flush()


def _format_logs(logs: dict[str, Any]) -> str:
    return " - ".join(f"{key}: {value:.4g}" if isinstance(value, (int, float)) else f"{key}: {value}"
                      for key, value in logs.items())


class _EpochLine(keras.callbacks.Callback):
    """One line per epoch: on stdout when it is not a terminal, always in run.log."""

    def __init__(self, reporter: Reporter, epochs: int):
        super().__init__()
        self.reporter = reporter
        self.epochs = epochs
        self.started = 0.0

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        seconds = time.perf_counter() - self.started
        text = f"epoch {epoch + 1}/{self.epochs} - {seconds:.1f}s - {_format_logs(dict(logs or {}))}"
        self.reporter.line(text, to_stream=not self.reporter.interactive)


class _RunState(keras.callbacks.Callback):
    """history.json after every epoch, and a NaN/Inf loss stops the run.

    The loss is checked once per epoch, not per batch: a batch-level hook
    makes Keras fetch the logs after every step, which cost several percent
    of the throughput of small models. An epoch whose loss is not finite is
    never checkpointed, so the last good epoch is kept either way.
    """

    def __init__(self, paths: RunPaths, history: dict[str, list[float]]):
        super().__init__()
        self.paths = paths
        self.history = history
        self.bad_loss: tuple[int, float] | None = None

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            self.bad_loss = (epoch + 1, float(loss))
            self.model.stop_training = True
        if self.bad_loss is not None:
            return
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))
        self.history.setdefault("epoch", []).append(epoch + 1)
        write_json(self.paths.history, self.history)


class _Checkpoint(keras.callbacks.Callback):
    """Every variable of model and optimizer after each good epoch, written in
    the background to backup/checkpoint.npy (see the module docstring).

    The file is a plain sequence of .npy records (never pickled): first the
    number of completed epochs, then each variable in order. No zip and no
    CRC, so the write costs little CPU next to the training threads.
    """

    def __init__(self, paths: RunPaths, state: _RunState):
        super().__init__()
        self.paths = paths
        self.state = state
        self.writer: threading.Thread | None = None
        self.error: BaseException | None = None

    @property
    def file(self) -> Path:
        return self.paths.backup / "checkpoint.npy"

    def variables(self) -> list[Any]:
        optimizer = getattr(self.model, "optimizer", None)
        return list(self.model.variables) + (list(optimizer.variables) if optimizer else [])

    def restore(self, model: Any = None) -> int:
        """Assign the checkpoint to the variables; returns the epochs it holds."""
        if model is not None:
            self.set_model(model)
        variables = self.variables()
        with open(self.file, "rb") as handle:
            done = int(np.lib.format.read_array(handle, allow_pickle=False))
            values = []
            while handle.peek(1):  # until the end of the file
                values.append(np.lib.format.read_array(handle, allow_pickle=False))
        if len(values) != len(variables):
            raise RunFailure(f"{self.file} holds {len(values)} variables, the model has "
                             f"{len(variables)}: it belongs to another spec")
        for value, variable in zip(values, variables):
            if tuple(value.shape) != tuple(variable.shape):
                raise RunFailure(f"{self.file} does not fit variable {variable.path}")
            variable.assign(value)
        return done

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        if self.state.bad_loss is not None:
            return  # never checkpoint a NaN epoch: the last good one stays
        self.wait()
        # Reading a variable gives a tensor with the value it has now, even
        # after later updates: a consistent snapshot in about a millisecond.
        # Turning it into NumPy and writing happen in the background.
        import tensorflow as tf

        snapshot = [tf.identity(v) for v in self.variables()]
        self.paths.backup.mkdir(exist_ok=True)

        def write_records(temporary: Path) -> None:
            with open(temporary, "wb") as handle:
                np.lib.format.write_array(handle, np.array(epoch + 1), allow_pickle=False)
                for value in snapshot:
                    np.lib.format.write_array(handle, np.asarray(value.numpy()), allow_pickle=False)

        def write() -> None:
            try:
                write_atomic(self.file, write_records)
            except BaseException as error:  # noqa: BLE001 - reported by wait()
                self.error = error

        self.writer = threading.Thread(target=write, name="modelspec-checkpoint", daemon=True)
        self.writer.start()

    def on_train_end(self, logs: Any = None) -> None:
        self.wait()

    def wait(self) -> None:
        if self.writer is not None:
            self.writer.join()
            self.writer = None
        if self.error is not None:
            error, self.error = self.error, None
            raise error


def _truncate_history(history: dict[str, list[float]], epochs_done: int) -> dict[str, list[float]]:
    """The history of the first epochs_done epochs (a kill may leave one more)."""
    keep = sum(1 for epoch in history.get("epoch", []) if epoch <= epochs_done)
    return {key: values[:keep] for key, values in history.items()}


# -- data ------------------------------------------------------------------------

def _num_samples(structure: Any) -> int:
    leaves = keras.tree.flatten(structure)
    return int(leaves[0].shape[0]) if leaves else 0


def _take(structure: Any, start: int, stop: int | None) -> Any:
    return keras.tree.map_structure(lambda a: a[start:stop], structure)


def epoch_pipeline(x: Any, y: Any, weights: Any, *, batch_size: int, seed: int, first_epoch: int,
                   epochs: int, shuffle: bool) -> tuple[Any, int]:
    """A tf.data pipeline over all remaining epochs: epoch e is a stateless
    shuffle seeded by (seed, e), batched within the epoch, then prefetched.

    Returns the dataset and the steps per epoch (Keras keeps one iterator
    across epochs when steps_per_epoch is given, so the order is exact).
    """
    import tensorflow as tf

    count = _num_samples(x)
    steps = max(1, math.ceil(count / batch_size))
    # tf.data stacks Python lists into one tensor; positional inputs are tuples.
    parts = tuple(_as_structure(part) for part in (x, y, weights) if part is not None)
    tensors = keras.tree.map_structure(tf.constant, parts)

    def epoch_indices(epoch: Any) -> Any:
        indices = tf.range(count, dtype=tf.int64)
        if shuffle:
            indices = tf.random.experimental.stateless_shuffle(
                indices, seed=tf.stack([tf.constant(seed, tf.int64), epoch]))
        return tf.data.Dataset.from_tensor_slices(indices).batch(batch_size)

    def gather(indices: Any) -> Any:
        return keras.tree.map_structure(lambda t: tf.gather(t, indices), tensors)

    dataset = (tf.data.Dataset.range(first_epoch, max(epochs, first_epoch + 1))
               .flat_map(epoch_indices)
               .map(gather, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
               .prefetch(tf.data.AUTOTUNE))
    return dataset, steps


def resampled_pipeline(dataset: Any, *, batch_size: int, first_epoch: int, epochs: int) -> tuple[Any, int]:
    """A tf.data pipeline over all remaining epochs of a dataset drawn afresh
    every epoch (`Dataset.epoch_data`, e.g. negative sampling): epoch e's
    arrays come from epoch_data(e), so a resumed run sees the same epochs.

    Returns the dataset and the steps per epoch (every epoch has as many
    examples as epoch 0, `dataset.x`/`dataset.y`).
    """
    import tensorflow as tf

    template = (_as_structure(dataset.x), _as_structure(dataset.y))
    leaves = keras.tree.flatten(template)
    steps = max(1, math.ceil(int(leaves[0].shape[0]) / batch_size))
    dtypes = [tf.as_dtype(leaf.dtype) for leaf in leaves]
    shapes = [(None, *leaf.shape[1:]) for leaf in leaves]

    def arrays(epoch: Any) -> list[np.ndarray]:
        return keras.tree.flatten(dataset.epoch_data(int(epoch)))

    def one_epoch(epoch: Any) -> Any:
        tensors = tf.numpy_function(arrays, [epoch], dtypes)
        tensors = tuple(tf.ensure_shape(t, shape) for t, shape in zip(tensors, shapes))
        return tf.data.Dataset.from_tensor_slices(tensors).batch(batch_size)

    pipeline = (tf.data.Dataset.range(first_epoch, max(epochs, first_epoch + 1))
                .flat_map(one_epoch)
                .map(lambda *tensors: keras.tree.pack_sequence_as(template, list(tensors)))
                .prefetch(tf.data.AUTOTUNE))
    return pipeline, steps


def _as_structure(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if len(value) == 1 else tuple(value)
    return value


# -- weights ---------------------------------------------------------------------

def _weights_file(path: Path) -> tuple[Path, Any]:
    """A .weights.h5 file for path; for a .keras archive, its weights member."""
    import tempfile
    import zipfile

    if path.suffix != ".keras":
        return path, None
    folder = tempfile.TemporaryDirectory()
    with zipfile.ZipFile(path) as archive:
        if "model.weights.h5" not in archive.namelist():
            raise RunFailure(f"{path} holds no model.weights.h5")
        target = Path(folder.name) / "model.weights.h5"
        target.write_bytes(archive.read("model.weights.h5"))
    return target, folder


def load_weights(model: keras.Model, path: Path, *, by_name: bool, reporter: Reporter) -> None:
    if not path.exists():
        raise RunFailure(f"cannot read weights: {path} does not exist")
    file, keep = _weights_file(path)
    try:
        if not by_name:
            try:
                model.load_weights(str(file))
            except Exception as error:  # noqa: BLE001
                raise RunFailure(f"cannot load weights from {path}: {' '.join(str(error).split())[:300]} "
                                 "(--weights-by-name loads only the layers whose names match)") from None
            reporter.line(f"  weights: loaded {path}")
            return
        loaded, skipped = _load_by_name(model, path, file)
        reporter.line(f"  weights: loaded {len(loaded)} layer(s) by name from {path}"
                      + (f"; skipped {', '.join(skipped)}" if skipped else ""))
    finally:
        if keep is not None:
            keep.cleanup()


def _source_model(archive: Path, weights_file: Path | None = None) -> keras.Model:
    """The trained model in a .keras archive, rebuilt from its config.json
    (validated like any spec, never unpickled) with its weights loaded."""
    from modelspec.builder import build_spec
    from modelspec.convert import read_keras_archive
    from modelspec.loader import from_data

    keep = None
    if weights_file is None:
        weights_file, keep = _weights_file(archive)
    try:
        config, _ = read_keras_archive(archive)
        document = from_data({"modelspec": 1, "model": config}, str(archive))
        source = build_spec(Spec(document.data, document.source_map))
        source.load_weights(str(weights_file))
        return source
    except SpecError as error:
        raise RunFailure(f"cannot read the model in {archive}: {error}") from None
    except Exception as error:  # noqa: BLE001
        raise RunFailure(f"cannot load the weights in {archive}: {error}") from None
    finally:
        if keep is not None:
            keep.cleanup()


def _load_by_name(model: keras.Model, archive: Path, weights_file: Path) -> tuple[list[str], list[str]]:
    """Keras 2's load_weights(by_name=True). Keras 3 weight files key layers by
    their place in the model, not by name, so the source model is rebuilt from
    the archive to learn which weights belong to which layer name."""
    if archive.suffix != ".keras":
        raise RunFailure(f"--weights-by-name needs a .keras file, which carries the layer names; "
                         f"{archive} is not one (use --weights for a .weights.h5 file)")
    source = _source_model(archive, weights_file)
    by_name = {layer.name: layer for layer in _all_layers(source) if layer.weights}
    loaded, skipped = [], []
    for layer in _all_layers(model):
        other = by_name.get(layer.name)
        if other is None or not layer.weights:
            continue
        values = other.get_weights()
        if len(values) != len(layer.weights) or any(
                tuple(v.shape) != tuple(w.shape) for v, w in zip(values, layer.weights)):
            skipped.append(f"{layer.name} (shapes differ)")
            continue
        layer.set_weights(values)
        loaded.append(layer.name)
    return loaded, skipped


def initialize(model: keras.Model, spec: Spec, reporter: Reporter) -> None:
    """The spec's `init` section: weights by layer name from trained models.

    Every layer of `model` whose name is a layer of exactly one source takes
    that layer's weights (shapes must match). A layer named in `combine`
    (a Dense over concatenated features, like NeuMF's prediction layer) gets
    the same-named Dense of each listed source, stacked in the order listed:
    kernel = [a1*W1; a2*W2; ...], bias = a1*b1 + a2*b2 + ... The rest keep
    their fresh initialisation, and the run log lists them.
    """
    from modelspec.diagnostics import Diagnostic

    section = spec.data.get("init") or {}
    sources = section.get("from") or {}
    combine = section.get("combine") or {}
    base = Path(spec.path).resolve().parent if spec.path is not None else Path.cwd()
    problems: list[Diagnostic] = []

    def problem(pointer: str, message: str, hint: str | None = None) -> None:
        problems.append(Diagnostic(pointer, message, hint=hint, code="init"))

    models = {}
    for name, value in sources.items():
        path = Path(os.path.expanduser(str(value)))
        path = path if path.is_absolute() else base / path
        if path.suffix != ".keras" or not path.is_file():
            problem(f"/init/from/{name}", f"no .keras file at {path}",
                    hint="train the source first (modelspec run ... --output-dir DIR), then name "
                    "DIR/model.keras, relative to this spec file")
            continue
        models[name] = {layer.name: layer for layer in _all_layers(_source_model(path)) if layer.weights}
    if problems:
        raise SpecError(spec.locate(problems))
    targets = {layer.name: layer for layer in _all_layers(model) if layer.weights}
    loaded, fresh = [], []
    for layer_name, parts in combine.items():
        pointer = f"/init/combine/{layer_name}"
        layer = targets.get(layer_name)
        if layer is None or len(layer.weights) != 2 or len(layer.weights[0].shape) != 2:
            problem(pointer, f"the model has no Dense layer '{layer_name}' with a kernel and a bias to combine into")
            continue
        kernels, biases = [], []
        for source_name, factor in parts.items():
            other = models.get(source_name, {}).get(layer_name)
            if source_name not in sources:
                problem(f"{pointer}/{source_name}", f"no source named '{source_name}' in init.from")
            elif other is None or len(other.weights) != 2:
                problem(f"{pointer}/{source_name}", f"source '{source_name}' has no Dense layer '{layer_name}'")
            else:
                kernel, bias = other.get_weights()
                kernels.append(float(factor) * kernel)
                biases.append(float(factor) * bias)
        if len(kernels) != len(parts):
            continue
        kernel = np.concatenate(kernels, axis=0)
        want = tuple(layer.weights[0].shape)
        if kernel.shape != want:
            problem(pointer, f"the sources' kernels stack to {kernel.shape[0]}x{kernel.shape[1]}, but "
                    f"'{layer_name}' has a {want[0]}x{want[1]} kernel")
            continue
        layer.set_weights([kernel, np.sum(biases, axis=0)])
        loaded.append(f"{layer_name} (combined from {', '.join(parts)})")
    for layer_name, layer in targets.items():
        if layer_name in combine:
            continue
        found = [name for name, layers in models.items() if layer_name in layers]
        if not found:
            fresh.append(layer_name)
            continue
        if len(found) > 1:
            problem("/init", f"layer '{layer_name}' is in several sources ({', '.join(found)})",
                    hint=f"say how to merge them under init.combine.{layer_name}, or rename one")
            continue
        values = models[found[0]][layer_name].get_weights()
        shapes = [tuple(w.shape) for w in layer.weights]
        if [v.shape for v in values] != shapes:
            problem("/init", f"layer '{layer_name}' has weights of shapes {shapes} here but "
                    f"{[v.shape for v in values]} in source '{found[0]}'")
            continue
        layer.set_weights(values)
        loaded.append(f"{layer_name} ({found[0]})")
    if problems:
        raise SpecError(spec.locate(problems))
    reporter.line(f"  init: {len(loaded)} layer(s) from {', '.join(sources)}: {', '.join(loaded)}"
                  + (f"; fresh: {', '.join(fresh)}" if fresh else ""))


def _all_layers(model: Any) -> list[Any]:
    found, stack = [], list(reversed(model.layers))
    while stack:
        layer = stack.pop()
        found.append(layer)
        if hasattr(layer, "layers"):
            stack.extend(reversed(layer.layers))
    return found


# -- the run -----------------------------------------------------------------------

def _callbacks(spec_fit: dict[str, Any], paths: RunPaths | None) -> list[Any]:
    """fit.callbacks as Keras objects; relative file paths go into the run directory
    (`paths` is None only when no callback writes files: search's trials)."""
    callbacks = []
    for entry in spec_fit.get("callbacks") or []:
        class_name = entry["class_name"]
        if class_name not in ALLOWED_CALLBACKS:
            raise RunFailure(f"callback {class_name} is not allowed")
        config = dict(entry.get("config") or {})
        key = CALLBACK_PATHS.get(class_name)
        if key and key in config and not os.path.isabs(str(config[key])):
            config[key] = str(paths.root / str(config[key]))
        if class_name == "BackupAndRestore":
            continue  # modelspec always checkpoints every epoch itself, in backup/
        callbacks.append(getattr(keras.callbacks, class_name)(**config))
    return callbacks


def _versions() -> dict[str, str]:
    import tensorflow as tf

    return {"modelspec": __version__, "keras": keras.__version__, "tensorflow": tf.__version__,
            "python": platform.python_version(), "numpy": np.__version__}


def _seed_everything(seed: int | None, deterministic: bool) -> None:
    if seed is not None:
        random.seed(seed)
        np.random.seed(seed)
        keras.utils.set_random_seed(seed)
    if deterministic:
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()


def _named_outputs(model: keras.Model, values: Any) -> dict[str, Any]:
    names = list(model.output_names)
    if isinstance(values, dict):
        return {str(k): np.asarray(v) for k, v in values.items()}
    if isinstance(values, (list, tuple)):
        return {names[i] if i < len(names) else f"output_{i}": np.asarray(v)
                for i, v in enumerate(values)}
    return {names[0] if names else "output": np.asarray(values)}


def run_spec(spec: Spec, options: RunOptions, stream: TextIO) -> RunResult:
    """Run the sections of a validated spec; see the module docstring."""
    from modelspec.builder import build_spec
    from modelspec.data import describe, load_datasets

    from modelspec import hyper

    spec = hyper.resolved(spec)  # a spec written for `modelspec search` runs at its defaults
    reporter = Reporter(stream, options.verbosity)
    data = spec.data
    fit_section = dict(data.get("fit") or {})
    evaluate_section = data.get("evaluate")
    predict_section = data.get("predict")
    seed = data.get("seed")
    deterministic = bool(data.get("deterministic"))
    name = data.get("name") or (spec.path.stem if spec.path else "spec")
    phases: dict[str, float] = {}
    started = time.time()

    from modelspec.distribute import DistributeError, make_strategy

    try:  # first: a multi-worker strategy must exist before TensorFlow runs any op
        strategy, distributed = make_strategy(data.get("distribute"))
    except DistributeError as error:
        raise RunFailure(str(error)) from None
    chief = distributed.get("chief", True)
    if not chief:
        # Only the chief writes the run directory: another worker keeps its files
        # (checkpoints, logs, model) in a private folder, removed at the end.
        import tempfile

        task = distributed.get("task") or {}
        paths = RunPaths(Path(tempfile.mkdtemp(
            prefix=f"modelspec-{task.get('type', 'worker')}{task.get('index', '')}-")))
    else:
        paths = (RunPaths(Path(options.resume)) if options.resume
                 else new_run_dir(name, options.output_dir, overwrite=options.overwrite))
    info: dict[str, Any] = {
        "status": "running", "spec": str(spec.path) if spec.path else None, "name": name,
        "command": options.command_line or sys.argv, "seed": seed, "deterministic": deterministic,
        "precision": data.get("precision", "float32"), "distribute": distributed,
        "versions": _versions(), "started": _now(), "phases": phases, "run_dir": str(paths.root),
    }
    previous_history: dict[str, list[float]] = {}
    if options.resume and chief:
        try:
            previous = read_json(paths.run_info)
            info["resumed_from"] = previous.get("status")
            info["started_first"] = previous.get("started_first", previous.get("started"))
        except (OSError, ValueError):
            pass
        if paths.history.exists():
            previous_history = read_json(paths.history)
    write_text(paths.spec, dumps_yaml(data))
    write_json(paths.run_info, info)
    reporter.open_log(paths.log)

    shapes: dict[str, str] = {}  # for the report's graph, once the model is built

    def finish(status: str, exit_code: int, metrics: dict[str, float] | None = None,
               message: str | None = None) -> RunResult:
        info.update(status=status, exit_code=exit_code, finished=_now(),
                    wall_seconds=round(time.time() - started, 3))
        if message:
            info["message"] = message
        reporter.replay(reporter.release())
        try:
            write_json(paths.run_info, info)
            if chief:
                _write_report(paths, shapes, reporter)
        finally:
            reporter.close()
            if not chief:
                import shutil

                shutil.rmtree(paths.root, ignore_errors=True)
        return RunResult(paths if chief else None, status, exit_code, metrics)

    try:
        clock = time.perf_counter()
        _seed_everything(seed, deterministic)
        reporter.hold()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = build_spec(spec, allow_plugins=options.allow_plugins, allow_unsafe=options.allow_unsafe,
                               strategy=strategy)
        shapes.update(_model_shapes(model))
        if data.get("init") and not options.resume:
            initialize(model, spec, reporter)
        if options.weights or options.weights_by_name:
            load_weights(model, Path(options.weights or options.weights_by_name),
                         by_name=options.weights_by_name is not None, reporter=reporter)
        phases["build"] = round(time.perf_counter() - clock, 3)

        clock = time.perf_counter()
        batch_size = fit_section.get("batch_size") or DEFAULT_BATCH
        wanted = []
        if "fit" in data:
            wanted.append(fit_section.get("data", "train"))
            if fit_section.get("validation_data"):
                wanted.append(fit_section["validation_data"])
        if evaluate_section is not None:
            wanted.append((evaluate_section or {}).get("data", "test"))
        if predict_section is not None:
            wanted.append((predict_section or {}).get("data", "test"))
        wanted = list(dict.fromkeys(wanted))
        datasets = load_datasets(spec, model, wanted, allow_plugins=options.allow_plugins,
                                 seed=seed, batch_size=batch_size) if wanted else {}
        phases["data"] = round(time.perf_counter() - clock, 3)

        building = reporter.release()
        reporter.line(f"modelspec run: {spec.source} (model '{model.name}', "
                      f"{model.count_params():,} parameters)")
        for dataset in datasets.values():
            reporter.line(f"  data {describe(dataset)}")
        if strategy is not None:
            reporter.line(f"  distribute: {_describe_strategy(distributed)}; batch size {batch_size} "
                          f"is the global batch")
        reporter.line(f"  run directory: {paths.root}" if chief else
                      "  run directory: written by the chief; this worker keeps its files in "
                      f"{paths.root} until it ends")
        reporter.replay(building)
        reporter.line(f"  keras {keras.__version__}, seed {seed}, deterministic {deterministic}, "
                      f"batch size {batch_size}", level=2)

        history: dict[str, list[float]] = dict(previous_history)
        state = None
        if "fit" in data:
            clock = time.perf_counter()
            state, checkpoint = _fit(model, fit_section, datasets, paths, reporter, seed=seed or 0,
                                     history=history, batch_size=batch_size,
                                     resuming=options.resume is not None,
                                     extra_callbacks=_ranking_callbacks(evaluate_section, datasets),
                                     tuning=_Tuning(spec, strategy, info),
                                     restore_from=None if chief or not options.resume
                                     else RunPaths(Path(options.resume)))
            phases["fit"] = round(time.perf_counter() - clock, 3)
            if state.bad_loss is not None:
                epoch, value = state.bad_loss
                good = checkpoint.file.exists()
                if good:
                    checkpoint.restore()
                    _save_model(model, paths)
                message = (f"the loss became {value} in epoch {epoch}; training stopped. "
                           + ("model.keras holds the last good epoch" if good
                              else "no epoch had finished, so no model was saved")
                           + "; lower the learning rate or check the data")
                reporter.line(f"error: {message}", level=0)
                return finish("nan", 1, message=message)

        clock = time.perf_counter()
        _save_model(model, paths)
        phases["save"] = round(time.perf_counter() - clock, 3)

        metrics = None
        if evaluate_section is not None:
            clock = time.perf_counter()
            dataset = datasets[(evaluate_section or {}).get("data", "test")]
            if dataset.candidates:
                metrics = _ranking_metrics(model, dataset, evaluate_section, history, reporter)
            else:
                kwargs = dataset.as_fit_kwargs()
                if not _is_pipeline(kwargs):
                    kwargs["batch_size"] = (evaluate_section or {}).get("batch_size") or batch_size
                with warnings.catch_warnings(), keras_errors("evaluation"):
                    warnings.simplefilter("ignore")
                    metrics = model.evaluate(**kwargs, verbose=0, return_dict=True,
                                             steps=(evaluate_section or {}).get("steps"))
                metrics = {k: float(v) for k, v in to_jsonable(metrics).items()}
            write_json(paths.metrics, metrics)
            phases["evaluate"] = round(time.perf_counter() - clock, 3)
        if predict_section is not None:
            clock = time.perf_counter()
            dataset = datasets[(predict_section or {}).get("data", "test")]
            kwargs = dataset.as_fit_kwargs()
            kwargs.pop("y", None)
            kwargs.pop("sample_weight", None)
            if not _is_pipeline(kwargs):
                kwargs["batch_size"] = (predict_section or {}).get("batch_size") or batch_size
            with keras_errors("prediction"):
                predictions = model.predict(**kwargs, verbose=0,
                                            steps=(predict_section or {}).get("steps"))
            write_npz(paths.predictions, _named_outputs(model, predictions))
            phases["predict"] = round(time.perf_counter() - clock, 3)

        if paths.backup.exists():
            import shutil

            shutil.rmtree(paths.backup, ignore_errors=True)
        if metrics:
            reporter.line("final metrics: " + _format_logs(metrics))
        reporter.line("time per phase: " + ", ".join(f"{k} {v:.2f}s" for k, v in phases.items()),
                      level=2)
        if len(distributed.get("devices", ())) > 1 or distributed.get("workers", 1) > 1:
            info["weights_sha256"] = weights_digest(model)
        if chief:
            reporter.line(f"run directory: {paths.root}")
        else:
            reporter.line(f"worker done; final weights sha256 {info['weights_sha256']}; "
                          "the chief wrote the run directory")
        return finish("completed", 0, metrics)
    except KeyboardInterrupt:
        message = (f"interrupted; the last completed epoch is kept in {paths.backup}. "
                   f"Resume with: modelspec run --resume {paths.root}")
        reporter.line(message, level=0)
        return finish("interrupted", 130, message=message)
    except SpecError:
        finish("failed", 1, message="invalid spec or data")
        raise
    except (RunFailure, OutputError) as error:
        reporter.line(f"error: {error}", level=0)
        return finish("failed", 1, message=str(error))


def _model_shapes(model: keras.Model) -> dict[str, str]:
    from modelspec.plot import model_shapes

    try:
        return model_shapes(model)
    except Exception:  # noqa: BLE001 - shapes only decorate the report's graph
        return {}


def _write_report(paths: RunPaths, shapes: dict[str, str], reporter: Reporter) -> None:
    """report.html; a run never fails because its report could not be written."""
    from modelspec.report import write_report

    try:
        write_report(paths.root, shapes)
    except Exception as error:  # noqa: BLE001
        reporter.line(f"note: report.html not written: {type(error).__name__}: {error}", level=2)


def _ranking_callbacks(section: Any, datasets: dict[str, Any]) -> list[Any]:
    """The per-epoch ranking evaluation, when `evaluate` ranks candidates and every_epoch is on."""
    from modelspec import ranking

    if section is None:
        return []
    dataset = datasets.get((section or {}).get("data", "test"))
    k, metrics, every_epoch = ranking.options(section)
    if dataset is None or not dataset.candidates or not every_epoch:
        return []
    return [ranking.RankingCallback(dataset, k, metrics)]


def _ranking_metrics(model: keras.Model, dataset: Any, section: Any, history: dict[str, list[float]],
                     reporter: Reporter) -> dict[str, float]:
    """metrics.json of a ranking evaluation: the final model's metrics, and
    with every_epoch the best epoch's as best_epoch and best_<metric>."""
    from modelspec import ranking
    from modelspec.interactions import ranking_metrics

    k, names, every_epoch = ranking.options(section)
    with keras_errors("evaluation"):
        metrics = ranking_metrics(ranking.score(model, dataset), k, names)
    best = ranking.best_from_history(history, k, names) if every_epoch else None
    if best:
        metrics["best_epoch"] = best.pop("epoch")
        metrics.update({f"best_{key}": value for key, value in best.items()})
        reporter.line(f"best epoch {metrics['best_epoch']}: "
                      + _format_logs({key: value for key, value in best.items()}))
    return metrics


def _is_pipeline(kwargs: dict[str, Any]) -> bool:
    import tensorflow as tf

    x = kwargs.get("x")
    return isinstance(x, (tf.data.Dataset, keras.utils.PyDataset))


def _save_model(model: keras.Model, paths: RunPaths) -> None:
    write_atomic(paths.model, lambda temporary: model.save(str(temporary)))


def _fit(model: keras.Model, section: dict[str, Any], datasets: dict[str, Any], paths: RunPaths,
         reporter: Reporter, *, seed: int, history: dict[str, list[float]], batch_size: int,
         resuming: bool, extra_callbacks: list[Any] | None = None, tuning: _Tuning | None = None,
         restore_from: RunPaths | None = None) -> tuple[_RunState, _Checkpoint]:
    import tensorflow as tf

    train = datasets[section.get("data", "train")]
    epochs = int(section.get("epochs", 1))
    initial_epoch = int(section.get("initial_epoch", 0))
    done = 0
    state = _RunState(paths, history)
    checkpoint = _Checkpoint(paths, state)
    # A worker other than the chief resumes from the chief's checkpoint (a shared
    # folder, as TensorFlow's multi-worker guide assumes) and writes its own elsewhere.
    source = _Checkpoint(restore_from, state) if restore_from is not None else checkpoint
    if resuming and source.file.exists():
        done = source.restore(model)
        reporter.line(f"resuming after epoch {done} of {epochs}")
        initial_epoch = max(initial_epoch, done)
    truncated = _truncate_history(history, done)
    history.clear()
    history.update(truncated)
    # first: callbacks that add to the logs (ranking metrics), before those that read them
    callbacks = [*(extra_callbacks or []), state, checkpoint, *_callbacks(section, paths),
                 _EpochLine(reporter, epochs)]
    kwargs: dict[str, Any] = {key: section[key] for key in FIT_KEYS if key in section}
    kwargs.pop("batch_size", None)
    kwargs.pop("initial_epoch", None)
    kwargs.pop("shuffle", None)
    fit_inputs = train.as_fit_kwargs()
    pipeline_steps = None  # steps per epoch of modelspec's own pipeline, when it feeds fit
    validation = section.get("validation_data")
    if validation:
        kwargs["validation_data"] = _validation_tuple(datasets[validation].as_fit_kwargs())
    if train.epoch_data is not None:
        if section.get("validation_split"):
            raise RunFailure(f"validation_split cannot split dataset '{train.name}', which is drawn "
                             "afresh every epoch; name a validation dataset in fit.validation_data")
        fit_inputs = {}
        fit_inputs["x"], kwargs["steps_per_epoch"] = resampled_pipeline(
            train, batch_size=batch_size, first_epoch=initial_epoch, epochs=epochs)
        pipeline_steps = kwargs["steps_per_epoch"]
    elif train.per_input_pipeline is not None and tuning is not None and tuning.strategy is not None:
        fit_inputs = {"x": tuning.strategy.distribute_datasets_from_function(train.per_input_pipeline)}
        reporter.line(f"  data {train.name}: one input pipeline per worker "
                      "(distribute_datasets_from_function)", level=2)
    elif not isinstance(fit_inputs.get("x"), (tf.data.Dataset, keras.utils.PyDataset)):
        x, y, w = fit_inputs["x"], fit_inputs.get("y"), fit_inputs.get("sample_weight")
        split = section.get("validation_split")
        if split and not validation:
            # As Keras's own validation_split: the last fraction, before shuffling.
            count = _num_samples(x)
            cut = int(count * (1 - split))
            kwargs["validation_data"] = tuple(
                _take(part, cut, None) for part in (x, y, w) if part is not None)
            x, y, w = (_take(part, 0, cut) if part is not None else None for part in (x, y, w))
        if section.get("steps_per_epoch"):
            fit_inputs = {"x": x, "y": y, "sample_weight": w, "batch_size": batch_size,
                          "shuffle": section.get("shuffle", True)}
            fit_inputs = {k: v for k, v in fit_inputs.items() if v is not None}
        else:
            pipeline, steps = epoch_pipeline(x, y, w, batch_size=batch_size, seed=seed,
                                             first_epoch=initial_epoch, epochs=epochs,
                                             shuffle=section.get("shuffle", True) is not False)
            fit_inputs = {"x": pipeline}
            kwargs["steps_per_epoch"] = pipeline_steps = steps
    if "batch_size" not in fit_inputs and "steps_per_epoch" not in kwargs:
        kwargs["shuffle"] = False  # a stream: Keras cannot shuffle it (csv has shuffle_buffer)
    if tuning is not None:
        tuning.apply(model, pipeline_steps, section, reporter)
    verbose = 0 if reporter.verbosity == 0 or not reporter.interactive else 1
    with warnings.catch_warnings(), keras_errors("training"):
        warnings.simplefilter("ignore")
        model.fit(**fit_inputs, **kwargs, initial_epoch=initial_epoch, callbacks=callbacks,
                  verbose=verbose)
    if tuning is not None:
        tuning.restore(model)
    return state, checkpoint


class _Tuning:
    """Automatic steps_per_execution (`fit.autotune`, on by default).

    Small models spend most of a step in per-step overhead (a Python round
    trip and a tf.function call per batch); running several steps per
    execution removes it. Keras's multi-step loop does not stop at an epoch
    boundary, and modelspec feeds one pipeline across all epochs (see the
    module docstring), so the chosen value divides the steps per epoch
    exactly: the divisor of the steps per epoch nearest 32 (by ratio) up to
    128, when it is at least 4 (NCF at batch 32 has 15,478 = 2x71x109 steps: 71). An epoch then ends on an execution boundary,
    every epoch trains exactly its own batches, and the progress bar and
    per-batch callbacks see the true step numbers (end of each execution).
    Integer `save_freq`/`update_freq` of ModelCheckpoint/TensorBoard must be
    multiples of it, so they still fire on their batch. It holds for fit only
    (validation during fit included); evaluate and predict after it run with
    the compiled value.

    Left at Keras's value when the spec sets compile.steps_per_execution (a
    verbatim model's compile_config included), when fit.autotune is false,
    under a distribution strategy (Keras 3.15 fails there, see
    modelspec.distribute), and when the training data is a stream or a user
    steps_per_epoch (Keras's own per-epoch iteration). run.json records the
    choice or the reason under "autotune".
    """

    TARGET, MOST, LEAST = 32, 128, 4

    def __init__(self, spec: Spec, strategy: Any, info: dict[str, Any]):
        self.spec = spec
        self.strategy = strategy
        self.info = info
        self.kept: int | None = None  # the value before apply() changed it

    def restore(self, model: keras.Model) -> None:
        """Back to the compiled value after fit: evaluate and predict run once over
        their data, where a many-step function costs more to trace than it saves
        (news_headline's predict took 0.8-1.0 s instead of 0.3 s)."""
        if self.kept is not None:
            model.steps_per_execution, self.kept = self.kept, None
            model.train_function = model.test_function = model.predict_function = None

    def reason_to_keep(self, model: keras.Model, steps: int | None, section: dict[str, Any]) -> str | None:
        data = self.spec.data
        compile_section = data.get("compile") if isinstance(data.get("compile"), dict) else None
        model_section = data.get("model") if isinstance(data.get("model"), dict) else {}
        written = (compile_section or {}) if compile_section is not None else (
            model_section.get("compile_config") or {})
        if section.get("autotune") is False:
            return "fit.autotune is false"
        if "steps_per_execution" in written:
            return "the spec sets steps_per_execution"
        if self.strategy is not None:
            return "Keras 3 runs one step per execution under a distribution strategy"
        if getattr(model, "steps_per_execution", 1) != 1:
            return "the model's compile config sets steps_per_execution"
        if steps is None:
            return "the training data is a stream or fit.steps_per_epoch is set: Keras iterates it"
        return None

    def choose(self, steps: int, section: dict[str, Any]) -> int:
        frequencies = []
        for entry in section.get("callbacks") or []:
            config = entry.get("config") or {}
            for key in ("save_freq", "update_freq"):
                if isinstance(config.get(key), int) and not isinstance(config.get(key), bool):
                    frequencies.append(config[key])
        divisors = [n for n in range(self.LEAST, min(steps, self.MOST) + 1)
                    if steps % n == 0 and all(f % n == 0 for f in frequencies)]
        if not divisors:
            return 1
        return min(divisors, key=lambda n: (max(n / self.TARGET, self.TARGET / n), -n))

    def apply(self, model: keras.Model, steps: int | None, section: dict[str, Any], reporter: Reporter) -> None:
        reason = self.reason_to_keep(model, steps, section)
        current = int(getattr(model, "steps_per_execution", 1) or 1)
        if reason is not None:
            self.info["autotune"] = {"steps_per_execution": current, "chosen": False, "reason": reason}
            return
        chosen = self.choose(int(steps), section)
        self.info["autotune"] = {"steps_per_execution": chosen, "chosen": True, "steps_per_epoch": steps,
                                 "rule": f"divisor of the {steps} steps per epoch nearest "
                                         f"{self.TARGET}, from {self.LEAST} to {self.MOST}"
                                 + ("" if chosen > 1 else ": none, so 1")}
        if chosen != current:
            self.kept = current
            model.steps_per_execution = chosen
            model.train_function = model.test_function = model.predict_function = None
        reporter.line(f"  autotune: steps_per_execution {chosen} ({steps} steps per epoch; "
                      "fit.autotune: false turns it off)", level=2)


def weights_digest(model: keras.Model) -> str:
    """sha256 of every weight's bytes, in order: equal digests, equal weights."""
    import hashlib

    digest = hashlib.sha256()
    for value in model.get_weights():
        digest.update(np.ascontiguousarray(value).tobytes())
    return digest.hexdigest()


def _describe_strategy(facts: dict[str, Any]) -> str:
    text = f"{facts['strategy']}, {facts.get('replicas', 1)} replica(s)"
    if "task" in facts:
        task = facts["task"]
        text += f", task {task.get('type')} {task.get('index')} of {facts.get('workers', '?')} worker(s)"
        text += " (chief)" if facts.get("chief") else ""
    elif facts.get("devices"):
        text += f" on {', '.join(facts['devices'])}"
    return text


@contextlib.contextmanager
def keras_errors(phase: str) -> Any:
    """Keras's own errors during fit/evaluate/predict (a data shape it rejects,
    say) become one clear line; KeyboardInterrupt and our own failures pass."""
    try:
        yield
    except (KeyboardInterrupt, RunFailure, OutputError, SpecError):
        raise
    except Exception as error:  # noqa: BLE001
        text = " ".join(str(error).replace("\x1b[1m", "").replace("\x1b[0m", "").split())
        raise RunFailure(f"Keras failed during {phase}: {text[:600]}") from None


def _validation_tuple(kwargs: dict[str, Any]) -> Any:
    if "y" not in kwargs:
        return kwargs["x"]
    parts = [kwargs["x"], kwargs["y"]]
    if kwargs.get("sample_weight") is not None:
        parts.append(kwargs["sample_weight"])
    return tuple(parts)


def _now() -> str:
    import datetime

    return datetime.datetime.now().astimezone().isoformat(timespec="seconds")

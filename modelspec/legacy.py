"""Bring Keras 1, Keras 2, tf.keras 2 and TensorFlow.js model files forward to Keras 3.

Keras 3 reads none of these files as they are (see the corpus README in
``../shared/corpus/keras-configs``). `upgrade` rewrites such a document, as
plain data and without importing anything, into a Keras 3 model section, and
records every change as a located note. Later stages (validation, building,
`convert`) then see ordinary Keras 3 data; a `MovedSourceMap` sends the
pointers of that data back to where the old file wrote them, so every
diagnostic still names the old file's line and column.

What is recognised (`legacy_format`):

- Keras 1/2 list-form Sequential configs (``"config": [...]``);
- a top-level ``class_name`` Model, Functional or Sequential with
  ``keras_version`` (1.x or 2.x) or ``backend``, or ``Model`` without
  ``module``: Keras 2.0-2.12 and tf.keras, including the 2.13 envelopes with
  ``module``/``registered_name``;
- TensorFlow.js ``model.json`` (its ``modelTopology``, or
  ``modelTopology.model_config``); the weights manifest is ignored;
- the same inside a spec's ``model:`` section.

The translation table (`CLASS_RENAMES`, `ARGUMENT_RENAMES` and the rules in
`_Upgrader.layer_config`) is the one README.md shows under "Bringing old
models forward". Changes that alter behaviour (a non-zero Keras 1 Embedding
dropout, a forget-gate bias that was not initialised to one) are warnings.
What cannot be translated is an error: a ``Merge`` whose mode is a Python
function, ``border_mode: full``, BatchNormalization modes 1 and 2,
``time_major: true``, ``DepthwiseConv2D(groups != 1)``, Lambda functions
given by name.

Shapes: a Sequential's input shape (``batch_input_shape``, or Keras 1's
``input_dim``/``input_length``) becomes an explicit InputLayer named
``<first layer>_input``, as Keras 2 named it, with the shape exactly as
written: no batch axis is ever added.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
from typing import Any

from modelspec import bytecode
from modelspec.diagnostics import Diagnostic, Severity, join_pointer
from modelspec.normalize import MODEL_CLASSES

# Old class name -> (Keras 3 class name, why).
CLASS_RENAMES: dict[str, tuple[str, str]] = {
    "Convolution1D": ("Conv1D", "Keras 1 name"),
    "Convolution2D": ("Conv2D", "Keras 1 name"),
    "Convolution3D": ("Conv3D", "Keras 1 name"),
    "AtrousConvolution1D": ("Conv1D", "Keras 1 name; atrous_rate is dilation_rate"),
    "AtrousConvolution2D": ("Conv2D", "Keras 1 name; atrous_rate is dilation_rate"),
    "Deconvolution2D": ("Conv2DTranspose", "Keras 1 name"),
    "Deconvolution3D": ("Conv3DTranspose", "Keras 1 name"),
    "SeparableConvolution2D": ("SeparableConv2D", "Keras 1 name"),
    "CuDNNLSTM": ("LSTM", "Keras 2's cuDNN-only layer; LSTM runs on cuDNN by itself when it can"),
    "CuDNNGRU": ("GRU", "Keras 2's cuDNN-only layer; GRU runs on cuDNN by itself when it can"),
    "ThresholdedReLU": ("ReLU", "Keras 2 layer; theta is ReLU's threshold"),
}
# Classes Keras 3 no longer has, and what to write instead (validate's message;
# those in CLASS_RENAMES are also rewritten when an old file is read).
REMOVED_LAYERS: dict[str, str] = {
    "CuDNNLSTM": "use LSTM, which runs on cuDNN by itself when its settings allow",
    "CuDNNGRU": "use GRU with reset_after: true (as CuDNNGRU computed), which runs on cuDNN by itself "
                "when its settings allow",
    "ThresholdedReLU": "use ReLU with threshold set to the old theta",
    "LocallyConnected1D": "it has no locally connected layers; use Conv1D (weights shared across "
                          "positions), or supply the layer as a plugin",
    "LocallyConnected2D": "it has no locally connected layers; use Conv2D (weights shared across "
                          "positions), or supply the layer as a plugin",
    "Merge": "use the merging layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate "
             "or Dot (modelspec convert rewrites Merge(mode=...) in old files)",
    "merge": "use the merging layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate "
             "or Dot",
    "Highway": "Keras 2 removed it: write it as a plugin layer",
    "MaxoutDense": "Keras 2 removed it: use Dense layers and a Maximum layer, or a plugin",
    "TimeDistributedDense": "use TimeDistributed around a Dense layer",
}
# Merge(mode=...) -> the Keras 3 merge layer.
MERGE_MODES = {"sum": "Add", "mul": "Multiply", "concat": "Concatenate", "ave": "Average",
               "max": "Maximum", "dot": "Dot", "cos": "Dot"}
MERGE_KEYS = {"mode", "mode_type", "concat_axis", "dot_axes", "output_shape", "output_shape_type",
              "output_mask", "output_mask_type", "arguments", "name", "trainable"}

RECURRENT = {"SimpleRNN", "GRU", "LSTM"}
DENSE_LIKE = {"Dense"} | RECURRENT
DROPOUTS = {"Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianDropout"}
POOLING_1D = {"MaxPooling1D", "AveragePooling1D"}

# (old argument, new argument, classes it applies to; None: any class).
# Earlier rows win: the class-specific ones come first.
ARGUMENT_RENAMES: list[tuple[str, str, set[str] | None]] = [
    ("output_dim", "units", DENSE_LIKE),
    ("init", "embeddings_initializer", {"Embedding"}),
    ("W_regularizer", "embeddings_regularizer", {"Embedding"}),
    ("W_constraint", "embeddings_constraint", {"Embedding"}),
    ("init", "alpha_initializer", {"PReLU"}),
    ("init", "kernel_initializer", None),
    ("inner_init", "recurrent_initializer", None),
    ("inner_activation", "recurrent_activation", None),
    ("W_regularizer", "kernel_regularizer", None),
    ("U_regularizer", "recurrent_regularizer", None),
    ("b_regularizer", "bias_regularizer", None),
    ("W_constraint", "kernel_constraint", None),
    ("U_constraint", "recurrent_constraint", None),
    ("b_constraint", "bias_constraint", None),
    ("bias", "use_bias", None),
    ("nb_filter", "filters", None),
    ("filter_length", "kernel_size", None),
    ("subsample_length", "strides", None),
    ("subsample", "strides", None),
    ("border_mode", "padding", None),
    ("atrous_rate", "dilation_rate", None),
    ("dim_ordering", "data_format", None),
    ("dropout_W", "dropout", RECURRENT),
    ("dropout_U", "recurrent_dropout", RECURRENT),
    ("pool_length", "pool_size", POOLING_1D),
    ("stride", "strides", POOLING_1D),
    ("length", "size", {"UpSampling1D"}),
    ("p", "rate", DROPOUTS),
    ("sigma", "stddev", {"GaussianNoise"}),
    ("beta_init", "beta_initializer", None),
    ("gamma_init", "gamma_initializer", None),
]
DATA_FORMATS = {"th": "channels_first", "tf": "channels_last"}
DTYPES = {"float": "float32", "double": "float64"}
# Keras 1 regularizer and constraint objects: {"name": ..., ...} -> Keras 3.
OLD_REGULARIZERS = {"WeightRegularizer", "ActivityRegularizer", "L1L2Regularizer"}
OLD_CONSTRAINTS = {"MaxNorm": {"m": "max_value", "axis": "axis"}, "NonNeg": {},
                   "UnitNorm": {"axis": "axis"}}
# Input-shape keys of old layers: the first layer's become an InputLayer.
SHAPE_KEYS = ("batch_input_shape", "input_shape", "input_dim", "input_length", "input_dtype")
LEGACY_ENVELOPE_KEYS = {"class_name", "config", "keras_version", "backend", "module", "registered_name"}


def keras2_names(key: str) -> list[str]:
    """What a Keras 1/2 argument name is called in Keras 3, most specific first
    (the table above, and the optimizers' `lr`)."""
    if key == "lr":
        return ["learning_rate"]
    if key == "nb_epoch":
        return ["epochs"]
    names = [new for old, new, _ in ARGUMENT_RENAMES if old == key]
    return list(dict.fromkeys(names))


def legacy_format(model: Any) -> str | None:
    """What old format `model` (a whole file, or a spec's model section) is in, or None."""
    if not isinstance(model, dict) or "modelspec" in model:
        return None
    if isinstance(model.get("modelTopology"), dict):
        topology = model["modelTopology"]
        inner = topology.get("model_config")
        version = topology.get("keras_version") or (inner.get("keras_version") if isinstance(inner, dict) else None)
        return f"TensorFlow.js layers model ({version})" if version else "TensorFlow.js layers model"
    class_name = model.get("class_name")
    if not isinstance(class_name, str) or class_name not in MODEL_CLASSES:
        return None
    version = model.get("keras_version")
    if isinstance(model.get("config"), list):
        return f"Keras {version} list-form Sequential" if version else "Keras 1/2 list-form Sequential"
    if isinstance(version, str) and not version.startswith("3."):
        return f"tf.keras {version[:-3]}" if version.endswith("-tf") else f"Keras {version}"
    if "module" not in model and ("backend" in model or class_name == "Model"):
        return "Keras 2"
    return None


def foreign_model_class(data: Any) -> Diagnostic | None:
    """A registered model class of another library (a keras_hub preset): not a layer graph."""
    if not (isinstance(data, dict) and "modelspec" not in data and isinstance(data.get("class_name"), str)
            and isinstance(data.get("config"), dict) and "layers" not in data["config"]
            and data["class_name"] not in MODEL_CLASSES):
        return None
    module = data.get("module")
    registered = data.get("registered_name")
    if not isinstance(module, str) and not (isinstance(registered, str) and ">" in registered):
        return None
    package = (module.split(".")[0] if isinstance(module, str) else registered.split(">")[0])
    class_name = data["class_name"]
    hint = (f"load it with {package} itself (for keras_hub: keras_hub.models.{class_name}"
            ".from_preset(...)); modelspec never imports the module a file names")
    return Diagnostic("/class_name", f"'{class_name}' is a model class registered by the "
                      f"{package} package ({registered or module}), not a layer graph: its config "
                      "holds constructor arguments, and only that package's code can build it. "
                      "modelspec reads Functional and Sequential models", hint=hint,
                      code="foreign-model-class")


@dataclasses.dataclass
class Upgrade:
    """A legacy document translated: Keras 3 data, where its parts came from, and the notes."""

    data: Any
    moves: dict[str, str]  # pointer in `data` -> pointer in the original document
    diagnostics: list[Diagnostic]  # pointers into the original document


class MovedSourceMap:
    """The source map of an upgraded document: pointers are sent back to the original's."""

    def __init__(self, base: Any, moves: dict[str, str]):
        self.base = base
        self.moves = moves
        self.source = base.source

    def original_pointer(self, pointer: str) -> str:
        cut = pointer
        while True:
            found = self.moves.get(cut)
            if found is not None:
                return found + pointer[len(cut):]
            if not cut:
                return pointer
            cut = cut[:cut.rfind("/")] if "/" in cut else ""

    def position(self, pointer: str, *, key: bool = False) -> tuple[int, int] | None:
        return self.base.position(self.original_pointer(pointer), key=key)


def upgrade(data: Any) -> Upgrade | None:
    """The Keras 3 form of a legacy model file or of a spec with a legacy model section;
    None when `data` is neither."""
    if isinstance(data, dict) and "modelspec" in data:
        model = data.get("model")
        found = legacy_format(model)
        if found is None:
            return None
        upgrader = _Upgrader()
        new_model = upgrader.document(model, "/model", "/model", found)
        return Upgrade(dict(data, model=new_model), upgrader.moves, upgrader.diagnostics)
    found = legacy_format(data)
    if found is None:
        return None
    upgrader = _Upgrader()
    return Upgrade(upgrader.document(data, "", "", found), upgrader.moves, upgrader.diagnostics)


class _Upgrader:
    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []
        self.moves: dict[str, str] = {}
        self.names: set[str] = set()

    def note(self, pointer: str, message: str, code: str = "legacy-rename") -> None:
        self.diagnostics.append(Diagnostic(pointer, message, severity=Severity.NOTE, code=code))

    def warn(self, pointer: str, message: str, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(pointer, message, hint=hint, severity=Severity.WARNING,
                                           code="legacy-behaviour"))

    def error(self, pointer: str, message: str, hint: str | None = None,
              code: str = "legacy-untranslatable") -> None:
        self.diagnostics.append(Diagnostic(pointer, message, hint=hint, code=code))

    def move(self, new: str, old: str) -> None:
        if new != old:
            self.moves[new] = old

    # -- documents and models ---------------------------------------------------
    def document(self, data: dict[str, Any], old: str, new: str, found: str) -> dict[str, Any]:
        self.move(new, old)
        if "modelTopology" in data:
            topology = data["modelTopology"]
            old = old + "/modelTopology"
            if isinstance(topology.get("model_config"), dict):
                topology, old = topology["model_config"], old + "/model_config"
            self.move(new, old)
            extra = ("; the weights manifest is ignored: modelspec reads the architecture, "
                     "not weights.bin" if "weightsManifest" in data else "")
            self.note(old, f"read as a {found}: its modelTopology, translated to Keras 3{extra}",
                      "legacy-file")
            data = topology
        else:
            self.note(old, f"read as a {found} model file, translated to Keras 3 "
                      "(each change is noted)", "legacy-file")
        for key in data:
            if key not in LEGACY_ENVELOPE_KEYS:
                self.note(old + join_pointer(key), f"'{key}' ignored: it is not part of "
                          "a Keras model config", "legacy-ignored")
        self.names = set(_layer_names(data))
        result = self.model(data, old, new)
        self.warn_hard_sigmoid(data, old)
        return result

    def warn_hard_sigmoid(self, data: dict[str, Any], old: str) -> None:
        """hard_sigmoid changed meaning in Keras 3: one warning, at its first use."""
        uses = [pointer for pointer, value in _walk(data, old)
                if value == "hard_sigmoid" and pointer.rsplit("/", 1)[-1] in HARD_SIGMOID_KEYS]
        if uses:
            self.warn(uses[0], f"'hard_sigmoid' ({len(uses)} use{'s' if len(uses) > 1 else ''} in this "
                      "file) is clip(0.2x + 0.5) in Keras 1, Keras 2 and tf.keras but clip(x/6 + 0.5) "
                      "in Keras 3: the model converts, but weights trained with the old one behave "
                      "differently", hint="to train afresh, nothing needs doing; to keep old weights, "
                      "supply the old function as a plugin activation")

    def model(self, model: dict[str, Any], old: str, new: str) -> dict[str, Any]:
        self.move(new, old)
        class_name = model.get("class_name")
        config = model.get("config")
        if class_name == "Sequential":
            if isinstance(config, list):
                layers, old_layers, rest = config, old + "/config", {}
            elif isinstance(config, dict):
                layers, old_layers = config.get("layers"), old + "/config/layers"
                rest = {k: v for k, v in config.items() if k != "layers"}
            else:
                return {k: v for k, v in model.items() if k in ("class_name", "config")}
            self.move(new + "/config", old + "/config")
            self.move(new + "/config/layers", old_layers)
            new_config = dict(rest)
            new_config.setdefault("name", "sequential")  # Keras's own default, fixed for round trips
            new_config["layers"] = (self.sequential_layers(layers, old_layers, new + "/config/layers")
                                    if isinstance(layers, list) else layers)
            layers = new_config["layers"]
            if isinstance(layers, list) and layers and isinstance(layers[0], dict) \
                    and layers[0].get("class_name") == "InputLayer":
                new_config.pop("build_input_shape", None)
            return {"class_name": "Sequential", "config": new_config}
        if not isinstance(config, dict):
            return {"class_name": "Functional", "config": config}
        self.move(new + "/config", old + "/config")
        new_config = dict(config)
        layers = config.get("layers")
        if isinstance(layers, list):
            new_config["layers"] = [
                self.layer(entry, f"{old}/config/layers/{i}", f"{new}/config/layers/{i}", first=False)
                for i, entry in enumerate(layers)]
        return {"class_name": "Functional", "config": new_config}

    def sequential_layers(self, layers: list[Any], old: str, new: str) -> list[Any]:
        result: list[Any] = []
        first = layers[0] if layers else None
        if isinstance(first, dict) and isinstance(first.get("class_name"), str) \
                and first["class_name"] not in ("InputLayer", *MODEL_CLASSES) \
                and isinstance(first.get("config"), dict):
            input_layer = self.input_layer_for(first, old + "/0")
            if input_layer is not None:
                result.append(input_layer)
                self.move(f"{new}/0", old + "/0")
        offset = len(result)
        for i, entry in enumerate(layers):
            result.append(self.layer(entry, f"{old}/{i}", f"{new}/{i + offset}", first=i == 0))
        return result

    def input_layer_for(self, entry: dict[str, Any], old: str) -> dict[str, Any] | None:
        """The InputLayer that the first layer of an old Sequential implied."""
        config = entry["config"]
        class_name = entry.get("class_name")
        shape = config.get("batch_input_shape")
        if not isinstance(shape, list):
            input_shape = config.get("input_shape")
            input_dim = config.get("input_dim")
            input_length = config.get("input_length")
            if isinstance(input_shape, list):
                shape = [None, *input_shape]
            elif class_name == "Embedding" and isinstance(input_length, int):
                shape = [None, input_length]
            elif isinstance(input_dim, int) and class_name != "Embedding":
                shape = [None, input_length, input_dim] if "input_length" in config else [None, input_dim]
            else:
                return None
        dtype = config.get("input_dtype", config.get("dtype"))
        dtype = DTYPES.get(dtype, dtype) if isinstance(dtype, str) else "float32"
        name = self.unique(f"{config.get('name') or 'input'}_input")
        where = next((k for k in SHAPE_KEYS if k in config), "batch_input_shape")
        self.note(old + "/config" + join_pointer(where),
                  f"the input shape {_shape(shape)} becomes an explicit InputLayer '{name}' "
                  "with that batch_shape (Keras 3 would otherwise add a batch axis)",
                  "legacy-input-layer")
        return {"class_name": "InputLayer", "config": {"batch_shape": list(shape), "dtype": dtype,
                                                      "name": name}}

    def unique(self, name: str) -> str:
        candidate, n = name, 1
        while candidate in self.names:
            n += 1
            candidate = f"{name}_{n}"
        self.names.add(candidate)
        return candidate

    # -- layers -------------------------------------------------------------------
    def layer(self, entry: Any, old: str, new: str, *, first: bool) -> Any:
        if not isinstance(entry, dict) or not isinstance(entry.get("config"), (dict, list)):
            return entry
        self.move(new, old)
        class_name = entry.get("class_name")
        if not isinstance(class_name, str):
            return entry
        if class_name in MODEL_CLASSES and (isinstance(entry["config"], list) or "layers" in entry["config"]):
            result = self.model(entry, old, new)
            for key in ("name", "inbound_nodes"):
                if key in entry:
                    result[key] = entry[key]
            return result
        if not isinstance(entry["config"], dict):
            return entry
        new_class, new_config = self.layer_config(class_name, entry["config"], old, new, first=first)
        result = {k: v for k, v in entry.items() if k not in ("module", "registered_name", "class_name",
                                                               "config")}
        if entry.get("module") not in (None, "keras.layers") or entry.get("registered_name"):
            result["module"] = entry.get("module")
            result["registered_name"] = entry.get("registered_name")
        result["class_name"] = new_class
        result["config"] = new_config
        return dict(sorted(result.items(), key=lambda item: _ENTRY_ORDER.get(item[0], 9)))

    def layer_config(self, class_name: Any, config: dict[str, Any], old: str, new: str, *,
                     first: bool) -> tuple[Any, dict[str, Any]]:
        """Translate one layer: (new class name, new config). Notes name each change."""
        old_config, new_config = old + "/config", new + "/config"
        self.move(new_config, old_config)
        what = f"layer '{config.get('name')}'" if isinstance(config.get("name"), str) else f"{class_name} layer"
        changes: list[str] = []
        config = copy.deepcopy(config)
        if class_name in CLASS_RENAMES:
            new_name, why = CLASS_RENAMES[class_name]
            changes.append(f"{class_name} → {new_name} ({why})")
            if class_name == "CuDNNGRU":
                config.setdefault("reset_after", True)  # what CuDNNGRU computed
            class_name = new_name
        elif class_name == "Merge":
            return self.merge(config, old, new, what)
        elif class_name == "TimeDistributedDense":
            return self.time_distributed_dense(config, old, new, what, first)
        elif class_name == "Lambda":
            self.lambda_function(config, old_config, what, changes)
        if class_name == "InputLayer":
            self.input_layer_keys(config, old_config, new_config, changes)
        else:
            self.shape_keys(config, class_name, old_config, changes, first)
        self.rename_arguments(class_name, config, old_config, new_config, changes)
        self.drop_or_change(class_name, config, old_config, what, changes)
        for key in ("layer",):  # wrappers: Bidirectional, TimeDistributed
            inner = config.get(key)
            if isinstance(inner, dict) and isinstance(inner.get("config"), dict):
                config[key] = self.layer(inner, f"{old_config}/{key}", f"{new_config}/{key}", first=False)
        if isinstance(config.get("backward_layer"), dict):
            config["backward_layer"] = self.layer(config["backward_layer"], f"{old_config}/backward_layer",
                                                  f"{new_config}/backward_layer", first=False)
        if changes:
            self.note(old + "/class_name", f"{what}: " + "; ".join(changes))
        return class_name, config

    def rename_arguments(self, class_name: str, config: dict[str, Any], old: str, new: str,
                         changes: list[str]) -> None:
        for old_key, new_key, classes in ARGUMENT_RENAMES:
            if old_key not in config or (classes is not None and class_name not in classes):
                continue
            if new_key in config:
                continue  # both spellings: keep the new one, the old is dropped below
            value = config.pop(old_key)
            shown = f"{old_key} → {new_key}"
            if old_key == "dim_ordering":
                if value == "default":
                    changes.append("dim_ordering 'default' dropped (Keras 3 defaults to channels_last)")
                    continue
                if isinstance(value, str) and value in DATA_FORMATS:
                    shown = f"dim_ordering '{value}' → data_format '{DATA_FORMATS[value]}'"
                    value = DATA_FORMATS[value]
            elif old_key == "border_mode" and value == "full":
                self.error(old + "/border_mode", f"{class_name}: border_mode 'full' has no Keras 3 "
                           "equivalent", hint="pad the input with a ZeroPadding layer and use 'valid'")
            elif old_key.endswith(("_regularizer", "_constraint")):
                value = self.old_object(value, old + join_pointer(old_key))
            config[new_key] = value
            self.move(new + join_pointer(new_key), old + join_pointer(old_key))
            changes.append(shown)
        if "nb_row" in config or "nb_col" in config:
            rows, cols = config.pop("nb_row", None), config.pop("nb_col", None)
            config.setdefault("kernel_size", [rows, cols])
            self.move(new + "/kernel_size", old + ("/nb_row" if rows is not None else "/nb_col"))
            changes.append("nb_row/nb_col → kernel_size")
        dims = [k for k in ("kernel_dim1", "kernel_dim2", "kernel_dim3") if k in config]
        if dims:
            config.setdefault("kernel_size", [config.pop(k) for k in dims])
            self.move(new + "/kernel_size", old + "/" + dims[0])
            changes.append("kernel_dim1/2/3 → kernel_size")
        if class_name == "SeparableConv2D" and "kernel_initializer" in config:
            value = config.pop("kernel_initializer")
            config.setdefault("depthwise_initializer", value)
            config.setdefault("pointwise_initializer", value)
        for key in ("activity_regularizer",):
            if isinstance(config.get(key), dict) and "name" in config[key]:
                config[key] = self.old_object(config[key], old + "/" + key)

    def old_object(self, value: Any, pointer: str) -> Any:
        """A Keras 1 regularizer or constraint ({"name": ...}) in Keras 3 form."""
        if not (isinstance(value, dict) and "name" in value and "class_name" not in value):
            return value
        name = value["name"]
        if not isinstance(name, str):
            return value
        if name in OLD_REGULARIZERS:
            return {"class_name": "L1L2", "config": {"l1": value.get("l1", 0.0), "l2": value.get("l2", 0.0)}}
        if name in OLD_CONSTRAINTS:
            arguments = {new: value[old] for old, new in OLD_CONSTRAINTS[name].items() if old in value}
            return {"class_name": name, "config": arguments}
        self.error(pointer, f"the Keras 1 object '{name}' has no Keras 3 equivalent")
        return value

    def input_layer_keys(self, config: dict[str, Any], old: str, new: str, changes: list[str]) -> None:
        if "batch_input_shape" in config and "batch_shape" not in config:
            config["batch_shape"] = config.pop("batch_input_shape")
            self.move(new + "/batch_shape", old + "/batch_input_shape")
            changes.append("batch_input_shape → batch_shape")
        if "input_dtype" in config:
            value = config.pop("input_dtype")
            config.setdefault("dtype", value)
            self.move(new + "/dtype", old + "/input_dtype")
            changes.append("input_dtype → dtype")

    def shape_keys(self, config: dict[str, Any], class_name: str, old: str, changes: list[str],
                   first: bool) -> None:
        """Old layers carried input-shape hints; the InputLayer holds them now."""
        dropped = [k for k in SHAPE_KEYS if k in config and not (k == "input_dim" and class_name == "Embedding")]
        for key in dropped:
            config.pop(key)
        if dropped:
            where = "moved to the InputLayer" if first else "dropped (Keras infers it)"
            changes.append(f"{', '.join(dropped)} {where}")

    def drop_or_change(self, class_name: str, config: dict[str, Any], old: str, what: str,
                       changes: list[str]) -> None:
        dtype = config.get("dtype")
        if isinstance(dtype, str) and dtype in DTYPES:
            config["dtype"] = DTYPES[dtype]
            changes.append(f"dtype '{dtype}' → '{DTYPES[dtype]}'")
        if "consume_less" in config:
            changes.append(f"consume_less '{config.pop('consume_less')}' dropped (Keras 3 picks "
                           "its own implementation)")
        if "forget_bias_init" in config:
            value = config.pop("forget_bias_init")
            unit = value in ("one", "ones")
            config.setdefault("unit_forget_bias", unit)
            changes.append(f"forget_bias_init '{value}' → unit_forget_bias {str(unit).lower()}")
            if not unit:
                self.warn(old + "/forget_bias_init", f"{what}: forget_bias_init '{value}' has no "
                          "Keras 3 equivalent; the forget-gate bias now follows bias_initializer")
        if class_name == "ReLU" and "theta" in config:
            config["threshold"] = config.pop("theta")
            changes.append("theta → threshold")
        if class_name == "GRU" and "reset_after" not in config:
            config["reset_after"] = False
            changes.append("reset_after false (the default before tf.keras 2; Keras 3 defaults to true)")
        if "time_major" in config:
            value = config.pop("time_major")
            if value:
                self.error(old + "/time_major", f"{what}: time_major true has no Keras 3 "
                           "equivalent", hint="transpose the input to (batch, time, ...) with a "
                           "Permute layer and drop time_major")
            changes.append("time_major dropped (tf.keras only)")
        if class_name == "DepthwiseConv2D" and "groups" in config:
            value = config.pop("groups")
            if value != 1:
                self.error(old + "/groups", f"{what}: DepthwiseConv2D groups={value} has no Keras 3 "
                           "equivalent")
            changes.append("groups dropped (tf.keras only; always 1)")
        if class_name == "BatchNormalization":
            if "mode" in config:
                mode = config.pop("mode")
                if mode not in (0, None):
                    self.error(old + "/mode", f"{what}: BatchNormalization mode {mode} has no Keras 3 "
                               "equivalent", hint="Keras 2 removed modes 1 and 2; only mode 0 remains")
                changes.append("mode dropped (Keras 1; mode 0 is Keras 3's only behaviour)")
            axis = config.get("axis")
            if isinstance(axis, list) and len(axis) == 1 and isinstance(axis[0], int):
                config["axis"] = axis[0]
                changes.append(f"axis {axis} → {axis[0]}")
        if class_name == "Embedding" and "dropout" in config:
            value = config.pop("dropout")
            changes.append("dropout dropped (Keras 1 only)")
            if value:
                self.warn(old + "/dropout", f"{what}: the Keras 1 Embedding dropout {value} is "
                          "gone in Keras 3", hint="add a SpatialDropout1D after the Embedding")
        if class_name == "Conv2DTranspose" and "output_shape" in config:
            shape = config.pop("output_shape")
            changes.append(f"output_shape {_shape(shape)} dropped (Keras 3 computes it from "
                           "padding and strides)")

    # -- layers that change shape ---------------------------------------------------
    def merge(self, config: dict[str, Any], old: str, new: str, what: str) -> tuple[str, dict[str, Any]]:
        mode = config.get("mode", "sum")
        if config.get("mode_type") not in (None, "raw") or not isinstance(mode, str):
            self.error(old + "/config/mode", f"{what}: Merge with a Python function as its mode is "
                       "refused: modelspec never runs code from a file",
                       hint="rewrite the function as a layer class and load it as a plugin",
                       code="refused-layer")
            return "Merge", config
        if mode not in MERGE_MODES:
            self.error(old + "/config/mode", f"{what}: unknown Merge mode '{mode}'",
                       hint="Keras 1 modes: " + ", ".join(MERGE_MODES))
            return "Merge", config
        class_name = MERGE_MODES[mode]
        result = {k: config[k] for k in ("name", "trainable") if k in config}
        if mode == "concat":
            result["axis"] = config.get("concat_axis", -1)
            self.move(new + "/config/axis", old + "/config/concat_axis")
        elif mode in ("dot", "cos"):
            result["axes"] = config.get("dot_axes", -1)
            result["normalize"] = mode == "cos"
            self.move(new + "/config/axes", old + "/config/dot_axes")
        dropped = [k for k in config if k not in MERGE_KEYS]
        for key in dropped:
            result[key] = config[key]  # unknown keys stay, for the validator to report
        self.note(old + "/class_name", f"{what}: Merge(mode='{mode}') → {class_name}"
                  + (" with normalize true" if mode == "cos" else ""))
        return class_name, result

    def time_distributed_dense(self, config: dict[str, Any], old: str, new: str, what: str,
                               first: bool) -> tuple[str, dict[str, Any]]:
        dense = copy.deepcopy(config)
        wrapper = {k: dense.pop(k) for k in ("name", "trainable") if k in dense}
        changes: list[str] = ["TimeDistributedDense → TimeDistributed(Dense) (Keras 1 name)"]
        inner_old, inner_new = old + "/config", new + "/config/layer/config"
        self.move(inner_new, inner_old)
        self.shape_keys(dense, "Dense", inner_old, changes, first)
        self.rename_arguments("Dense", dense, inner_old, inner_new, changes)
        if "name" in wrapper:
            dense["name"] = self.unique(f"{wrapper['name']}_dense")
        self.note(old + "/class_name", f"{what}: " + "; ".join(changes))
        wrapper["layer"] = {"class_name": "Dense", "config": dense}
        return "TimeDistributed", wrapper

    def lambda_function(self, config: dict[str, Any], old: str, what: str, changes: list[str]) -> None:
        """Keras 1/2 Lambda: [code, defaults, closure] → Keras 3's __lambda__ object."""
        for key, type_key in (("function", "function_type"), ("output_shape", "output_shape_type")):
            kind = config.pop(type_key, None)
            value = config.get(key)
            if kind == "lambda":
                code = bytecode.lambda_code(value)
                raw = bytecode.marshalled(code)
                if raw is None:
                    self.error(old + "/" + key, f"{what}: the {key} holds no readable bytecode")
                    continue
                defaults = value[1] if isinstance(value, list) and len(value) > 1 else None
                closure = value[2] if isinstance(value, list) and len(value) > 2 else None
                config[key] = {"class_name": "__lambda__", "config": {
                    "code": base64.b64encode(raw).decode("ascii"), "defaults": defaults, "closure": closure}}
                changes.append(f"{key}: Keras 2 bytecode list → Keras 3 __lambda__ object")
            elif kind == "function":
                module = config.pop(f"{key}_module" if key == "output_shape" else "module", None)
                self.error(old + "/" + key, f"{what}: the {key} is the Python function "
                           f"{value!r} from module {module!r}; modelspec never imports functions "
                           "named by a file", hint="rewrite it as a layer class and load it as a plugin",
                           code="refused-layer")
        for key in ("module", "output_shape_module"):
            if config.get(key) is None:
                config.pop(key, None)


HARD_SIGMOID_KEYS = {"activation", "inner_activation", "recurrent_activation"}


def _walk(value: Any, pointer: str) -> list[tuple[str, Any]]:
    """(pointer, value) of every scalar inside `value`, in document order."""
    found: list[tuple[str, Any]] = []
    stack: list[tuple[str, Any]] = [(pointer, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, dict):
            stack.extend(reversed([(where + join_pointer(k), v) for k, v in item.items()]))
        elif isinstance(item, list):
            stack.extend(reversed([(f"{where}/{i}", v) for i, v in enumerate(item)]))
        else:
            found.append((where, item))
    return found


_ENTRY_ORDER = {"module": 0, "class_name": 1, "config": 2, "registered_name": 3, "build_config": 4,
                "name": 5, "inbound_nodes": 6}


def _shape(shape: Any) -> str:
    if isinstance(shape, list):
        return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"
    return repr(shape)


def _layer_names(model: dict[str, Any]) -> list[str]:
    names: list[str] = []
    stack: list[Any] = [model]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            config = value.get("config")
            if isinstance(config, dict) and isinstance(config.get("name"), str):
                names.append(config["name"])
            if isinstance(value.get("name"), str):
                names.append(value["name"])
            stack.extend(v for v in value.values() if isinstance(v, (dict, list)))
        elif isinstance(value, list):
            stack.extend(v for v in value if isinstance(v, (dict, list)))
    return names


def upgrade_loaded(data: Any, source_map: Any) -> tuple[Any, Any, list[Diagnostic]]:
    """`upgrade` for a loaded document: (data, source map, located diagnostics).

    Data that is not in a legacy format comes back unchanged, with no diagnostics.
    """
    from modelspec.loader import locate

    upgraded = upgrade(data)
    if upgraded is None:
        return data, source_map, []
    located = locate(upgraded.diagnostics, source_map)
    return upgraded.data, MovedSourceMap(source_map, upgraded.moves), located

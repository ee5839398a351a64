"""Generate the per-class JSON Schemas in schemas/ from the installed Keras.

Run `modelspec schema --generate` (or `python -m modelspec.schemagen`) after a
Keras upgrade; `tests/unit/test_schemas_current.py` fails while the committed
files differ from what the installed Keras gives.

What is derived, per class:
- the constructor parameters, following `**kwargs` up the class hierarchy to
  `keras.layers.Layer` (whose own `**kwargs` also accept `input_dim` and
  `input_shape`);
- which parameters are required (no default);
- a type where it can be derived: from the default value (bool, int, float,
  str, tuple), from the first words of the docstring for required
  parameters ("Positive integer, ..."), and from the parameter name for the
  catalogues (`*_initializer`, `*_regularizer`, `*_constraint`, `activation`);
- the signature of `call`, used to check inbound-node `args`/`kwargs`.

Each class is then instantiated with sample arguments where possible and its
own `get_config()` is checked against the generated schema; a property whose
derived type rejects Keras's own output is widened, so that `get_config()`
output, unchanged, is always valid.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import os
import re
import sys
import warnings
from pathlib import Path
from typing import Any

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

# Classes that wrap arbitrary Python, files or foreign frameworks: refused by
# the validator unless the user opts in, so they get no schema here.
REFUSED_LAYERS = {
    "Lambda": "Lambda layers carry Python code (bytecode or a function reference)",
    "TFSMLayer": "TFSMLayer loads a SavedModel from a file path",
    "TorchModuleWrapper": "TorchModuleWrapper unpickles a torch module",
    "JaxLayer": "JaxLayer wraps arbitrary JAX functions",
    "FlaxLayer": "FlaxLayer wraps arbitrary Flax modules",
}
ABSTRACT_LAYERS = {"Layer", "Wrapper"}

CATALOGUE_BY_SUFFIX = {
    "_initializer": "initializers",
    "_regularizer": "regularizers",
    "_constraint": "constraints",
}
CATALOGUE_BY_NAME = {
    "activation": "activations",
    "recurrent_activation": "activations",
    "layer": "layers",
    "backward_layer": "layers",
    "cell": "layers",
    "cells": "layers",
    "dtype": "dtype",
}

# Sample constructor arguments, used only to check that Keras's own
# get_config() output validates against the generated schema.
#: Layer's own **kwargs accept these two (see keras.layers.Layer.__init__).
LAYER_KWARGS: dict[str, dict[str, Any]] = {
    "input_dim": {"type": ["integer", "null"]},
    "input_shape": {"type": ["array", "null"]},
}

_SHAPE = {"type": ["array", "null"], "items": {"type": ["integer", "null"], "minimum": 0}}
#: Parameters whose schema neither the docstring nor the default gives.
PARAMETER_SCHEMAS: dict[tuple[str, str], dict[str, Any]] = {
    ("InputLayer", "shape"): _SHAPE,
    ("InputLayer", "batch_shape"): _SHAPE,
    # -1 stands for "the rest" in a target shape
    ("Reshape", "target_shape"): {"type": "array", "items": {"type": "integer", "minimum": -1}},
    ("Permute", "dims"): {"type": "array", "items": {"type": "integer", "minimum": 1}},
}

SAMPLE_ARGS: dict[str, Any] = {
    "units": 2, "filters": 2, "kernel_size": 3, "pool_size": 2, "rate": 0.5,
    "target_shape": [2], "dims": [1], "n": 2, "input_dim": 8, "output_dim": 4,
    "num_heads": 2, "key_dim": 2, "height": 4, "width": 4, "scale": 1.0,
    "factor": 0.1, "stddev": 0.1, "axis": -1, "output_size": 2, "num_bins": 4,
    "depth_multiplier": 1, "equation": "ab,bc->ac", "output_shape": [2],
    "num_query_heads": 2, "num_key_value_heads": 1, "head_dim": 2, "groups": 1,
    "value_range": [0, 255], "num_tokens": 4, "max_tokens": 4,
    "output_sequence_length": 4, "fft_length": 8, "sequence_length": 8,
    "num_mel_bins": 8, "sampling_rate": 8000, "frame_length": 8,
    "frame_step": 4, "cropping": 1, "padding": 1, "size": 2, "height_factor": 0.1,
    "factor_order": 2,
}

# Class-specific samples, for classes whose required arguments are not enough.
SAMPLE_BY_CLASS: dict[str, dict[str, Any]] = {
    "InputLayer": {"shape": [2]},
    "CategoryEncoding": {"num_tokens": 4},
    "Discretization": {"num_bins": 4},
    "RandomPosterization": {"factor": 4},
    "Activation": {"activation": "relu"},
    "Dot": {"axes": 1},
    "MaxNumBoundingBoxes": {"max_number": 2},
    "Pipeline": {"layers": []},
    "RandomTranslation": {"height_factor": 0.1, "width_factor": 0.1},
}

_ARGS_HEADER = re.compile(r"^(\s*)(Args|Arguments):\s*$", re.M)
_ARG_LINE = re.compile(r"^(\s*)([A-Za-z_][A-Za-z0-9_]*)(?:\s*\([^)]*\))?:\s*(.*)$")


def parse_arg_docs(doc: str | None) -> dict[str, str]:
    """Map argument name → its full description from a Google-style docstring."""
    if not doc:
        return {}
    doc = inspect.cleandoc(doc)
    match = _ARGS_HEADER.search(doc)
    if not match:
        return {}
    lines = doc[match.end():].splitlines()
    result: dict[str, str] = {}
    arg_indent = None
    current = None
    for line in lines:
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        if indent <= len(match.group(1)) and line.strip().endswith(":"):
            break  # next section (Returns:, Example:, ...)
        if indent <= len(match.group(1)):
            break
        arg = _ARG_LINE.match(line)
        if arg and (arg_indent is None or indent == arg_indent):
            arg_indent = indent
            current = arg.group(2)
            result[current] = arg.group(3).strip()
        elif current is not None:
            result[current] += " " + line.strip()
    return result


def first_sentence(text: str) -> str:
    text = " ".join(text.split())
    match = re.search(r"(?<=[a-z0-9`)\]])\.(\s|$)", text)
    return text[: match.start() + 1] if match else text


def _type_from_doc(description: str) -> dict[str, Any]:
    head = description.lower()[:80]
    mentions_list = any(w in head for w in ("tuple", "list", "none", "string", "str,"))
    if re.match(r"^(positive )?(integer|int)\b", head) and not mentions_list:
        return {"type": "integer"}
    if re.match(r"^(positive )?(integer|int)\b", head):
        return {"type": ["integer", "array", "null"]}
    if re.match(r"^float\b", head) and not mentions_list:
        return {"type": "number"}
    if re.match(r"^bool(ean)?\b", head) and "none" not in head:
        return {"type": "boolean"}
    return {}


def _bounds_from_doc(description: str, kind: Any) -> dict[str, Any]:
    """Bounds the docstring states of a plain number ("Positive integer",
    "Float between 0 and 1"), which the constructor enforces or the build needs."""
    kinds = kind if isinstance(kind, list) else [kind]
    head = description.lower()[:60]
    if "integer" in kinds and re.match(r"^positive int(eger)?\b", head):
        return {"minimum": 1}
    if "number" in kinds and re.match(r"^float between 0 and 1\b", head):
        return {"minimum": 0, "maximum": 1}
    return {}


def _type_from_default(default: Any, description: str) -> dict[str, Any]:
    if default is None:
        return {}
    if isinstance(default, bool):
        return {"type": "boolean"}
    if isinstance(default, int):
        head = description.lower()
        if "tuple" in head or "list" in head:
            return {"type": ["integer", "array"]}
        # an int default alone does not make an int parameter (MaxNorm's
        # max_value=2 takes 2.0): only the docstring saying so does
        if not description or re.search(r"\bint(eger)?s?\b|number of|\bindex\b|\baxis\b|\bseed\b", head):
            return {"type": "integer"}
        return {"type": "number"}
    if isinstance(default, float):
        return {"type": "number"}
    if isinstance(default, str):
        return {"type": "string"}
    if isinstance(default, (tuple, list)):
        # "Int, or tuple of 2 ints": Keras takes the single number too
        head = description.lower()[:80]
        if re.match(r"^(positive )?(int|integer)s?\b", head) or re.search(r"\bint(eger)?,? or\b", head):
            return {"type": ["integer", "array"]}
        if re.match(r"^float\b", head) or re.search(r"\bfloat,? or\b", head):
            return {"type": ["number", "array"]}
        return {"type": "array"}
    return {}


def _catalogue_for(name: str) -> str | None:
    if name in CATALOGUE_BY_NAME:
        return CATALOGUE_BY_NAME[name]
    for suffix, kind in CATALOGUE_BY_SUFFIX.items():
        if name.endswith(suffix) or name == suffix[1:]:
            return kind
    return None


def constructor_parameters(cls: type, stop: type) -> tuple[list[inspect.Parameter], set[str]]:
    """Named constructor parameters of `cls`, following **kwargs up to `stop`.

    Also returns which are required: those without a default in the first
    constructor (a parent's required argument, such as RNN's `cell`, is
    usually supplied by the subclass itself).
    """
    params: dict[str, inspect.Parameter] = {}
    required: set[str] | None = None
    for klass in cls.__mro__:
        if "__init__" not in vars(klass):
            continue
        signature = inspect.signature(klass.__init__)
        has_varkw = False
        if required is None:
            required = {
                p.name for p in list(signature.parameters.values())[1:]
                if p.default is inspect.Parameter.empty
                and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
            }
        for param in list(signature.parameters.values())[1:]:
            if param.kind is param.VAR_KEYWORD:
                has_varkw = True
            elif param.kind is not param.VAR_POSITIONAL:
                params.setdefault(param.name, param)
        if not has_varkw or klass is stop:
            break
    return list(params.values()), required or set()


_KWARGS_POP = re.compile(r"kwargs\.pop\(\s*[\"'](\w+)[\"']")


def _popped_kwargs(cls: type, stop: type) -> list[str]:
    names: list[str] = []
    for klass in cls.__mro__:
        if klass is stop or klass is object:
            break
        if "__init__" in vars(klass):
            try:
                source = inspect.getsource(klass.__init__)
            except (OSError, TypeError):
                continue
            names.extend(n for n in _KWARGS_POP.findall(source) if n not in names)
    return names


def call_signature(cls: type) -> dict[str, Any]:
    call = getattr(cls, "call", None)
    if call is None:
        return {"positional": [], "keywords": [], "varargs": True, "varkw": True}
    params = list(inspect.signature(call).parameters.values())[1:]
    positional = [
        p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    keywords = [
        p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]
    return {
        "positional": positional,
        "keywords": keywords,
        "varargs": any(p.kind is p.VAR_POSITIONAL for p in params),
        "varkw": any(p.kind is p.VAR_KEYWORD for p in params),
    }


def class_schema(
    cls: type,
    *,
    title: str,
    module: str,
    stop: type,
    extra: dict[str, dict[str, Any]] | None = None,
    with_call: bool = False,
) -> dict[str, Any]:
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        docs.update(parse_arg_docs(klass.__doc__))
    properties: dict[str, Any] = {}
    required: list[str] = []
    catalogues: dict[str, str] = {}
    parameters, own_required = constructor_parameters(cls, stop)
    for param in parameters:
        description = docs.get(param.name, "")
        prop: dict[str, Any] = {}
        if description:
            prop["description"] = first_sentence(description)
        kind = _catalogue_for(param.name)
        if kind is not None:
            catalogues[param.name] = kind
        elif param.default is inspect.Parameter.empty:
            prop.update(_type_from_doc(description))
        else:
            prop.update(_type_from_default(param.default, description))
            if "type" in prop and param.default is None:
                prop["type"] = [prop["type"], "null"]
        prop.update(_bounds_from_doc(description, prop.get("type")))
        prop.update(PARAMETER_SCHEMAS.get((cls.__name__, param.name), {}))
        if param.name in own_required:
            required.append(param.name)
        if param.name == "learning_rate":
            prop["type"] = ["number", "object"]  # a float or a serialized schedule
        if param.name == "name" and "type" not in prop:
            prop["type"] = ["string", "null"]
        properties[param.name] = prop
    # Arguments a constructor takes out of **kwargs itself (LSTM's
    # `implementation`, Embedding's `input_length`) are accepted, untyped.
    for name in _popped_kwargs(cls, stop):
        properties.setdefault(name, {})
    for name, prop in (extra or {}).items():
        properties.setdefault(name, prop)
        kind = _catalogue_for(name)
        if kind is not None:
            catalogues.setdefault(name, kind)
    schema: dict[str, Any] = {
        "$schema": SCHEMA_DIALECT,
        "title": title,
    }
    summary = first_sentence((inspect.getdoc(cls) or "").split("\n\n")[0])
    if summary:
        schema["description"] = summary
    schema.update(
        {
            "type": "object",
            "properties": dict(sorted(properties.items())),
            "required": sorted(required),
            "additionalProperties": False,
        }
    )
    meta: dict[str, Any] = {"module": module, "class_module": cls.__module__}
    if catalogues:
        meta["catalogues"] = dict(sorted(catalogues.items()))
    if with_call:
        meta["call"] = call_signature(cls)
    schema["x-modelspec"] = meta
    return schema


def _widen_to_fit(schema: dict[str, Any], config: dict[str, Any]) -> None:
    """Widen properties whose derived type rejects Keras's own get_config()
    (checked with modelspec's strict "integer", as the validator will)."""
    from modelspec.schemas import Validator

    for key, value in config.items():
        prop = schema["properties"].get(key)
        if prop is None:
            schema["properties"][key] = {}
            continue
        value = json.loads(json.dumps(value, default=str))
        if "type" not in prop or Validator(prop).is_valid(value):
            continue
        kinds = prop["type"] if isinstance(prop["type"], list) else [prop["type"]]
        if isinstance(value, float) and "integer" in kinds:
            # an int default that Keras keeps as a float (MaxNorm's max_value 2 -> 2.0)
            kinds = list(dict.fromkeys("number" if k == "integer" else k for k in kinds))
            prop["type"] = kinds if len(kinds) > 1 else kinds[0]
            if Validator(prop).is_valid(value):
                continue
        for keyword in ("type", "minimum", "maximum", "items"):
            prop.pop(keyword, None)


def _widen_catalogue_class(cls: type, schema: dict[str, Any]) -> None:
    """A catalogue class (constraint, optimizer, ...) built with its defaults:
    its get_config() must fit the schema too."""
    if schema["required"]:
        return
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            config = cls().get_config()
    except Exception:  # noqa: BLE001 - a class that needs arguments is left as derived
        return
    if isinstance(config, dict):
        _widen_to_fit(schema, config)


def _sample_instance(cls: type, schema: dict[str, Any]) -> Any:
    kwargs = _sample_kwargs(cls, schema)
    if kwargs is None:
        return None
    try:
        return cls(**kwargs)
    except Exception:  # noqa: BLE001 - a sample that does not fit is skipped
        return None


def _constructs(cls: type, kwargs: dict[str, Any]) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cls(**kwargs)
    except Exception:  # noqa: BLE001 - Keras's own refusal is what is probed
        return False
    return True


def _probe_integer_bounds(cls: type, schema: dict[str, Any]) -> None:
    """Give integer parameters the lower bound the constructor itself enforces:
    minimum 1 when it refuses 0 but takes 1 (units, filters, input_dim, ...),
    minimum 0 when it refuses -1 but takes 0. Axes and the like, which take
    -1, stay unbounded."""
    kwargs = _sample_kwargs(cls, schema)
    if kwargs is None or not _constructs(cls, kwargs):
        return
    own = inspect.signature(cls.__init__).parameters
    for name, prop in schema["properties"].items():
        if name in LAYER_KWARGS and name not in own:
            continue  # Layer's own legacy kwargs: probing them only makes Keras warn
        kinds = prop.get("type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if "integer" not in kinds or "minimum" in prop or "number" in kinds:
            continue
        if not _constructs(cls, {**kwargs, name: 0}):
            if _constructs(cls, {**kwargs, name: 1}):
                prop["minimum"] = 1
        elif not _constructs(cls, {**kwargs, name: -1}):
            prop["minimum"] = 0


def _sample_kwargs(cls: type, schema: dict[str, Any]) -> dict[str, Any] | None:
    import keras

    kwargs = dict(SAMPLE_BY_CLASS.get(cls.__name__, {}))
    for name in schema["required"]:
        if name in kwargs:
            continue
        if name in ("layer", "backward_layer"):
            rnn = cls.__name__ == "Bidirectional"
            kwargs[name] = keras.layers.LSTM(2) if rnn else keras.layers.Dense(2)
        elif name == "cell":
            kwargs[name] = keras.layers.LSTMCell(2)
        elif name == "cells":
            kwargs[name] = [keras.layers.LSTMCell(2)]
        elif name in SAMPLE_ARGS:
            kwargs[name] = SAMPLE_ARGS[name]
        else:
            return None
    return kwargs


def layer_schemas() -> dict[str, dict[str, Any]]:
    import keras
    from keras.src.layers.layer import Layer

    result: dict[str, dict[str, Any]] = {}
    for name in sorted(dir(keras.layers)):
        cls = getattr(keras.layers, name)
        if not (inspect.isclass(cls) and issubclass(cls, Layer)):
            continue
        if name in REFUSED_LAYERS or name in ABSTRACT_LAYERS:
            continue
        if cls.__name__ != name:
            continue  # an alias such as Convolution2D: listed under its class name
        schema = class_schema(
            cls, title=name, module="keras.layers", stop=Layer, extra=LAYER_KWARGS,
            with_call=True,
        )
        if name == "InputLayer":
            schema["x-modelspec"]["call"] = {
                "positional": [], "keywords": [], "varargs": False, "varkw": False,
            }
        instance = _sample_instance(cls, schema)
        if instance is not None:
            try:
                _widen_to_fit(schema, instance.get_config())
            except Exception:  # noqa: BLE001
                pass
            _probe_integer_bounds(cls, schema)
        result[name] = schema
    # modelspec's own layers (modelspec/layers.py), known statically like Keras's
    from modelspec import layers as own

    for name in own.OWN_LAYERS:
        cls = getattr(own, name)
        schema = class_schema(cls, title=name, module=cls.__module__, stop=Layer, extra=LAYER_KWARGS,
                              with_call=True)
        schema["x-modelspec"]["registered_name"] = keras.saving.get_registered_name(cls)
        instance = _sample_instance(cls, schema)
        if instance is not None:
            _widen_to_fit(schema, instance.get_config())
            _probe_integer_bounds(cls, schema)
        result[name] = schema
    # Aliases (Convolution2D → Conv2D) share their target's schema.
    for name in sorted(dir(keras.layers)):
        cls = getattr(keras.layers, name)
        if inspect.isclass(cls) and cls.__name__ != name and cls.__name__ in result:
            result[cls.__name__]["x-modelspec"].setdefault("aliases", []).append(name)
    return result


def op_schemas() -> dict[str, dict[str, Any]]:
    from keras.src.ops.operation import Operation

    result: dict[str, dict[str, Any]] = {}
    for short in ("core", "image", "linalg", "math", "nn", "numpy"):
        module = importlib.import_module(f"keras.src.ops.{short}")
        for name, cls in sorted(vars(module).items()):
            if not (inspect.isclass(cls) and issubclass(cls, Operation)):
                continue
            if cls.__module__ != module.__name__ or cls is Operation:
                continue
            schema = class_schema(
                cls, title=name, module=module.__name__, stop=Operation,
                extra={"name": {"type": ["string", "null"]}}, with_call=True,
            )
            result[f"{short}.{name}"] = schema
    return result


def _catalogue(
    kind: str, classes: dict[str, type], names: list[str], module: str, stop: type
) -> dict[str, Any]:
    defs = {}
    for name, cls in sorted(classes.items()):
        schema = class_schema(cls, title=name, module=module, stop=stop)
        _widen_catalogue_class(cls, schema)
        if kind == "callbacks":
            schema["x-modelspec"]["module"] = "keras.callbacks"
        defs[name] = schema
    return {
        "$schema": SCHEMA_DIALECT,
        "title": kind,
        "description": f"Keras {kind}: a string name, or the serialized "
        "{class_name, config} form.",
        "$defs": defs,
        "x-modelspec": {"module": module, "names": sorted(set(names))},
    }


def catalogue_schemas() -> dict[str, dict[str, Any]]:
    import keras
    from keras.src import (
        activations,
        constraints,
        initializers,
        losses,
        metrics,
        optimizers,
        regularizers,
    )

    def public_classes(mod: Any, base: type, skip: set[str]) -> dict[str, type]:
        return {
            n: c for n in dir(mod)
            if inspect.isclass(c := getattr(mod, n)) and issubclass(c, base)
            and n not in skip and c.__name__ == n
        }

    def string_names(objects: dict[str, Any]) -> list[str]:
        return [n for n in objects]

    result = {}
    result["initializers"] = _catalogue(
        "initializers",
        public_classes(keras.initializers, keras.initializers.Initializer, {"Initializer"}),
        string_names(initializers.ALL_OBJECTS_DICT), "keras.initializers",
        keras.initializers.Initializer,
    )
    result["regularizers"] = _catalogue(
        "regularizers",
        public_classes(keras.regularizers, keras.regularizers.Regularizer, {"Regularizer"}),
        string_names(regularizers.ALL_OBJECTS_DICT), "keras.regularizers",
        keras.regularizers.Regularizer,
    )
    result["constraints"] = _catalogue(
        "constraints",
        public_classes(keras.constraints, keras.constraints.Constraint, {"Constraint"}),
        string_names(constraints.ALL_OBJECTS_DICT), "keras.constraints",
        keras.constraints.Constraint,
    )
    result["activations"] = _catalogue(
        "activations", {}, string_names(activations.ALL_OBJECTS_DICT),
        "keras.activations", object,
    )
    loss_classes = public_classes(
        keras.losses, keras.losses.Loss, {"Loss", "LossFunctionWrapper"}
    )
    result["losses"] = _catalogue(
        "losses", loss_classes,
        [n for n in losses.ALL_OBJECTS_DICT if n not in ("Loss", "LossFunctionWrapper")],
        "keras.losses", keras.losses.Loss,
    )
    metric_classes = public_classes(
        keras.metrics, keras.metrics.Metric, {"Metric", "MeanMetricWrapper"}
    )
    # compile() also resolves these strings itself (compile_utils).
    metric_names = list(metrics.ALL_OBJECTS_DICT) + ["acc", "crossentropy", "ce"]
    result["metrics"] = _catalogue(
        "metrics", metric_classes,
        [n for n in metric_names if n not in ("metric", "Metric", "mean_metric_wrapper")],
        "keras.metrics", keras.metrics.Metric,
    )
    optimizer_classes = public_classes(
        keras.optimizers, keras.optimizers.Optimizer,
        {"Optimizer", "LossScaleOptimizer", "MultiOptimizer", "OptimizerMap"},
    )
    result["optimizers"] = _catalogue(
        "optimizers", optimizer_classes,
        [n for n in optimizers.ALL_OBJECTS_DICT
         if n not in ("optimizer", "lossscaleoptimizer", "multioptimizer", "optimizermap")],
        "keras.optimizers", keras.optimizers.Optimizer,
    )
    schedule_base = keras.optimizers.schedules.LearningRateSchedule
    result["schedules"] = _catalogue(
        "schedules",
        public_classes(keras.optimizers.schedules, schedule_base, {"LearningRateSchedule"}),
        [], "keras.optimizers.schedules", schedule_base,
    )
    allowed_callbacks = (
        "BackupAndRestore", "CSVLogger", "EarlyStopping", "ModelCheckpoint",
        "ReduceLROnPlateau", "TensorBoard", "TerminateOnNaN",
    )
    result["callbacks"] = _catalogue(
        "callbacks", {n: getattr(keras.callbacks, n) for n in allowed_callbacks}, [],
        "keras.callbacks", keras.callbacks.Callback,
    )
    return result


def generate() -> dict[str, Any]:
    """Every generated schema file, keyed by its path under schemas/."""
    from modelspec.kerasenv import keras  # first, and quietly: TensorFlow's start-up logging filtered

    files: dict[str, Any] = {}
    index: dict[str, Any] = {
        "keras_version": keras.__version__,
        "layers": {},
        "ops": {},
        "catalogues": {},
        "refused_layers": REFUSED_LAYERS,
    }
    for name, schema in layer_schemas().items():
        path = f"layers/{name}.schema.json"
        files[path] = schema
        index["layers"][name] = path
        for alias in schema["x-modelspec"].get("aliases", []):
            index["layers"][alias] = path
    for key, schema in op_schemas().items():
        path = f"ops/{key}.schema.json"
        files[path] = schema
        module = schema["x-modelspec"]["module"]
        index["ops"].setdefault(module, {})[key.split(".", 1)[1]] = path
    for kind, schema in catalogue_schemas().items():
        path = f"catalogues/{kind}.schema.json"
        files[path] = schema
        index["catalogues"][kind] = path
    # every class module a layer or catalogue schema names: the validator's module
    # allowlist, read from here instead of opening all ~180 schema files
    modules = {files[path]["x-modelspec"]["class_module"] for path in index["layers"].values()}
    modules.update(definition["x-modelspec"]["class_module"] for path in index["catalogues"].values()
                   for definition in files[path]["$defs"].values())
    index["class_modules"] = sorted(modules)
    files["index.json"] = index
    return files


def dump(data: Any) -> str:
    return json.dumps(data, indent=1, sort_keys=False, ensure_ascii=False) + "\n"


def write(directory: Path) -> list[Path]:
    files = generate()
    written = []
    for sub in ("layers", "ops", "catalogues"):
        for old in (directory / sub).glob("*.json") if (directory / sub).exists() else []:
            if f"{sub}/{old.name}" not in files:
                old.unlink()
    for rel, data in files.items():
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump(data), encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", type=Path)
    args = parser.parse_args(argv)
    from modelspec.schemas import schemas_dir

    written = write(args.directory or schemas_dir())
    print(f"wrote {len(written)} schema files", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Keras models and model files → concise specs, and specs → Keras JSON.

Dropping a parameter is decided by Keras itself: a layer is re-created from
the shortened config and its `get_config()` must equal the original's, or
the parameter stays. So `build(from_model(m)).get_config() == m.get_config()`
holds by construction for built-in classes; custom (plugin) classes are
copied unchanged, because that would mean importing their code.
"""

from __future__ import annotations

import copy
import importlib
import json
import re
import warnings
import zipfile
from pathlib import Path
from typing import Any

from modelspec import schemas
from modelspec.diagnostics import Diagnostic, SpecError
from modelspec.kerasenv import keras
from modelspec.loader import load_text
from modelspec.normalize import MODEL_CLASSES, parse_model, to_concise, walk_models

SPEC_KEY_ORDER = ("modelspec", "name", "description", "seed", "deterministic", "plugins", "model", "compile",
                  "data", "fit", "evaluate", "predict")
COMPILE_DEFAULTS = {"loss_weights": None, "metrics": None, "weighted_metrics": None,
                    "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False,
                    "loss": None, "auto_scale_loss": True}
MAX_KERAS_CONFIG_BYTES = 256 * 1024 * 1024


def _plain(value: Any) -> Any:
    """JSON's view of a value: tuples become lists, as in to_json()."""
    return json.loads(json.dumps(value, default=_json_default))


def _json_default(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def _quiet(function: Any, *args: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args, **kwargs)


# -- layers -------------------------------------------------------------------

def _layer_class(entry: dict[str, Any]) -> type | None:
    module = entry.get("module")
    class_name = entry["class_name"]
    if schemas.own_layer(class_name, module, entry.get("registered_name")) is not None:
        from modelspec import layers as own

        return getattr(own, class_name)
    if entry.get("registered_name") not in (None, class_name):
        return None
    if module in (None, "keras.layers"):
        if schemas.layer_schema_path(class_name) is None:
            return None
        return getattr(keras.layers, class_name, None)
    if isinstance(module, str) and module.startswith("keras.src.ops.") and schemas.op_schema_path(module, class_name):
        return getattr(importlib.import_module(module), class_name, None)
    return None


def _revive_config(cls: type, config: dict[str, Any]) -> Any:
    from modelspec.builder import fill_wrapped_modules, with_constructor_defaults

    config = fill_wrapped_modules(config)
    try:
        layer = _quiet(cls.from_config, copy.deepcopy(config))
    except KeyError:  # as in the builder: some from_config need the defaults spelled out
        entry = {"module": "keras.layers", "class_name": cls.__name__}
        layer = _quiet(cls.from_config, with_constructor_defaults(entry, copy.deepcopy(config)))
    return _plain(layer.get_config())


def _simplify_object(value: Any) -> list[Any]:
    """Shorter spellings of a serialized Keras object, shortest first."""
    if not (isinstance(value, dict) and isinstance(value.get("config"), dict)
            and "class_name" in value and value.get("registered_name") is None):
        return []
    module = value.get("module")
    class_name = value["class_name"]
    if module == "keras" and class_name == "DTypePolicy":
        return [value["config"].get("name")]
    if not (isinstance(module, str) and module.startswith("keras")):
        return []
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", class_name).lower()
    candidates: list[Any] = []
    if all(v is None for v in value["config"].values()) or not value["config"]:
        candidates.append(snake)
    config = value["config"]
    try:
        cls = keras.saving.get_registered_object(class_name) or _catalogue_class(module, class_name)
        defaults = _plain(_quiet(cls().get_config)) if cls is not None else None
    except Exception:  # noqa: BLE001 - no default instance: keep every key
        defaults = None
    if defaults is not None:
        minimal = {k: v for k, v in config.items() if k not in defaults or defaults[k] != v}
        candidates.append({"class_name": class_name, "config": minimal} if minimal
                          else {"class_name": class_name})
    candidates.append({"class_name": class_name, "config": config})
    return candidates


def _catalogue_class(module: str, class_name: str) -> type | None:
    try:
        return getattr(importlib.import_module(module), class_name, None)
    except ImportError:
        return None


def _holds(cls: type, candidate: dict[str, Any], target: Any) -> bool:
    try:
        return _revive_config(cls, candidate) == target
    except Exception:  # noqa: BLE001 - a candidate Keras rejects does not hold
        return False


def simplify_layer(entry: dict[str, Any]) -> dict[str, Any]:
    """The shortest config that Keras revives into the same layer config."""
    config = entry["config"]
    cls = _layer_class(entry)
    if cls is None:
        return copy.deepcopy(config)
    try:
        target = _revive_config(cls, config)
    except Exception:  # noqa: BLE001 - Keras cannot revive it alone: keep it as written
        return copy.deepcopy(config)
    candidate = copy.deepcopy(config)
    # Fast path: drop every key equal to a default instance's value.
    schema_path = (schemas.layer_schema_path(entry["class_name"])
                   if entry.get("module") in (None, "keras.layers")
                   else schemas.op_schema_path(entry["module"], entry["class_name"]))
    required = set(schemas.load_schema(schema_path)["required"]) if schema_path else set()
    try:
        defaults = _revive_config(cls, {k: v for k, v in config.items()
                                        if k in required or k == "name"})
    except Exception:  # noqa: BLE001
        defaults = None
    if defaults is not None:
        trial = {k: v for k, v in candidate.items()
                 if k == "name" or k in required or k not in defaults or defaults[k] != target.get(k)}
        if _holds(cls, trial, target):
            candidate = trial
    # Slow path, key by key, for what the fast path could not decide.
    if defaults is None or len(candidate) > len(required) + 1:
        for key in [k for k in candidate if k != "name" and k not in required]:
            trial = {k: v for k, v in candidate.items() if k != key}
            if _holds(cls, trial, target):
                candidate = trial
    # Wrapped layers (an RNN's cell, a Bidirectional's layer) get the concise
    # form too. They are built by their wrapper once it is called, so their
    # build_config is compared only by the model-level check in concise_model.
    from modelspec.builder import WRAPPED_LAYER_KEYS, strip_nested_build_configs

    loose_target = strip_nested_build_configs(target)
    for key in WRAPPED_LAYER_KEYS:
        if key not in candidate:
            continue
        trial = dict(candidate, **{key: _concise_wrapped(candidate[key])})
        try:
            if strip_nested_build_configs(_revive_config(cls, trial)) == loose_target:
                candidate = trial
        except Exception:  # noqa: BLE001 - keep the wrapped layer as written
            continue
    # InputLayer: batch_shape [null, ...] reads better as shape [...].
    batch_shape = candidate.get("batch_shape")
    if entry["class_name"] == "InputLayer" and isinstance(batch_shape, list) and batch_shape \
            and batch_shape[0] is None:
        trial = {("shape" if k == "batch_shape" else k): (v[1:] if k == "batch_shape" else v)
                 for k, v in candidate.items()}
        if _holds(cls, trial, target):
            candidate = trial
    # Nested objects (initializers, regularizers, dtype policies): shortest form that holds.
    for key, value in list(candidate.items()):
        for shorter in _simplify_object(value):
            trial = dict(candidate, **{key: shorter})
            if _holds(cls, trial, target):
                candidate = trial
                break
    return candidate


def _concise_wrapped(value: Any) -> Any:
    if isinstance(value, list):
        return [_concise_wrapped(v) for v in value]
    if not (isinstance(value, dict) and isinstance(value.get("config"), dict) and "class_name" in value):
        return value
    builtin = schemas.is_builtin_form(value["class_name"], value.get("module"), value.get("registered_name"))
    if not builtin:
        return {k: v for k, v in value.items() if k != "build_config"}
    return {"class_name": value["class_name"], "config": simplify_layer(value)}


# -- compile ------------------------------------------------------------------

def simplify_compile(compile_config: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in compile_config.items():
        if key in COMPILE_DEFAULTS and value == COMPILE_DEFAULTS[key] and key != "loss":
            continue
        if key == "optimizer":
            value = _simplify_optimizer(value)
        elif key in ("loss", "metrics", "weighted_metrics"):
            value = _simplify_nested(value)
        result[key] = value
    return result


def _simplify_optimizer(value: Any) -> Any:
    """Optimizer: keep class_name and name (Keras numbers unnamed optimizers
    per process, so an unnamed one would not round-trip), drop defaults."""
    if not isinstance(value, dict) or not isinstance(value.get("config"), dict):
        return value
    try:
        target = _plain(keras.optimizers.deserialize(copy.deepcopy(value)).get_config())
        cls = type(keras.optimizers.deserialize(copy.deepcopy(value)))
        defaults = _plain(_quiet(cls().get_config))
    except Exception:  # noqa: BLE001
        return value
    config = value["config"]
    minimal = {k: v for k, v in config.items() if k == "name" or defaults.get(k, object()) != v}
    candidate = {"class_name": value["class_name"], "config": minimal}
    for key, item in list(minimal.items()):
        for shorter in _simplify_object(item):
            trial = {"class_name": value["class_name"], "config": dict(minimal, **{key: shorter})}
            try:
                if _plain(keras.optimizers.get(copy.deepcopy(trial)).get_config()) == target:
                    candidate = trial
                    minimal = trial["config"]
                    break
            except Exception:  # noqa: BLE001
                continue
    try:
        if _plain(keras.optimizers.get(copy.deepcopy(candidate)).get_config()) == target:
            return candidate
    except Exception:  # noqa: BLE001
        pass
    return value


def _simplify_nested(value: Any) -> Any:
    if isinstance(value, list):
        return [_simplify_nested(v) for v in value]
    if isinstance(value, dict) and "class_name" not in value:
        return {k: _simplify_nested(v) for k, v in value.items()}
    if isinstance(value, dict) and value.get("class_name") == "function":
        return value.get("config")
    if isinstance(value, dict):
        target = _plain(keras.saving.serialize_keras_object(
            keras.saving.deserialize_keras_object(copy.deepcopy(value))))
        for candidate in _simplify_object(value)[1:]:
            try:
                revived = keras.saving.deserialize_keras_object(
                    copy.deepcopy(dict(candidate, module=value.get("module"))))
                if _plain(keras.saving.serialize_keras_object(revived)) == target:
                    return candidate
            except Exception:  # noqa: BLE001
                continue
    return value


# -- whole specs --------------------------------------------------------------

def order_spec(spec: dict[str, Any]) -> dict[str, Any]:
    ordered = {key: spec[key] for key in SPEC_KEY_ORDER if key in spec}
    ordered.update((k, v) for k, v in spec.items() if k not in ordered)
    return ordered


def _built_config(model_section: dict[str, Any]) -> Any:
    """get_config() of the model a section builds into, or None if it cannot be built here."""
    from modelspec.builder import _Builder, run_with_deep_stack

    ir, problems = parse_model(model_section)
    if ir is None or problems:
        return None
    for sub in walk_models(ir):
        for entry in sub.layers:
            if entry.submodel is None and _layer_class(
                    {"module": entry.module, "class_name": entry.class_name,
                     "registered_name": entry.registered_name}) is None:
                return None  # a plugin class: building would import user code
    try:
        model = run_with_deep_stack(_Builder().model, ir)
        return _plain(model.get_config())
    except Exception:  # noqa: BLE001 - unbuildable here: nothing to check against
        return None


def concise_model(model_section: dict[str, Any], reference: Any = None) -> dict[str, Any]:
    """The concise form of a model section, checked by building it when possible.

    `reference` is the get_config() the concise form must rebuild into; by
    default, that of the section itself. Shortening steps that do not hold
    are undone, most daring first.
    """
    concise = to_concise(model_section, simplify_layer)
    if reference is None:
        reference = _built_config(model_section)
        if reference is None:
            return concise
    reference = _plain(reference)
    if _built_config(concise) == reference:
        return concise
    careful = to_concise(model_section, simplify_layer, drop_call_context=False)
    if _built_config(careful) == reference:
        return careful
    return to_concise(model_section, None, drop_call_context=False)


def spec_from_model(model: keras.Model) -> dict[str, Any]:
    envelope = json.loads(model.to_json())
    spec: dict[str, Any] = {"modelspec": 1,
                            "model": concise_model(envelope, reference=model.get_config())}
    if model.compiled:
        spec["compile"] = simplify_compile(_plain(model.get_compile_config()))
    return spec


def spec_from_document(data: Any, source: str) -> dict[str, Any]:
    """Any accepted source document (spec, to_json, get_config) → a concise spec."""
    if isinstance(data, dict) and "modelspec" in data:
        spec = {k: copy.deepcopy(v) for k, v in data.items()}
        model = data.get("model")
        if isinstance(model, dict):
            compile_config = model.get("compile_config")
            spec["model"] = concise_model(model)
            if compile_config and "compile" not in spec:
                spec["compile"] = simplify_compile(compile_config)
        if isinstance(spec.get("compile"), dict):
            spec["compile"] = simplify_compile(spec["compile"])
        return order_spec(spec)
    if isinstance(data, dict) and ((isinstance(data.get("class_name"), str) and data["class_name"] in MODEL_CLASSES)
                                   or "layers" in data):
        spec = {"modelspec": 1, "model": concise_model(data)}
        if isinstance(data.get("compile_config"), dict) and data["compile_config"]:
            spec["compile"] = simplify_compile(data["compile_config"])
        return spec
    raise SpecError([Diagnostic("", "not a modelspec spec, a Keras to_json() dump or a "
                                "get_config() dict", code="unknown-source", source=source)])


def read_keras_archive(path: Path) -> tuple[dict[str, Any], Any]:
    """config.json of a .keras file, read without extracting anything."""
    source = str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            for name in names:
                if name.startswith("/") or ".." in name.split("/"):
                    raise SpecError([Diagnostic("", f"the archive has an unsafe entry '{name}'",
                                                code="unsafe-archive", source=source)])
            if "config.json" not in names:
                raise SpecError([Diagnostic("", "the .keras file has no config.json",
                                            code="bad-archive", source=source)])
            info = archive.getinfo("config.json")
            if info.file_size > MAX_KERAS_CONFIG_BYTES:
                raise SpecError([Diagnostic("", "config.json is too large", code="bad-archive",
                                            source=source)])
            text = archive.read("config.json")
    except zipfile.BadZipFile:
        raise SpecError([Diagnostic("", "not a .keras file (not a zip archive)", code="bad-archive",
                                    source=source)]) from None
    document, diagnostics = load_text(text, f"{source}:config.json", format="json")
    if any(d.is_error for d in diagnostics):
        raise SpecError(diagnostics)
    return _strip_shared_ids(document.data), document.source_map


def _strip_shared_ids(value: Any) -> Any:
    """.keras files add shared_object_id keys that to_json() never has."""
    if isinstance(value, dict):
        return {k: _strip_shared_ids(v) for k, v in value.items() if k != "shared_object_id"}
    if isinstance(value, list):
        return [_strip_shared_ids(v) for v in value]
    return value

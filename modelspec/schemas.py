"""Find and load the JSON Schema files in schemas/, with compiled validators cached."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import jsonschema

_HERE = Path(__file__).resolve().parent


@functools.cache
def schemas_dir() -> Path:
    """The schemas/ folder: beside the package in a checkout, inside it when installed."""
    for candidate in (_HERE.parent / "schemas", _HERE / "_schemas"):
        if (candidate / "spec.schema.json").is_file():
            return candidate
    raise FileNotFoundError(f"modelspec's schemas/ folder is missing (looked beside {_HERE})")


@functools.cache
def load_schema(relative: str) -> dict[str, Any]:
    with open(schemas_dir() / relative, encoding="utf-8") as handle:
        return json.load(handle)


def _is_integer(_checker: Any, instance: Any) -> bool:
    return isinstance(instance, int) and not isinstance(instance, bool)


#: Draft 2020-12, except that "integer" means a written integer: JSON Schema
#: also counts 1.0, which Keras refuses where it wants an int (units: 1.0).
Validator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator,
    type_checker=jsonschema.Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer))


@functools.cache
def index() -> dict[str, Any]:
    return load_schema("index.json")


@functools.cache
def validator(relative: str) -> jsonschema.protocols.Validator:
    """A compiled Draft 2020-12 validator for one schema file (format checks on)."""
    schema = load_schema(relative)
    return Validator(schema)


def spec_validator() -> jsonschema.protocols.Validator:
    return validator("spec.schema.json")


def layer_schema_path(class_name: str) -> str | None:
    return index()["layers"].get(class_name)


def own_layer(class_name: Any, module: Any = None, registered_name: Any = None) -> dict[str, str] | None:
    """{"module", "registered_name"} of one of modelspec's own layers
    (modelspec/layers.py), named as a built-in is (class_name alone) or as
    Keras's get_config() writes it; None for any other class."""
    path = layer_schema_path(class_name) if isinstance(class_name, str) else None
    meta = load_schema(path)["x-modelspec"] if path else {}
    if "registered_name" not in meta or module not in (None, meta["module"]) \
            or registered_name not in (None, meta["registered_name"]):
        return None
    return {"module": meta["module"], "registered_name": meta["registered_name"]}


def is_builtin_form(class_name: Any, module: Any, registered_name: Any) -> bool:
    """Whether a layer entry names a class modelspec knows statically (Keras's
    layers, or its own), so that a concise spec may leave module and
    registered_name out."""
    return (module in (None, "keras.layers") and registered_name is None) \
        or own_layer(class_name, module, registered_name) is not None


def op_schema_path(module: str, class_name: str) -> str | None:
    return index()["ops"].get(module, {}).get(class_name)


@functools.cache
def catalogue(kind: str) -> dict[str, Any]:
    return load_schema(index()["catalogues"][kind])


@functools.cache
def catalogue_class_validator(kind: str, class_name: str) -> jsonschema.protocols.Validator | None:
    schema = catalogue(kind)["$defs"].get(class_name)
    if schema is None:
        return None
    return Validator(schema)


@functools.cache
def catalogue_names(kind: str) -> frozenset[str]:
    return frozenset(catalogue(kind)["x-modelspec"]["names"])


@functools.cache
def catalogue_classes(kind: str) -> frozenset[str]:
    return frozenset(catalogue(kind)["$defs"])

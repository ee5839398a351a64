"""One self-contained JSON Schema for editors (schemas/editor.schema.json).

Made from the same files `validate` uses: spec.schema.json for the sections,
and every layer class's generated schema (parameters, types, defaults' kinds
and the first sentence of each argument's Keras docstring) for the layers.
Layer entries are discriminated on `class_name` with `if`/`then`, so an editor
completes and checks the parameters of the class actually written. It is
draft-07 (what yaml-language-server and VS Code understand) and needs no other
file. It is an aid for typing, not the validator: the Keras 2 spelling of a
model, tensor references and shapes are checked by `modelspec validate` only.
No TensorFlow is imported here.
"""

from __future__ import annotations

import copy
from typing import Any

from modelspec import schemas

EDITOR_SCHEMA = "editor.schema.json"

#: keys of a layer entry besides `config`, as Keras writes them
_ENTRY_KEYS = {
    "module": {"type": ["string", "null"], "description": "Python module of the class; left out for built-in layers."},
    "registered_name": {"type": ["string", "null"],
                        "description": "Name the class is registered under (plugins: 'package>Name')."},
    "name": {"type": "string", "description": "The layer's name (Keras writes it beside config too)."},
    "build_config": {"type": "object", "description": "Keras's build arguments, such as input_shape."},
    "inbound_nodes": {"type": "array", "description": "Functional models: one entry per call of the layer; "
                      "a tensor reference 'name', 'name[node]' or 'name[node][tensor]', or a list of them."},
}


def _layer_config(class_name: str) -> dict[str, Any]:
    path = schemas.layer_schema_path(class_name)
    layer = copy.deepcopy(schemas.load_schema(path)) if path else {"type": "object"}
    for key in ("$schema", "$id", "x-modelspec"):
        layer.pop(key, None)
    return layer


def _layer_names() -> list[str]:
    return sorted(set(schemas.index()["layers"]))


def editor_schema() -> dict[str, Any]:
    """The editor schema, built from schemas/ as installed."""
    spec = copy.deepcopy(schemas.load_schema("spec.schema.json"))
    spec["$schema"] = "http://json-schema.org/draft-07/schema#"
    spec.pop("$id", None)
    spec["title"] = "modelspec spec"
    defs = spec.setdefault("$defs", {})
    names = _layer_names()
    classes = [*names, "Functional", "Sequential"]
    for name in names:
        defs[f"layer.{name}"] = _layer_config(name)
    defs["layer"] = {
        "type": "object",
        "description": "One layer: {class_name, config} as Keras's get_config() writes it.",
        "required": ["class_name"],
        "properties": {
            # anyOf: offered for completion, while a plugin's class (with its module) stays allowed
            "class_name": {"type": "string", "anyOf": [{"enum": classes}, {"type": "string"}],
                           "description": "The Keras layer class (or a nested Functional/Sequential model)."},
            "config": {"type": "object", "description": "The layer's constructor arguments."},
            **copy.deepcopy(_ENTRY_KEYS),
        },
        "allOf": [
            # without a module, the class must be one modelspec knows (a plugin's names its module)
            {"if": {"not": {"required": ["module"]}}, "then": {"properties": {"class_name": {"enum": classes}}}},
            *({"if": {"properties": {"class_name": {"const": name}}, "required": ["class_name"]},
               "then": {"properties": {"config": {"$ref": f"#/$defs/layer.{name}"}}}}
              for name in names),
        ],
    }
    graph = {
        "name": {"type": "string", "description": "The Keras model name."},
        "layers": {"type": "array", "items": {"$ref": "#/$defs/layer"},
                   "description": "The layers, in order; a Functional model's also name their inbound_nodes."},
        "input_layers": {"description": "Functional: the inputs, as a list, a mapping or one reference."},
        "output_layers": {"description": "Functional: the outputs, as a list, a mapping or one reference."},
        "trainable": {"type": "boolean"},
    }
    defs["model"] = {
        "type": "object",
        "description": spec["properties"]["model"].get("description", ""),
        "properties": {
            "class_name": {"type": "string", "anyOf": [{"enum": ["Functional", "Sequential", "Model"]}, {"type": "string"}]},
            "config": {"type": "object", "properties": copy.deepcopy(graph)},
            "module": {"type": ["string", "null"]},
            "registered_name": {"type": ["string", "null"]},
            "build_config": {"type": ["object", "null"]},
            "compile_config": {"type": ["object", "null"]},
            **graph,  # a bare get_config() dict
        },
    }
    spec["properties"]["model"] = {"$ref": "#/$defs/model"}
    return spec


def render() -> str:
    """The editor schema as schemas/editor.schema.json holds it."""
    import json

    return json.dumps(editor_schema(), indent=1, ensure_ascii=False) + "\n"

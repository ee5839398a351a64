"""The model section as a graph: concise, verbatim and legacy forms → one IR, and back.

Three spellings of a `model:` section are read into the same intermediate
representation (`ModelIR`):

- Keras 3 `to_json()` / `get_config()` output, verbatim;
- legacy tf.keras 2.x JSON (no `module`, list-style inbound nodes,
  `batch_input_shape`, `class_name: Model`);
- the concise form people write by hand (string tensor references).

Tensor references always use Keras's `keras_history` convention: `name[n][t]`
is tensor `t` of the `n`-th call of layer `name` inside this model, counting
from 0. Keras's own `input_layers`/`output_layers` count the calls of a nested
Functional model from 1; `parse_model` subtracts that offset and `to_concise`
adds it back, so the concise form has one convention only.

`to_concise` is the inverse: Keras's canonical config → the concise form, with
an optional callback that drops parameters equal to their defaults (that needs
Keras, so it lives in `convert.py`). Nothing here imports Keras.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Callable, Iterator
from typing import Any

from modelspec import schemas
from modelspec.diagnostics import Diagnostic, join_pointer
from modelspec.loader import MAX_REPORTED

REF_PATTERN = re.compile(r"^([^\[\]]+?)(?:\[(\d+)\])?(?:\[(\d+)\])?$")
FUNCTIONAL_CLASSES = {"Functional", "Model"}
MODEL_CLASSES = FUNCTIONAL_CLASSES | {"Sequential"}
KERAS_TENSOR = "__keras_tensor__"
# Keys Keras writes (or accepts) at each level; anything else is a typo that
# Keras would silently ignore.
ENVELOPE_KEYS = {"module", "class_name", "config", "registered_name", "build_config",
                 "compile_config", "keras_version", "backend"}
FUNCTIONAL_KEYS = {"name", "trainable", "layers", "input_layers", "output_layers"}
SEQUENTIAL_KEYS = {"name", "trainable", "dtype", "layers", "build_input_shape"}
ENTRY_KEYS = {"module", "class_name", "config", "registered_name", "build_config", "name",
              "inbound_nodes", "shared_object_id", "compile_config"}


@dataclasses.dataclass(frozen=True)
class TensorRef:
    """Tensor `tensor` of call `node` of layer `layer` (keras_history convention)."""

    layer: str
    node: int
    tensor: int
    pointer: str

    def __str__(self) -> str:
        return format_ref(self.layer, self.node, self.tensor)


@dataclasses.dataclass
class NodeCall:
    """One call of a layer: positional and keyword arguments, tensors as TensorRef."""

    args: list[Any]
    kwargs: dict[str, Any]
    pointer: str

    def refs(self) -> list[TensorRef]:
        """The call's tensor references, args first (computed once: the validator
        asks three times per call and a call's arguments never change once parsed)."""
        found = self.__dict__.get("_refs")
        if found is None:
            found = self.__dict__["_refs"] = [*iter_refs(self.args), *iter_refs(self.kwargs)]
        return found


@dataclasses.dataclass
class LayerEntry:
    class_name: str
    module: str | None
    registered_name: str | None
    config: dict[str, Any]
    build_config: dict[str, Any] | None
    name: str | None
    nodes: list[NodeCall]
    pointer: str
    submodel: ModelIR | None = None

    @property
    def config_pointer(self) -> str:
        return self.pointer + "/config"


@dataclasses.dataclass
class ModelIR:
    class_name: str  # "Functional" or "Sequential"
    name: str | None
    config: dict[str, Any]  # the model's config, as written
    layers: list[LayerEntry]
    inputs: Any  # nested list/dict structure of TensorRef (Functional only)
    outputs: Any
    pointer: str  # pointer to the model envelope (or bare config)
    config_pointer: str
    compile_config: dict[str, Any] | None = None
    legacy: bool = False

    def layer_names(self) -> list[str]:
        return [entry.name for entry in self.layers if entry.name is not None]


def format_ref(layer: str, node: int = 0, tensor: int = 0) -> str:
    if tensor:
        return f"{layer}[{node}][{tensor}]"
    if node:
        return f"{layer}[{node}]"
    return layer


def iter_refs(value: Any) -> Iterator[TensorRef]:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, TensorRef):
            yield item
        elif isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))


class _Parser:
    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []

    def error(self, pointer: str, message: str, code: str, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(pointer, message, hint=hint, code=code))

    # -- references -------------------------------------------------------
    def parse_ref(self, text: Any, pointer: str) -> TensorRef | None:
        if not isinstance(text, str):
            self.error(pointer, f"expected a tensor reference such as 'dense' or "
                       f"'lstm[1]', got {_describe(text)}", "bad-reference")
            return None
        match = REF_PATTERN.match(text.strip())
        if not match:
            self.error(pointer, f"'{text}' is not a tensor reference", "bad-reference",
                       hint="write 'name', 'name[node]' or 'name[node][tensor]'")
            return None
        return TensorRef(match.group(1), int(match.group(2) or 0),
                         int(match.group(3) or 0), pointer)

    def parse_keras_leaf(self, leaf: list[Any], pointer: str, offsets: dict[str, int]) -> TensorRef | None:
        name, node, tensor = leaf[0], leaf[1], leaf[2]
        if not (isinstance(node, int) and isinstance(tensor, int)) or isinstance(node, bool):
            self.error(pointer, "a Keras tensor reference is [layer_name, node_index, "
                       "tensor_index] with integer indices", "bad-reference")
            return None
        return TensorRef(name, node - offsets.get(name, 0), tensor, pointer)

    def parse_structure(self, value: Any, pointer: str, offsets: dict[str, int]) -> Any:
        """input_layers/output_layers: a ref, a Keras leaf, or a list/dict of them."""
        if isinstance(value, str):
            return self.parse_ref(value, pointer)
        if _is_keras_leaf(value):
            return self.parse_keras_leaf(value, pointer, offsets)
        if isinstance(value, list):
            return [self.parse_structure(v, join_pointer_from(pointer, i), offsets)
                    for i, v in enumerate(value)]
        if isinstance(value, dict):
            return {k: self.parse_structure(v, join_pointer_from(pointer, k), offsets)
                    for k, v in value.items()}
        self.error(pointer, f"expected tensor references, got {_describe(value)}",
                   "bad-reference")
        return None

    # -- nodes ------------------------------------------------------------
    def parse_node(self, node: Any, pointer: str) -> NodeCall | None:
        if isinstance(node, str):
            ref = self.parse_ref(node, pointer)
            return NodeCall([ref], {}, pointer) if ref else None
        if isinstance(node, list) and node and all(isinstance(n, str) for n in node):
            refs = [self.parse_ref(n, join_pointer_from(pointer, i)) for i, n in enumerate(node)]
            return NodeCall([refs], {}, pointer) if all(refs) else None
        if isinstance(node, list) and node and all(isinstance(n, list) for n in node):
            return self.parse_legacy_node(node, pointer)
        if isinstance(node, dict) and set(node) <= {"args", "kwargs"}:
            args = node.get("args", [])
            kwargs = node.get("kwargs", {})
            if not isinstance(args, list):
                self.error(pointer + "/args", "'args' must be a list", "bad-node")
                return None
            if not isinstance(kwargs, dict):
                self.error(pointer + "/kwargs", "'kwargs' must be a mapping", "bad-node")
                return None
            return NodeCall(self.parse_node_value(args, pointer + "/args"),
                            self.parse_kwargs(kwargs, pointer + "/kwargs"), pointer)
        self.error(pointer, f"an inbound node is a tensor reference, a list of references, "
                   f"or {{args, kwargs}}; got {_describe(node)}", "bad-node")
        return None

    def parse_legacy_node(self, node: list[Any], pointer: str) -> NodeCall | None:
        refs: list[TensorRef] = []
        kwargs: dict[str, Any] = {}
        for i, item in enumerate(node):
            item_pointer = join_pointer_from(pointer, i)
            if not (3 <= len(item) <= 4 and isinstance(item[0], str)):
                self.error(item_pointer, "a legacy inbound node entry is [layer_name, "
                           "node_index, tensor_index, {kwargs}]", "bad-node")
                return None
            ref = self.parse_keras_leaf(item[:3], item_pointer, {})
            if ref is None:
                return None
            refs.append(ref)
            if len(item) == 4:
                if not isinstance(item[3], dict):
                    self.error(item_pointer + "/3", "expected a mapping of keyword arguments",
                               "bad-node")
                    return None
                kwargs.update(self.parse_kwargs(item[3], item_pointer + "/3"))
        arg: Any = refs[0] if len(refs) == 1 else refs
        return NodeCall([arg], kwargs, pointer)

    def parse_kwargs(self, kwargs: dict[str, Any], pointer: str) -> dict[str, Any]:
        return {key: self.parse_node_value(value, join_pointer_from(pointer, key))
                for key, value in kwargs.items()}

    def parse_node_value(self, value: Any, pointer: str) -> Any:
        """Arguments of a call: tensors become TensorRef; plain data stays."""
        if isinstance(value, dict):
            if value.get("class_name") == KERAS_TENSOR:
                config = value.get("config")
                history = config.get("keras_history") if isinstance(config, dict) else None
                if not _is_keras_leaf(history):
                    self.error(pointer, "a __keras_tensor__ needs config.keras_history "
                               "[layer_name, node_index, tensor_index]", "bad-reference")
                    return None
                return self.parse_keras_leaf(history, pointer + "/config/keras_history", {})
            if set(value) == {"ref"}:
                return self.parse_ref(value["ref"], pointer + "/ref")
            self.error(pointer, "node arguments may hold only tensor references and plain "
                       "values; a serialized object here would be instantiated by Keras",
                       "unsafe-node-argument")
            return None
        if isinstance(value, list):
            return [self.parse_node_value(v, join_pointer_from(pointer, i))
                    for i, v in enumerate(value)]
        return value

    # -- layers and models ----------------------------------------------
    def unknown_keys(self, value: dict[str, Any], allowed: set[str], pointer: str, what: str) -> None:
        unknown = [key for key in value if key not in allowed][: MAX_REPORTED + 1]  # no more are shown
        for key in unknown:
            close = difflib.get_close_matches(key, sorted(allowed), n=1)
            hint = f"did you mean '{close[0]}'?" if close else None
            if allowed is SEQUENTIAL_KEYS and key in FUNCTIONAL_KEYS:
                # a near name ('layers') would be the wrong advice
                hint = ("a Sequential model's input is its first layer and its output its last; "
                        "to wire layers by name, make it class_name: Functional")
            self.error(join_pointer_from(pointer, key), f"unknown key '{key}' in {what}",
                       "unknown-key", hint=hint)

    def parse_layer(self, entry: Any, pointer: str, functional: bool) -> LayerEntry | None:
        if not isinstance(entry, dict):
            self.error(pointer, f"a layer entry is a mapping with class_name and config, "
                       f"got {_describe(entry)}", "bad-layer")
            return None
        self.unknown_keys(entry, ENTRY_KEYS, pointer, "a layer entry")
        class_name = entry.get("class_name")
        if not isinstance(class_name, str):
            self.error(pointer, "layer entry has no class_name", "missing-class-name")
            return None
        config = entry.get("config", {})
        if not isinstance(config, dict):
            self.error(pointer + "/config", f"config must be a mapping, got "
                       f"{_describe(config)}", "bad-layer")
            return None
        config_name = config.get("name")
        name = entry.get("name", config_name)
        if config_name is not None and name != config_name:
            self.error(pointer + "/name", f"entry name '{name}' differs from "
                       f"config.name '{config_name}'", "name-mismatch",
                       hint="Keras fails on such entries with 'Unknown layer'; "
                       "give one name")
        nodes: list[NodeCall] = []
        raw_nodes = entry.get("inbound_nodes", [])
        if functional:
            if not isinstance(raw_nodes, list):
                self.error(pointer + "/inbound_nodes", "inbound_nodes must be a list",
                           "bad-node")
                raw_nodes = []
            for i, raw in enumerate(raw_nodes):
                node = self.parse_node(raw, join_pointer_from(pointer + "/inbound_nodes", i))
                if node is not None:
                    nodes.append(node)
        build_config = entry.get("build_config")
        layer = LayerEntry(
            class_name=class_name,
            module=entry.get("module"),
            registered_name=entry.get("registered_name"),
            config=config,
            build_config=build_config if isinstance(build_config, dict) else None,
            name=name if isinstance(name, str) else None,
            nodes=nodes,
            pointer=pointer,
        )
        if class_name in MODEL_CLASSES and "layers" in config:
            layer.submodel = self.parse_model_config(
                class_name, config, pointer, pointer + "/config")
        return layer

    def parse_model(self, model: Any, pointer: str) -> ModelIR | None:
        if not isinstance(model, dict):
            self.error(pointer, f"model must be a mapping, got {_describe(model)}",
                       "bad-model")
            return None
        if "layers" in model:  # a bare get_config() dict
            class_name = "Functional" if "input_layers" in model else "Sequential"
            return self.parse_model_config(class_name, model, pointer, pointer)
        self.unknown_keys(model, ENVELOPE_KEYS, pointer, "the model")
        class_name = model.get("class_name")
        if not isinstance(class_name, str) or class_name not in MODEL_CLASSES:
            self.error(pointer + "/class_name" if "class_name" in model else pointer,
                       f"model class_name must be Functional or Sequential, got "
                       f"{_describe(class_name)}", "bad-model")
            return None
        config = model.get("config")
        layers_pointer = None
        if isinstance(config, list) and class_name == "Sequential":
            config = {"layers": config}  # Keras 1/2 list-form Sequential
            layers_pointer = pointer + "/config"
        if not isinstance(config, dict):
            self.error(pointer + "/config", "model config must be a mapping with 'layers'",
                       "bad-model")
            return None
        ir = self.parse_model_config(class_name, config, pointer, pointer + "/config",
                                     layers_pointer=layers_pointer)
        if ir is not None:
            compile_config = model.get("compile_config")
            ir.compile_config = compile_config if isinstance(compile_config, dict) else None
            ir.legacy = "module" not in model and (
                "keras_version" in model or "backend" in model or class_name == "Model")
        return ir

    def parse_model_config(self, class_name: str, config: dict[str, Any], pointer: str,
                           config_pointer: str, layers_pointer: str | None = None) -> ModelIR | None:
        functional = class_name in FUNCTIONAL_CLASSES
        self.unknown_keys(config, FUNCTIONAL_KEYS if functional else SEQUENTIAL_KEYS,
                          config_pointer, f"a {'Functional' if functional else 'Sequential'} config")
        raw_layers = config.get("layers")
        if not isinstance(raw_layers, list):
            self.error(config_pointer + ("/layers" if "layers" in config else ""),
                       "the model needs a list of layers", "bad-model")
            return None
        layers = []
        layers_pointer = layers_pointer or config_pointer + "/layers"
        for i, entry in enumerate(raw_layers):
            layer = self.parse_layer(entry, f"{layers_pointer}/{i}", functional)
            if layer is not None:
                layers.append(layer)
        inputs = outputs = None
        if functional:
            offsets = {layer.name: 1 for layer in layers
                       if layer.name and layer.class_name in FUNCTIONAL_CLASSES}
            for key in ("input_layers", "output_layers"):
                if key not in config:
                    self.error(config_pointer, f"a Functional model needs '{key}'",
                               "missing-" + key.replace("_", "-"))
            # Keras-style leaves in input/output_layers count nested calls from 1.
            if "input_layers" in config:
                inputs = self.parse_structure(config["input_layers"],
                                              config_pointer + "/input_layers", offsets)
            if "output_layers" in config:
                outputs = self.parse_structure(config["output_layers"],
                                               config_pointer + "/output_layers", offsets)
        name = config.get("name")
        return ModelIR(
            class_name="Functional" if functional else "Sequential",
            name=name if isinstance(name, str) else None,
            config=config,
            layers=layers,
            inputs=inputs,
            outputs=outputs,
            pointer=pointer,
            config_pointer=config_pointer,
        )


def _is_keras_leaf(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 3
        and isinstance(value[0], str)
        and not isinstance(value[1], str)
        and not isinstance(value[2], str)
    )


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"number {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"string '{shown}'"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def join_pointer_from(pointer: str, token: str | int) -> str:
    return pointer + join_pointer(token)


def parse_model(model: Any, pointer: str = "/model") -> tuple[ModelIR | None, list[Diagnostic]]:
    """Read any accepted spelling of a model section into a ModelIR."""
    parser = _Parser()
    ir = parser.parse_model(model, pointer)
    return ir, parser.diagnostics


def walk_models(ir: ModelIR) -> Iterator[ModelIR]:
    """The model and every nested model in it, outermost first."""
    stack = [ir]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(layer.submodel for layer in reversed(current.layers) if layer.submodel)


# -- concise form -------------------------------------------------------------

LayerSimplifier = Callable[[dict[str, Any]], dict[str, Any]]


def to_concise(model: dict[str, Any], simplify: LayerSimplifier | None = None,
               *, drop_call_context: bool = True) -> dict[str, Any]:
    """Keras's canonical model config (to_json envelope) → the concise form.

    `simplify(entry)` receives each canonical layer entry (module, class_name,
    config, registered_name) and returns the config to keep, usually with
    default-valued parameters dropped. With `drop_call_context`, node kwargs
    that Keras records on a plain call (`training: false`, `mask: null`) are left out (Keras records them again on the
    call); callers that can build the model check that this held.
    Input already in the concise form passes through unchanged.
    """
    if "layers" in model:
        class_name = "Functional" if "input_layers" in model else "Sequential"
        config = model
    else:
        class_name = model["class_name"]
        config = model["config"]
    if class_name in FUNCTIONAL_CLASSES:
        concise_config = _functional_to_concise(config, simplify, drop_call_context)
        class_name = "Functional"
    else:
        concise_config = _sequential_to_concise(config, simplify)
    return {"class_name": class_name, "config": concise_config}


def _entry_to_concise(entry: dict[str, Any], simplify: LayerSimplifier | None,
                      drop_call_context: bool = True) -> dict[str, Any]:
    class_name = entry["class_name"]
    result: dict[str, Any] = {"class_name": class_name}
    module = entry.get("module")
    builtin = schemas.is_builtin_form(class_name, module, entry.get("registered_name"))
    is_model = class_name in MODEL_CLASSES and "layers" in entry.get("config", {})
    if is_model:
        result["config"] = to_concise(entry, simplify, drop_call_context=drop_call_context)["config"]
    else:
        if not builtin:
            result["module"] = module
            result["registered_name"] = entry.get("registered_name")
        result["config"] = simplify(entry) if simplify else dict(entry["config"])
    return result


def _functional_to_concise(config: dict[str, Any], simplify: LayerSimplifier | None,
                           drop_call_context: bool) -> dict[str, Any]:
    result: dict[str, Any] = {"name": config.get("name")}
    if config.get("trainable") is False:
        result["trainable"] = False
    functional_names = set()
    layers = []
    for entry in config["layers"]:
        concise = _entry_to_concise(entry, simplify, drop_call_context)
        if entry["class_name"] in FUNCTIONAL_CLASSES:
            functional_names.add(entry.get("name") or entry["config"].get("name"))
        nodes = [_node_to_concise(node, drop_call_context)
                 for node in entry.get("inbound_nodes", [])]
        if nodes:
            concise["inbound_nodes"] = nodes
        layers.append(concise)
    result["layers"] = layers
    for key in ("input_layers", "output_layers"):
        result[key] = _structure_to_concise(config[key], functional_names)
    return result


def _sequential_to_concise(config: dict[str, Any], simplify: LayerSimplifier | None) -> dict[str, Any]:
    result: dict[str, Any] = {"name": config.get("name")}
    if config.get("trainable") is False:
        result["trainable"] = False
    layers = [_entry_to_concise(entry, simplify) for entry in config["layers"]]
    result["layers"] = layers
    has_input = bool(layers) and layers[0]["class_name"] == "InputLayer"
    if config.get("build_input_shape") is not None and not has_input:
        result["build_input_shape"] = config["build_input_shape"]
    return result


def _structure_to_concise(value: Any, functional_names: set[str]) -> Any:
    if _is_keras_leaf(value):
        name, node, tensor = value
        if name in functional_names:
            node -= 1
        return format_ref(name, node, tensor)
    if isinstance(value, list):
        return [_structure_to_concise(v, functional_names) for v in value]
    if isinstance(value, dict):
        return {k: _structure_to_concise(v, functional_names) for k, v in value.items()}
    return value


def _tensor_to_ref(value: Any) -> str | None:
    if isinstance(value, dict) and value.get("class_name") == KERAS_TENSOR:
        return format_ref(*value["config"]["keras_history"])
    return None


def _is_call_context_default(key: str, value: Any) -> bool:
    return (key == "training" and (value is False or value is None)) or (key == "mask" and value is None)


def _node_to_concise(node: Any, drop_call_context: bool) -> Any:
    if not isinstance(node, dict):  # already concise, or a legacy node: keep as written
        return node
    args, kwargs = node.get("args", []), node.get("kwargs", {})
    if drop_call_context:
        kwargs = {k: v for k, v in kwargs.items() if not _is_call_context_default(k, v)}
    if not kwargs and len(args) == 1:
        single = _tensor_to_ref(args[0])
        if single is not None:
            return single
        if isinstance(args[0], list) and args[0]:
            refs = [_tensor_to_ref(a) for a in args[0]]
            if all(refs):
                return refs
    return {"args": _node_value_to_concise(args), "kwargs": _node_value_to_concise(kwargs)}


def _node_value_to_concise(value: Any) -> Any:
    ref = _tensor_to_ref(value)
    if ref is not None:
        return {"ref": ref}
    if isinstance(value, list):
        return [_node_value_to_concise(v) for v in value]
    if isinstance(value, dict):
        return {k: _node_value_to_concise(v) for k, v in value.items()}
    return value

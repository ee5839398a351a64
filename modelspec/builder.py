"""Normalized spec → keras.Model, with Keras's own deserialization per layer.

Each layer is revived by `keras.saving.deserialize_keras_object` (safe mode,
on a deep copy, because Keras mutates configs). The graph is wired here
rather than in Keras's `functional_from_config` so that

- a failing call (for example a Concatenate of incompatible shapes) is
  reported at the layer entry and inbound node that caused it;
- node arguments are resolved by modelspec and never deserialized by Keras
  (a serialized object there would otherwise be instantiated);
- deep graphs build: the build runs in a thread with a large stack and a
  raised recursion limit, because Keras's own graph walks are recursive
  (a 1,000-deep Dense chain fails at Python's default limit).

Node indices follow Keras exactly: `keras_history` indexes a layer's
`_inbound_nodes` as they are created here, and calls are processed in the
order the layer lists them.
"""

from __future__ import annotations

import contextlib
import copy
import heapq
import inspect
import math
import sys
import threading
import warnings
from typing import Any

from modelspec import layers as _own_layers  # noqa: F401 - registers modelspec's layers with Keras
from modelspec import hyper, schemas
from modelspec.api import DEFAULT_MAX_PARAMS
from modelspec.diagnostics import Diagnostic, Severity, SpecError
from modelspec.kerasenv import keras
from modelspec.normalize import (
    LayerEntry,
    ModelIR,
    TensorRef,
    parse_model,
)
from modelspec.spec import Spec, importable_beside
from modelspec.validator import (
    LEGACY_INPUT_KEYS,
    LEGACY_LAYER_KEYS,
    for_output,
    is_model_document,
    output_names,
    short_name,
    validate_document,
)

BUILD_STACK_BYTES = 512 * 1024 * 1024
BUILD_RECURSION_LIMIT = 200_000


class _BuildFailure(Exception):
    def __init__(self, diagnostic: Diagnostic):
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def _keras_message(error: BaseException) -> str:
    text = " ".join(str(error).split())
    # Keras's from_config wraps the constructor's own error in a paragraph of
    # advice for writers of custom layers, then the whole config: keep the cause
    cause = text.rpartition("Exception encountered: ")[2] if "could not be deserialized" in text else ""
    text = cause.strip() or text
    if len(text) > 400:
        text = text[:397] + "..."
    return text or type(error).__name__


def run_with_deep_stack(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Run function in a thread with a big stack and a high recursion limit."""
    result: dict[str, Any] = {}

    def target() -> None:
        old_limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(old_limit, BUILD_RECURSION_LIMIT))
        try:
            result["value"] = function(*args, **kwargs)
        except BaseException as error:  # noqa: BLE001 - re-raised in the caller
            result["error"] = error
        finally:
            sys.setrecursionlimit(old_limit)

    old_size = threading.stack_size()
    threading.stack_size(BUILD_STACK_BYTES)
    try:
        thread = threading.Thread(target=target, name="modelspec-build")
        thread.start()
    finally:
        threading.stack_size(old_size)
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


class _Builder:
    def __init__(self, custom_objects: dict[str, Any] | None = None, *, allow_unsafe: bool = False):
        self.custom_objects = custom_objects or {}
        # Keras's safe_mode refuses bytecode Lambdas; --unsafe (after the
        # validator's checks and warnings) turns it off.
        self.safe_mode = not allow_unsafe

    def model(self, ir: ModelIR) -> keras.Model:
        if ir.class_name == "Sequential":
            return self.sequential(ir)
        return self.functional(ir)

    def layer(self, entry: LayerEntry, keep_build_config: bool = False) -> Any:
        if entry.submodel is not None:
            return self.model(entry.submodel)
        config = fill_wrapped_modules(copy.deepcopy(entry.config))
        if not keep_build_config:
            config = strip_nested_build_configs(config)
        if entry.class_name == "InputLayer":
            config = {LEGACY_INPUT_KEYS.get(k, k): v for k, v in config.items()}
        else:
            for key in LEGACY_LAYER_KEYS:
                config.pop(key, None)
        serialized: dict[str, Any] = {
            "module": entry.module or "keras.layers",
            "class_name": entry.class_name,
            "config": config,
            "registered_name": entry.registered_name,
        }
        serialized.update(schemas.own_layer(entry.class_name, entry.module, entry.registered_name) or {})
        # A layer that is called (or added after an InputLayer) is built by
        # that; reviving build_config too would only turn its shapes to lists.
        if entry.build_config is not None and keep_build_config:
            serialized["build_config"] = copy.deepcopy(entry.build_config)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    return keras.saving.deserialize_keras_object(
                        copy.deepcopy(serialized), custom_objects=self.custom_objects,
                        safe_mode=self.safe_mode)
                except KeyError:
                    # Some from_config methods (Rescaling's) read keys that the
                    # constructor defaults; give them the defaults and retry.
                    serialized["config"] = with_constructor_defaults(entry, serialized["config"])
                    return keras.saving.deserialize_keras_object(
                        serialized, custom_objects=self.custom_objects, safe_mode=self.safe_mode)
        except Exception as error:  # noqa: BLE001 - becomes a located diagnostic
            what = f"layer '{entry.name}'" if entry.name else f"{entry.class_name} layer"
            raise _BuildFailure(Diagnostic(
                entry.config_pointer, f"{what}: Keras could not create it: {_keras_message(error)}",
                code="build-layer")) from error

    def sequential(self, ir: ModelIR) -> keras.Model:
        # Mirrors keras.Sequential.from_config.
        model = keras.Sequential(name=ir.name)
        has_input = bool(ir.layers) and ir.layers[0].class_name == "InputLayer"
        legacy_shape = ir.layers[0].config.get("batch_input_shape") if ir.layers else None
        if not has_input and isinstance(legacy_shape, list):
            # tf.keras 2.x: the first layer carried the input shape.
            first = ir.layers[0]
            dtype = first.config.get("dtype")
            model.add(keras.layers.InputLayer(
                batch_shape=tuple(legacy_shape), name=f"{first.name or 'input'}_input",
                dtype=dtype if isinstance(dtype, str) else None))
            has_input = True
        for entry in ir.layers:
            layer = self.layer(entry, keep_build_config=not has_input)
            try:
                model.add(layer)
            except Exception as error:  # noqa: BLE001
                raise _BuildFailure(Diagnostic(
                    entry.pointer, f"layer '{layer.name}': {_keras_message(error)}",
                    code="build-shape")) from error
        build_input_shape = ir.config.get("build_input_shape")
        if not model._functional and isinstance(build_input_shape, (list, tuple)) and build_input_shape:
            try:
                model.build(build_input_shape)
            except Exception as error:  # noqa: BLE001
                raise _BuildFailure(Diagnostic(
                    ir.config_pointer + "/build_input_shape", _keras_message(error),
                    code="build-shape")) from error
        return model

    def functional(self, ir: ModelIR) -> keras.Model:
        created: dict[str, Any] = {}
        for entry in ir.layers:
            created[entry.name] = self.layer(entry)
        order = {entry.name: i for i, entry in enumerate(ir.layers)}
        entries = {entry.name: entry for entry in ir.layers}

        # Kahn's algorithm over calls, smallest (layer position, call) first:
        # the same order as Keras's own pass over the layer list.
        made: dict[str, int] = {name: 0 for name in entries}
        for entry in ir.layers:
            if entry.class_name == "InputLayer":
                made[entry.name] = 1
        waiting: dict[tuple[str, int], int] = {}
        dependents: dict[tuple[str, int], list[tuple[str, int]]] = {}
        heap: list[tuple[int, int, str]] = []
        for entry in ir.layers:
            if entry.class_name == "InputLayer":
                continue
            for index, node in enumerate(entry.nodes):
                needs = {(r.layer, r.node) for r in node.refs()}
                if index:
                    needs.add((entry.name, index - 1))
                needs = {n for n in needs if not (entries[n[0]].class_name == "InputLayer")}
                waiting[(entry.name, index)] = len(needs)
                for need in needs:
                    dependents.setdefault(need, []).append((entry.name, index))
                if not needs:
                    heapq.heappush(heap, (order[entry.name], index, entry.name))
        while heap:
            _, index, name = heapq.heappop(heap)
            entry = entries[name]
            node = entry.nodes[index]
            args = self.resolve(node.args, created)
            kwargs = self.resolve(node.kwargs, created)
            layer = created[name]
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    layer(*args, **kwargs)
            except Exception as error:  # noqa: BLE001
                raise _BuildFailure(Diagnostic(
                    node.pointer, f"layer '{name}': {_keras_message(error)}",
                    code="build-call")) from error
            made[name] += 1
            for dependent in dependents.get((name, index), []):
                waiting[dependent] -= 1
                if waiting[dependent] == 0:
                    heapq.heappush(heap, (order[dependent[0]], dependent[1], dependent[0]))
        inputs = self.resolve(ir.inputs, created)
        outputs = self.resolve(ir.outputs, created)
        kwargs: dict[str, Any] = {"name": ir.name}
        if "trainable" in ir.config:
            kwargs["trainable"] = ir.config["trainable"]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return keras.Model(inputs=inputs, outputs=outputs, **kwargs)
        except Exception as error:  # noqa: BLE001
            raise _BuildFailure(Diagnostic(
                ir.config_pointer + "/output_layers", f"Keras could not assemble the model: "
                f"{_keras_message(error)}", code="build-model")) from error

    def resolve(self, value: Any, created: dict[str, Any]) -> Any:
        if isinstance(value, TensorRef):
            layer = created[value.layer]
            try:
                return layer._inbound_nodes[value.node].output_tensors[value.tensor]
            except IndexError as error:
                raise _BuildFailure(Diagnostic(
                    value.pointer, f"'{value}' does not exist: layer '{value.layer}' has "
                    f"{len(layer._inbound_nodes)} call(s) and that call fewer outputs",
                    code="dangling-reference")) from error
        if isinstance(value, list):
            return [self.resolve(v, created) for v in value]
        if isinstance(value, tuple):
            return tuple(self.resolve(v, created) for v in value)
        if isinstance(value, dict):
            return {k: self.resolve(v, created) for k, v in value.items()}
        return value


def with_constructor_defaults(entry: LayerEntry | dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    """config plus the constructor's JSON-able defaults for the keys it lacks (built-ins only)."""
    module = entry.module if isinstance(entry, LayerEntry) else entry.get("module")
    class_name = entry.class_name if isinstance(entry, LayerEntry) else entry["class_name"]
    if module not in (None, "keras.layers") or schemas.layer_schema_path(class_name) is None:
        return config
    cls = getattr(keras.layers, class_name, None)
    if cls is None:
        return config
    filled = dict(config)
    for param in list(inspect.signature(cls.__init__).parameters.values())[1:]:
        default = param.default
        if param.name in filled or default is inspect.Parameter.empty:
            continue
        if default is None or isinstance(default, (bool, int, float, str)):
            filled[param.name] = default
    return filled


WRAPPED_LAYER_KEYS = ("layer", "backward_layer", "cell", "cells")


def strip_nested_build_configs(config: dict[str, Any]) -> dict[str, Any]:
    """Drop build_config from layers wrapped in a config (an RNN's cell, a
    Bidirectional's layer): the outer layer builds them with the real input
    shape, which Keras records as tuples, as in a model built in Python."""

    return map_wrapped_layers(
        config, lambda layer: {k: v for k, v in layer.items() if k != "build_config"})


def fill_wrapped_modules(config: dict[str, Any]) -> dict[str, Any]:
    """Give wrapped built-in layers written without `module` (as the concise
    form allows) the `module` that Keras's wrappers need to find their class."""

    def fill(layer: dict[str, Any]) -> dict[str, Any]:
        if "module" in layer or not schemas.layer_schema_path(layer["class_name"]):
            return layer
        return {"module": "keras.layers", **layer, "registered_name": layer.get("registered_name"),
                **(schemas.own_layer(layer["class_name"]) or {})}

    return map_wrapped_layers(config, fill)


def map_wrapped_layers(config: dict[str, Any], transform: Any) -> dict[str, Any]:
    """transform(serialized_layer) -> serialized_layer, applied to every layer
    wrapped in config (under WRAPPED_LAYER_KEYS), at any depth."""

    def visit(value: Any) -> Any:
        if isinstance(value, list):
            return [visit(v) for v in value]
        if isinstance(value, dict) and isinstance(value.get("class_name"), str):
            result = transform(dict(value))
            inner = result.get("config")
            if isinstance(inner, dict):
                result["config"] = {k: visit(v) if k in WRAPPED_LAYER_KEYS else v
                                    for k, v in inner.items()}
            return result
        return value

    return {k: visit(v) if k in WRAPPED_LAYER_KEYS else v for k, v in config.items()}


def import_plugins(spec: Spec, allow_plugins: bool) -> None:
    plugins = (spec.data.get("plugins") if isinstance(spec.data, dict) else None) or []
    if not plugins:
        return
    if not allow_plugins:
        names = ", ".join(plugins)
        raise SpecError([spec.locate([Diagnostic(
            "/plugins", f"the spec wants to import {names}; plugins run code, so they are "
            "imported only with --allow-plugins", code="plugins-not-allowed",
            hint="check the modules, then run again with --allow-plugins")])[0]])
    import importlib

    problems = []
    for i, name in enumerate(plugins):
        try:
            with importable_beside(spec):
                importlib.import_module(name)
        except Exception as error:  # noqa: BLE001
            problems.append(Diagnostic(f"/plugins/{i}", f"cannot import plugin '{name}': "
                                       f"{_keras_message(error)}", code="plugin-import"))
    if problems:
        raise SpecError(spec.locate(problems))


def compile_arguments(compile_config: dict[str, Any], ir: ModelIR) -> dict[str, Any]:
    """The spec's compile section as Keras's compile_from_config expects it."""
    config = copy.deepcopy(compile_config)
    outputs = output_names(ir) or []
    weights = config.get("loss_weights")
    if isinstance(weights, (int, float)) and not isinstance(weights, bool):
        # one number weighs every output; Keras takes only a float for a
        # single output and refuses the int a YAML `loss_weights: 2` gives
        config["loss_weights"] = ({name: float(weights) for name in outputs} if len(outputs) > 1
                                  else float(weights))
    for key in ("metrics", "weighted_metrics"):
        value = config.get(key)
        if isinstance(value, str) or (isinstance(value, dict) and "class_name" in value):
            config[key] = [value]
    # compile_from_config deserializes generically, so serialized objects
    # written without `module` need it to find their class.
    for key, module in COMPILE_MODULES.items():
        if key in config:
            config[key] = _with_module(config[key], module)
    optimizer = config.get("optimizer")
    if isinstance(optimizer, dict) and isinstance(optimizer.get("config"), dict):
        rate = optimizer["config"].get("learning_rate")
        if isinstance(rate, dict):
            optimizer["config"]["learning_rate"] = _with_module(rate, "keras.optimizers.schedules")
    return config


COMPILE_MODULES = {"optimizer": "keras.optimizers", "loss": "keras.losses",
                   "metrics": "keras.metrics", "weighted_metrics": "keras.metrics"}


def _with_module(value: Any, module: str) -> Any:
    if isinstance(value, list):
        return [_with_module(v, module) for v in value]
    if isinstance(value, dict) and "class_name" not in value:
        return {k: _with_module(v, module) for k, v in value.items()}
    if isinstance(value, dict) and "module" not in value and value["class_name"] != "function":
        return {"module": module, **value, "registered_name": value.get("registered_name")}
    return value


def _bounded_build(builder: _Builder, ir: ModelIR, max_params: int | None) -> keras.Model:
    """builder.model(ir), refusing a model of more than max_params parameters
    before any weight is allocated: the model is built with its weights'
    initialisation deferred (Keras's StatelessScope), its parameters are
    counted, and only then are the weights created. Runs in the build thread: Keras keeps its
    scopes and its list of variables to initialise per thread."""
    if max_params is None:
        return builder.model(ir)
    from keras.src.backend.common import global_state
    from keras.src.backend.common.stateless_scope import StatelessScope
    from keras.src.backend.common.variables import initialize_all_variables

    def too_many(count: int, allocated: str) -> _BuildFailure:
        return _BuildFailure(Diagnostic(
            ir.pointer, f"the model has {count:,} parameters ({count * 4 / 1e9:,.1f} GB as float32), "
            f"more than the limit of {max_params:,}; {allocated}", code="too-many-params",
            hint="check the layer sizes; --max-params N raises the limit"))

    def pending_count() -> int:
        pending = global_state.get_global_attribute("uninitialized_variables") or []
        return sum(_size(variable.shape) for variable in pending)

    try:
        with StatelessScope(initialize_variables=False):
            model = builder.model(ir)
    except _BuildFailure as failure:
        # Layers that create a variable from a value while being called (a
        # stateful RNN's states) cannot be built with initialisation deferred:
        # bound what was counted before it, then build the usual way.
        if "stateless scope" not in failure.diagnostic.message:
            raise
        count = pending_count()
        global_state.set_global_attribute("uninitialized_variables", [])
        if count > max_params:
            raise too_many(count, "nothing was allocated") from None
        model = builder.model(ir)
        if model.count_params() > max_params:
            raise too_many(model.count_params(), "its layers create state while called, so it was "
                           "counted after allocating") from None
        return model
    count = pending_count()
    if count > max_params:
        global_state.set_global_attribute("uninitialized_variables", [])
        raise too_many(count, "nothing was allocated")
    initialize_all_variables()
    return model


def _size(shape: Any) -> int:
    return math.prod(int(dimension or 0) for dimension in shape)


def build_spec(spec: Spec, *, allow_plugins: bool = False, allow_unsafe: bool = False,
               max_params: int | None = DEFAULT_MAX_PARAMS, strategy: Any = None) -> keras.Model:
    """Validate, build and compile; with a tf.distribute `strategy`, both in its scope."""
    diagnostics = list(spec.notes) + spec.locate(validate_document(spec.data, allow_unsafe=allow_unsafe))
    errors = [d for d in diagnostics if d.is_error]
    if errors:
        raise SpecError(errors)
    spec = hyper.resolved(spec)  # ${hp:NAME} at each hyperparameter's default
    # A bare Keras model file builds too: it is the model section, at the root.
    model_document = is_model_document(spec.data)
    sections = {} if model_document else spec.data
    import_plugins(spec, allow_plugins)
    ir, parse_errors = parse_model(spec.data if model_document else spec.data["model"],
                                   "" if model_document else "/model")
    if ir is None or parse_errors:
        raise SpecError(spec.locate(parse_errors))
    seed = sections.get("seed")
    if seed is not None:
        keras.utils.set_random_seed(seed)
    precision = sections.get("precision")
    if precision and precision != "float32":
        _outputs_in_float32(ir)
    return _build_and_compile(spec, ir, sections, allow_unsafe, max_params, precision, strategy)


def _outputs_in_float32(ir: ModelIR) -> None:
    """Under a mixed policy, output layers that name no dtype compute in float32,
    as Keras's mixed-precision guide recommends for the last layer (a softmax or
    sigmoid in float16 loses precision and can overflow). Written into their
    config, so `get_config()` and a converted spec keep it."""
    for name in output_names(ir) or []:
        for entry in ir.layers:
            if entry.name == name and entry.submodel is None and "dtype" not in entry.config:
                entry.config = {**entry.config, "dtype": "float32"}


def _with_policy(precision: str | None, strategy: Any, build: Any, *args: Any) -> Any:
    """`build(*args)` under the dtype policy `precision` and in the strategy's scope.
    Keras keeps the policy per thread, and so does tf.distribute its scope; the build
    runs in its own thread (run_with_deep_stack), so both are set there."""
    previous = keras.config.dtype_policy()
    if precision:
        keras.config.set_dtype_policy(precision)
    try:
        with strategy.scope() if strategy is not None else contextlib.nullcontext():
            return build(*args)
    finally:
        keras.config.set_dtype_policy(previous)


def _build_and_compile(spec: Spec, ir: ModelIR, sections: dict[str, Any], allow_unsafe: bool,
                       max_params: int | None, precision: str | None, strategy: Any = None) -> keras.Model:
    try:
        model = run_with_deep_stack(_with_policy, precision, strategy, _bounded_build, _Builder(allow_unsafe=allow_unsafe),
                                    ir, max_params)
    except _BuildFailure as failure:
        raise SpecError(spec.locate([failure.diagnostic])) from None
    _warn_dropped_layers(spec, ir, model)
    compile_config = sections.get("compile")
    pointer = "/compile"
    if compile_config is None and ir.compile_config:
        compile_config, pointer = ir.compile_config, ir.pointer + "/compile_config"
    if compile_config:
        try:
            with warnings.catch_warnings(), strategy.scope() if strategy is not None \
                    else contextlib.nullcontext():
                warnings.simplefilter("ignore")
                model.compile_from_config(compile_arguments(compile_config, ir))
        except Exception as error:  # noqa: BLE001
            raise SpecError(spec.locate([Diagnostic(
                pointer, f"Keras could not compile the model: {_keras_message(error)}",
                code="build-compile")])) from None
    return model


class DroppedLayerWarning(UserWarning):
    """A layer of the spec is not part of the built model."""


def _warn_dropped_layers(spec: Spec, ir: ModelIR, model: keras.Model) -> None:
    """Keras leaves out layers that do not lead to an output (and, in some
    versions, a Rescaling right after an input: keras#19589); say so."""
    if ir.class_name != "Functional":
        return
    built = {operation.name for operation in model.operations}  # layers and op layers
    for entry in ir.layers:
        if entry.name and entry.name not in built:
            diagnostic = spec.locate([Diagnostic(
                entry.pointer, f"layer '{entry.name}' is not part of the built model: it leads "
                "to no output", severity=Severity.WARNING, code="dropped-layer")])[0]
            warnings.warn(diagnostic.render(), DroppedLayerWarning, stacklevel=3)


def describe_outputs(model: keras.Model) -> list[dict[str, Any]]:
    """Per output: name, shape, loss, loss weight and metrics from the compile config."""
    compile_config = model.get_compile_config() if model.compiled else {}
    try:
        outputs = keras.tree.flatten(model.outputs)
    except (AttributeError, ValueError):  # a Sequential model that was never built
        return []
    names = list(getattr(model, "output_names", None) or
                 [t._keras_history.operation.name for t in outputs])
    shapes = [tuple(t.shape) for t in outputs]

    rows = []
    for index, name in enumerate(names):
        loss = for_output(compile_config.get("loss"), index, name, len(names))
        weight = for_output(compile_config.get("loss_weights"), index, name, len(names))
        metrics = for_output(compile_config.get("metrics"), index, name, len(names))
        rows.append({
            "name": name,
            "shape": shapes[index] if index < len(shapes) else None,
            "loss": short_name(loss),
            "loss_weight": 1.0 if weight is None and loss is not None else weight,
            "metrics": [short_name(m) for m in (metrics if isinstance(metrics, list) else [metrics])
                        if m is not None],
        })
    return rows

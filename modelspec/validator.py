"""Schema errors and semantic checks of a spec → list[Diagnostic], without Keras.

Layers are validated against their own class schema (dispatch on
`class_name`), never against one giant `oneOf`: errors stay precise and
validation stays fast. The catalogues that appear inside configs
(initializers, regularizers, constraints, activations, losses, metrics,
optimizers, learning-rate schedules, callbacks) are dispatched the same way.

Safety rules enforced here (stricter than Keras's own `safe_mode`):
- `Lambda`, `TFSMLayer`, `TorchModuleWrapper`, `JaxLayer`, `FlaxLayer` are
  refused, and so are `__lambda__` objects and serialized functions outside
  the known activation/loss/metric names;
- every `module` value must be on the allowlist (Keras's public and built-in
  modules, modelspec, and the spec's declared plugins);
- lookup layers may not name vocabulary files;
- node arguments hold only tensor references and plain values.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Iterable
from typing import Any

import jsonschema.exceptions

from modelspec import bytecode, distribute, schemas
from modelspec.diagnostics import Diagnostic, Severity, join_pointer
from modelspec.legacy import REMOVED_LAYERS, foreign_model_class, keras2_names
from modelspec.loader import MAX_REPORTED
from modelspec.normalize import (
    MODEL_CLASSES,
    LayerEntry,
    ModelIR,
    NodeCall,
    TensorRef,
    iter_refs,
    parse_model,
    walk_models,
)

SAFE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,254}$")
# Keys of InputLayer written by tf.keras 2.x, translated at build time.
LEGACY_INPUT_KEYS = {"batch_input_shape": "batch_shape"}
# tf.keras 2.x wrote the input shape into ordinary layers too; the builder
# turns it into an InputLayer (first layer of a Sequential) or drops it.
LEGACY_LAYER_KEYS = ("batch_input_shape",)
PUBLIC_MODULES = {
    "keras", "keras.layers", "keras.models", "keras.initializers", "keras.regularizers",
    "keras.constraints", "keras.activations", "keras.losses", "keras.metrics",
    "keras.optimizers", "keras.optimizers.schedules", "keras.callbacks",
    "keras.src.models.functional", "keras.src.models.sequential", "keras.src.models.model",
}
LOOKUP_LAYERS = {"StringLookup", "IntegerLookup", "TextVectorization"}
NOUNS = {"initializers": "initializer", "regularizers": "regularizer", "constraints": "constraint",
         "activations": "activation", "losses": "loss", "metrics": "metric", "optimizers": "optimizer",
         "schedules": "learning-rate schedule", "callbacks": "callback"}
BOUNDS = {"minimum": ">=", "exclusiveMinimum": ">", "maximum": "<=", "exclusiveMaximum": "<"}
#: JSON Schema's type names in the words of a YAML/JSON spec.
TYPE_WORDS = {"array": "a list", "object": "a mapping", "string": "a string", "integer": "an integer",
              "number": "a number", "boolean": "true or false", "null": "null"}
COMPILE_PER_OUTPUT = ("loss", "loss_weights", "metrics", "weighted_metrics")


def _keras_module(module: Any) -> bool:
    """A serialized function's module that names no user code: none, builtins or Keras's."""
    return module in (None, "builtins") or str(module).startswith("keras.")


def _names_keras_function(value: dict[str, Any]) -> bool:
    """Whether a serialized function names one of Keras's activations, losses or
    metrics: the only functions a spec may name."""
    name = value.get("config")
    return isinstance(name, str) and any(name in schemas.catalogue_names(kind)
                                         for kind in ("activations", "losses", "metrics"))


def _behind_cycle(names: list[str]) -> str | None:
    if not names:
        return None
    if len(names) == 1:
        return f"layer {names[0]} depends on it too"
    return f"layers {', '.join(names[:5])}{' ...' if len(names) > 5 else ''} depend on it too"


def _pointer(entry: tuple[Any, Any, Any]) -> str:
    """The JSON pointer of a scan_serialized_objects stack entry (value, parent, key)."""
    tokens = []
    while entry is not None:
        tokens.append(entry[2])
        entry = entry[1]
    return join_pointer(*reversed(tokens))


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate closest to word (ignoring case if need be), or None."""
    pool = list(candidates)
    matches = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
    if not matches:
        lowered = {c.lower(): c for c in pool}
        matches = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
        matches = [lowered[m] for m in matches]
    return matches[0] if matches else None


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    match = closest(word, candidates)
    return f"did you mean '{match}'?" if match else None


def _parameter_hint(key: str, allowed: list[str]) -> tuple[str | None, str | None]:
    """(the parameter an unknown key stands for, the hint saying so)."""
    renamed = next((name for name in keras2_names(key) if name in allowed), None)
    if renamed is not None:
        return renamed, f"'{key}' is the Keras 1/2 name; Keras 3 calls it '{renamed}'"
    match = closest(key, allowed)
    return match, f"did you mean '{match}'?" if match else None


def describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:37] + "...")
    if isinstance(value, (int, float)):
        return repr(value)
    return "a list" if isinstance(value, list) else "a mapping"


class _Checker:
    def __init__(self, data: dict[str, Any], *, allow_unsafe: bool = False) -> None:
        self.data = data
        self.allow_unsafe = allow_unsafe
        self.diagnostics: list[Diagnostic] = []
        plugins = data.get("plugins") if isinstance(data, dict) else None
        plugins = plugins if isinstance(plugins, list) else []
        self.plugins = [p for p in plugins if isinstance(p, str)]
        self._allowed_modules: set[str] | None = None
        self._schema_errors: dict[tuple[str, str], list[Any]] = {}

    def schema_errors(self, path: str, config: dict[str, Any]) -> list[Any]:
        """A layer config's schema errors, remembered per distinct config.

        Big models repeat a few configs many times over (a 10,000-layer chain of
        Dense(8), a ResNet's identical convolutions) and jsonschema costs ~40 us
        a layer, the larger part of validating one.  Every layer schema types
        'name' as a string or null and says nothing else of it, so two configs
        that differ only in a string name have the same errors (their paths are
        relative to the config, and the caller prefixes the layer's pointer).
        """
        key = None
        try:
            rest = {k: v for k, v in config.items() if k != "name"} if isinstance(config.get("name"), str) else config
            key = (path, json.dumps(rest, sort_keys=True, allow_nan=True))
        except (TypeError, ValueError):  # non-JSON data given to the API: no memo
            pass
        if key is not None and key in self._schema_errors:
            return self._schema_errors[key]
        errors = list(schemas.validator(path).iter_errors(config))
        if key is not None:
            self._schema_errors[key] = errors
        return errors

    def error(self, pointer: str, message: str, code: str, hint: str | None = None,
              severity: Severity = Severity.ERROR) -> None:
        self.diagnostics.append(Diagnostic(pointer, message, hint=hint, code=code,
                                           severity=severity))

    # -- modules ------------------------------------------------------------
    def allowed_modules(self) -> set[str]:
        if self._allowed_modules is None:
            # class_modules: what every layer and catalogue schema names (schemagen)
            self._allowed_modules = {*PUBLIC_MODULES, *schemas.index()["class_modules"], *schemas.index()["ops"]}
        return self._allowed_modules

    def is_plugin_module(self, module: str) -> bool:
        return any(module == p or module.startswith(p + ".") or module == "modelspec"
                   or module.startswith("modelspec.") for p in self.plugins + ["modelspec"])

    def check_module(self, module: Any, pointer: str) -> bool:
        if module is None:
            return True
        if not isinstance(module, str):
            self.error(pointer, f"module must be a string, got {describe(module)}", "bad-module")
            return False
        if module in self.allowed_modules() or self.is_plugin_module(module):
            return True
        self.error(pointer, f"module '{module}' is not allowed", "module-not-allowed",
                   hint="modules are limited to Keras's own and the spec's plugins; "
                   "add your package to 'plugins' if it registers custom objects")
        return False

    # -- whole document -------------------------------------------------------
    def run(self) -> None:
        if not isinstance(self.data, dict):
            self.error("", f"a spec is a mapping with 'modelspec: 1' and 'model', got "
                       f"{describe(self.data)}", "not-a-mapping")
            return
        self.check_top_level()
        self.scan_serialized_objects()
        model = self.data.get("model")
        if not isinstance(model, dict):
            return
        ir, diagnostics = parse_model(model)
        self.diagnostics.extend(diagnostics)
        if ir is None:
            return
        for sub in walk_models(ir):
            self.check_model(sub)
        compile_config = self.data.get("compile")
        compile_pointer = "/compile"
        if compile_config is None and ir.compile_config:
            compile_config, compile_pointer = ir.compile_config, ir.pointer + "/compile_config"
        if isinstance(compile_config, dict):
            self.check_compile(compile_config, compile_pointer, ir)
        self.check_run_sections()
        self.check_init(ir)
        self.check_distribute()

    def check_top_level(self) -> None:
        validator = schemas.spec_validator()
        for error in validator.iter_errors(self.data):
            self.report_schema_error(error, "", "")

    def check_distribute(self) -> None:
        for pointer, message, code, hint in distribute.check(self.data.get("distribute")):
            self.error(pointer, message, code, hint=hint)
        steps = self.data.get("compile", {}).get("steps_per_execution") \
            if isinstance(self.data.get("compile"), dict) else None
        if isinstance(steps, int) and steps > 1 and distribute.strategy_name(self.data) != "default":
            self.error("/compile/steps_per_execution", "Keras 3 cannot run several steps per execution "
                       f"under a distribution strategy (it fails in multi_step_on_iterator); got {steps}",
                       "distribute", hint="remove it, or set distribute.strategy: default")

    def check_init(self, ir: Any) -> None:
        """init.combine names layers of the model and sources of init.from."""
        init = self.data.get("init")
        if not isinstance(init, dict) or not isinstance(init.get("combine"), dict):
            return
        names = {layer.name for sub in walk_models(ir) for layer in sub.layers if layer.name}
        sources = list(init.get("from") or {}) if isinstance(init.get("from"), dict) else []
        for layer_name, parts in init["combine"].items():
            pointer = "/init/combine" + join_pointer(layer_name)
            if layer_name not in names:
                self.error(pointer, f"the model has no layer '{layer_name}' to combine into",
                           "unknown-layer", hint=did_you_mean(layer_name, sorted(names)))
            for source in parts if isinstance(parts, dict) else ():
                if source not in sources:
                    self.error(pointer + join_pointer(source), f"no source named '{source}' in init.from",
                               "unknown-key", hint=did_you_mean(source, sources))

    def check_run_sections(self) -> None:
        definitions = self.data.get("data") if isinstance(self.data.get("data"), dict) else {}
        for section, key in (("fit", "data"), ("fit", "validation_data"),
                             ("evaluate", "data"), ("predict", "data")):
            value = (self.data.get(section) or {}).get(key) if isinstance(self.data.get(section), dict) else None
            problem = reference_problem(value, definitions) if isinstance(value, str) else None
            if problem is not None:
                self.error(f"/{section}/{key}", problem[0], "unknown-dataset", hint=problem[1])
        evaluate = self.data.get("evaluate")
        if isinstance(evaluate, dict) and "ranking" in evaluate:
            name = evaluate.get("data", "test")
            base, _, part = str(name).partition(".")
            definition = definitions.get(base) if isinstance(definitions, dict) else None
            if not (isinstance(definition, dict) and definition.get("format") == "interactions"
                    and part == "test"):
                self.error("/evaluate/ranking", f"ranking needs candidates to rank: the test part of an "
                           f"interactions dataset, but evaluate.data is '{name}'", "ranking-data",
                           hint="remove 'ranking' to evaluate with the compiled loss and metrics")
        fit = self.data.get("fit")
        if isinstance(fit, dict) and isinstance(fit.get("callbacks"), list):
            for i, callback in enumerate(fit["callbacks"]):
                self.check_catalogue_object("callbacks", callback, f"/fit/callbacks/{i}")

    # -- schema errors ------------------------------------------------------------
    def report_schema_error(self, error: Any, prefix: str, what: str) -> None:
        """Turn one jsonschema error into a diagnostic in the spec's terms."""
        pointer = prefix + "".join(join_pointer(p) for p in error.absolute_path)
        if error.validator == "additionalProperties":
            allowed = list(error.schema.get("properties", {}))
            # past MAX_REPORTED nothing more is shown (loader.cap_reported), so
            # a file of 60,000 unknown keys costs no more than one of 1,001
            extras = [k for k in error.instance if k not in allowed][: MAX_REPORTED + 1]
            for key in extras:
                _, hint = _parameter_hint(key, allowed)
                self.error(pointer + join_pointer(key), (f"unknown parameter '{key}' for {what}" if what else f"unknown key '{key}'"),
                           "unknown-parameter", hint=hint)
            return
        if error.validator == "required":
            missing = re.findall(r"'([^']+)' is a required property", error.message)
            name = missing[0] if missing else error.message
            allowed = list(error.schema.get("properties", {}))
            unknown = [key for key in error.instance if key not in allowed][: MAX_REPORTED + 1] \
                if isinstance(error.instance, dict) else []
            if any(_parameter_hint(key, allowed)[0] == name for key in unknown):
                return  # the unknown key's "did you mean" already says it (one diagnostic per cause)
            hint = "add 'modelspec: 1' (the spec format version) as the first line" \
                if name == "modelspec" and not what else None
            self.error(pointer, f"{what or 'the spec'} needs '{name}'", "missing-parameter", hint=hint)
            return
        if error.validator in ("anyOf", "oneOf") and error.context:
            best = jsonschema.exceptions.best_match(error.context)
            if best is not None and best.validator not in ("anyOf", "oneOf"):
                self.report_schema_error(best, prefix, what)
                return
        key = pointer.rsplit("/", 1)[-1] if pointer else "value"
        parts = pointer.rsplit("/", 2)
        if key.isdigit() and len(parts) == 3 and parts[1]:  # shape/0 -> shape[0]
            key = f"{parts[1]}[{key}]"
        if error.validator == "type":
            kinds = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
            expected = " or ".join(TYPE_WORDS.get(kind, kind) for kind in kinds)
            message = f"{key} must be {expected}, got {describe(error.instance)}"
            if "array" in kinds and isinstance(error.instance, (int, float)) \
                    and not isinstance(error.instance, bool):  # shape: 784 for [784]
                self.error(pointer, f"{what}: {message}" if what else message, "bad-value",
                           hint=f"write a list: {key}: [{json.dumps(error.instance)}]")
                return
        elif error.validator == "const":
            message = f"{key} must be {error.validator_value!r}, got {describe(error.instance)}"
        elif error.validator == "enum":
            choices = ", ".join(repr(c) for c in error.validator_value)
            message = f"{key} must be one of {choices}, got {describe(error.instance)}"
            self.error(pointer, f"{what}: {message}" if what else message, "bad-value",
                       hint=did_you_mean(str(error.instance), [str(c) for c in error.validator_value]))
            return
        elif error.validator == "pattern" and isinstance(error.schema.get("patternErrorMessage"), str):
            # the schema's own wording (VS Code's keyword, so editors show it too)
            wanted = error.schema["patternErrorMessage"]
            if "propertyNames" in error.relative_schema_path and isinstance(error.instance, str):
                # a bad key: point at its member, and say it is the key that is wrong
                self.error(pointer + join_pointer(error.instance), f"{what + ': ' if what else ''}the key "
                           f"{error.instance!r} under {key} must be {wanted}", "bad-key")
                return
            message = f"{key} must be {wanted}, got {describe(error.instance)}"
        elif error.validator in BOUNDS:
            message = f"{key} must be {BOUNDS[error.validator]} {error.validator_value}, got {describe(error.instance)}"
        else:
            message = f"{key}: {error.message}" if len(error.message) < 200 else f"{key} is not valid here"
        self.error(pointer, f"{what}: {message}" if what else message, "bad-value")

    # -- serialized objects anywhere ---------------------------------------------
    def scan_serialized_objects(self) -> None:
        """Refuse Python code and foreign modules anywhere in model and compile.

        Every value is visited, so pointers are built only for the few that are
        reported: a stack entry is (value, parent entry, key) and `_pointer`
        walks up the chain (a 10,000-layer spec visits ~170,000 values)."""
        for section in ("model", "compile", "fit", "evaluate", "predict"):
            if section not in self.data:
                continue
            stack: list[tuple[Any, Any, Any]] = [(self.data[section], None, section)]
            while stack:
                entry = stack.pop()
                value = entry[0]
                if isinstance(value, list):
                    stack.extend((v, entry, i) for i, v in enumerate(value))
                    continue
                if not isinstance(value, dict):
                    continue
                class_name = value.get("class_name")
                if class_name == "__lambda__" or "__bytecode__" in value or "bytecode" in value:
                    self.check_bytecode(value, _pointer(entry))
                    continue
                if self.reported_as_refused_layer(value):
                    continue  # check_layer refuses the whole layer, naming what it would run
                if class_name == "function":
                    if not _keras_module(value.get("module")):
                        self.check_module(value.get("module"), _pointer(entry) + "/module")
                    elif not _names_keras_function(value):
                        self.refuse_function(value, _pointer(entry))
                    continue
                module = value.get("module")
                if module is not None and not (isinstance(module, str) and module in self.allowed_modules()):
                    self.check_module(module, _pointer(entry) + "/module")
                stack.extend((v, entry, k) for k, v in value.items())

    def reported_as_refused_layer(self, value: dict[str, Any]) -> bool:
        """A refused layer (Lambda, TFSMLayer, ...) that check_layer reports as one
        error; a Lambda of bytecode is the exception, reported by check_bytecode."""
        class_name = value.get("class_name")
        if self.allow_unsafe or not isinstance(class_name, str) \
                or class_name not in schemas.index()["refused_layers"]:
            return False
        config = value.get("config")
        function = config.get("function") if isinstance(config, dict) else None
        return not (isinstance(function, dict) and function.get("class_name") == "__lambda__")

    def check_bytecode(self, value: dict[str, Any], pointer: str) -> None:
        """Serialized bytecode: refused, or with --unsafe allowed (warned) when it was
        written by this Python version; other versions' bytecode cannot run here."""
        found = bytecode.describe(value)
        writer = f"written by {found[0]}" if found else "of an unknown Python version"
        here = bytecode.running()
        if not self.allow_unsafe:
            self.error(pointer, f"serialized Python bytecode is refused ({writer})", "unsafe-lambda",
                       hint="modelspec never runs code from a file; --unsafe allows bytecode "
                       f"written by {here}")
        elif found is None or not found[1]:
            self.error(pointer, f"serialized Python bytecode is refused even with --unsafe: "
                       f"it was {writer}, and bytecode runs only on the Python version that "
                       f"wrote it (this is {here})", "bytecode-version",
                       hint="rewrite the function as a layer class and load it as a plugin")
        else:
            self.error(pointer, f"runs Python bytecode from the file ({writer}), allowed by "
                       "--unsafe", "unsafe-allowed", severity=Severity.WARNING)

    def refuse_function(self, value: dict[str, Any], pointer: str) -> None:
        name = describe(value.get("config"))
        key = pointer.rsplit("/", 1)[-1]
        kind = next((noun for suffix, noun in (("initializer", "initializer"), ("regularizer", "regularizer"),
                                                ("constraint", "constraint")) if key.endswith(suffix)), None)
        if kind is not None:
            self.error(pointer, f"{key} is the plain Python function {name} (module "
                       f"'{value.get('module')}'): modelspec never imports functions named by a "
                       f"file, and a Keras 3 {kind} is an object", "unsafe-function",
                       hint=f"use a built-in {kind} (see 'modelspec schema'), or write "
                       f"{'an' if kind[0] in 'aeiou' else 'a'} {kind} class, register it, and load it as a plugin")
            return
        self.error(pointer, f"serialized function {name} is refused: only Keras's activations, "
                   "losses and metrics may be named", "unsafe-function")

    # -- models and layers ----------------------------------------------------------
    def check_model(self, ir: ModelIR) -> None:
        functional = ir.class_name == "Functional"
        seen: dict[str, LayerEntry] = {}
        duplicated = False
        for layer in ir.layers:
            self.check_layer(layer, functional)
            if layer.name is None:
                if functional:
                    self.error(layer.config_pointer, f"{layer.class_name} layer has no name",
                               "missing-name", hint="set config.name; references use it")
                continue
            if not SAFE_NAME.match(layer.name) or ".." in layer.name:
                self.error(layer.config_pointer + "/name", f"layer name '{layer.name}' is not "
                           "a safe identifier", "unsafe-name",
                           hint="use letters, digits, '_', '-' and '.', without '/' or '..'")
            if layer.name in seen:
                self.error(layer.config_pointer + "/name", f"duplicate layer name '{layer.name}'",
                           "duplicate-name", hint=f"'{layer.name}' is first defined at layer "
                           f"{ir.layers.index(seen[layer.name])}; references by name need unique names")
                duplicated = True
            else:
                seen[layer.name] = layer
        if functional:
            # with two layers of one name, every reference to it is ambiguous: no
            # cycle or reachability finding about them would be a cause of its own
            self.check_graph(ir, seen, ambiguous=duplicated)
        elif ir.layers and ir.layers[0].class_name != "InputLayer" and "build_input_shape" not in ir.config:
            first = ir.layers[0]
            if not any(k in first.config for k in ("batch_input_shape", "input_shape", "input_dim")):
                self.error(ir.config_pointer + "/layers", "a Sequential model without an "
                           "InputLayer first builds only when called; its shapes are unknown",
                           "sequential-no-input", severity=Severity.WARNING,
                           hint="start the layers with {class_name: InputLayer, config: {shape: [...]}}")

    def check_layer(self, layer: LayerEntry, functional: bool) -> None:
        pointer = layer.pointer
        what = f"layer '{layer.name}'" if layer.name else f"{layer.class_name} layer"
        if layer.class_name in schemas.index()["refused_layers"]:
            reason = schemas.index()["refused_layers"][layer.class_name]
            function = layer.config.get("function")
            if layer.class_name == "Lambda" and isinstance(function, dict) \
                    and function.get("class_name") == "__lambda__":
                return  # its bytecode is reported where it is (scan_serialized_objects)
            hint = "modelspec never runs code named by a spec (--unsafe would allow it)"
            if isinstance(function, dict) and function.get("class_name") == "function":
                module = function.get("module")
                reason += f"; this one calls {describe(function.get('config'))}" + (
                    f" from module '{module}'" if isinstance(module, str) else "")
                if not (_keras_module(module) and _names_keras_function(function)):
                    hint = ("even --unsafe allows only Keras's activations, losses and metrics by name: "
                            "write the function as a layer class and load it as a plugin")
            if not self.allow_unsafe:
                self.error(pointer + "/class_name", f"{what}: {layer.class_name} is refused: {reason}",
                           "refused-layer", hint=hint)
            else:
                self.error(pointer + "/class_name", f"{what}: {layer.class_name} runs code named by "
                           f"the file ({reason}), allowed by --unsafe", "unsafe-allowed",
                           severity=Severity.WARNING)
            return  # no schema: Keras checks its config when it builds
        if layer.class_name in MODEL_CLASSES and layer.submodel is not None:
            return  # checked by walk_models
        if layer.module is not None and not self.check_module(layer.module, pointer + "/module"):
            return
        own = schemas.own_layer(layer.class_name, layer.module, layer.registered_name)
        if own is None and layer.module is not None and self.is_plugin_module(layer.module):
            # a plugin class: its schema is known only once the plugin is imported
            self.error(pointer + "/class_name", f"{what}: {layer.class_name} comes from plugin module "
                       f"'{layer.module}'; its config is accepted as it is, unchecked (validate "
                       "--plugins-schema imports the plugin and checks it)", "plugin-layer",
                       severity=Severity.NOTE)
            return
        if own is None and layer.registered_name and ">" in str(layer.registered_name):
            self.error(pointer + "/registered_name", f"{what}: custom class "
                       f"'{layer.registered_name}' comes from no declared plugin", "unknown-plugin-class",
                       hint="add the module that registers it to 'plugins' and set 'module'")
            return
        if layer.module is not None and layer.module.startswith("keras.src.ops."):
            path = schemas.op_schema_path(layer.module, layer.class_name)
        else:
            path = schemas.layer_schema_path(layer.class_name)
        if path is None and layer.class_name in REMOVED_LAYERS:
            self.error(pointer + "/class_name", f"{what}: {layer.class_name} is not in Keras 3: "
                       f"{REMOVED_LAYERS[layer.class_name]}", "removed-layer")
            return
        if path is None:
            candidates = list(schemas.index()["layers"])
            close = did_you_mean(layer.class_name, candidates)
            self.error(pointer + "/class_name", f"{what}: unknown layer class '{layer.class_name}': "
                       "it is not a Keras 3 layer", "unknown-layer",
                       hint=(f"{close} " if close else "") + f"If '{layer.class_name}' comes from "
                       "another library or your own code, supply it as a plugin: a module that "
                       "defines and registers the class (keras.saving.register_keras_serializable), "
                       "listed under 'plugins', named in this layer's 'module', and allowed with "
                       "--allow-plugins")
            return
        schema = schemas.load_schema(path)
        config = layer.config
        if layer.class_name == "InputLayer" and any(k in config for k in LEGACY_INPUT_KEYS):
            config = {LEGACY_INPUT_KEYS.get(k, k): v for k, v in config.items()}
        elif any(k in config for k in LEGACY_LAYER_KEYS):
            config = {k: v for k, v in config.items() if k not in LEGACY_LAYER_KEYS}
        for error in self.schema_errors(path, config):
            self.report_schema_error(error, layer.config_pointer, what)
        if layer.class_name == "InputLayer" and config.get("shape") is None and config.get("batch_shape") is None:
            self.error(layer.config_pointer, f"{what}: an InputLayer needs its shape", "missing-parameter",
                       hint="give shape: [...] (without the batch axis), or batch_shape: [null, ...]")
        meta = schema["x-modelspec"]
        for key, kind in meta.get("catalogues", {}).items():
            if key in config and config[key] is not None:
                self.check_catalogue_param(kind, config[key], layer.config_pointer + join_pointer(key), what)
        if layer.class_name in LOOKUP_LAYERS and isinstance(config.get("vocabulary"), str):
            self.error(layer.config_pointer + "/vocabulary", f"{what}: a vocabulary file path is "
                       "refused; give the vocabulary as a list", "vocabulary-path")
        if functional:
            call = meta.get("call")
            for node in layer.nodes:
                if call is not None:
                    self.check_call(node, call, what)
            if layer.class_name == "InputLayer" and layer.nodes:
                self.error(pointer + "/inbound_nodes", f"{what}: an InputLayer has no inbound nodes",
                           "bad-node")
            elif layer.class_name != "InputLayer" and not layer.nodes:
                self.error(pointer, f"{what} is never called: it has no inbound_nodes",
                           "unused-layer", severity=Severity.WARNING,
                           hint="Keras drops layers that are not connected to the graph")

    def check_catalogue_param(self, kind: str, value: Any, pointer: str, what: str) -> None:
        if kind == "layers":  # wrappers: Bidirectional(layer=...), RNN(cell=...)
            items = value if isinstance(value, list) else [value]
            for i, item in enumerate(items):
                item_pointer = f"{pointer}/{i}" if isinstance(value, list) else pointer
                if isinstance(item, dict) and isinstance(item.get("class_name"), str):
                    ir_entry, diagnostics = parse_model({"class_name": "Sequential", "config": {
                        "name": "wrapped", "layers": [item]}}, "")
                    if ir_entry is not None and ir_entry.layers:
                        entry = ir_entry.layers[0]
                        entry.pointer = item_pointer
                        self.check_layer(entry, functional=False)
                else:
                    self.error(item_pointer, f"{what}: expected a serialized layer "
                               "{class_name, config}, got " + describe(item), "bad-value")
            return
        if kind == "dtype":
            if isinstance(value, dict):
                if value.get("class_name") not in ("DTypePolicy", "FloatDTypePolicy", "QuantizedDTypePolicy",
                                                   "QuantizedFloat8DTypePolicy", "DTypePolicyMap"):
                    self.error(pointer + "/class_name", f"{what}: unknown dtype policy "
                               f"{describe(value.get('class_name'))}", "bad-value")
            elif not isinstance(value, str):
                self.error(pointer, f"{what}: dtype must be a string or a DTypePolicy, "
                           f"got {describe(value)}", "bad-value")
            return
        self.check_catalogue_object(kind, value, pointer, what)

    def check_catalogue_object(self, kind: str, value: Any, pointer: str, what: str = "") -> None:
        noun = NOUNS.get(kind, kind)
        prefix = f"{what}: " if what else ""
        if isinstance(value, str):
            names = schemas.catalogue_names(kind)
            classes = schemas.catalogue_classes(kind)
            if value in names or value in classes or value.lower() in names:
                return
            self.error(pointer, f"{prefix}unknown {noun} '{value}'", f"unknown-{NOUNS.get(kind, kind).split()[-1]}",
                       hint=did_you_mean(value, sorted(names | classes)))
            return
        if not isinstance(value, dict):
            self.error(pointer, f"{prefix}expected a {noun} name or {{class_name, config}}, "
                       f"got {describe(value)}", "bad-value")
            return
        class_name = value.get("class_name")
        if class_name == "function":
            return  # checked by scan_serialized_objects
        if not isinstance(class_name, str):
            self.error(pointer, f"{prefix}a serialized {noun} needs class_name", "bad-value")
            return
        if value.get("module") is not None and self.is_plugin_module(str(value.get("module"))):
            return
        validator = schemas.catalogue_class_validator(kind, class_name)
        if validator is None:
            names = schemas.catalogue_names(kind)
            if class_name in names or class_name.lower() in names:
                return  # e.g. {class_name: adam} resolves like the string
            self.error(pointer + "/class_name", f"{prefix}unknown {noun} class '{class_name}'",
                       f"unknown-{NOUNS.get(kind, kind).split()[-1]}", hint=did_you_mean(class_name, schemas.catalogue_classes(kind)))
            return
        config = value.get("config", {})
        if not isinstance(config, dict):
            self.error(pointer + "/config", f"{prefix}config must be a mapping", "bad-value")
            return
        for error in validator.iter_errors(config):
            self.report_schema_error(error, pointer + "/config", f"{prefix}{class_name}".strip())
        if kind == "optimizers" and isinstance(config.get("learning_rate"), dict):
            self.check_catalogue_object("schedules", config["learning_rate"],
                                        pointer + "/config/learning_rate", what)

    def check_call(self, node: NodeCall, call: dict[str, Any], what: str) -> None:
        positional = call["positional"]
        if len(node.args) > len(positional) and not call["varargs"]:
            self.error(node.pointer + "/args", f"{what} takes {len(positional)} positional "
                       f"argument(s) ({', '.join(positional) or 'none'}), got {len(node.args)}",
                       "bad-call")
        taken = set(positional[: len(node.args)])
        for key in node.kwargs:
            if key in taken:
                self.error(node.pointer + "/kwargs" + join_pointer(key),
                           f"{what}: '{key}' is given both positionally and by keyword", "bad-call")
            elif key not in call["keywords"] and not call["varkw"]:
                self.error(node.pointer + "/kwargs" + join_pointer(key),
                           f"{what}: call() has no argument '{key}'", "bad-call",
                           hint=did_you_mean(key, call["keywords"]))

    # -- the graph --------------------------------------------------------------------
    def check_graph(self, ir: ModelIR, layers: dict[str, LayerEntry], *, ambiguous: bool = False) -> None:
        def calls(layer: LayerEntry) -> int:
            return 1 if layer.class_name == "InputLayer" else len(layer.nodes)

        def check_ref(ref: TensorRef | None, context: str) -> bool:
            if ref is None:
                return False
            target = layers.get(ref.layer)
            if target is None:
                self.error(ref.pointer, f"{context} refers to '{ref.layer}', which is not a layer "
                           "of this model", "dangling-reference", hint=did_you_mean(ref.layer, layers))
                return False
            count = calls(target)
            if ref.node >= count or ref.node < 0:
                self.error(ref.pointer, f"{context} refers to call {ref.node} of '{ref.layer}', "
                           f"which is called {count} time(s)", "dangling-reference",
                           hint=f"calls are numbered from 0: use '{ref.layer}' or "
                           f"'{ref.layer}[{count - 1}]'" if count else None)
                return False
            if ref.tensor < 0:
                self.error(ref.pointer, f"{context}: tensor index must be >= 0", "dangling-reference")
                return False
            return True

        resolved = True
        for layer in ir.layers:
            for node in layer.nodes:
                for ref in node.refs():
                    resolved = check_ref(ref, f"layer '{layer.name}'") and resolved
        for key, structure in (("input_layers", ir.inputs), ("output_layers", ir.outputs)):
            leaves = list(iter_refs(structure))
            if structure is not None and not leaves and isinstance(structure, (list, dict)):
                self.error(ir.config_pointer + "/" + key, f"the model has no {key[:-7]}s", "bad-model")
            for ref in leaves:
                found = check_ref(ref, key)
                resolved = found and resolved
                if found and key == "input_layers":
                    if layers[ref.layer].class_name != "InputLayer":
                        self.error(ref.pointer, f"input '{ref.layer}' is a {layers[ref.layer].class_name}, "
                                   "not an InputLayer", "bad-input")
        if ambiguous:
            return
        self.check_cycles(ir, layers)
        if resolved:  # a broken reference leaves the layers before it unreached: no cascade
            self.check_reachable(ir, layers)

    def check_reachable(self, ir: ModelIR, layers: dict[str, LayerEntry]) -> None:
        """Warn about layers Keras would leave out: those leading to no output."""
        reached: set[str] = set()
        stack = [ref.layer for ref in iter_refs(ir.outputs) if ref.layer in layers]
        while stack:
            name = stack.pop()
            if name in reached:
                continue
            reached.add(name)
            stack.extend(r.layer for node in layers[name].nodes for r in node.refs()
                         if r.layer in layers and r.layer not in reached)
        for layer in ir.layers:
            if layer.name and layer.name not in reached and layer.nodes:
                self.error(layer.pointer, f"layer '{layer.name}' leads to no output; Keras will "
                           "leave it out of the model", "dropped-layer", severity=Severity.WARNING)

    def check_cycles(self, ir: ModelIR, layers: dict[str, LayerEntry]) -> None:
        """Kahn's algorithm over calls; whatever is never ready is on or behind a cycle."""
        deps: dict[tuple[str, int], set[tuple[str, int]]] = {}
        pointers: dict[tuple[str, int], str] = {}
        for layer in ir.layers:
            if layer.name is None:
                continue
            if layer.class_name == "InputLayer":
                deps[(layer.name, 0)] = set()
                continue
            for i, node in enumerate(layer.nodes):
                needs = {(r.layer, r.node) for r in node.refs() if r.layer in layers}
                if i > 0:
                    needs.add((layer.name, i - 1))
                deps[(layer.name, i)] = needs
                pointers[(layer.name, i)] = node.pointer
        dependents: dict[tuple[str, int], list[tuple[str, int]]] = {}
        waiting = {}
        ready = []
        for key, needs in deps.items():
            needs = {n for n in needs if n in deps}
            waiting[key] = len(needs)
            for need in needs:
                dependents.setdefault(need, []).append(key)
            if not needs:
                ready.append(key)
        done = 0
        while ready:
            key = ready.pop()
            done += 1
            for dependent in dependents.get(key, []):
                waiting[dependent] -= 1
                if waiting[dependent] == 0:
                    ready.append(dependent)
        if done < len(deps):
            # Every call left waiting needs another one left waiting: following
            # those needs must come back round, and that loop is the cycle (the
            # other waiting calls only sit behind it).
            stuck = {k for k, n in waiting.items() if n > 0}
            order = {key: index for index, key in enumerate(deps)}
            path = [min(stuck, key=order.__getitem__)]
            place = {path[0]: 0}
            while True:
                step = min((n for n in deps[path[-1]] if n in stuck), key=order.__getitem__)
                if step in place:
                    break
                place[step] = len(path)
                path.append(step)
            loop = path[place[step]:] + [step]
            loop.reverse()  # the way data flows: each feeds the next
            start = min(range(len(loop) - 1), key=lambda i: order[loop[i]])
            loop = loop[start:-1] + loop[:start + 1]

            def call(key: tuple[str, int]) -> str:
                return key[0] if key[1] == 0 else f"{key[0]}[{key[1]}]"

            shown = " → ".join(call(k) for k in loop)
            behind = sorted({k[0] for k in stuck} - {k[0] for k in loop})
            self.error(pointers.get(loop[0], ir.config_pointer), f"the graph has a cycle: {shown}",
                       "cycle", hint=_behind_cycle(behind))

    # -- compile -----------------------------------------------------------------------
    def check_compile(self, config: dict[str, Any], pointer: str, ir: ModelIR) -> None:
        outputs = output_names(ir)
        if "optimizer" in config and config["optimizer"] is not None:
            self.check_catalogue_object("optimizers", config["optimizer"], pointer + "/optimizer")
        for key in COMPILE_PER_OUTPUT:
            value = config.get(key)
            if value is None:
                continue
            key_pointer = f"{pointer}/{key}"
            if isinstance(value, dict) and "class_name" not in value:
                for output, item in value.items():
                    if outputs is not None and output not in outputs:
                        self.error(key_pointer + join_pointer(output), f"{key} names output "
                                   f"'{output}', but the model's outputs are "
                                   f"{', '.join(outputs) or 'none'}", "unknown-output",
                                   hint=did_you_mean(output, outputs))
                    self.check_compile_item(key, item, key_pointer + join_pointer(output))
            elif isinstance(value, list) and key in ("loss", "loss_weights"):
                if outputs is not None and len(value) != len(outputs) and len(outputs) > 1:
                    self.error(key_pointer, f"{key} lists {len(value)} value(s) for "
                               f"{len(outputs)} outputs", "output-count")
                for i, item in enumerate(value):
                    self.check_compile_item(key, item, f"{key_pointer}/{i}")
            else:
                self.check_compile_item(key, value, key_pointer)

    def check_compile_item(self, key: str, value: Any, pointer: str) -> None:
        if value is None:
            return
        if key == "loss_weights":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
                self.error(pointer, f"a loss weight must be a finite number >= 0, got {describe(value)}",
                           "bad-loss-weight")
            return
        kind = "losses" if key == "loss" else "metrics"
        if isinstance(value, list) and kind == "metrics":
            for i, item in enumerate(value):
                self.check_compile_item(key, item, f"{pointer}/{i}")
            return
        self.check_catalogue_object(kind, value, pointer)


def output_names(ir: ModelIR) -> list[str] | None:
    """Output names as Keras's compile() matches them, or None when unknown."""
    if ir.class_name != "Functional":
        last = ir.layers[-1].name if ir.layers else None
        return [last] if last else None
    structure = ir.outputs
    if isinstance(structure, dict):
        return list(structure)
    return [ref.layer for ref in iter_refs(structure)]


def for_output(value: Any, index: int, name: str, count: int) -> Any:
    """A compile value (loss, loss_weights, metrics) as it applies to output `index`
    (named `name`) of `count`: a mapping is keyed by output name, a list is in output
    order when there are several outputs, and anything else is for every output."""
    if isinstance(value, dict) and "class_name" not in value:
        return value.get(name)
    if isinstance(value, (list, tuple)) and count > 1:
        return value[index] if index < len(value) else None
    return value


def short_name(value: Any) -> Any:
    """A serialized Keras object as its class name; anything else as it is."""
    if isinstance(value, dict) and "class_name" in value:
        return value["class_name"]
    return value


#: dataset formats that split into named parts, used as `<dataset>.<part>`
PARTS = {"interactions": ("train", "test"), "text": ("train", "validation")}


def reference_problem(name: str, definitions: Any) -> tuple[str, str | None] | None:
    """What is wrong with a dataset reference (fit.data and the like), as
    (message, hint); None when `name` names a dataset, or one part of a
    dataset that splits into parts (`ratings.train`)."""
    definitions = definitions if isinstance(definitions, dict) else {}
    base, dot, part = name.partition(".")
    if base not in definitions:
        return f"no dataset named '{base}' in 'data'", did_you_mean(base, list(definitions))
    definition = definitions[base]
    fmt = definition.get("format") if isinstance(definition, dict) else None
    parts = PARTS.get(fmt) if isinstance(fmt, str) else None
    if parts is None:
        if dot:
            return (f"dataset '{base}' (format {fmt}) has no parts; name it alone",
                    f"write '{base}'")
        return None
    if not dot:
        return (f"dataset '{base}' (format {fmt}) splits into parts: name one of "
                + ", ".join(f"'{base}.{p}'" for p in parts), None)
    if part not in parts:
        return (f"dataset '{base}' has no part '{part}'; its parts: {', '.join(parts)}",
                did_you_mean(part, parts))
    return None



def validate_data(data: Any, *, allow_unsafe: bool = False) -> list[Diagnostic]:
    """Every problem in a loaded spec document (pointers only; see load.locate).

    `${hp:NAME}` references are checked against the search space, and the rest
    of the document is checked with each hyperparameter at its default (see
    modelspec.hyper); an unresolved reference gets one diagnostic, not also a
    type error at the same place.
    """
    from modelspec import hyper

    problems: list[Diagnostic] = []
    if isinstance(data, dict) and ("search" in data or hyper.has_references(data)):
        problems = hyper.check(data)
        data = hyper.substitute(data, hyper.defaults(data))
    checker = _Checker(data, allow_unsafe=allow_unsafe)
    checker.run()
    unresolved = {d.pointer for d in problems if d.code == "hyperparameter" and "${hp:" in d.message}
    return problems + [d for d in checker.diagnostics if d.pointer not in unresolved]


def _is_model_class(value: Any) -> bool:
    return isinstance(value, str) and value in MODEL_CLASSES


def is_model_document(data: Any) -> bool:
    """A bare Keras model file (to_json(), get_config(), legacy), not a spec."""
    return isinstance(data, dict) and "modelspec" not in data and (
        _is_model_class(data.get("class_name")) or "layers" in data)


def validate_document(data: Any, *, allow_unsafe: bool = False) -> list[Diagnostic]:
    """validate_data for a spec, or for a bare Keras model file read as the model section.
    A model class of another library (a keras_hub preset) is one error, alone."""
    foreign = foreign_model_class(data)
    if foreign is not None:
        return [foreign]
    if not is_model_document(data):
        return validate_data(data, allow_unsafe=allow_unsafe)
    wrapped = validate_data({"modelspec": 1, "model": data}, allow_unsafe=allow_unsafe)
    diagnostics = [Diagnostic(d.pointer[len("/model"):], d.message, hint=d.hint,
                              severity=d.severity, code=d.code)
                   if d.pointer.startswith("/model") else d for d in wrapped]
    diagnostics.append(Diagnostic("", "a Keras model file, not a spec: checked as a spec's "
                                  "model section", severity=Severity.NOTE, code="model-document",
                                  hint="'modelspec convert FILE -o spec.yaml' turns it into a spec"))
    return diagnostics


__all__ = ["validate_data", "validate_document", "is_model_document", "output_names", "did_you_mean"]

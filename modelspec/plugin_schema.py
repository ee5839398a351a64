"""`validate --plugins-schema`: check plugin layers' configs against schemas
derived from their classes, which means importing the plugins (and Keras).

Plain `validate` never imports a plugin: it accepts a plugin layer's config
as an open mapping and says so in a note (`plugin-layer`). With
`--plugins-schema` the user consents to importing the modules the spec lists
under `plugins` (as `--allow-plugins` does for `summary` and `run`); each
plugin layer's class is then found by its registered name (or in its module),
given a schema the way `modelspec.schemagen` makes Keras's (constructor
parameters, docstring types and bounds), and its config is checked with the
same messages as a built-in layer's. The notes for the layers checked are
dropped.
"""

from __future__ import annotations

import importlib
from typing import Any

from modelspec import schemas
from modelspec.diagnostics import Diagnostic, SpecError, sort_diagnostics
from modelspec.normalize import LayerEntry, parse_model, walk_models
from modelspec.spec import Spec, load


def plugin_layers(spec: Spec) -> list[LayerEntry]:
    """The layer entries whose module is one of the spec's plugins."""
    plugins = [p for p in spec.data.get("plugins") or [] if isinstance(p, str)]
    ir, _ = parse_model(spec.data.get("model"), "/model")
    if ir is None:
        return []
    return [layer for model in walk_models(ir) for layer in model.layers
            if isinstance(layer.module, str) and any(layer.module == p or layer.module.startswith(p + ".")
                                                     for p in plugins)]


def _plugin_class(layer: LayerEntry) -> Any:
    from modelspec.kerasenv import keras

    if isinstance(layer.registered_name, str):
        found = keras.saving.get_registered_object(layer.registered_name)
        if found is not None:
            return found
    module = importlib.import_module(layer.module)
    return getattr(module, layer.class_name, None)


def check_plugin_layers(source: Any, diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """`diagnostics` (what validate said of `source`) with the plugin layers'
    configs checked against their classes' schemas, in place of the notes."""
    from modelspec import schemagen
    from modelspec.builder import import_plugins
    from modelspec.kerasenv import keras
    from modelspec.validator import _Checker

    if any(d.is_error for d in diagnostics if d.code != "plugin-layer"):
        return diagnostics  # the spec must be sound before its plugins are imported
    spec = load(source)
    layers = plugin_layers(spec)
    if not layers:
        return diagnostics
    try:
        import_plugins(spec, True)
    except SpecError as error:
        return diagnostics + list(error.diagnostics)
    checker = _Checker(spec.data)
    checked: set[str] = set()
    for layer in layers:
        what = f"layer '{layer.name}'" if layer.name else f"{layer.class_name} layer"
        cls = _plugin_class(layer)
        if not (isinstance(cls, type) and issubclass(cls, keras.layers.Layer)):
            checker.error(layer.pointer + "/class_name", f"{what}: plugin module '{layer.module}' "
                          f"registers no layer class '{layer.registered_name or layer.class_name}'",
                          "unknown-plugin-class")
            continue
        schema = schemagen.class_schema(cls, title=layer.class_name, module=layer.module,
                                        stop=keras.layers.Layer, extra=schemagen.LAYER_KWARGS)
        for error in schemas.Validator(schema).iter_errors(layer.config):
            checker.report_schema_error(error, layer.config_pointer, what)
        checked.add(layer.pointer + "/class_name")
    kept = [d for d in diagnostics if not (d.code == "plugin-layer" and d.pointer in checked)]
    return sort_diagnostics(kept + spec.locate(checker.diagnostics))

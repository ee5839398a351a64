"""Validation: every problem located and explained, without TensorFlow."""

from __future__ import annotations

import copy

import pytest

import modelspec

BASE = {
    "modelspec": 1,
    "model": {
        "class_name": "Functional",
        "config": {
            "name": "m",
            "layers": [
                {"class_name": "InputLayer", "config": {"name": "x", "shape": [8]}},
                {"class_name": "Dense", "config": {"name": "hidden", "units": 4}, "inbound_nodes": ["x"]},
                {"class_name": "Dense", "config": {"name": "out", "units": 1}, "inbound_nodes": ["hidden"]},
            ],
            "input_layers": ["x"],
            "output_layers": ["out"],
        },
    },
    "compile": {"optimizer": "adam", "loss": "mse"},
}


def spec_with(edit):
    spec = copy.deepcopy(BASE)
    edit(spec)
    return spec


def layers(spec):
    return spec["model"]["config"]["layers"]


def errors(spec):
    return [d for d in modelspec.validate(spec) if d.is_error]


def test_base_spec_is_valid():
    assert modelspec.validate(BASE) == []


# (name, edit, expected pointer, message fragment, hint fragment or None)
CASES = [
    ("unknown_parameter_with_hint",
     lambda s: layers(s)[1]["config"].update(unit=3),
     "/model/config/layers/1/config/unit", "unknown parameter 'unit'", "did you mean 'units'?"),
    ("missing_required_parameter",
     lambda s: layers(s)[1]["config"].pop("units"),
     "/model/config/layers/1/config", "needs 'units'", None),
    ("wrong_type",
     lambda s: layers(s)[1]["config"].update(units="abc"),
     "/model/config/layers/1/config/units", "units must be an integer", None),
    ("unknown_class_with_hint",
     lambda s: layers(s)[1].update(class_name="Dense2"),
     "/model/config/layers/1/class_name", "unknown layer class 'Dense2'", "did you mean 'Dense'?"),
    ("misspelled_initializer",
     lambda s: layers(s)[1]["config"].update(kernel_initializer="glorot_unifrom"),
     "/model/config/layers/1/config/kernel_initializer", "unknown initializer 'glorot_unifrom'",
     "did you mean 'glorot_uniform'?"),
    ("serialized_initializer_unknown_parameter",
     lambda s: layers(s)[1]["config"].update(
         kernel_initializer={"class_name": "RandomNormal", "config": {"stdev": 0.1}}),
     "/model/config/layers/1/config/kernel_initializer/config/stdev", "unknown parameter 'stdev'",
     "did you mean 'stddev'?"),
    ("unknown_activation",
     lambda s: layers(s)[1]["config"].update(activation="rellu"),
     "/model/config/layers/1/config/activation", "unknown activation 'rellu'", "did you mean 'relu'?"),
    ("unknown_regularizer_class",
     lambda s: layers(s)[1]["config"].update(kernel_regularizer={"class_name": "L3", "config": {}}),
     "/model/config/layers/1/config/kernel_regularizer/class_name", "unknown regularizer class 'L3'", None),
    ("unknown_constraint",
     lambda s: layers(s)[1]["config"].update(kernel_constraint="max_nrom"),
     "/model/config/layers/1/config/kernel_constraint", "unknown constraint 'max_nrom'", "max_norm"),
    ("dangling_reference",
     lambda s: layers(s)[2].update(inbound_nodes=["hiden"]),
     "/model/config/layers/2/inbound_nodes/0", "refers to 'hiden'", "did you mean 'hidden'?"),
    ("reference_to_missing_call",
     lambda s: layers(s)[2].update(inbound_nodes=["hidden[1]"]),
     "/model/config/layers/2/inbound_nodes/0", "call 1 of 'hidden'", None),
    ("bad_reference_syntax",
     lambda s: layers(s)[2].update(inbound_nodes=["hidden[x]"]),
     "/model/config/layers/2/inbound_nodes/0", "not a tensor reference", None),
    ("duplicate_layer_name",
     lambda s: layers(s)[2]["config"].update(name="hidden"),
     "/model/config/layers/2/config/name", "duplicate layer name 'hidden'", None),
    ("path_in_layer_name",
     lambda s: layers(s)[1]["config"].update(name="../hidden"),
     "/model/config/layers/1/config/name", "not a safe identifier", None),
    ("missing_output",
     lambda s: s["model"]["config"].update(output_layers=["nope"]),
     "/model/config/output_layers/0", "refers to 'nope'", None),
    ("input_that_is_not_an_input_layer",
     lambda s: s["model"]["config"].update(input_layers=["hidden"]),
     "/model/config/input_layers/0", "not an InputLayer", None),
    ("cycle",
     lambda s: layers(s)[1].update(inbound_nodes=["out"]),
     "/model/config/layers/1/inbound_nodes/0", "cycle", None),
    ("loss_key_names_no_output",
     lambda s: s["compile"].update(loss={"outt": "mse"}),
     "/compile/loss/outt", "names output 'outt'", "did you mean 'out'?"),
    ("negative_loss_weight",
     lambda s: s["compile"].update(loss_weights={"out": -1}),
     "/compile/loss_weights/out", "finite number >= 0", None),
    ("nan_loss_weight",
     lambda s: s["compile"].update(loss_weights=float("nan")),
     "/compile/loss_weights", "finite number >= 0", None),
    ("unknown_optimizer",
     lambda s: s["compile"].update(optimizer="adamm"),
     "/compile/optimizer", "unknown optimizer 'adamm'", "did you mean 'adam'?"),
    ("unknown_loss",
     lambda s: s["compile"].update(loss="mean_squared_eror"),
     "/compile/loss", "unknown loss 'mean_squared_eror'", "mean_squared_error"),
    ("unknown_metric",
     lambda s: s["compile"].update(metrics=["acuracy"]),
     "/compile/metrics/0", "unknown metric 'acuracy'", "accuracy"),
    ("unknown_compile_key",
     lambda s: s["compile"].update(los="mse"),
     "/compile/los", "unknown key 'los'", "did you mean 'loss'?"),
    ("wrong_version",
     lambda s: s.update(modelspec=2),
     "/modelspec", "must be 1", None),
    ("missing_model",
     lambda s: s.pop("model"),
     "", "needs 'model'", None),
    ("lambda_refused",
     lambda s: layers(s)[1].update(class_name="Lambda", config={"name": "hidden", "function": "x"}),
     "/model/config/layers/1/class_name", "Lambda is refused", None),
    ("tfsm_layer_refused",
     lambda s: layers(s)[1].update(class_name="TFSMLayer", config={"name": "hidden"}),
     "/model/config/layers/1/class_name", "TFSMLayer is refused", None),
    ("bytecode_refused",
     lambda s: layers(s)[1]["config"].update(
         activation={"class_name": "__lambda__", "config": {"code": "4wEAAAAAAAAA"}}),
     "/model/config/layers/1/config/activation", "bytecode is refused", None),
    ("function_gadget_refused",
     lambda s: layers(s)[1]["config"].update(
         activation={"module": "keras.config", "class_name": "function", "config": "set_floatx"}),
     "/model/config/layers/1/config/activation", "is refused", None),
    ("foreign_module_refused",
     lambda s: layers(s)[1].update(module="os"),
     "/model/config/layers/1/module", "module 'os' is not allowed", None),
    ("vocabulary_path_refused",
     lambda s: layers(s)[1].update(class_name="StringLookup",
                                   config={"name": "hidden", "vocabulary": "/etc/passwd"}),
     "/model/config/layers/1/config/vocabulary", "vocabulary file path", None),
    ("serialized_object_in_node_kwargs",
     lambda s: layers(s)[2].update(inbound_nodes=[{"args": [{"ref": "hidden"}],
                                                   "kwargs": {"training": {"class_name": "X", "config": {}}}}]),
     "/model/config/layers/2/inbound_nodes/0/kwargs/training", "would be instantiated", None),
    ("unknown_call_kwarg",
     lambda s: layers(s)[2].update(inbound_nodes=[{"args": [{"ref": "hidden"}], "kwargs": {"trainin": True}}]),
     "/model/config/layers/2/inbound_nodes/0/kwargs/trainin", "no argument 'trainin'", "training"),
    ("extra_positional_argument",
     lambda s: layers(s)[2].update(inbound_nodes=[{"args": [{"ref": "hidden"}, None, {"ref": "x"}],
                                                   "kwargs": {}}]),
     "/model/config/layers/2/inbound_nodes/0/args", "positional argument", None),
    ("entry_name_differs_from_config_name",
     lambda s: layers(s)[1].update(name="other"),
     "/model/config/layers/1/name", "differs from config.name", None),
    ("unknown_dataset_name",
     lambda s: s.update(fit={"data": "trian", "epochs": 1}, data={"train": {"format": "synthetic"}}),
     "/fit/data", "no dataset named 'trian'", "did you mean 'train'?"),
    ("bad_fit_type",
     lambda s: s.update(fit={"epochs": "ten"}),
     "/fit/epochs", "epochs must be an integer", None),
]


@pytest.mark.parametrize("name,edit,pointer,message,hint", CASES, ids=[c[0] for c in CASES])
def test_problem_is_reported_at_its_pointer(name, edit, pointer, message, hint):
    found = errors(spec_with(edit))
    matching = [d for d in found if d.pointer == pointer and message in d.message]
    assert matching, f"no error at {pointer!r} containing {message!r}; got " + "\n".join(
        f"{d.pointer}: {d.message}" for d in found)
    if hint is not None:
        assert hint in (matching[0].hint or ""), matching[0].hint


def test_every_problem_is_reported_in_one_run():
    def many(spec):
        layers(spec)[1]["config"].update(unit=3)
        layers(spec)[2].update(inbound_nodes=["nowhere"])
        spec["compile"]["optimizer"] = "adamm"

    pointers = {d.pointer for d in errors(spec_with(many))}
    assert {"/model/config/layers/1/config/unit", "/model/config/layers/2/inbound_nodes/0",
            "/compile/optimizer"} <= pointers


def test_errors_in_a_file_carry_line_and_column(write_spec):
    path = write_spec("""
        modelspec: 1
        model:
          class_name: Functional
          config:
            name: m
            layers:
              - class_name: InputLayer
                config: {name: x, shape: [8]}
              - class_name: Dense
                config: {name: d, unit: 4}
                inbound_nodes: [x]
            input_layers: [x]
            output_layers: [d]
        """)
    found = errors(str(path))
    unknown = [d for d in found if d.code == "unknown-parameter"][0]
    assert (unknown.source, unknown.line, unknown.column) == (str(path), 10, 27)
    assert unknown.render().startswith(f"{path}:10:27: error: /model/config/layers/1/config/unit: ")
    assert "    hint: did you mean 'units'?" in unknown.render()


def test_diagnostics_are_sorted_by_position(write_spec):
    path = write_spec("""
        modelspec: 1
        model:
          class_name: Functional
          config:
            name: m
            layers:
              - class_name: InputLayer
                config: {name: x, shape: [8]}
              - class_name: Dense
                config: {name: d, units: 4, activation: rellu}
                inbound_nodes: [y]
            input_layers: [x]
            output_layers: [d]
        compile: {optimizer: adamm, loss: mse}
        """)
    lines = [d.line for d in errors(str(path))]
    assert lines == sorted(lines) and len(lines) == 3


def test_verbatim_keras_json_needs_no_changes():
    # A to_json() envelope, as Keras 3 writes it for a one-layer Sequential model.
    model = {
        "module": "keras", "class_name": "Sequential", "registered_name": None,
        "config": {"name": "sequential", "trainable": True,
                   "dtype": {"module": "keras", "class_name": "DTypePolicy",
                             "config": {"name": "float32"}, "registered_name": None},
                   "layers": [
                       {"module": "keras.layers", "class_name": "InputLayer", "registered_name": None,
                        "config": {"batch_shape": [None, 3], "dtype": "float32", "sparse": False,
                                   "ragged": False, "name": "input_layer", "optional": False}},
                       {"module": "keras.layers", "class_name": "Dense", "registered_name": None,
                        "build_config": {"input_shape": [None, 3]},
                        "config": {"name": "dense", "trainable": True,
                                   "dtype": {"module": "keras", "class_name": "DTypePolicy",
                                             "config": {"name": "float32"}, "registered_name": None},
                                   "units": 2, "activation": "linear", "use_bias": True,
                                   "kernel_initializer": {"module": "keras.initializers",
                                                          "class_name": "GlorotUniform",
                                                          "config": {"seed": None}, "registered_name": None},
                                   "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros",
                                                        "config": {}, "registered_name": None},
                                   "kernel_regularizer": None, "bias_regularizer": None,
                                   "kernel_constraint": None, "bias_constraint": None}}],
                   "build_input_shape": [None, 3]},
        "build_config": {"input_shape": [None, 3]},
        "compile_config": {},
    }
    assert errors({"modelspec": 1, "model": model}) == []


def test_legacy_tf_keras_nodes_are_understood():
    spec = {"modelspec": 1, "model": {
        "class_name": "Model", "keras_version": "2.4.0", "backend": "tensorflow",
        "config": {"name": "model", "layers": [
            {"class_name": "InputLayer", "name": "input_1",
             "config": {"batch_input_shape": [None, 4], "dtype": "float32", "sparse": False,
                        "ragged": False, "name": "input_1"}, "inbound_nodes": []},
            {"class_name": "Dense", "name": "dense", "config": {"name": "dense", "units": 2},
             "inbound_nodes": [[["input_1", 0, 0, {}]]]},
            {"class_name": "Dense", "name": "dense_1", "config": {"name": "dense_1", "units": 2},
             "inbound_nodes": [[["dense_2", 0, 0, {}]]]},
        ], "input_layers": [["input_1", 0, 0]], "output_layers": [["dense_1", 0, 0]]}}}
    found = errors(spec)
    assert [d.pointer for d in found] == ["/model/config/layers/2/inbound_nodes/0/0"]


def test_shared_layer_calls_are_counted():
    def shared(spec):
        layers(spec).insert(2, {"class_name": "Dense", "config": {"name": "twice", "units": 4},
                                "inbound_nodes": ["hidden", "twice"]})
        layers(spec)[3]["inbound_nodes"] = ["twice[1]"]

    assert errors(spec_with(shared)) == []

    def too_far(spec):
        shared(spec)
        layers(spec)[3]["inbound_nodes"] = ["twice[2]"]

    assert [d.code for d in errors(spec_with(too_far))] == ["dangling-reference"]


def test_plugin_layers_are_not_checked_against_builtin_schemas():
    def plugin(spec):
        spec["plugins"] = ["my_layers"]
        layers(spec)[1].update(class_name="FM", module="my_layers", registered_name="my_layers>FM",
                               config={"name": "hidden", "factors": 4})

    assert errors(spec_with(plugin)) == []


def test_undeclared_plugin_module_is_refused():
    def plugin(spec):
        layers(spec)[1].update(class_name="FM", module="my_layers", registered_name="my_layers>FM")

    assert [d.code for d in errors(spec_with(plugin))] == ["module-not-allowed"]


def test_unsafe_flag_accepts_lambda_class():
    def lam(spec):
        layers(spec)[1].update(class_name="Lambda", config={"name": "hidden"})

    assert [d for d in errors(spec_with(lam)) if d.code == "refused-layer"]
    assert not [d for d in modelspec.validate(spec_with(lam), allow_unsafe=True) if d.code == "refused-layer"]


def test_a_bare_keras_model_file_is_checked_as_the_model_section():
    model = copy.deepcopy(BASE["model"])
    layers({"model": model})[1]["config"]["unit"] = 3
    found = modelspec.validate(model)
    assert [(d.severity.value, d.pointer, d.code) for d in found] == [
        ("note", "", "model-document"),
        ("error", "/config/layers/1/config/unit", "unknown-parameter"),
    ]


# --------------------------------------------------------------------------
# One diagnostic per root cause, saying what was expected (issue 5's review)
# --------------------------------------------------------------------------


def _chain(*names_and_inputs):
    """BASE with extra Dense layers (name, input) and 'out' fed by the last."""
    def edit(s):
        for name, source in names_and_inputs:
            layers(s).insert(-1, {"class_name": "Dense", "config": {"name": name, "units": 4},
                                  "inbound_nodes": [source]})
        layers(s)[-1]["inbound_nodes"] = [names_and_inputs[-1][0]]
    return spec_with(edit)


def test_a_cycle_is_named_as_the_loop_it_is():
    spec = _chain(("a", "c"), ("b", "a"), ("c", "b"))  # a → b → c → a; out hangs off it
    (error,) = errors(spec)
    assert error.code == "cycle"
    assert error.message == "the graph has a cycle: a → b → c → a"
    assert error.pointer == "/model/config/layers/2/inbound_nodes/0"  # a, the first in the file
    assert error.hint == "layer out depends on it too"


def test_a_layer_fed_by_itself_is_a_cycle_of_one():
    spec = _chain(("a", "a"))
    (error,) = errors(spec)
    assert error.message == "the graph has a cycle: a → a"


def test_a_duplicate_name_is_one_error_not_a_cycle_too():
    def edit(s):
        layers(s)[2]["config"]["name"] = "hidden"  # fed by "hidden": ambiguous, or a loop
        s["model"]["config"]["output_layers"] = ["hidden"]
    found = errors(spec_with(edit))
    assert [(d.code, d.pointer) for d in found] == [("duplicate-name", "/model/config/layers/2/config/name")]
    assert found[0].hint == "'hidden' is first defined at layer 1; references by name need unique names"


def test_a_lambda_naming_a_function_is_one_error_at_its_class():
    def edit(s):
        layers(s)[1] = {"class_name": "Lambda", "inbound_nodes": ["x"], "config": {
            "name": "hidden", "function": {"class_name": "function", "config": "system", "module": "os"}}}
    found = errors(spec_with(edit))
    assert [(d.code, d.pointer) for d in found] == [("refused-layer", "/model/config/layers/1/class_name")]
    assert "this one calls 'system' from module 'os'" in found[0].message
    assert "even --unsafe" in found[0].hint


def test_a_lambda_naming_a_keras_activation_could_run_with_unsafe():
    def edit(s):
        layers(s)[1] = {"class_name": "Lambda", "inbound_nodes": ["x"], "config": {
            "name": "hidden", "function": {"class_name": "function", "config": "relu",
                                           "module": "keras.activations"}}}
    spec = spec_with(edit)
    (error,) = errors(spec)
    assert "--unsafe would allow it" in error.hint
    assert errors(spec) and not [d for d in modelspec.validate(spec, allow_unsafe=True) if d.is_error]


def test_input_layers_in_a_sequential_config_gets_the_right_advice():
    spec = {"modelspec": 1, "model": {"class_name": "Sequential", "config": {
        "name": "s", "input_layers": ["x"],
        "layers": [{"class_name": "InputLayer", "config": {"name": "x", "shape": [2]}}]}}}
    (error,) = errors(spec)
    assert error.pointer == "/model/config/input_layers"
    assert "make it class_name: Functional" in error.hint


@pytest.mark.parametrize(("layer", "key", "value", "message"), [
    ("Dense", "units", 0, "units must be >= 1, got 0"),
    ("Embedding", "input_dim", -1, "input_dim must be >= 1, got -1"),
    ("Dropout", "rate", 1.5, "rate must be <= 1, got 1.5"),
    ("Dropout", "rate", -0.1, "rate must be >= 0, got -0.1"),
])
def test_values_keras_would_refuse_are_refused_by_validate(layer, key, value, message):
    config = {"Dense": {"units": 4}, "Embedding": {"input_dim": 9, "output_dim": 2}, "Dropout": {"rate": 0.5}}[layer]
    config.update(name="hidden", **{key: value})
    spec = spec_with(lambda s: layers(s)[1].update(class_name=layer, config=config))
    assert [d.message for d in errors(spec) if d.pointer.endswith("/" + key)] == [f"layer 'hidden': {message}"]


def test_a_number_for_a_shape_is_refused_with_the_list_to_write():
    spec = spec_with(lambda s: layers(s)[0]["config"].update(shape=784))
    (error,) = errors(spec)
    assert error.message == "layer 'x': shape must be a list or null, got 784"
    assert error.hint == "write a list: shape: [784]"


def test_axes_and_other_integers_that_take_minus_one_stay_unbounded():
    spec = spec_with(lambda s: layers(s).insert(2, {
        "class_name": "LayerNormalization", "config": {"name": "norm", "axis": -1}, "inbound_nodes": ["hidden"]}))
    layers(spec)[-1]["inbound_nodes"] = ["norm"]
    assert errors(spec) == []


def test_a_dict_with_data_no_file_could_hold_is_refused():
    found = errors({"modelspec": 1, 3: 1, "model": {"a": {1, 2}}})
    assert {(d.code, d.pointer) for d in found} == {("key-type", ""), ("value-type", "/model/a")}


@pytest.mark.parametrize(("layer", "key", "value"), [
    ("MaxPooling2D", "pool_size", 2), ("Cropping1D", "cropping", 1), ("Conv2D", "strides", 2),
    ("UpSampling2D", "size", 3), ("ZeroPadding2D", "padding", 1),
])
def test_int_or_tuple_parameters_take_a_single_int(layer, key, value):
    # "Int, or tuple of 2 ints" in Keras's docstring: the schema takes both
    config = {"name": "hidden", key: value, **({"filters": 2, "kernel_size": 3} if layer == "Conv2D" else {})}
    spec = spec_with(lambda s: layers(s)[1].update(class_name=layer, config=config))
    assert [d.message for d in errors(spec) if d.pointer.endswith("/" + key)] == []


def test_an_integer_parameter_refuses_a_float_keras_would_refuse():
    # JSON Schema counts 1.0 as an integer; Keras's Dense(units=1.0) raises
    spec = spec_with(lambda s: layers(s)[1]["config"].update(units=4.0))
    (error,) = errors(spec)
    assert error.message == "layer 'hidden': units must be an integer, got 4.0"


def test_a_float_where_keras_keeps_a_float_is_fine():
    # MaxNorm(max_value=2) has an int default, but Keras writes 2.0 back
    spec = spec_with(lambda s: layers(s)[1]["config"].update(
        kernel_constraint={"class_name": "MaxNorm", "config": {"max_value": 2.0, "axis": 0}}))
    assert errors(spec) == []


def test_an_input_layer_without_a_shape_is_refused():
    spec = spec_with(lambda s: layers(s)[0]["config"].pop("shape"))
    (error,) = errors(spec)
    assert (error.pointer, error.message) == ("/model/config/layers/0/config", "layer 'x': an InputLayer needs its shape")


def test_repeated_layer_configs_each_get_their_own_errors():
    """Schema results are remembered per distinct config (names aside): a repeated
    bad config is still reported at every layer, under that layer's name."""
    def repeat(spec):
        layers(spec)[1]["config"] = {"name": "hidden", "units": -1, "bogus": 1}
        layers(spec)[2]["config"] = {"name": "out", "units": -1, "bogus": 1}

    found = sorted((d.pointer, d.code, d.message) for d in errors(spec_with(repeat)))
    assert found == [
        ("/model/config/layers/1/config/bogus", "unknown-parameter", "unknown parameter 'bogus' for layer 'hidden'"),
        ("/model/config/layers/1/config/units", "bad-value", "layer 'hidden': units must be >= 1, got -1"),
        ("/model/config/layers/2/config/bogus", "unknown-parameter", "unknown parameter 'bogus' for layer 'out'"),
        ("/model/config/layers/2/config/units", "bad-value", "layer 'out': units must be >= 1, got -1"),
    ]


def test_a_name_that_is_not_a_string_is_not_hidden_by_a_remembered_config():
    def numbered(spec):
        layers(spec)[1]["config"] = {"name": "hidden", "units": 4}
        layers(spec)[2]["config"] = {"name": 5, "units": 4}

    assert ("/model/config/layers/2/config/name", "bad-value") in {
        (d.pointer, d.code) for d in errors(spec_with(numbered))}


def test_equal_values_of_different_types_are_checked_apart():
    def typed(spec):
        layers(spec)[1]["config"] = {"name": "hidden", "units": 4}
        layers(spec)[2]["config"] = {"name": "out", "units": 4.0}  # Keras wants an int

    assert [(d.pointer, d.code) for d in errors(spec_with(typed))] == [
        ("/model/config/layers/2/config/units", "bad-value")]


def test_a_module_outside_the_allowlist_is_located_deep_inside_a_layer():
    def foreign(spec):
        layers(spec)[1]["config"]["kernel_initializer"] = {
            "class_name": "Evil", "module": "os", "config": {}}

    found = [(d.pointer, d.code) for d in errors(spec_with(foreign))]
    assert ("/model/config/layers/1/config/kernel_initializer/module", "module-not-allowed") in found


def test_a_bad_pattern_is_explained_in_words_not_as_a_regex():
    def misnamed(spec):
        spec["plugins"] = ["my-layers"]
        spec["data"] = {"9train": {"format": "python", "function": "no_colon"}}

    found = {d.pointer: (d.code, d.message) for d in errors(spec_with(misnamed))}
    assert found["/plugins/0"] == ("bad-value", "plugins[0] must be a Python module name such as "
                                   "'my_layers' or 'package.module', got 'my-layers'")
    assert found["/data/9train"][0] == "bad-key"  # located at the key, not its value
    assert found["/data/9train"][1].startswith("the key '9train' under data must be a dataset name")
    assert found["/data/9train/function"] == ("bad-value",
                                              "function must be 'package.module:function', got 'no_colon'")
    assert not any("^" in message for _, message in found.values())

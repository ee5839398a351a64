"""Old Keras formats → Keras 3 data (modelspec.legacy), without TensorFlow:
every renaming of the table, the input-shape rule, refusals, and notes and
errors located where the old file wrote them."""

from __future__ import annotations

import base64
import json
import marshal

import pytest

import modelspec
from modelspec import bytecode
from modelspec.legacy import MovedSourceMap, legacy_format, upgrade


def keras1_sequential(*layers, version="1.1.0"):
    return {"class_name": "Sequential", "keras_version": version, "config": list(layers)}


def keras2_model(layers, inputs, outputs, version="2.0.6"):
    return {"class_name": "Model", "keras_version": version, "backend": "tensorflow",
            "config": {"name": "m", "layers": layers, "input_layers": inputs, "output_layers": outputs}}


def entry(class_name, name, inbound=None, **config):
    result = {"class_name": class_name, "name": name, "config": {"name": name, **config}}
    if inbound is not None:
        result["inbound_nodes"] = [[[n, 0, 0] for n in inbound]] if inbound else []
    return result


def first_dense(**config):
    return {"class_name": "Dense", "config": {"name": "d", "output_dim": 4, "batch_input_shape": [None, 8],
                                              "input_dtype": "float32", **config}}


def layers_of(upgraded):
    return upgraded.data["config"]["layers"]


def notes(upgraded):
    return [d.message for d in upgraded.diagnostics if d.severity.value == "note"]


# -- what is recognised -----------------------------------------------------

@pytest.mark.parametrize(("document", "found"), [
    (keras1_sequential(first_dense()), "Keras 1.1.0 list-form Sequential"),
    ({"class_name": "Sequential", "config": [first_dense()]}, "Keras 1/2 list-form Sequential"),
    (keras2_model([], [], []), "Keras 2.0.6"),
    ({"class_name": "Model", "config": {"layers": []}}, "Keras 2"),
    ({"class_name": "Functional", "keras_version": "2.2.4-tf", "config": {"layers": []}}, "tf.keras 2.2.4"),
    ({"module": "keras.src.engine.functional", "class_name": "Functional", "keras_version": "2.13.1",
      "config": {"layers": []}}, "Keras 2.13.1"),
    ({"modelTopology": {"class_name": "Sequential", "keras_version": "tfjs-layers 1.3.2", "config": {}}},
     "TensorFlow.js layers model (tfjs-layers 1.3.2)"),
    ({"modelTopology": {"model_config": {"class_name": "Sequential", "config": {}}}},
     "TensorFlow.js layers model"),
])
def test_old_formats_are_recognised(document, found):
    assert legacy_format(document) == found


@pytest.mark.parametrize("document", [
    {"module": "keras", "class_name": "Functional", "config": {"layers": []}},  # Keras 3 to_json()
    {"class_name": "Functional", "keras_version": "3.15.1", "config": {"layers": []}},
    {"layers": [], "input_layers": [], "output_layers": []},  # a bare get_config()
    {"modelspec": 1, "model": {"class_name": "Sequential", "config": {"layers": []}}},
    [1, 2], "text", None,
])
def test_keras_3_data_is_left_alone(document):
    assert legacy_format(document) is None
    assert upgrade(document) is None


def test_a_spec_with_an_old_model_section_is_translated_in_place():
    spec = {"modelspec": 1, "model": keras1_sequential(first_dense()), "compile": {"loss": "mse"}}
    upgraded = upgrade(spec)
    assert upgraded.data["compile"] == {"loss": "mse"}
    assert upgraded.data["model"]["config"]["layers"][1]["config"]["units"] == 4
    assert all(d.pointer.startswith("/model") for d in upgraded.diagnostics)


# -- the renaming table ---------------------------------------------------------

RENAMES = [
    # (old class, old config, new class, expected part of new config, note text)
    ("Convolution2D", {"nb_filter": 8, "nb_row": 3, "nb_col": 5, "border_mode": "same", "subsample": [2, 2],
                       "dim_ordering": "th", "init": "he_normal", "W_regularizer": None, "b_constraint": None,
                       "bias": False},
     "Conv2D", {"filters": 8, "kernel_size": [3, 5], "padding": "same", "strides": [2, 2],
                "data_format": "channels_first", "kernel_initializer": "he_normal", "kernel_regularizer": None,
                "bias_constraint": None, "use_bias": False},
     "Convolution2D → Conv2D (Keras 1 name)"),
    ("Convolution1D", {"nb_filter": 4, "filter_length": 3, "subsample_length": 2}, "Conv1D",
     {"filters": 4, "kernel_size": 3, "strides": 2}, "filter_length → kernel_size"),
    ("Convolution3D", {"nb_filter": 4, "kernel_dim1": 1, "kernel_dim2": 2, "kernel_dim3": 3}, "Conv3D",
     {"filters": 4, "kernel_size": [1, 2, 3]}, "kernel_dim1/2/3 → kernel_size"),
    ("AtrousConvolution2D", {"nb_filter": 4, "nb_row": 3, "nb_col": 3, "atrous_rate": [2, 2]}, "Conv2D",
     {"filters": 4, "kernel_size": [3, 3], "dilation_rate": [2, 2]}, "atrous_rate → dilation_rate"),
    ("Deconvolution2D", {"nb_filter": 4, "nb_row": 2, "nb_col": 2, "output_shape": [None, 28, 28, 4]},
     "Conv2DTranspose", {"filters": 4, "kernel_size": [2, 2]}, "output_shape (None, 28, 28, 4) dropped"),
    ("Dense", {"output_dim": 3, "init": "uniform", "W_regularizer": {"name": "WeightRegularizer", "l1": 0.0,
                                                                     "l2": 0.01},
               "W_constraint": {"name": "MaxNorm", "m": 2, "axis": 0}},
     "Dense", {"units": 3, "kernel_initializer": "uniform",
               "kernel_regularizer": {"class_name": "L1L2", "config": {"l1": 0.0, "l2": 0.01}},
               "kernel_constraint": {"class_name": "MaxNorm", "config": {"max_value": 2, "axis": 0}}},
     "output_dim → units"),
    ("LSTM", {"output_dim": 4, "init": "glorot_uniform", "inner_init": "orthogonal", "inner_activation": "sigmoid",
              "U_regularizer": None, "dropout_W": 0.1, "dropout_U": 0.2, "consume_less": "gpu",
              "forget_bias_init": "one"},
     "LSTM", {"units": 4, "kernel_initializer": "glorot_uniform", "recurrent_initializer": "orthogonal",
              "recurrent_activation": "sigmoid", "recurrent_regularizer": None, "dropout": 0.1,
              "recurrent_dropout": 0.2, "unit_forget_bias": True},
     "consume_less 'gpu' dropped"),
    ("Embedding", {"input_dim": 100, "output_dim": 8, "init": "uniform", "W_regularizer": None,
                   "W_constraint": None, "dropout": 0.0},
     "Embedding", {"input_dim": 100, "output_dim": 8, "embeddings_initializer": "uniform",
                   "embeddings_regularizer": None, "embeddings_constraint": None},
     "init → embeddings_initializer"),
    ("MaxPooling1D", {"pool_length": 2, "stride": 1, "border_mode": "valid"}, "MaxPooling1D",
     {"pool_size": 2, "strides": 1, "padding": "valid"}, "pool_length → pool_size"),
    ("MaxPooling2D", {"pool_size": [2, 2], "dim_ordering": "tf"}, "MaxPooling2D",
     {"pool_size": [2, 2], "data_format": "channels_last"}, "dim_ordering 'tf' → data_format 'channels_last'"),
    ("Dropout", {"p": 0.25}, "Dropout", {"rate": 0.25}, "p → rate"),
    ("GaussianNoise", {"sigma": 0.1}, "GaussianNoise", {"stddev": 0.1}, "sigma → stddev"),
    ("UpSampling1D", {"length": 2}, "UpSampling1D", {"size": 2}, "length → size"),
    ("BatchNormalization", {"mode": 0, "axis": 1, "beta_init": "zero", "gamma_init": "one"}, "BatchNormalization",
     {"axis": 1, "beta_initializer": "zero", "gamma_initializer": "one"}, "mode dropped"),
    ("BatchNormalization", {"axis": [3]}, "BatchNormalization", {"axis": 3}, "axis [3] → 3"),
    ("GRU", {"units": 4}, "GRU", {"units": 4, "reset_after": False}, "reset_after false"),
    ("GRU", {"units": 4, "reset_after": True}, "GRU", {"units": 4, "reset_after": True}, None),
    ("LSTM", {"units": 4, "time_major": False}, "LSTM", {"units": 4}, "time_major dropped"),
    ("DepthwiseConv2D", {"kernel_size": [3, 3], "groups": 1}, "DepthwiseConv2D", {"kernel_size": [3, 3]},
     "groups dropped"),
    ("Dense", {"units": 2, "dtype": "float"}, "Dense", {"units": 2, "dtype": "float32"}, "dtype 'float' → 'float32'"),
    ("CuDNNLSTM", {"units": 4, "return_sequences": True}, "LSTM", {"units": 4, "return_sequences": True},
     "CuDNNLSTM → LSTM"),
    ("CuDNNGRU", {"units": 4}, "GRU", {"units": 4, "reset_after": True}, "CuDNNGRU → GRU"),
    ("ThresholdedReLU", {"theta": 0.5}, "ReLU", {"threshold": 0.5}, "theta → threshold"),
]


@pytest.mark.parametrize(("old_class", "old_config", "new_class", "want", "note"), RENAMES,
                         ids=[f"{r[0]}-{min(r[1])}" for r in RENAMES])
def test_each_renaming_is_applied_and_noted(old_class, old_config, new_class, want, note):
    layer = entry(old_class, "x", ["in"], **old_config)
    source = keras2_model([entry("InputLayer", "in", [], batch_input_shape=[None, 8, 8, 8]), layer],
                          [["in", 0, 0]], [["x", 0, 0]])
    upgraded = upgrade(source)
    got = layers_of(upgraded)[1]
    assert got["class_name"] == new_class
    assert got["config"] == {"name": "x", **want}
    assert got["inbound_nodes"] == layer["inbound_nodes"]
    layer_notes = [m for m in notes(upgraded) if m.startswith("layer 'x'")]
    if note is None:
        assert layer_notes == []
    else:
        assert len(layer_notes) == 1 and note in layer_notes[0]


@pytest.mark.parametrize(("mode", "class_name", "extra"), [
    ("sum", "Add", {}), ("mul", "Multiply", {}), ("ave", "Average", {}), ("max", "Maximum", {}),
    ("concat", "Concatenate", {"axis": 1}), ("dot", "Dot", {"axes": 1, "normalize": False}),
    ("cos", "Dot", {"axes": 1, "normalize": True}),
])
def test_merge_modes_become_merge_layers(mode, class_name, extra):
    merge = entry("Merge", "m", ["a", "b"], mode=mode, mode_type="raw", concat_axis=1, dot_axes=1,
                  output_shape=None, output_shape_type="raw", output_mask=None, output_mask_type="raw",
                  arguments={})
    upgraded = upgrade(keras2_model([merge], [], [["m", 0, 0]]))
    got = layers_of(upgraded)[0]
    assert got["class_name"] == class_name
    assert got["config"] == {"name": "m", **extra}
    assert f"layer 'm': Merge(mode='{mode}') → {class_name}" in notes(upgraded)[-1]


def test_time_distributed_dense_becomes_a_wrapped_dense():
    upgraded = upgrade(keras1_sequential(
        {"class_name": "LSTM", "config": {"name": "l", "output_dim": 3, "return_sequences": True,
                                          "batch_input_shape": [None, 10, 2]}},
        {"class_name": "TimeDistributedDense", "config": {"name": "td", "output_dim": 5, "init": "uniform",
                                                          "input_dim": None, "input_length": None,
                                                          "trainable": True}}))
    wrapper = layers_of(upgraded)[2]
    assert wrapper == {"class_name": "TimeDistributed", "config": {
        "name": "td", "trainable": True,
        "layer": {"class_name": "Dense", "config": {"units": 5, "kernel_initializer": "uniform",
                                                    "name": "td_dense"}}}}


# -- shapes ----------------------------------------------------------------------

@pytest.mark.parametrize(("first", "shape", "dtype"), [
    (first_dense(), [None, 8], "float32"),
    ({"class_name": "Dense", "config": {"name": "d", "units": 4, "input_dim": 8}}, [None, 8], "float32"),
    ({"class_name": "LSTM", "config": {"name": "d", "units": 4, "input_dim": 3, "input_length": 7}},
     [None, 7, 3], "float32"),
    ({"class_name": "Embedding", "config": {"name": "d", "input_dim": 100, "output_dim": 4, "input_length": 20,
                                            "input_dtype": "int32"}}, [None, 20], "int32"),
    ({"class_name": "Dense", "config": {"name": "d", "units": 4, "batch_input_shape": [None, 8],
                                        "dtype": "float"}}, [None, 8], "float32"),
])
def test_the_first_layers_input_shape_becomes_an_input_layer_without_a_new_batch_axis(first, shape, dtype):
    upgraded = upgrade(keras1_sequential(first))
    input_layer, layer = layers_of(upgraded)
    assert input_layer == {"class_name": "InputLayer", "config": {"batch_shape": shape, "dtype": dtype,
                                                                  "name": "d_input"}}
    assert not {"batch_input_shape", "input_length", "input_dtype"} & set(layer["config"])
    assert ("input_dim" in layer["config"]) == (layer["class_name"] == "Embedding")
    assert upgraded.data["config"]["name"] == "sequential"


def test_the_input_layer_name_never_collides():
    upgraded = upgrade(keras1_sequential(first_dense(), {"class_name": "Dense", "config": {"name": "d_input",
                                                                                          "units": 1}}))
    assert layers_of(upgraded)[0]["config"]["name"] == "d_input_2"


def test_input_layers_of_graphs_are_renamed_in_place():
    upgraded = upgrade(keras2_model([entry("InputLayer", "in", [], batch_input_shape=[None, 4],
                                           input_dtype="float32", sparse=False)], [["in", 0, 0]], [["in", 0, 0]]))
    assert layers_of(upgraded)[0]["config"] == {"name": "in", "batch_shape": [None, 4], "dtype": "float32",
                                                "sparse": False}


def test_tfjs_topology_is_read_and_its_weights_manifest_ignored():
    document = {"modelTopology": {"class_name": "Sequential", "keras_version": "tfjs-layers 1.3.2",
                                  "config": {"name": "s", "layers": [first_dense(units=4)]}},
                "weightsManifest": [{"paths": ["weights.bin"]}], "format": "layers-model"}
    upgraded = upgrade(document)
    assert [layer["class_name"] for layer in layers_of(upgraded)] == ["InputLayer", "Dense"]
    assert "the weights manifest is ignored" in notes(upgraded)[0]
    assert upgraded.moves[""] == "/modelTopology"


# -- refusals and behaviour changes --------------------------------------------------

@pytest.mark.parametrize(("layer", "pointer", "message"), [
    (entry("Merge", "m", ["a"], mode="<lambda bytes>", mode_type="lambda"), "/config/layers/0/config/mode",
     "Merge with a Python function as its mode is refused"),
    (entry("Convolution2D", "c", ["a"], nb_filter=1, nb_row=1, nb_col=1, border_mode="full"),
     "/config/layers/0/config/border_mode", "border_mode 'full' has no Keras 3 equivalent"),
    (entry("BatchNormalization", "b", ["a"], mode=2), "/config/layers/0/config/mode",
     "BatchNormalization mode 2 has no Keras 3 equivalent"),
    (entry("LSTM", "l", ["a"], units=2, time_major=True), "/config/layers/0/config/time_major",
     "time_major true has no Keras 3 equivalent"),
    (entry("DepthwiseConv2D", "w", ["a"], kernel_size=3, groups=2), "/config/layers/0/config/groups",
     "DepthwiseConv2D groups=2 has no Keras 3 equivalent"),
    (entry("Lambda", "f", ["a"], function="my_function", function_type="function", module="my_module"),
     "/config/layers/0/config/function", "the function is the Python function 'my_function' from module 'my_module'"),
])
def test_what_cannot_be_translated_is_an_error_at_its_place(layer, pointer, message):
    upgraded = upgrade(keras2_model([layer], [], []))
    errors = [d for d in upgraded.diagnostics if d.is_error]
    assert [(d.pointer, message in d.message) for d in errors] == [(pointer, True)]


def test_changed_behaviour_is_a_warning():
    upgraded = upgrade(keras1_sequential(
        {"class_name": "Embedding", "config": {"name": "e", "input_dim": 10, "output_dim": 2, "dropout": 0.5,
                                               "batch_input_shape": [None, 5]}},
        {"class_name": "LSTM", "config": {"name": "l", "output_dim": 2, "forget_bias_init": "zero",
                                          "inner_activation": "hard_sigmoid"}},
        {"class_name": "GRU", "config": {"name": "g", "output_dim": 2, "inner_activation": "hard_sigmoid"}}))
    warnings = {d.pointer: d.message for d in upgraded.diagnostics if d.severity.value == "warning"}
    assert "Embedding dropout 0.5 is gone" in warnings["/config/0/config/dropout"]
    assert "forget_bias_init 'zero' has no Keras 3 equivalent" in warnings["/config/1/config/forget_bias_init"]
    # hard_sigmoid changed meaning: one warning for the file, at its first use.
    assert "'hard_sigmoid' (2 uses in this file) is clip(0.2x + 0.5)" in warnings["/config/1/config/inner_activation"]
    assert len(warnings) == 3
    assert layers_of(upgraded)[2]["config"]["unit_forget_bias"] is False


def test_keras_2_lambda_bytecode_becomes_the_keras_3_object():
    code = base64.encodebytes(marshal.dumps((lambda x: x + 1).__code__)).decode("ascii")
    layer = entry("Lambda", "f", ["a"], function=[code, None, None], function_type="lambda",
                  output_shape=None, output_shape_type="raw", arguments={})
    got = layers_of(upgrade(keras2_model([layer], [], [])))[0]["config"]
    assert got["function"]["class_name"] == "__lambda__"
    assert base64.b64decode(got["function"]["config"]["code"]) == base64.b64decode(code)
    assert "function_type" not in got and "output_shape_type" not in got


# -- located where the old file wrote it ---------------------------------------------------

def test_notes_and_later_errors_point_into_the_old_file(tmp_path):
    # A list-form Sequential: the Dense of the file is /config/1 there, and
    # /config/layers/2 (after the new InputLayer) in the translated data.
    document = keras1_sequential(first_dense(), {"class_name": "Dense", "config": {"name": "e", "output_dim": "three"}})
    path = tmp_path / "old.json"
    path.write_text(json.dumps(document, indent=1))
    lines = path.read_text().splitlines()
    diagnostics = modelspec.validate(path)
    error = next(d for d in diagnostics if d.is_error)
    assert error.pointer == "/config/1/config/output_dim"
    assert '"output_dim": "three"' in lines[error.line - 1]
    assert "units must be an integer" in error.message
    note = next(d for d in diagnostics if d.message.startswith("layer 'e'"))
    assert note.pointer == "/config/1/class_name" and '"Dense"' in lines[note.line - 1]
    assert note.message == "layer 'e': output_dim → units"


def test_moved_source_map_sends_pointers_back():
    class Base:
        source = "x"

        def position(self, pointer, key=False):
            return {"/config/0/config/output_dim": (3, 4)}.get(pointer)

    moved = MovedSourceMap(Base(), {"/config/layers/1": "/config/0",
                                    "/config/layers/1/config/units": "/config/0/config/output_dim"})
    assert moved.original_pointer("/config/layers/1/config/units") == "/config/0/config/output_dim"
    assert moved.original_pointer("/config/layers/1/config/name") == "/config/0/config/name"
    assert moved.original_pointer("/config/layers/10") == "/config/layers/10"
    assert moved.position("/config/layers/1/config/units") == (3, 4)


def test_a_foreign_model_class_is_one_clear_error(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"module": "keras_hub.src.models.esm.esm_backbone", "class_name": "ESMBackbone",
                                "config": {"vocabulary_size": 33}, "registered_name": "keras_hub>ESMBackbone"}))
    diagnostics = modelspec.validate(path)
    assert [(d.code, d.pointer) for d in diagnostics] == [("foreign-model-class", "/class_name")]
    assert "registered by the keras_hub package" in diagnostics[0].message


# -- bytecode ------------------------------------------------------------------------------

def _header(first, fields, code):
    body = b"".join(v.to_bytes(4, "little") for v in fields)
    return bytes([first]) + body + bytes([ord("s")]) + len(code).to_bytes(4, "little") + code + b"\0" * 16


@pytest.mark.parametrize(("raw", "writer"), [
    (_header(0x63, [1, 1, 2, 0x43], b"|\0\0S"), "Python 2"),
    (_header(0x63, [1, 0, 1, 2, 0x43], b"|\0\0S"), "Python 3.0-3.3"),
    (_header(0xE3, [1, 0, 1, 2, 0x43], b"|\0\0S"), "Python 3.4-3.7"),
    (_header(0xE3, [1, 0, 0, 1, 2, 0x43], b"|\0S\0"), "Python 3.8-3.10"),
    (marshal.dumps((lambda x: x).__code__), "Python 3.11 or later"),
])
def test_bytecode_writer_is_read_from_the_header(raw, writer):
    assert bytecode.origin(raw).writer == writer


def test_only_this_pythons_bytecode_runs_here():
    here = base64.b64encode(marshal.dumps((lambda x: x * 2).__code__)).decode()
    old = base64.b64encode(_header(0xE3, [1, 0, 1, 2, 0x43], b"|\0\0S")).decode()
    assert bytecode.describe({"class_name": "__lambda__", "config": {"code": here}}) == ("Python 3.11 or later", True)
    assert bytecode.describe([old, None, None]) == ("Python 3.4-3.7", False)
    assert bytecode.describe("not code") is None


def test_unsafe_allows_this_pythons_bytecode_with_a_warning_and_never_another_ones():
    def spec(code):
        lam = {"class_name": "Lambda", "config": {"name": "f", "function": {
            "class_name": "__lambda__", "config": {"code": code, "defaults": None, "closure": None}}},
            "inbound_nodes": ["x"]}
        return {"modelspec": 1, "model": {"class_name": "Functional", "config": {
            "name": "m", "layers": [{"class_name": "InputLayer", "config": {"name": "x", "shape": [2]}}, lam],
            "input_layers": "x", "output_layers": "f"}}}

    here = base64.b64encode(marshal.dumps((lambda x: x * 2).__code__)).decode()
    old = base64.b64encode(_header(0xE3, [1, 0, 1, 2, 0x43], b"|\0\0S")).decode()
    def codes(found):
        return [(d.code, d.severity.value) for d in found]

    assert codes(modelspec.validate(spec(here))) == [("unsafe-lambda", "error")]
    assert codes(modelspec.validate(spec(here), allow_unsafe=True)) == [("unsafe-allowed", "warning")]
    assert codes(modelspec.validate(spec(old), allow_unsafe=True)) == [("bytecode-version", "error")]


# -- never a crash ----------------------------------------------------------------------------

ODD_VALUES = [None, [], {}, "x", -1, 1.5, True, [None, [1]], {"name": ["x"]}, {"class_name": ["x"], "config": 1}]


def _paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))


def _replaced(value, path, new):
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _replaced(value[path[0]], path[1:], new)
    return copy


OLD_DOCUMENTS = {
    "keras1-sequential": keras1_sequential(
        first_dense(W_regularizer={"name": "WeightRegularizer", "l1": 0, "l2": 1}, dim_ordering="th"),
        {"class_name": "LSTM", "config": {"name": "l", "output_dim": 2, "forget_bias_init": "one",
                                          "consume_less": "cpu", "inner_activation": "hard_sigmoid"}},
        {"class_name": "TimeDistributedDense", "config": {"name": "t", "output_dim": 2}}),
    "keras2-graph": keras2_model(
        [entry("InputLayer", "in", [], batch_input_shape=[None, 4], input_dtype="float"),
         entry("Convolution2D", "c", ["in"], nb_filter=1, nb_row=1, nb_col=1, border_mode="same"),
         entry("Merge", "m", ["in", "c"], mode="concat", concat_axis=-1, mode_type="raw"),
         entry("BatchNormalization", "b", ["m"], mode=0, axis=[1]),
         entry("Lambda", "f", ["b"], function=["aGk=", None, None], function_type="lambda")],
        [["in", 0, 0]], [["f", 0, 0]]),
    "tfjs": {"modelTopology": {"model_config": {"class_name": "Sequential", "keras_version": "tfjs",
                                                "config": {"layers": [first_dense(units=1)]}}},
             "weightsManifest": []},
}


@pytest.mark.parametrize("name", sorted(OLD_DOCUMENTS))
def test_any_value_anywhere_in_an_old_file_gives_diagnostics_never_a_crash(name):
    from modelspec.validator import validate_document

    document = OLD_DOCUMENTS[name]
    assert upgrade(document) is not None
    for path in _paths(document):
        for odd in ODD_VALUES:
            mutated = _replaced(document, path, odd)
            upgraded = upgrade(mutated)
            data = upgraded.data if upgraded is not None else mutated
            validate_document(data)  # must not raise


@pytest.mark.parametrize(("class_name", "advice"), [
    ("CuDNNLSTM", "use LSTM, which runs on cuDNN by itself"),
    ("CuDNNGRU", "use GRU with reset_after: true"),
    ("ThresholdedReLU", "use ReLU with threshold set to the old theta"),
    ("LocallyConnected1D", "use Conv1D"),
    ("LocallyConnected2D", "use Conv2D"),
    ("Merge", "use the merging layers: Add, Subtract"),
    ("merge", "use the merging layers"),
])
def test_a_class_keras_3_dropped_gets_its_replacement_named(class_name, advice):
    spec = {"modelspec": 1, "model": {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"name": "x", "shape": [5, 3]}},
        {"class_name": class_name, "config": {"name": "l"}}]}}}
    found = [d for d in modelspec.validate(spec) if d.is_error]
    assert [(d.code, d.pointer) for d in found] == [("removed-layer", "/model/config/layers/1/class_name")]
    assert found[0].message.startswith(f"layer 'l': {class_name} is not in Keras 3: ")
    assert advice in found[0].message


def test_nb_epoch_is_named_as_the_keras_1_epochs():
    spec = {"modelspec": 1, "model": {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"name": "x", "shape": [3]}},
        {"class_name": "Dense", "config": {"name": "d", "units": 1}}]}},
        "data": {"train": {"format": "synthetic", "samples": 8}}, "fit": {"data": "train", "nb_epoch": 2}}
    (error,) = [d for d in modelspec.validate(spec) if d.is_error]
    assert error.pointer == "/fit/nb_epoch"
    assert error.hint == "'nb_epoch' is the Keras 1/2 name; Keras 3 calls it 'epochs'"

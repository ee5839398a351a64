"""Real Keras model files from ../shared/corpus/keras-configs (see its README):
never a traceback, located errors; every file that uses only Keras's own
layers converts (Keras 1, Keras 2, tf.keras and TF.js alike) into a spec that
validates and builds with the shapes, layers and connections the file
declares; the files Keras 3 itself builds build into the same model; the
others are refused, each with its own message."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT

CORPUS = ROOT.parent / "shared" / "corpus" / "keras-configs"
FILES = sorted(p.name for p in CORPUS.glob("[0-9][0-9]_*")) if CORPUS.is_dir() else []
# The tf.keras 2.x / Keras 2 functional files that Keras 3.15.1's from_config
# builds correctly. (It builds 12 and 22 too, wrongly: see test_keras_3_alone_gets_these_wrong.)
KERAS_BUILDS = ["09_keras2_tiramisu67_skip.json", "15_tfkeras_toy_resnet.json",
                "20_tfkeras_conv1d_functional.json"]

# Written by hand from each file (its batch_input_shape values and the
# architecture it describes): input shapes, output shapes, and the number
# of layers that are not InputLayers.
EXPECTED = {
    "01_keras1_mnist_cnn_th.json": ([(None, 1, 28, 28)], [(None, 10)], 12),
    "02_keras1_cifar10_cnn.json": ([(None, 3, 32, 32)], [(None, 10)], 18),
    "03_keras1_imdb_bidirectional_lstm.json": ([(None, 200)], [(None, 1)], 4),
    "04_keras1_resnet50_merge.json": ([(None, 224, 224, 3)], [(None, 1000)], 176),
    # Deconvolution2D to 28 x 28 (its declared output_shape), then a 2 x 2 'valid' convolution.
    "05_keras1_vae_decoder_deconv.json": ([(None, 2)], [(None, 27, 27, 1)], 7),
    "06_keras1_go_cnn.yaml": ([(None, 7, 19, 19)], [(None, 361)], 12),
    "07_keras2_fer_cnn.json": ([(None, 48, 48, 1)], [(None, 7)], 14),
    "09_keras2_tiramisu67_skip.json": ([(None, 224, 224, 3)], [(None, 224 * 224, 12)], 300),
    "10_keras2_two_in_two_out_merge.json": ([(None, 4), (None, 4)], [(None, 3), (None, 3)], 9),
    "11_keras2_two_inputs_bilstm_tagger.json": ([(None, 100), (None, None, 6)], [(None, 100, 14)], 7),
    "12_keras2_gru.json": ([(None, 20, 6)], [(None, 5)], 4),
    "14_keras2_go_cnn.yaml": ([(None, 7, 19, 19)], [(None, 361)], 26),
    "15_tfkeras_toy_resnet.json": ([(None, 28, 28, 1)], [(None, 10)], 13),
    "16_tfkeras_lstm.json": ([(None, 40, 41)], [(None, 41)], 8),
    "17_tfkeras_efficientnetb0.json": ([(None, 224, 224, 3)], [(None, 1000)], 239),
    "20_tfkeras_conv1d_functional.json": ([(None, 5, 5)], [(None, 3, 1)], 1),
    "22_tfjs_abalone_mlp.json": ([(None, 8)], [(None, 1)], 3),
    "24_keras1_stacked_lstm_tddense.json": ([(None, 10, 2)], [(None, 10, 3)], 4),
}
# The others, each refused with its own message (and its exit code 1).
REFUSED = {
    "08_keras2_openface_lambda.json": ("serialized Python bytecode is refused (written by Python 3.4-3.7)",),
    "13_keras2_binarydense_custom.json": ("unknown layer class 'BinaryDense': it is not a Keras 3 layer",
                                          "supply it as a plugin"),
    "18_tfkeras_garnet_two_inputs.json": ("unknown layer class 'GarNet': it is not a Keras 3 layer",
                                          "supply it as a plugin"),
    "19_tfkeras_qkeras_mlp.json": ("unknown layer class 'QDense': it is not a Keras 3 layer",
                                   "unknown layer class 'QActivation'", "supply it as a plugin"),
    "21_tfkeras_function_initializer.json": ("kernel_initializer is the plain Python function 'random_kernel'",),
    "23_keras3_keras_hub_esm_backbone.json": ("'ESMBackbone' is a model class registered by the keras_hub package",
                                              "keras_hub.models.ESMBackbone.from_preset"),
}


def test_the_corpus_is_beside_the_checkout():
    assert len(FILES) == 24, f"expected the 24 corpus files in {CORPUS}"
    assert sorted([*EXPECTED, *REFUSED]) == FILES


def _convert(source, target, *extra):
    return subprocess.run([sys.executable, "-m", "modelspec", "convert", str(source), "-o", str(target),
                           *extra], capture_output=True, text=True, timeout=600)


def _original_layers(name):
    """(class_name, layer name, names of the layers it is called on) per layer of the file."""
    from modelspec.loader import load_path

    data = load_path(CORPUS / name)[0].data
    data = data.get("modelTopology", data)
    config = data["config"]
    layers = config if isinstance(config, list) else config["layers"]
    result = []
    for layer in layers:
        inbound = [[item[0] for item in node] for node in layer.get("inbound_nodes", [])]
        result.append((layer["class_name"], layer.get("name", layer["config"].get("name")), inbound))
    return data["class_name"], result


def _built_layers(model):
    """(layer name, names of the layers it is called on) per layer of a built model."""
    config = model.get_config()
    result = []
    for layer in config["layers"]:
        inbound = []
        for node in layer.get("inbound_nodes", []):
            tensors = node["args"][0] if node["args"] else []
            tensors = tensors if isinstance(tensors, list) else [tensors]
            inbound.append([t["config"]["keras_history"][0] for t in tensors])
        result.append((layer["config"]["name"], inbound))
    return result


@pytest.mark.keras
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_old_file_converts_to_a_spec_with_its_shapes_layers_and_connections(tmp_path, name):
    import keras

    import modelspec

    target = tmp_path / "spec.yaml"
    proc = _convert(CORPUS / name, target)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"{CORPUS / name}:" in proc.stderr and ": note: " in proc.stderr  # the changes are noted
    check = subprocess.run([sys.executable, "-m", "modelspec", "validate", str(target)],
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stderr
    assert "note:" not in check.stderr  # the written spec is plain Keras 3: nothing left to translate

    model = modelspec.build(str(target))
    inputs, outputs, count = EXPECTED[name]
    assert [tuple(t.shape) for t in model.inputs] == inputs
    assert [tuple(t.shape) for t in model.outputs] == outputs
    built = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    assert len(built) == count

    # Every layer is kept, under its name, with the same connections.
    kind, original = _original_layers(name)
    original = [(layer_name, inbound) for class_name, layer_name, inbound in original
                if class_name != "InputLayer"]
    if kind == "Sequential":
        assert [layer.name for layer in built] == [layer_name for layer_name, _ in original]
    else:
        got = {layer_name: inbound for layer_name, inbound in _built_layers(model)}
        assert {layer_name: got[layer_name] for layer_name, _ in original} == dict(original)
    keras.backend.clear_session()


@pytest.mark.keras
def test_an_old_file_builds_directly_and_its_declared_deconvolution_shapes_hold():
    """summary/build read old files directly; Keras 1 Deconvolution2D declared
    its output shape, which the translated Conv2DTranspose must reproduce."""
    import modelspec
    from modelspec.loader import load_path

    name = "05_keras1_vae_decoder_deconv.json"
    model = modelspec.build(str(CORPUS / name))
    declared = {layer["name"]: tuple(layer["config"]["output_shape"])
                for layer in load_path(CORPUS / name)[0].data["config"]["layers"]
                if layer["class_name"] == "Deconvolution2D"}
    assert len(declared) == 3
    assert {n: tuple(model.get_layer(n).output.shape) for n in declared} == declared


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_old_file_that_needs_code_is_refused_with_its_own_message(tmp_path, name):
    target = tmp_path / "spec.yaml"
    proc = _convert(CORPUS / name, target)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    assert not target.exists()
    errors = [line for line in proc.stderr.splitlines() if ": error: " in line]
    located = re.compile(re.escape(f"{CORPUS / name}:") + r"\d+:\d+: error: /")
    assert errors and all(located.match(line) for line in errors), errors[:3]
    for expected in REFUSED[name]:
        assert expected in proc.stderr, proc.stderr[-2000:]


def test_bytecode_from_another_python_is_refused_even_with_unsafe(tmp_path):
    proc = _convert(CORPUS / "08_keras2_openface_lambda.json", tmp_path / "spec.yaml", "--unsafe")
    assert proc.returncode == 1
    errors = [line for line in proc.stderr.splitlines() if ": error: " in line]
    assert len(errors) == 11  # the file's 11 Lambda layers, once each
    assert all("refused even with --unsafe: it was written by Python 3.4-3.7" in line for line in errors)


@pytest.mark.parametrize("name", FILES)
def test_validate_never_crashes_on_a_real_keras_file(name):
    proc = subprocess.run([sys.executable, "-m", "modelspec", "validate", str(CORPUS / name)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    if proc.returncode == 1:
        # Every error names the file, a line and a column.
        errors = [line for line in proc.stderr.splitlines() if ": error: " in line]
        located = re.compile(re.escape(f"{CORPUS / name}:") + r"\d+:\d+: error: /")
        assert errors and all(located.match(line) for line in errors), errors[:3]


@pytest.mark.keras
@pytest.mark.parametrize("name", KERAS_BUILDS)
def test_legacy_file_converts_and_builds_like_keras(tmp_path, name):
    import keras

    import modelspec

    source = CORPUS / name
    target = tmp_path / "spec.yaml"
    proc = _convert(source, target)
    assert proc.returncode == 0, proc.stderr
    document = json.loads(source.read_text())
    want = keras.Model.from_config(copy.deepcopy(document["config"]))
    got = modelspec.build(str(target))
    plain = lambda config: json.loads(json.dumps(config))  # noqa: E731 - lists vs tuples
    assert plain(got.get_config()) == plain(want.get_config())
    keras.backend.clear_session()


@pytest.mark.keras
def test_keras_3_alone_gets_these_wrong_and_modelspec_does_not():
    """Keras 3's from_config builds two old files wrongly: the TF.js Sequential
    with a doubled batch axis, and the Keras 2.1 GRU with reset_after true
    (Keras 2's default was false: other weights, other parameter count)."""
    import keras

    import modelspec

    tfjs = json.loads((CORPUS / "22_tfjs_abalone_mlp.json").read_text())["modelTopology"]
    wrong = keras.Sequential.from_config(copy.deepcopy(tfjs["config"]))
    assert tuple(wrong.inputs[0].shape) == (None, None, 8)
    assert tuple(modelspec.build(str(CORPUS / "22_tfjs_abalone_mlp.json")).inputs[0].shape) == (None, 8)

    gru = json.loads((CORPUS / "12_keras2_gru.json").read_text())
    wrong = keras.Model.from_config(copy.deepcopy(gru["config"]))
    model = modelspec.build(str(CORPUS / "12_keras2_gru.json"))
    units, features = 20, 6
    keras2_gru = 3 * (units * features + units * units + units)  # one bias per gate
    assert model.get_layer("gru_selu").count_params() == keras2_gru
    assert wrong.get_layer("gru_selu").count_params() == keras2_gru + 3 * units
    keras.backend.clear_session()


@pytest.mark.keras
def test_a_tf_keras_2_13_file_converts_once_its_function_initializer_is_replaced(tmp_path):
    """File 21 is refused only for its function initializer: its 2.13 envelope
    (module and registered_name keys) is read."""
    import modelspec

    document = json.loads((CORPUS / "21_tfkeras_function_initializer.json").read_text())
    document["config"]["layers"][1]["config"]["kernel_initializer"] = {
        "module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": None},
        "registered_name": None}
    source = tmp_path / "model.json"
    source.write_text(json.dumps(document))
    proc = _convert(source, tmp_path / "spec.yaml")
    assert proc.returncode == 0, proc.stderr
    assert "read as a Keras 2.13.1 model file" in proc.stderr
    model = modelspec.build(str(tmp_path / "spec.yaml"))
    assert tuple(model.inputs[0].shape) == (None, 5, 5, 1)
    assert tuple(model.outputs[0].shape) == (None, 3, 3, 1)


@pytest.mark.keras
def test_bytecode_written_by_this_python_runs_with_unsafe_and_a_warning(tmp_path):
    import base64
    import marshal

    import numpy as np

    import modelspec

    code = base64.encodebytes(marshal.dumps((lambda x: x * 2.0).__code__)).decode("ascii")
    document = {"class_name": "Model", "keras_version": "2.2.4", "backend": "tensorflow", "config": {
        "name": "m", "input_layers": [["x", 0, 0]], "output_layers": [["double", 0, 0]], "layers": [
            {"class_name": "InputLayer", "name": "x", "inbound_nodes": [],
             "config": {"name": "x", "batch_input_shape": [None, 3], "dtype": "float32"}},
            {"class_name": "Lambda", "name": "double", "inbound_nodes": [[["x", 0, 0, {}]]],
             "config": {"name": "double", "function": [code, None, None], "function_type": "lambda",
                        "output_shape": None, "output_shape_type": "raw", "arguments": {}}}]}}
    source = tmp_path / "model.json"
    source.write_text(json.dumps(document))
    refused = _convert(source, tmp_path / "refused.yaml")
    assert refused.returncode == 1 and "serialized Python bytecode is refused" in refused.stderr
    proc = _convert(source, tmp_path / "spec.yaml", "--unsafe")
    assert proc.returncode == 0, proc.stderr
    assert "warning: /config/layers/1/config/function: runs Python bytecode from the file" in proc.stderr
    model = modelspec.build(str(tmp_path / "spec.yaml"), allow_unsafe=True)
    assert np.allclose(model.predict(np.ones((2, 3), "float32"), verbose=0), 2.0)


def test_keras_2_cudnn_and_thresholded_layers_build_as_their_keras_3_replacements(tmp_path):
    import numpy as np

    import modelspec

    def layer(class_name, name, inbound, **config):
        return {"class_name": class_name, "name": name, "config": {"name": name, **config},
                "inbound_nodes": [[[n, 0, 0, {}] for n in inbound]] if inbound else []}

    document = {"class_name": "Model", "keras_version": "2.2.4", "backend": "tensorflow", "config": {
        "name": "m", "input_layers": [["x", 0, 0]], "output_layers": [["relu", 0, 0]], "layers": [
            layer("InputLayer", "x", [], batch_input_shape=[None, 5, 3], dtype="float32"),
            layer("CuDNNLSTM", "lstm", ["x"], units=4, return_sequences=True),
            layer("CuDNNGRU", "gru", ["lstm"], units=2),
            layer("ThresholdedReLU", "relu", ["gru"], theta=0.1)]}}
    path = tmp_path / "old.json"
    path.write_text(json.dumps(document))
    model = modelspec.build(str(path))
    assert [type(lay).__name__ for lay in model.layers[1:]] == ["LSTM", "GRU", "ReLU"]
    assert model.get_layer("gru").reset_after is True  # as CuDNNGRU computed
    assert model.output_shape == (None, 2)
    x = np.linspace(-1, 1, 11, dtype="float32")[:, None]
    relu = model.get_layer("relu")
    np.testing.assert_allclose(np.asarray(relu(x)), np.where(x > 0.1, x, 0), atol=1e-7)

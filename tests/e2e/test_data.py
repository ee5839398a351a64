"""modelspec.data against real Keras models: every format fed to fit/evaluate/
predict, the checks reading the model (inputs, Embedding vocabularies, losses),
csv streaming through tf.data, learnable synthetic data, and the digits example.

The checks that need no Keras are in tests/unit/test_data_plain.py.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import sys  # noqa: E402
import textwrap  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import modelspec  # noqa: E402
from modelspec.data import describe, load_datasets, model_io  # noqa: E402
from modelspec.kerasenv import keras  # noqa: E402

pytestmark = pytest.mark.keras

# Two inputs (4 word ids for an Embedding of 20, 3 floats) -> 3 classes.
MODEL = """
modelspec: 1
seed: 1
model:
  class_name: Functional
  config:
    name: small
    layers:
      - {class_name: InputLayer, config: {name: ids, shape: [4], dtype: int32}}
      - {class_name: Embedding, config: {name: emb, input_dim: 20, output_dim: 4}, inbound_nodes: [ids]}
      - {class_name: GlobalAveragePooling1D, config: {name: pool}, inbound_nodes: [emb]}
      - {class_name: InputLayer, config: {name: feats, shape: [3]}}
      - {class_name: Concatenate, config: {name: cat}, inbound_nodes: [[pool, feats]]}
      - {class_name: Dense, config: {name: out, units: 3, activation: softmax}, inbound_nodes: [cat]}
    input_layers: [ids, feats]
    output_layers: out
compile: {optimizer: adam, loss: sparse_categorical_crossentropy, metrics: [accuracy]}
"""


def spec_with(tmp_path, data: str, model: str = MODEL, extra: str = "") -> modelspec.Spec:
    text = textwrap.dedent(model).lstrip() + "data:\n" + textwrap.indent(textwrap.dedent(data).strip("\n"), "  ")
    path = tmp_path / "spec.yaml"
    path.write_text(text + "\n" + textwrap.dedent(extra))
    return modelspec.load(str(path))


def arrays(n: int = 40, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"ids": rng.integers(0, 20, (n, 4)).astype("int32"),
            "feats": rng.normal(size=(n, 3)).astype("float32"),
            "label": rng.integers(0, 3, n).astype("int32")}


def errors(spec, model, names, **kwargs):
    with pytest.raises(modelspec.SpecError) as info:
        load_datasets(spec, model, names, **kwargs)
    return {d.pointer: d for d in info.value.diagnostics}


# --------------------------------------------------------------------------
# reading the model
# --------------------------------------------------------------------------


def test_model_io_reads_inputs_vocabularies_and_losses(tmp_path):
    model = modelspec.build(str(ROOT / "specs" / "news_headline.yaml"))
    io = model_io(model)
    assert [(s.name, s.shape, s.dtype, s.vocab, s.layer) for s in io.inputs] == [
        ("main_input", (100,), "int32", 10000, "embedding"), ("aux_input", (5,), "float32", None, None)]
    assert [(s.name, s.shape, s.kind) for s in io.outputs] == [
        ("main_output", (1,), "binary"), ("aux_output", (1,), "binary")]
    assert (io.input_struct, io.output_struct) == ("list", "list")


def test_model_io_smallest_embedding_wins_and_dict_inputs_keep_their_keys():
    ids = keras.Input((3,), dtype="int32", name="ids_layer")
    small = keras.layers.Embedding(7, 2, name="small", mask_zero=True)(ids)
    large = keras.layers.Embedding(50, 2, name="large")(ids)
    out = keras.layers.Dense(2, name="o")(keras.layers.Flatten()(keras.layers.Add()([small, large])))
    model = keras.Model({"tokens": ids}, {"score": out})
    model.compile(loss={"score": keras.losses.CategoricalCrossentropy()})
    io = model_io(model)
    assert [(s.name, s.vocab, s.layer, s.low) for s in io.inputs] == [("tokens", 7, "small", 1)]
    assert [(s.name, s.kind) for s in io.outputs] == [("score", "categorical")]
    assert (io.input_struct, io.output_struct) == ("dict", "dict")


def test_model_io_of_a_sequential_model():
    model = keras.Sequential([keras.Input((6,), dtype="int32"), keras.layers.Embedding(9, 2),
                              keras.layers.Flatten(), keras.layers.Dense(1, name="last")])
    model.compile(loss="mse")
    io = model_io(model)
    assert [(s.shape, s.vocab) for s in io.inputs] == [((6,), 9)]
    assert [(s.name, s.kind) for s in io.outputs] == [("last", "regression")]
    assert io.input_struct == "single"


# --------------------------------------------------------------------------
# formats, end to end
# --------------------------------------------------------------------------


def test_npz_fit_evaluate_predict(tmp_path):
    (tmp_path / "data").mkdir()
    np.savez(tmp_path / "data" / "train.npz", **arrays(), w=np.ones(40))
    spec = spec_with(tmp_path, """
        train: {format: npz, path: data/train.npz, inputs: {ids: ids, feats: feats}, outputs: label,
                sample_weight: w}
        new: {format: npz, path: data/train.npz, inputs: [ids, feats]}
    """)
    model = modelspec.build(spec)
    loaded = load_datasets(spec, model, ["train", "new"])
    history = model.fit(**loaded["train"].as_fit_kwargs(), epochs=1, batch_size=16, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert model.evaluate(**loaded["train"].as_fit_kwargs(), verbose=0, return_dict=True)["accuracy"] >= 0
    assert model.predict(loaded["new"].x, verbose=0).shape == (40, 3)
    assert describe(loaded["train"]) == "train: 40 samples (npz data/train.npz)"


def test_npy_files_feed_a_dict_input_model(tmp_path):
    a = keras.Input((2,), name="a_layer")
    b = keras.Input((1,), name="b_layer")
    out = keras.layers.Dense(1, name="y")(keras.layers.Concatenate()([a, b]))
    model = keras.Model({"zeta": a, "alpha": b}, out)
    model.compile(optimizer="sgd", loss="mse")
    np.save(tmp_path / "a.npy", np.ones((10, 2), "float32"))
    np.save(tmp_path / "b.npy", np.ones((10, 1), "float32"))
    np.save(tmp_path / "y.npy", np.zeros((10, 1), "float32"))
    spec = spec_with(tmp_path, "train: {format: npy, inputs: {zeta: a.npy, alpha: b.npy}, outputs: y.npy}",
                     model="modelspec: 1\n")
    loaded = load_datasets(spec, model, ["train"])
    assert set(loaded["train"].x) == {"zeta", "alpha"}
    model.fit(**loaded["train"].as_fit_kwargs(), epochs=1, verbose=0)


def write_csv(path: Path, n: int, seed: int = 0, bad_id_row: int | None = None) -> None:
    data = arrays(n, seed)
    lines = ["a,b,c,d,f1,f2,f3,label"]
    for i in range(n):
        ids = list(data["ids"][i])
        if i == bad_id_row:
            ids[0] = 99
        lines.append(",".join([*map(str, ids), *(f"{v:.4f}" for v in data["feats"][i]), str(data["label"][i])]))
    path.write_text("\n".join(lines) + "\n")


def test_csv_streams_through_tf_data_in_batches(tmp_path):
    import tensorflow as tf

    write_csv(tmp_path / "train.csv", 70)
    spec = spec_with(tmp_path, """
        train: {format: csv, path: train.csv, inputs: {ids: [a, b, c, d], feats: [f1, f2, f3]},
                outputs: label, shuffle_buffer: 64}
        new: {format: csv, path: train.csv, inputs: [[a, b, c, d], [f1, f2, f3]]}
    """)
    model = modelspec.build(spec)
    loaded = load_datasets(spec, model, ["train", "new"], batch_size=16)
    train = loaded["train"]
    assert isinstance(train.x, tf.data.Dataset) and train.y is None and train.as_fit_kwargs().keys() == {"x"}
    (ids, feats), labels = next(iter(train.x))
    assert ids.shape == (16, 4) and ids.dtype == tf.int32 and feats.shape == (16, 3) and labels.shape == (16,)
    assert int(train.x.cardinality()) == 5 and train.size == 70  # 70 rows, batches of 16
    assert describe(train) == "train: 70 samples (csv train.csv, streamed in batches of 16)"
    history = model.fit(**train.as_fit_kwargs(), epochs=2, verbose=0, shuffle=False)
    assert len(history.history["loss"]) == 2
    assert model.predict(loaded["new"].x, verbose=0).shape == (70, 3)  # file order, all rows


def test_validation_split_needs_arrays(tmp_path):
    write_csv(tmp_path / "train.csv", 10)
    spec = spec_with(tmp_path, "train: {format: csv, path: train.csv, inputs: [[a, b, c, d], [f1, f2, f3]], "
                               "outputs: label}", extra="fit: {validation_split: 0.1}\n")
    diag = errors(spec, modelspec.build(spec), ["train"])["/fit/validation_split"]
    assert "validation_split needs arrays, but dataset 'train' is streamed" in diag.message
    assert diag.line is not None


def test_csv_streaming_reads_only_the_start_of_a_big_file(tmp_path, monkeypatch):
    import modelspec.data as data_module

    write_csv(tmp_path / "big.csv", 300)
    monkeypatch.setattr(data_module, "CSV_COUNT_BYTES", 100)  # pretend it is larger than memory
    spec = spec_with(tmp_path, "big: {format: csv, path: big.csv, inputs: [[a, b, c, d], [f1, f2, f3]], "
                               "outputs: label}")
    model = modelspec.build(spec)
    big = load_datasets(spec, model, ["big"], batch_size=32)["big"]
    assert big.size is None and describe(big).startswith("big: streamed (csv big.csv")
    assert sum(int(x[0].shape[0]) for x, _ in big.x) == 300


def test_csv_ids_beyond_the_vocabulary_fail_at_their_row(tmp_path):
    import modelspec.data as data_module

    write_csv(tmp_path / "t.csv", 300, bad_id_row=250)  # past the rows checked up front
    spec = spec_with(tmp_path, "t: {format: csv, path: t.csv, inputs: [[a, b, c, d], [f1, f2, f3]], "
                               "outputs: label}")
    model = modelspec.build(spec)
    stream = load_datasets(spec, model, ["t"], batch_size=50)["t"].x
    with pytest.raises(Exception, match=r"id outside the vocabulary \[0, 20\) of Embedding"):
        for _ in stream:
            pass
    write_csv(tmp_path / "t.csv", 300, bad_id_row=5)
    assert data_module.CSV_CHECK_ROWS > 5
    diag = errors(spec, model, ["t"])["/data/t/inputs/0"]
    assert "line 7 of t.csv, column 'a': id 99 is outside the vocabulary [0, 20)" in diag.message


def test_python_function_returning_an_unbatched_tf_dataset(tmp_path, monkeypatch):
    (tmp_path / "my_stream.py").write_text(textwrap.dedent("""
        import numpy as np, tensorflow as tf
        def make(n=30, labels=True):
            rng = np.random.default_rng(0)
            x = (rng.integers(0, 20, (n, 4)).astype("int32"), rng.normal(size=(n, 3)).astype("float32"))
            y = rng.integers(0, 3, n)
            return tf.data.Dataset.from_tensor_slices((x, y) if labels else (x,))
        def sequence():
            import keras
            class Seq(keras.utils.PyDataset):
                def __len__(self): return 2
                def __getitem__(self, i):
                    return (np.zeros((4, 4), "int32"), np.zeros((4, 3), "float32")), np.zeros(4)
            return Seq()
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    spec = spec_with(tmp_path, """
        train: {format: python, function: 'my_stream:make'}
        test: {format: python, function: 'my_stream:make', kwargs: {labels: false}}
        seq: {format: python, function: 'my_stream:sequence'}
    """, extra="evaluate: {data: test}\n")
    model = modelspec.build(spec)
    loaded = load_datasets(spec, model, ["train", "seq"], allow_plugins=True, batch_size=8)
    (ids, _), _ = next(iter(loaded["train"].x))
    assert ids.shape == (8, 4)  # batched here
    assert describe(loaded["train"]) == "train: streamed (python my_stream:make, batched here by 8)"
    model.fit(**loaded["train"].as_fit_kwargs(), epochs=1, verbose=0)
    model.fit(**loaded["seq"].as_fit_kwargs(), epochs=1, verbose=0)
    diag = errors(spec, model, ["test"], allow_plugins=True)["/data/test/function"]
    assert "yields inputs only, but evaluate needs labels" in diag.message


def test_python_plugin_module_is_not_imported_without_allow_plugins(tmp_path, monkeypatch):
    marker = tmp_path / "imported"
    (tmp_path / "sneaky_data.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n"
                                             "def make(): return None\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    spec = spec_with(tmp_path, "train: {format: python, function: 'sneaky_data:make'}")
    model = modelspec.build(spec)
    diag = errors(spec, model, ["train"])["/data/train/function"]
    assert "wants to import module 'sneaky_data'" in diag.message and "--allow-plugins" in diag.message
    assert diag.line is not None
    assert not marker.exists() and "sneaky_data" not in sys.modules


# --------------------------------------------------------------------------
# located errors against a real model
# --------------------------------------------------------------------------


def test_located_errors_against_a_built_model(tmp_path):
    good = arrays()
    np.savez(tmp_path / "d.npz", **good, strings=np.array([["x", "y", "z"]] * 40),
             big_ids=good["ids"] + 10, short=good["label"][:30])
    spec = spec_with(tmp_path, """
        missing_file: {format: npz, path: nowhere.npz, inputs: [ids, feats]}
        missing_key: {format: npz, path: d.npz, inputs: [ids, feets]}
        unknown_name: {format: npz, path: d.npz, inputs: {ids: ids, feats: feats, extra: ids}}
        missing_input: {format: npz, path: d.npz, inputs: {ids: ids}}
        wrong_shape: {format: npz, path: d.npz, inputs: [feats, feats]}
        counts: {format: npz, path: d.npz, inputs: [ids, feats], outputs: short}
        strings: {format: npz, path: d.npz, inputs: [ids, strings]}
        vocabulary: {format: npz, path: d.npz, inputs: [big_ids, feats]}
    """)
    model = modelspec.build(spec)
    found = errors(spec, model, ["missing_file", "missing_key", "unknown_name", "missing_input",
                                 "wrong_shape", "counts", "strings", "vocabulary"])
    expected = {
        "/data/missing_file/path": f"no such file: {tmp_path / 'nowhere.npz'}",
        "/data/missing_key/inputs/1": "no array 'feets' in d.npz",
        "/data/unknown_name/inputs/extra": "the model has no input named 'extra'; its inputs: ids, feats",
        "/data/missing_input/inputs": "no data for model input 'feats'",
        "/data/wrong_shape/inputs/0": "(3,) per sample, but input 'ids' takes (4,)",
        "/data/counts/outputs": "array 'short' has 30 samples, but array 'ids' has 40",
        "/data/strings/inputs/1": "cannot be cast to float32 for input 'feats'",
        "/data/vocabulary/inputs/0": "outside the vocabulary [0, 20) of Embedding 'emb'",
    }
    for pointer, fragment in expected.items():
        assert pointer in found, (pointer, sorted(found))
        assert fragment in found[pointer].message, found[pointer].render()
        assert found[pointer].line is not None


def test_wrong_rank_for_an_input(tmp_path):
    good = arrays()
    np.savez(tmp_path / "d.npz", ids=good["ids"][:, :, None].repeat(2, axis=2), feats=good["feats"])
    spec = spec_with(tmp_path, "train: {format: npz, path: d.npz, inputs: [ids, feats]}")
    diag = errors(spec, modelspec.build(spec), ["train"])["/data/train/inputs/0"]
    assert "shape (40, 4, 2), i.e. (4, 2) per sample, but input 'ids' takes (4,)" in diag.message


# --------------------------------------------------------------------------
# synthetic
# --------------------------------------------------------------------------

HEADLINE = """
modelspec: 1
seed: 3
model:
  class_name: Functional
  config:
    name: headline
    layers:
      - {class_name: InputLayer, config: {name: main_input, shape: [20], dtype: int32}}
      - {class_name: Embedding, config: {name: embedding, input_dim: 500, output_dim: 16}, inbound_nodes: [main_input]}
      - {class_name: LSTM, config: {name: lstm, units: 8}, inbound_nodes: [embedding]}
      - {class_name: Dense, config: {name: aux_output, units: 1, activation: sigmoid}, inbound_nodes: [lstm]}
      - {class_name: InputLayer, config: {name: aux_input, shape: [5]}}
      - {class_name: Concatenate, config: {name: concatenate}, inbound_nodes: [[lstm, aux_input]]}
      - {class_name: Dense, config: {name: dense_1, units: 16, activation: relu}, inbound_nodes: [concatenate]}
      - {class_name: Dense, config: {name: main_output, units: 1, activation: sigmoid}, inbound_nodes: [dense_1]}
    input_layers: [main_input, aux_input]
    output_layers: [main_output, aux_output]
compile:
  optimizer: {class_name: Adam, config: {learning_rate: 0.01}}
  loss: {main_output: binary_crossentropy, aux_output: binary_crossentropy}
  loss_weights: {main_output: 1.0, aux_output: 0.2}
"""


def test_synthetic_data_is_learnable(tmp_path):
    spec = spec_with(tmp_path, """
        train: {format: synthetic, samples: 1024}
        test: {format: synthetic, samples: 256, seed: 11}
    """, model=HEADLINE)
    keras.utils.set_random_seed(0)
    model = modelspec.build(spec)
    loaded = load_datasets(spec, model, ["train", "test"])
    main, aux = loaded["train"].x
    assert main.dtype == np.int32 and 0 <= main.min() and main.max() < 500 and aux.shape == (1024, 5)
    before = model.evaluate(**loaded["test"].as_fit_kwargs(), verbose=0, return_dict=True)["loss"]
    history = model.fit(**loaded["train"].as_fit_kwargs(), epochs=5, batch_size=32, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] <= 0.8 * losses[0], losses
    after = model.evaluate(**loaded["test"].as_fit_kwargs(), verbose=0, return_dict=True)["loss"]
    assert after <= 0.8 * before, (before, after)  # the test set shares the labelling function


def test_synthetic_data_is_seeded_and_fits_the_example_spec(tmp_path):
    spec = modelspec.load(str(ROOT / "specs" / "news_headline.yaml"))
    data = {k: v for k, v in spec.data.items() if k not in ("fit", "evaluate", "predict")}
    data["data"] = {"a": {"format": "synthetic", "samples": 64, "seed": 5},
                    "b": {"format": "synthetic", "samples": 64, "seed": 5},
                    "c": {"format": "synthetic", "samples": 64, "seed": 6}}
    spec = modelspec.load(data)
    model = modelspec.build(spec)
    loaded = load_datasets(spec, model, ["a", "b", "c"])
    for got, want in zip(loaded["a"].x + loaded["a"].y, loaded["b"].x + loaded["b"].y):
        np.testing.assert_array_equal(got, want)
    assert not np.array_equal(loaded["a"].x[0], loaded["c"].x[0])
    main = loaded["a"].x[0]
    assert main.shape == (64, 100) and main.max() < 10000
    assert [y.shape for y in loaded["a"].y] == [(64, 1), (64, 1)]
    model.predict(loaded["a"].x, verbose=0)


# --------------------------------------------------------------------------
# the digits example
# --------------------------------------------------------------------------


@pytest.mark.slow
def test_digits_example_spec_trains_to_high_accuracy():
    pytest.importorskip("sklearn")
    spec = modelspec.load(str(ROOT / "specs" / "digits_mlp.yaml"))
    assert [d for d in modelspec.validate(spec) if d.is_error] == []
    keras.utils.set_random_seed(0)
    model = modelspec.build(spec)
    loaded = load_datasets(spec, model, ["train", "test"])
    assert loaded["train"].size + loaded["test"].size == 1797
    fit = spec.data["fit"]
    model.fit(**loaded["train"].as_fit_kwargs(), epochs=fit["epochs"], batch_size=fit["batch_size"],
              validation_split=fit["validation_split"], verbose=0)
    result = model.evaluate(**loaded["test"].as_fit_kwargs(), verbose=0, return_dict=True)
    assert result["accuracy"] >= 0.9, result

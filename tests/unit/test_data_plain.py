"""modelspec.data without TensorFlow: datasets are checked against a ModelIO
(a plain description of a model's inputs and outputs) instead of a Keras model.

Everything but the csv pipeline itself and tf.data results runs here; the
Keras side (model_io, fitting, csv streaming) is in tests/e2e/test_data.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import modelspec
from modelspec.data import (
    Dataset,
    ModelIO,
    Slot,
    dataset_roles,
    describe,
    load_datasets_for,
    loss_kind,
    losses_by_output,
    shape_fits,
    synthesize,
)
from tests.conftest import ROOT

# ids (4 word ids, Embedding input_dim 20) + feats (3 floats) -> out (3 classes)
IO = ModelIO(
    inputs=(Slot("ids", (4,), "int32", vocab=20, layer="emb"), Slot("feats", (3,), "float32")),
    outputs=(Slot("out", (3,), "float32", loss="sparse_categorical_crossentropy"),),
    input_struct="list", output_struct="single")

# one float input -> two outputs (binary and regression)
IO_TWO_OUT = ModelIO(
    inputs=(Slot("x", (5,)),),
    outputs=(Slot("flag", (1,), loss="binary_crossentropy"), Slot("value", (2,), loss="mse")),
    input_struct="single", output_struct="list")


def spec_file(tmp_path, data: str, extra: str = "") -> modelspec.Spec:
    """A spec file in tmp_path with the given `data:` section (YAML, indented freely)."""
    text = "modelspec: 1\nmodel: {class_name: Sequential, config: {name: m, layers: []}}\n"
    text += "data:\n" + textwrap.indent(textwrap.dedent(data).strip("\n"), "  ") + "\n"
    text += textwrap.dedent(extra)
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    return modelspec.load(str(path))


def problems(spec, io=IO, names=("train",), **kwargs) -> list:
    with pytest.raises(modelspec.SpecError) as info:
        load_datasets_for(spec, io, names, **kwargs)
    return info.value.diagnostics


def one(diagnostics, pointer: str):
    found = [d for d in diagnostics if d.pointer == pointer]
    assert found, f"no diagnostic at {pointer}: {[d.render() for d in diagnostics]}"
    return found[0]


def good_arrays(n: int = 12, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"ids": rng.integers(0, 20, (n, 4)).astype("int32"),
            "feats": rng.normal(size=(n, 3)).astype("float32"),
            "label": rng.integers(0, 3, n)}


# --------------------------------------------------------------------------
# no TensorFlow
# --------------------------------------------------------------------------


def test_the_data_module_imports_no_tensorflow(tmp_path):
    np.savez(tmp_path / "d.npz", **good_arrays())
    probe = textwrap.dedent(f"""
        import json, sys
        import modelspec, modelspec.data, modelspec.examples
        from modelspec.data import ModelIO, Slot, load_datasets_for, synthesize
        io = ModelIO((Slot("a", (3,)),), (Slot("o", (1,), loss="mse"),), "single", "single")
        spec = modelspec.load({{"modelspec": 1, "model": {{}}, "data": {{
            "s": {{"format": "synthetic", "samples": 8}},
            "n": {{"format": "npz", "path": {str(tmp_path / "d.npz")!r}, "inputs": "feats"}}}}}})
        loaded = load_datasets_for(spec, io, ["s", "n"])
        heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras'))
        print(json.dumps({{"heavy": heavy, "sizes": [d.size for d in loaded.values()]}}))
    """)
    result = subprocess.run([sys.executable, "-c", probe], check=False, cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"heavy": [], "sizes": [8, 12]}


# --------------------------------------------------------------------------
# npz and npy
# --------------------------------------------------------------------------


def test_npz_by_name_gives_the_model_structure(tmp_path):
    np.savez(tmp_path / "train.npz", **good_arrays(), w=np.ones(12))
    spec = spec_file(tmp_path, """
        train: {format: npz, path: train.npz, inputs: {ids: ids, feats: feats}, outputs: {out: label},
                sample_weight: w}
    """)
    ds = load_datasets_for(spec, IO, ["train"])["train"]
    assert isinstance(ds.x, list) and [a.shape for a in ds.x] == [(12, 4), (12, 3)]
    assert ds.y.shape == (12,) and ds.sample_weight.shape == (12,) and ds.size == 12
    assert set(ds.as_fit_kwargs()) == {"x", "y", "sample_weight"}
    assert describe(ds) == "train: 12 samples (npz train.npz)"


def test_npz_positional_list_and_single_string(tmp_path):
    np.savez(tmp_path / "train.npz", **good_arrays(), x5=np.zeros((12, 5)), flag=np.ones((12, 1)),
             value=np.zeros((12, 2)))
    spec = spec_file(tmp_path, """
        train: {format: npz, path: train.npz, inputs: [ids, feats], outputs: label}
        two: {format: npz, path: train.npz, inputs: x5, outputs: [flag, value]}
    """)
    ds = load_datasets_for(spec, IO, ["train"])["train"]
    assert [a.shape for a in ds.x] == [(12, 4), (12, 3)]
    two = load_datasets_for(spec, IO_TWO_OUT, ["two"])["two"]
    assert two.x.shape == (12, 5) and [a.shape for a in two.y] == [(12, 1), (12, 2)]


def test_dict_inputs_are_keyed_by_the_models_own_keys(tmp_path):
    io = ModelIO((Slot("zeta", (2,)), Slot("alpha", (1,))), (Slot("y", (1,), loss="mse"),), "dict", "dict")
    np.savez(tmp_path / "d.npz", a=np.zeros((4, 2)), b=np.zeros((4, 1)), t=np.zeros((4, 1)))
    spec = spec_file(tmp_path, "train: {format: npz, path: d.npz, inputs: [a, b], outputs: {y: t}}")
    ds = load_datasets_for(spec, io, ["train"])["train"]
    assert set(ds.x) == {"zeta", "alpha"} and ds.x["zeta"].shape == (4, 2)
    assert set(ds.y) == {"y"}


def test_npy_files_are_memory_mapped(tmp_path):
    arrays = good_arrays()
    for key, value in arrays.items():
        np.save(tmp_path / f"{key}.npy", value)
    spec = spec_file(tmp_path, "train: {format: npy, inputs: [ids.npy, feats.npy], outputs: label.npy}")
    ds = load_datasets_for(spec, IO, ["train"])["train"]
    assert isinstance(ds.x[0], np.memmap)
    np.testing.assert_array_equal(ds.x[0], arrays["ids"])


def test_outputs_may_be_left_out_for_prediction(tmp_path):
    np.savez(tmp_path / "d.npz", **good_arrays())
    spec = spec_file(tmp_path, "test: {format: npz, path: d.npz, inputs: [ids, feats]}",
                     extra="predict: {data: test}\n")
    ds = load_datasets_for(spec, IO, ["test"])["test"]
    assert ds.y is None and set(ds.as_fit_kwargs()) == {"x"}


def test_a_dataset_evaluate_uses_needs_outputs(tmp_path):
    np.savez(tmp_path / "d.npz", **good_arrays())
    spec = spec_file(tmp_path, "test: {format: npz, path: d.npz, inputs: [ids, feats]}",
                     extra="evaluate: {}\n")  # evaluate.data defaults to 'test'
    diag = one(problems(spec, names=["test"]), "/data/test")
    assert "gives no outputs" in diag.message and "evaluate" in diag.message


# --------------------------------------------------------------------------
# located problems
# --------------------------------------------------------------------------


def test_missing_file_shows_the_resolved_path(tmp_path):
    spec = spec_file(tmp_path, "train: {format: npz, path: data/missing.npz, inputs: [ids, feats]}")
    diag = one(problems(spec), "/data/train/path")
    assert str(tmp_path / "data" / "missing.npz") in diag.message
    assert diag.line == 4 and diag.source == str(tmp_path / "spec.yaml")


def test_relative_paths_of_a_dict_spec_resolve_against_the_current_directory(tmp_path, monkeypatch):
    np.savez(tmp_path / "d.npz", **good_arrays())
    monkeypatch.chdir(tmp_path)
    spec = modelspec.load({"modelspec": 1, "model": {}, "data": {
        "train": {"format": "npz", "path": "d.npz", "inputs": ["ids", "feats"]}}})
    assert load_datasets_for(spec, IO, ["train"])["train"].size == 12


def test_missing_npz_key_lists_the_keys_and_suggests_one(tmp_path):
    np.savez(tmp_path / "d.npz", **good_arrays())
    spec = spec_file(tmp_path, "train: {format: npz, path: d.npz, inputs: {ids: ids, feats: feat}}")
    diag = one(problems(spec), "/data/train/inputs/feats")
    assert "no array 'feat' in d.npz" in diag.message and "it holds: ids, feats, label" in diag.message
    assert diag.hint == "did you mean 'feats'?"


def test_unknown_input_and_output_names_list_the_models_names(tmp_path):
    np.savez(tmp_path / "d.npz", **good_arrays())
    spec = spec_file(tmp_path, """
        train: {format: npz, path: d.npz, inputs: {ids: ids, feats: feats, idz: ids}, outputs: {outt: label}}
    """)
    found = problems(spec)
    diag = one(found, "/data/train/inputs/idz")
    assert "no input named 'idz'" in diag.message and "ids, feats" in diag.message
    assert diag.hint == "did you mean 'ids'?"
    assert "no output named 'outt'" in one(found, "/data/train/outputs/outt").message


def test_every_input_needs_an_array(tmp_path):
    np.savez(tmp_path / "d.npz", **good_arrays())
    spec = spec_file(tmp_path, """
        train: {format: npz, path: d.npz, inputs: {ids: ids}}
        other: {format: npz, path: d.npz}
    """)
    found = problems(spec, names=["train", "other"])
    assert "no data for model input 'feats'" in one(found, "/data/train/inputs").message
    assert {d.message for d in found if d.pointer == "/data/other"} == {
        "no data for model input 'ids': every input needs an array",
        "no data for model input 'feats': every input needs an array"}


def test_positional_lists_must_have_one_entry_per_input(tmp_path):
    np.savez(tmp_path / "d.npz", **good_arrays())
    spec = spec_file(tmp_path, "train: {format: npz, path: d.npz, inputs: [ids]}")
    assert "1 entry for the model's 2 inputs" in one(problems(spec), "/data/train/inputs").message


def test_wrong_shape_for_an_input(tmp_path):
    arrays = good_arrays()
    arrays["feats"] = np.zeros((12, 4), dtype="float32")
    np.savez(tmp_path / "d.npz", **arrays)
    spec = spec_file(tmp_path, "train: {format: npz, path: d.npz, inputs: [ids, feats], outputs: label}")
    diag = one(problems(spec), "/data/train/inputs/1")
    assert "(4,) per sample, but input 'feats' takes (3,)" in diag.message


def test_mismatched_sample_counts(tmp_path):
    arrays = good_arrays()
    arrays["label"] = arrays["label"][:10]
    np.savez(tmp_path / "d.npz", **arrays)
    spec = spec_file(tmp_path, "train: {format: npz, path: d.npz, inputs: [ids, feats], outputs: label}")
    diag = one(problems(spec), "/data/train/outputs")
    assert diag.message == "array 'label' has 10 samples, but array 'ids' has 12"


def test_strings_cannot_feed_a_float_input(tmp_path):
    arrays = good_arrays()
    arrays["feats"] = np.array([["a", "b", "c"]] * 12)
    np.savez(tmp_path / "d.npz", **arrays)
    spec = spec_file(tmp_path, "train: {format: npz, path: d.npz, inputs: [ids, feats]}")
    diag = one(problems(spec), "/data/train/inputs/1")
    assert "cannot be cast to float32 for input 'feats'" in diag.message


def test_fractional_values_cannot_feed_an_integer_input(tmp_path):
    arrays = good_arrays()
    arrays["ids"] = arrays["ids"] + 0.5
    np.savez(tmp_path / "d.npz", **arrays)
    spec = spec_file(tmp_path, "train: {format: npz, path: d.npz, inputs: [ids, feats]}")
    assert "non-integer values" in one(problems(spec), "/data/train/inputs/0").message


def test_ids_beyond_the_embedding_vocabulary(tmp_path):
    arrays = good_arrays()
    arrays["ids"][3, 2] = 25
    np.savez(tmp_path / "d.npz", **arrays)
    spec = spec_file(tmp_path, "train: {format: npz, path: d.npz, inputs: {ids: ids, feats: feats}}")
    diag = one(problems(spec), "/data/train/inputs/ids")
    assert "id 25, outside the vocabulary [0, 20) of Embedding 'emb'" in diag.message
    assert "at least 26" in diag.hint


def test_class_ids_beyond_the_output_units(tmp_path):
    arrays = good_arrays()
    arrays["label"][0] = 3
    np.savez(tmp_path / "d.npz", **arrays)
    spec = spec_file(tmp_path, "train: {format: npz, path: d.npz, inputs: [ids, feats], outputs: label}")
    diag = one(problems(spec), "/data/train/outputs")
    assert "class id 3, but output 'out' has 3 units" in diag.message


def test_pickled_object_arrays_are_refused(tmp_path):
    arrays = good_arrays()
    arrays["feats"] = np.array([{"a": 1}] * 12, dtype=object)
    np.savez(tmp_path / "d.npz", **arrays)
    spec = spec_file(tmp_path, "train: {format: npz, path: d.npz, inputs: [ids, feats]}")
    assert "unpickling" in one(problems(spec), "/data/train/inputs/1").message


def test_every_problem_of_every_dataset_at_once(tmp_path):
    np.savez(tmp_path / "d.npz", **good_arrays())
    spec = spec_file(tmp_path, """
        a: {format: npz, path: nope.npz, inputs: [ids, feats]}
        b: {format: npz, path: d.npz, inputs: [ids, featz]}
        c: {format: npy, inputs: [ids.npy, feats.npy]}
    """)
    found = problems(spec, names=["a", "b", "c", "d"])
    pointers = [d.pointer for d in found]
    assert sorted(pointers) == ["/data", "/data/a/path", "/data/b/inputs/1", "/data/c/inputs/0",
                               "/data/c/inputs/1"]
    assert "no dataset named 'd'" in one(found, "/data").message
    assert all(d.line is not None for d in found)


# --------------------------------------------------------------------------
# csv: the checks that run before tf.data is involved
# --------------------------------------------------------------------------


def write_csv(tmp_path, rows: list[str], header: str = "a,b,c,d,f1,f2,f3,label") -> None:
    (tmp_path / "t.csv").write_text(header + "\n" + "\n".join(rows) + "\n")


def test_csv_missing_columns_are_located_at_their_entry(tmp_path):
    write_csv(tmp_path, ["1,2,3,4,0.1,0.2,0.3,1"])
    spec = spec_file(tmp_path, """
        train: {format: csv, path: t.csv, inputs: {ids: [a, b, c, dd], feats: [f1, f2, f3]}, outputs: labl}
    """)
    found = problems(spec)
    diag = one(found, "/data/train/inputs/ids")
    assert "no column 'dd' in t.csv; its columns: a, b, c, d, f1, f2, f3, label" in diag.message
    assert diag.hint == "did you mean 'd'?"
    assert one(found, "/data/train/outputs").hint == "did you mean 'label'?"


def test_csv_columns_must_fit_the_input_shape(tmp_path):
    write_csv(tmp_path, ["1,2,3,4,0.1,0.2,0.3,1"])
    spec = spec_file(tmp_path, "train: {format: csv, path: t.csv, inputs: [[a, b, c, d], [f1, f2]]}")
    diag = one(problems(spec), "/data/train/inputs/1")
    assert "2 columns give per-sample shape (2,), but input 'feats' takes (3,)" in diag.message


def test_csv_values_that_do_not_parse(tmp_path):
    write_csv(tmp_path, ["1,2,3,4,0.1,0.2,0.3,1", "1,2,3,4,0.1,oops,0.3,1", "1,2,3,4,0.1,0.2,,1"])
    spec = spec_file(tmp_path, "train: {format: csv, path: t.csv, inputs: [[a, b, c, d], [f1, f2, f3]]}")
    found = [d.message for d in problems(spec) if d.pointer == "/data/train/inputs/1"]
    assert "line 3 of t.csv, column 'f2': 'oops' is not a float32" in found
    assert "line 4 of t.csv, column 'f3': the field is empty (a missing value)" in found


def test_csv_ids_beyond_the_vocabulary_in_the_first_rows(tmp_path):
    write_csv(tmp_path, ["1,2,3,40,0.1,0.2,0.3,1"])
    spec = spec_file(tmp_path, "train: {format: csv, path: t.csv, inputs: [[a, b, c, d], [f1, f2, f3]]}")
    diag = one(problems(spec), "/data/train/inputs/0")
    assert "column 'd': id 40 is outside the vocabulary [0, 20) of Embedding 'emb'" in diag.message


def test_csv_rows_with_the_wrong_number_of_fields(tmp_path):
    write_csv(tmp_path, ["1,2,3,4,0.1,0.2,0.3,1", "", "1,2,3"])
    spec = spec_file(tmp_path, "train: {format: csv, path: t.csv, inputs: [[a, b, c, d], [f1, f2, f3]]}")
    diag = one(problems(spec), "/data/train/path")
    assert diag.message == "line 3 of t.csv is empty; the header has 8"


def test_csv_unknown_dtype(tmp_path):
    write_csv(tmp_path, ["1,2,3,4,0.1,0.2,0.3,1"])
    spec = spec_file(tmp_path, """
        train: {format: csv, path: t.csv, inputs: [[a, b, c, d], [f1, f2, f3]], dtypes: {f1: float16}}
    """)
    assert "must be one of float32" in one(problems(spec), "/data/train/dtypes/f1").message


# --------------------------------------------------------------------------
# python
# --------------------------------------------------------------------------


def plugin_module(tmp_path, monkeypatch, body: str) -> None:
    marker = tmp_path / "imported"
    (tmp_path / "my_data.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n"
                                         "import numpy as np\n" + textwrap.dedent(body))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "my_data", raising=False)


def test_python_module_outside_modelspec_is_not_imported_without_allow_plugins(tmp_path, monkeypatch):
    plugin_module(tmp_path, monkeypatch, "def make(): return np.zeros((2, 5))\n")
    spec = spec_file(tmp_path, "train: {format: python, function: 'my_data:make'}")
    diag = one(problems(spec, IO_TWO_OUT), "/data/train/function")
    assert "wants to import module 'my_data'" in diag.message and "--allow-plugins" in diag.message
    assert not (tmp_path / "imported").exists() and "my_data" not in sys.modules


def test_python_module_runs_with_allow_plugins(tmp_path, monkeypatch):
    plugin_module(tmp_path, monkeypatch, """
        def make(n=6, named=False):
            x, flag, value = np.zeros((n, 5)), np.ones((n, 1)), np.zeros((n, 2))
            if named:
                return {"x": {"x": x}, "y": {"value": value, "flag": flag}, "sample_weight": np.ones(n)}
            return x, [flag, value]
    """)
    spec = spec_file(tmp_path, """
        train: {format: python, function: 'my_data:make', kwargs: {n: 7}}
        named: {format: python, function: 'my_data:make', kwargs: {named: true}}
    """)
    loaded = load_datasets_for(spec, IO_TWO_OUT, ["train", "named"], allow_plugins=True)
    assert (tmp_path / "imported").exists()
    assert loaded["train"].x.shape == (7, 5) and [a.shape for a in loaded["train"].y] == [(7, 1), (7, 2)]
    assert [a.shape for a in loaded["named"].y] == [(6, 1), (6, 2)]  # put in output order
    assert loaded["named"].sample_weight.shape == (6,)
    assert describe(loaded["train"]) == "train: 7 samples (python my_data:make)"


def test_python_results_are_checked_like_files(tmp_path, monkeypatch):
    plugin_module(tmp_path, monkeypatch, """
        def wrong_shape(): return np.zeros((4, 6)), [np.ones((4, 1)), np.zeros((4, 2))]
        def fails(): raise RuntimeError("no network here")
        def one_output(): return np.zeros((4, 5)), np.ones((4, 1))
    """)
    spec = spec_file(tmp_path, """
        a: {format: python, function: 'my_data:wrong_shape'}
        b: {format: python, function: 'my_data:fails'}
        c: {format: python, function: 'my_data:one_output'}
        d: {format: python, function: 'my_data:missing'}
        e: {format: python, function: 'no_such_module_here:f'}
    """)
    found = problems(spec, IO_TWO_OUT, names="abcde", allow_plugins=True)
    assert "(6,) per sample, but input 'x' takes (5,)" in one(found, "/data/a/function").message
    assert one(found, "/data/b/function").message == "my_data:fails() failed: RuntimeError: no network here"
    assert "returned y as one array, but the model has 2 outputs" in one(found, "/data/c/function").message
    assert "module 'my_data' has no function 'missing'" in one(found, "/data/d/function").message
    assert "cannot import module 'no_such_module_here'" in one(found, "/data/e/function").message


def test_only_data_functions_of_modelspec_run_without_allow_plugins(tmp_path):
    spec = spec_file(tmp_path, "train: {format: python, function: 'modelspec.cli.main:main', "
                               "kwargs: {argv: [schema]}}")
    diag = one(problems(spec, IO_TWO_OUT), "/data/train/function")
    assert "is not a data function" in diag.message and diag.code == "plugins-not-allowed"


# --------------------------------------------------------------------------
# synthetic
# --------------------------------------------------------------------------


def test_synthetic_is_seeded():
    a = synthesize(IO, 64, seed=3)
    b = synthesize(IO, 64, seed=3)
    c = synthesize(IO, 64, seed=4)
    for name in ("ids", "feats"):
        np.testing.assert_array_equal(a[0][name], b[0][name])
        assert not np.array_equal(a[0][name], c[0][name])
    np.testing.assert_array_equal(a[1]["out"], b[1]["out"])


def test_synthetic_inputs_fit_the_model():
    io = ModelIO((Slot("ids", (None,), "int32", vocab=7, layer="e", low=1), Slot("plain", (2,), "int64"),
                  Slot("img", (4, 4, 3), "float32"), Slot("flags", (2,), "bool"), Slot("text", (1,), "string")),
                 (Slot("o", (1,), loss="mse"),))
    x, _ = synthesize(io, 500, seed=0)
    assert x["ids"].shape == (500, 8) and x["ids"].dtype == np.int32
    assert x["ids"].min() == 1 and x["ids"].max() == 6  # mask_zero Embedding: ids from 1
    assert x["plain"].dtype == np.int64 and set(np.unique(x["plain"])) == set(range(10))
    assert x["img"].shape == (500, 4, 4, 3) and abs(float(x["img"].std()) - 1) < 0.05
    assert x["flags"].dtype == bool and x["text"].shape == (500, 1) and x["text"][0, 0].startswith("w")


def test_synthetic_labels_follow_each_outputs_loss():
    io = ModelIO((Slot("x", (6,)), Slot("ids", (10,), "int32", vocab=50, layer="e")),
                 (Slot("b", (1,), loss="binary_crossentropy"), Slot("s", (4,), loss="sparse_categorical_crossentropy"),
                  Slot("c", (5,), loss="CategoricalCrossentropy"),
                  Slot("r", (3, 2), loss="mse"), Slot("seq", (7, 3), loss="sparse_categorical_crossentropy")))
    _, y = synthesize(io, 4000, seed=1)
    assert y["b"].shape == (4000, 1) and set(np.unique(y["b"])) == {0.0, 1.0}
    assert 0.4 < y["b"].mean() < 0.6  # thresholded at the median
    assert y["s"].shape == (4000,) and set(np.unique(y["s"])) == {0, 1, 2, 3}
    assert y["c"].shape == (4000, 5) and np.all(y["c"].sum(axis=1) == 1)
    assert y["r"].shape == (4000, 3, 2) and abs(float(y["r"].std()) - 1) < 0.15
    assert y["seq"].shape == (4000, 7) and y["seq"].max() == 2


def test_synthetic_labels_are_one_function_of_the_inputs_for_every_seed():
    # Datasets with different seeds share the labelling function (it follows
    # the spec's seed): a nearest-neighbour check on a pure float model.
    io = ModelIO((Slot("x", (3,)),), (Slot("r", (1,), loss="mse"),))
    xa, ya = synthesize(io, 200, seed=1)
    xb, yb = synthesize(io, 200, seed=2)
    coef = np.linalg.lstsq(xa["x"], ya["r"], rcond=None)[0]
    np.testing.assert_allclose(xb["x"] @ coef, yb["r"], atol=1e-4)
    _, yc = synthesize(io, 200, seed=1, concept_seed=5)
    assert not np.allclose(yc["r"], ya["r"])


def test_synthetic_dataset_in_a_spec(tmp_path):
    spec = spec_file(tmp_path, """
        train: {format: synthetic, samples: 100}
        test: {format: synthetic, samples: 50, seed: 9}
    """, extra="seed: 4\n")
    loaded = load_datasets_for(spec, IO, ["train", "test"])
    assert loaded["train"].size == 100 and loaded["test"].size == 50
    assert describe(loaded["train"]) == "train: 100 samples (synthetic, seed 4)"
    again = load_datasets_for(spec, IO, ["train"], seed=4)["train"]
    np.testing.assert_array_equal(again.x[0], loaded["train"].x[0])
    other = load_datasets_for(spec, IO, ["train"], seed=5)["train"]
    assert not np.array_equal(other.x[0], loaded["train"].x[0])


# --------------------------------------------------------------------------
# small pieces
# --------------------------------------------------------------------------


@pytest.mark.parametrize("loss, kind", [
    ("binary_crossentropy", "binary"), ("bce", "binary"), ("BinaryCrossentropy", "binary"),
    ("sparse_categorical_crossentropy", "sparse"), ("SparseCategoricalCrossentropy", "sparse"),
    ("categorical_crossentropy", "categorical"), ("CategoricalCrossentropy", "categorical"),
    ("mse", "regression"), ("mean_absolute_error", "regression"), (None, "regression"),
])
def test_loss_kind(loss, kind):
    assert loss_kind(loss) == kind


def test_losses_by_output():
    names = ["a", "b"]
    assert losses_by_output("mse", names) == {"a": "mse", "b": "mse"}
    assert losses_by_output(["bce", None], names) == {"a": "bce", "b": None}
    assert losses_by_output({"b": "mse"}, names) == {"a": None, "b": "mse"}
    serialized = {"module": "keras.losses", "class_name": "BinaryCrossentropy", "config": {}}
    assert losses_by_output(serialized, names) == {"a": "BinaryCrossentropy", "b": "BinaryCrossentropy"}
    assert losses_by_output({"a": serialized}, names)["a"] == "BinaryCrossentropy"


@pytest.mark.parametrize("got, want, fits", [
    ((3,), (3,), True), ((4,), (3,), False), ((), (1,), True), ((3, 1), (3,), True),
    ((5, 7), (None, 7), True), ((5,), (None, 7), False), ((2, 3), (6,), False),
])
def test_shape_fits(got, want, fits):
    assert shape_fits(got, want) is fits


def test_roles_follow_the_sections_present():
    assert dataset_roles({"fit": {"validation_data": "val"}, "predict": {"data": "new"}}) == {
        "train": ["fit"], "val": ["validation"], "new": ["predict"]}
    assert dataset_roles({}) == {}


def test_describe_a_stream():
    assert describe(Dataset("big", x=object(), source="csv big.csv")) == "big: streamed (csv big.csv)"


def test_schema_accepts_column_lists_and_rejects_bad_dataset_keys(tmp_path):
    spec = spec_file(tmp_path, """
        train: {format: csv, path: t.csv, inputs: {a: [x1, x2], b: y}, outputs: [[z]], shuffle_buffer: 100}
        bad: {format: csv, path: t.csv, shuffle_buffer: 0, dtypes: {x1: float16}, colums: [x]}
    """)
    found = {d.pointer: d for d in modelspec.validate(spec) if d.is_error and d.pointer.startswith("/data")}
    assert set(found) == {"/data/bad/shuffle_buffer", "/data/bad/dtypes/x1", "/data/bad/colums"}


# --------------------------------------------------------------------------
# modelspec.examples
# --------------------------------------------------------------------------


def test_digits_split():
    pytest.importorskip("sklearn")
    from modelspec.examples import digits

    x_train, y_train = digits("train")
    x_test, y_test = digits("test")
    assert x_train.dtype == np.float32 and x_train.shape[1] == 64 and y_train.dtype == np.int32
    assert len(x_train) + len(x_test) == 1797 and 0.19 < len(x_test) / 1797 < 0.21
    assert 0.0 == min(x_train.min(), x_test.min()) and max(x_train.max(), x_test.max()) == 1.0
    assert set(np.unique(y_test)) == set(range(10))  # stratified: every class in test
    train_rows = {row.tobytes() for row in x_train}
    assert sum(row.tobytes() in train_rows for row in x_test) < 5  # (a few digits are duplicates)
    np.testing.assert_array_equal(digits("test")[0], x_test)
    assert not np.array_equal(digits("test", seed=1)[1], y_test)
    with pytest.raises(ValueError, match="split must be one of"):
        digits("validation")


def test_digits_without_scikit_learn_says_what_to_install(monkeypatch):
    from modelspec import examples

    monkeypatch.setitem(sys.modules, "sklearn", None)
    with pytest.raises(ImportError, match=r"pip install 'modelspec\[examples\]'"):
        examples.digits()

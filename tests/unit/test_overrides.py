"""--set KEY=VALUE overrides: values, paths, layers by name and located problems."""

from __future__ import annotations

import copy
import subprocess
import sys

import pytest

from modelspec.diagnostics import Severity
from modelspec.overrides import Override, apply_overrides

CONCISE = {
    "modelspec": 1,
    "model": {
        "class_name": "Functional",
        "config": {
            "name": "m",
            "layers": [
                {"class_name": "InputLayer", "config": {"name": "main_input", "shape": [8]}},
                {"class_name": "Dense", "config": {"name": "hidden", "units": 4}, "inbound_nodes": ["main_input"]},
                {
                    "class_name": "Functional",
                    "config": {
                        "name": "sub",
                        "layers": [
                            {"class_name": "InputLayer", "config": {"name": "sub_in", "shape": [4]}},
                            {"class_name": "Dense", "config": {"name": "inner", "units": 3},
                             "inbound_nodes": ["sub_in"]},
                        ],
                        "input_layers": ["sub_in"],
                        "output_layers": ["inner"],
                    },
                    "inbound_nodes": ["hidden"],
                },
                {"class_name": "Dense", "config": {"name": "main_output", "units": 1}, "inbound_nodes": ["sub"]},
            ],
            "input_layers": ["main_input"],
            "output_layers": ["main_output"],
        },
    },
    "compile": {"optimizer": "adam", "loss": "mse"},
    "fit": {
        "data": "train",
        "epochs": 3,
        "callbacks": [{"class_name": "EarlyStopping", "config": {"patience": 2}}],
    },
}

# a bare get_config() model section, and a legacy tf.keras entry with an entry-level name
BARE = {
    "modelspec": 1,
    "model": {
        "name": "m",
        "layers": [
            {"class_name": "InputLayer", "name": "x", "config": {"batch_shape": [None, 8]}},
            {"class_name": "Dense", "config": {"name": "out", "units": 1}},
        ],
    },
}


def apply(data, *texts):
    return apply_overrides(data, list(texts))


def at(data, pointer):
    node = data
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


# --------------------------------------------------------------------------
# values and paths that work
# --------------------------------------------------------------------------

APPLIED = [
    # (sentence, data, override, pointer, value)
    ("an integer value is an int", CONCISE, "fit.epochs=5", "/fit/epochs", 5),
    ("an exponent value is a float", CONCISE, "compile.optimizer=1e-3", "/compile/optimizer", 0.001),
    ("a decimal value is a float", CONCISE, "fit.validation_split=0.25", "/fit/validation_split", 0.25),
    ("a bare word is a string", CONCISE, "compile.optimizer=sgd", "/compile/optimizer", "sgd"),
    ("a quoted number is a string", CONCISE, "compile.optimizer='5'", "/compile/optimizer", "5"),
    ("a boolean value is a bool", CONCISE, "fit.shuffle=true", "/fit/shuffle", True),
    ("a flow sequence is a list", CONCISE, "fit.units=[1, 2]", "/fit/units", [1, 2]),
    ("a flow mapping is a dict", CONCISE, "compile.optimizer={class_name: Adam, config: {learning_rate: 0.01}}",
     "/compile/optimizer", {"class_name": "Adam", "config": {"learning_rate": 0.01}}),
    ("an empty value is null", CONCISE, "fit.epochs=", "/fit/epochs", None),
    ("the word null is null", CONCISE, "fit.epochs=null", "/fit/epochs", None),
    ("a tilde is null", CONCISE, "fit.epochs=~", "/fit/epochs", None),
    ("only the first equals sign splits", CONCISE, "name=a=b", "/name", "a=b"),
    ("blanks around the key are ignored", CONCISE, "  fit.epochs  = 7", "/fit/epochs", 7),
    ("missing mappings are created", CONCISE, "evaluate.data=test", "/evaluate/data", "test"),
    ("several missing mappings are created", CONCISE, "a.b.c.d=1", "/a/b/c/d", 1),
    ("a null member is replaced by a mapping", {"fit": None}, "fit.epochs=2", "/fit/epochs", 2),
    ("a list item is addressed with a bracket", CONCISE, "fit.callbacks[0].config.patience=9",
     "/fit/callbacks/0/config/patience", 9),
    ("a list item is addressed with a dotted index", CONCISE, "fit.callbacks.0.config.patience=9",
     "/fit/callbacks/0/config/patience", 9),
    ("a whole list item is replaced", CONCISE, "fit.callbacks[0]={class_name: TerminateOnNaN}",
     "/fit/callbacks/0", {"class_name": "TerminateOnNaN"}),
    ("a plain model path still works", CONCISE, "model.config.layers.3.config.units=2",
     "/model/config/layers/3/config/units", 2),
    ("a concise layer is found by name", CONCISE, "model.layers.main_output.config.units=2",
     "/model/config/layers/3/config/units", 2),
    ("a layer is found by name after a bracket index spelling", CONCISE, "model.layers[1].config.units=6",
     "/model/config/layers/1/config/units", 6),
    ("model layers stands for the whole config layers list", CONCISE, "model.layers=[]",
     "/model/config/layers", []),
    ("a nested layer is found by name through config", CONCISE, "model.layers.sub.config.layers.inner.config.units=7",
     "/model/config/layers/2/config/layers/1/config/units", 7),
    ("a nested layer is found by name through the layers shorthand", CONCISE,
     "model.layers.sub.layers.inner.config.units=7", "/model/config/layers/2/config/layers/1/config/units", 7),
    ("a bare model section layer is found by name", BARE, "model.layers.out.config.units=5",
     "/model/layers/1/config/units", 5),
    ("a legacy entry level name is found", BARE, "model.layers.x.config.batch_shape=[null, 4]",
     "/model/layers/0/config/batch_shape", [None, 4]),
    ("keys with slash and tilde give an escaped pointer", {}, "a/b.c~d=1", "/a~1b/c~0d", 1),
]


@pytest.mark.parametrize("sentence,data,text,pointer,value", APPLIED, ids=[c[0] for c in APPLIED])
def test_override_sets_the_value_at_its_pointer(sentence, data, text, pointer, value):
    result, applied, diags = apply(data, text)
    assert diags == []
    assert applied == [Override(0, text, "--set[0]", pointer)]
    assert at(result, pointer) == value
    assert type(at(result, pointer)) is type(value)


def test_other_members_are_kept():
    result, _, _ = apply(CONCISE, "fit.epochs=5")
    expected = copy.deepcopy(CONCISE)
    expected["fit"]["epochs"] = 5
    assert result == expected


def test_the_input_dict_is_not_modified():
    original = copy.deepcopy(CONCISE)
    result, _, _ = apply(CONCISE, "fit.epochs=5", "model.layers.hidden.config.units=9", "new.key=1",
                         "fit.callbacks[0].config.patience=4")
    assert CONCISE == original
    assert result is not CONCISE
    assert result["fit"] is not CONCISE["fit"]


def test_later_overrides_win():
    result, applied, diags = apply(CONCISE, "fit.epochs=5", "fit.epochs=6")
    assert diags == []
    assert result["fit"]["epochs"] == 6
    assert [o.index for o in applied] == [0, 1]
    assert [o.label for o in applied] == ["--set[0]", "--set[1]"]


def test_a_later_override_sees_an_earlier_one():
    result, _, diags = apply({}, "fit={epochs: 1}", "fit.batch_size=8")
    assert diags == []
    assert result == {"fit": {"epochs": 1, "batch_size": 8}}


def test_a_failed_override_changes_nothing_and_the_others_apply():
    result, applied, diags = apply(CONCISE, "fit.epochs=5", "new.list[0].x=1", "fit.batch_size=[1",
                                   "fit.shuffle=false")
    assert [o.index for o in applied] == [0, 3]
    assert [d.source for d in diags] == ["--set[1]", "--set[2]"]
    assert "new" not in result
    assert "batch_size" not in result["fit"]
    assert result["fit"]["shuffle"] is False


def test_no_overrides_give_an_equal_copy():
    result, applied, diags = apply(CONCISE)
    assert (result, applied, diags) == (CONCISE, [], [])
    assert result is not CONCISE


# --------------------------------------------------------------------------
# problems
# --------------------------------------------------------------------------

PROBLEMS = [
    # (sentence, data, override, code, pointer, column, message part, hint part)
    ("an override without equals is refused", CONCISE, "fit.epochs", "bad-override", "", None,
     "has no '='", "write KEY=VALUE, e.g. fit.epochs=3"),
    ("an empty key is refused", CONCISE, "=3", "bad-override", "", 1, "key before '=' is empty", "KEY=VALUE"),
    ("a blank key is refused", CONCISE, "  =3", "bad-override", "", 1, "key before '=' is empty", "KEY=VALUE"),
    ("an empty segment is refused", CONCISE, "fit..epochs=3", "bad-override", "", 5, "empty name", None),
    ("a trailing dot is refused", CONCISE, "fit.=3", "bad-override", "", 4, "empty name", None),
    ("a non numeric bracket is refused", CONCISE, "fit.callbacks[x]=3", "bad-override", "", 14,
     "malformed index", None),
    ("a bracket without a name is refused", CONCISE, "fit.[0]=3", "bad-override", "", 5, "no name before", None),
    ("a path through an int is refused", CONCISE, "fit.epochs.value=3", "override-path", "/fit/epochs", 12,
     "fit.epochs is 3, not a mapping", "set fit.epochs itself"),
    ("a path through a string is refused", CONCISE, "fit.data.x=3", "override-path", "/fit/data", 10,
     "fit.data is 'train', not a mapping", None),
    ("an index into a string is refused", CONCISE, "fit.data[0]=3", "override-path", "/fit/data", 9,
     "not a list", None),
    ("an index into a mapping is refused", CONCISE, "fit[0]=3", "override-path", "/fit", 4,
     "fit is a mapping, not a list", None),
    ("an index past the end is refused", CONCISE, "fit.callbacks[1].config.patience=3", "override-path",
     "/fit/callbacks", 14, "a list of 1 item, so it has no item 1", "the only index is 0"),
    ("a dotted index past the end is refused", CONCISE, "fit.callbacks.5=3", "override-path",
     "/fit/callbacks", 15, "has no item 5", None),
    ("a name in a plain list is refused", CONCISE, "fit.callbacks.first=3", "override-path", "/fit/callbacks", 15,
     "must be an index", None),
    ("a list is never created from an index", CONCISE, "fit.metrics[0]=acc", "override-path", "/fit/metrics", 12,
     "fit.metrics does not exist", "fit.metrics=[...]"),
    ("a list is never created from a dotted index", CONCISE, "x.y.0=1", "override-path", "/x/y", 5,
     "x.y does not exist", None),
    ("an unknown layer name gets a did you mean hint", CONCISE, "model.layers.main_outptu.config.units=2",
     "override-path", "/model/config/layers", 14, "no layer named 'main_outptu' in model.layers",
     "did you mean 'main_output'"),
    ("an unknown nested layer name gets a hint", CONCISE, "model.layers.sub.layers.iner.config.units=2",
     "override-path", "/model/config/layers/2/config/layers", 25, "no layer named 'iner'", "'inner'"),
    ("an unknown bare layer name gets a hint", BARE, "model.layers.outt.config.units=2", "override-path",
     "/model/layers", 14, "no layer named 'outt'", "'out'"),
    ("an unrelated layer name lists the layers", BARE, "model.layers.zzzzzz=1", "override-path",
     "/model/layers", 14, "no layer named 'zzzzzz'", "the layers are: out, x"),
    ("a yaml error in the value is located in the set text", CONCISE, "fit.epochs=a: b: c", "override-value",
     "/fit/epochs", 16, "invalid YAML", None),
    ("an unclosed list points at its bracket", CONCISE, "fit.units=[1,2", "override-value",
     "/fit/units", 11, "the '[' here is never closed", None),
    ("a python tag in the value is refused", CONCISE, "x=!!python/object/apply:os.system [ls]", "override-value",
     "/x", 3, "not allowed", None),
    ("a duplicate key in the value is refused", CONCISE, "x={a: 1, a: 2}", "override-value", "/x/a", 10,
     "duplicate key", None),
]


@pytest.mark.parametrize("sentence,data,text,code,pointer,column,message,hint", PROBLEMS,
                         ids=[c[0] for c in PROBLEMS])
def test_problem_is_reported_with_its_code_and_column(sentence, data, text, code, pointer, column, message, hint):
    original = copy.deepcopy(data)
    result, applied, diags = apply(data, "seed=1", text)
    assert [o.index for o in applied] == [0]
    assert len(diags) == 1, [d.render() for d in diags]
    (diag,) = diags
    assert diag.code == code
    assert diag.severity is Severity.ERROR
    assert diag.source == "--set[1]"
    assert diag.line == 1
    assert diag.column == column
    assert diag.pointer == pointer
    assert message in diag.message
    if hint is not None:
        assert hint in (diag.hint or "")
    expected = copy.deepcopy(original)
    expected["seed"] = 1
    assert result == expected


def test_the_column_of_a_yaml_error_counts_from_the_set_text():
    text = "fit.epochs=a: b: c"
    _, _, (diag,) = apply(CONCISE, text)
    assert text[diag.column - 1] == ":"
    assert diag.column == len("fit.epochs=") + 5


def test_a_wrong_path_and_a_wrong_value_are_both_reported():
    _, applied, diags = apply(CONCISE, "fit.epochs.x=[1")
    assert applied == []
    assert sorted(d.code for d in diags) == ["override-path", "override-value"]


def test_ambiguous_layer_names_are_refused():
    data = {"model": {"layers": [{"config": {"name": "d"}}, {"config": {"name": "d"}}]}}
    _, applied, (diag,) = apply(data, "model.layers.d.config.units=1")
    assert applied == []
    assert diag.code == "override-path"
    assert "2 layers" in diag.message
    assert "model.layers.0" in diag.hint


def test_problems_render_with_the_set_label():
    _, _, (diag,) = apply(CONCISE, "fit.epochs.x=1")
    assert diag.render().startswith("--set[0]:1:12: error: /fit/epochs: fit.epochs is 3, not a mapping")


def test_the_module_does_not_import_tensorflow_or_keras():
    code = (
        "import sys, modelspec.overrides; "
        "print([m for m in sys.modules if m.startswith(('tensorflow', 'keras'))])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

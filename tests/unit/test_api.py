"""The four public functions stay functions, whatever submodules get imported."""

from __future__ import annotations

import importlib
import pkgutil

import modelspec


def test_public_functions_are_not_shadowed_by_submodules():
    for info in pkgutil.iter_modules(modelspec.__path__):
        if info.name not in ("builder", "convert", "kerasenv", "schemagen", "__main__"):
            importlib.import_module(f"modelspec.{info.name}")
    for name in ("load", "validate", "build", "from_model"):
        assert callable(getattr(modelspec, name)) and not hasattr(getattr(modelspec, name), "__path__")
        assert getattr(modelspec, name).__name__ == name


def test_load_returns_a_spec_and_keeps_the_path(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("modelspec: 1\nmodel: {class_name: Sequential, config: {name: s, layers: []}}\n")
    spec = modelspec.load(path)
    assert isinstance(spec, modelspec.Spec)
    assert spec.path == path and spec.data["modelspec"] == 1
    assert spec.source_map.position("/model/config/name") == (2, 48)


def test_load_of_a_missing_file_raises_spec_error(tmp_path):
    try:
        modelspec.load(tmp_path / "missing.yaml")
    except modelspec.SpecError as error:
        assert error.diagnostics[0].code == "file-not-found"
    else:
        raise AssertionError("no SpecError")


def test_validate_accepts_a_spec_a_dict_and_a_path(tmp_path):
    data = {"modelspec": 1, "model": {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"shape": [3]}},
        {"class_name": "Dense", "config": {"units": 2}}]}}}
    assert modelspec.validate(data) == []
    assert modelspec.validate(modelspec.load(data)) == []

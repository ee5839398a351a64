"""schemas/editor.schema.json: current, self-contained, accepting every shipped spec, and
discriminating layer entries on class_name (no TensorFlow)."""

from __future__ import annotations

import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from modelspec import editor_schema

ROOT = Path(__file__).resolve().parents[2]
SPECS = sorted((ROOT / "specs").rglob("*.yaml"))
MODELINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$")


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    schema = editor_schema.editor_schema()
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def test_the_published_file_is_current():
    published = (ROOT / "schemas" / editor_schema.EDITOR_SCHEMA).read_text(encoding="utf-8")
    assert published == editor_schema.render(), "run: modelspec schema --editor > schemas/editor.schema.json"


def test_it_needs_no_other_file():
    text = editor_schema.render()
    assert all(ref.startswith("#/") for ref in re.findall(r'"\$ref": "([^"]*)"', text))


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.relative_to(ROOT / "specs").as_posix())
def test_every_shipped_spec_names_it_and_passes_it(path, validator):
    first = path.read_text().splitlines()[0]
    match = MODELINE.match(first)
    assert match, f"{path} should start with '# yaml-language-server: $schema=...'"
    assert (path.parent / match.group(1)).resolve() == ROOT / "schemas" / "editor.schema.json"
    assert list(validator.iter_errors(yaml.safe_load(path.read_text()))) == []


def layers_spec(*entries: dict) -> dict:
    return {"modelspec": 1, "model": {"class_name": "Sequential", "config": {"layers": list(entries)}}}


def messages(validator, document) -> list[tuple[list, str]]:
    return sorted((list(e.absolute_path), e.message) for e in validator.iter_errors(document))


def test_a_layer_config_is_checked_against_its_own_class(validator):
    found = messages(validator, layers_spec({"class_name": "Dense", "config": {"unit": 3}}))
    assert found == [(["model", "config", "layers", 0, "config"], "'units' is a required property"),
                     (["model", "config", "layers", 0, "config"],
                      "Additional properties are not allowed ('unit' was unexpected)")]
    assert messages(validator, layers_spec({"class_name": "Conv1D", "config": {"units": 3}}))[0][1] \
        == "'filters' is a required property"
    assert messages(validator, layers_spec({"class_name": "Dense", "config": {"units": 3}})) == []


def test_unknown_classes_need_a_module(validator):
    found = messages(validator, layers_spec({"class_name": "Dense2", "config": {}}))
    assert found and found[0][0] == ["model", "config", "layers", 0, "class_name"]
    plugin = {"class_name": "MyLayer", "module": "my_layers", "config": {"anything": 1}}
    assert messages(validator, layers_spec(plugin)) == []


def test_descriptions_come_from_the_keras_docstrings():
    dense = editor_schema.editor_schema()["$defs"]["layer.Dense"]
    assert dense["properties"]["units"]["description"] == "Positive integer, dimensionality of the output space."

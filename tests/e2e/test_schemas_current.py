"""The committed schemas/ match what the installed Keras gives."""

from __future__ import annotations

import pytest

from modelspec import schemas

pytestmark = pytest.mark.keras


def test_committed_schemas_match_the_installed_keras():
    from modelspec.cli.schema_cmd import differences

    changed = differences(schemas.schemas_dir())
    assert changed == [], (
        f"{len(changed)} schema file(s) differ from the installed Keras, e.g. {changed[:5]}; "
        "run 'modelspec schema --generate' and review the diff")


def test_keras_own_get_config_of_every_sampled_layer_validates():
    """get_config() output, unchanged, is always valid: checked for every class
    the generator could instantiate with sample arguments."""
    import keras

    from modelspec import layers as own
    from modelspec import schemagen
    from modelspec.validator import validate_data

    checked = 0
    for class_name, path in sorted(schemas.index()["layers"].items()):
        schema = schemas.load_schema(path)
        cls = getattr(own if class_name in own.OWN_LAYERS else keras.layers, class_name)
        layer = schemagen._sample_instance(cls, schema)
        if layer is None:
            continue
        entry = keras.saving.serialize_keras_object(layer)
        spec = {"modelspec": 1, "model": {"class_name": "Sequential", "config": {
            "name": "s", "layers": [entry]}}}
        import json
        spec = json.loads(json.dumps(spec, default=lambda v: v.tolist()))
        problems = [d for d in validate_data(spec) if d.is_error]
        assert problems == [], f"{class_name}: {[p.message for p in problems]}"
        checked += 1
    assert checked > 100

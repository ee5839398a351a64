"""Recommenders from a spec: interactions data, negatives drawn every epoch, HR@k/NDCG@k while training.

Most tests use small synthetic interactions written to a temporary file; the
last ones run the shipped NCF specs on MovieLens-100k as recbole ships it
(`pip install --no-deps recbole==1.2.1`, which .ci/run performs).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.keras

USERS, ITEMS, GROUPS, PER_USER = 60, 60, 3, 12

SPEC = """\
modelspec: 1
name: tiny_gmf
seed: 1
model:
  class_name: Functional
  config:
    name: tiny_gmf
    layers:
      - {class_name: InputLayer, config: {name: who, shape: [1], dtype: int32}}
      - {class_name: InputLayer, config: {name: what, shape: [1], dtype: int32}}
      - {class_name: Embedding, config: {name: user_vectors, input_dim: %(users)d, output_dim: 8}, inbound_nodes: [who]}
      - {class_name: Embedding, config: {name: item_vectors, input_dim: %(items)d, output_dim: 8}, inbound_nodes: [what]}
      - {class_name: Flatten, config: {name: u}, inbound_nodes: [user_vectors]}
      - {class_name: Flatten, config: {name: i}, inbound_nodes: [item_vectors]}
      - {class_name: Multiply, config: {name: product}, inbound_nodes: [[u, i]]}
      - {class_name: Dense, config: {name: score, units: 1, activation: sigmoid}, inbound_nodes: [product]}
    input_layers: [who, what]
    output_layers: score
compile: {optimizer: {class_name: Adam, config: {learning_rate: 0.02}}, loss: binary_crossentropy}
data:
  clicks:
    format: interactions
    path: clicks.csv
    user: customer
    item: product
    timestamp: when
    inputs: {what: item, who: user}
    negatives: 2
    test_negatives: 19
fit: {data: clicks.train, epochs: 6, batch_size: 64}
evaluate:
  data: clicks.test
  ranking: {k: 5}
"""


def cli(*args: str, cwd: Path = ROOT, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "modelspec", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


def clicks(folder: Path) -> Path:
    """Users in GROUPS taste groups, each clicking PER_USER items of its group's third of the catalogue."""
    rng = np.random.default_rng(0)
    rows = ["customer,product,when"]
    size = ITEMS // GROUPS
    for user in range(USERS):
        group = user % GROUPS
        for t, item in enumerate(rng.choice(size, PER_USER, replace=False) + group * size):
            rows.append(f"u{user:03d},{item},{t}")
    path = folder / "clicks.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    clicks(tmp_path)
    spec = tmp_path / "gmf.yaml"
    spec.write_text(SPEC % {"users": USERS, "items": ITEMS})
    return spec


def read(path: Path) -> dict:
    return json.loads(path.read_text())


def test_a_recommender_learns_and_reports_ranking_metrics_every_epoch(project, tmp_path):
    out = tmp_path / "run"
    proc = cli("validate", str(project))
    assert proc.returncode == 0, proc.stderr
    proc = cli("run", str(project), "--output-dir", str(out))
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert "Traceback" not in proc.stderr
    assert "720 interactions of 60 users with 60 items" in proc.stdout
    assert "660 positives + 2 negatives each, drawn afresh every epoch" in proc.stdout
    history = read(out / "history.json")
    assert history["epoch"] == [1, 2, 3, 4, 5, 6]
    assert len(history["hr@5"]) == len(history["ndcg@5"]) == 6
    metrics = read(out / "metrics.json")
    assert set(metrics) == {"hr@5", "ndcg@5", "best_epoch", "best_hr@5", "best_ndcg@5"}
    # Chance is 5/20; the taste groups make the held-out item easy to rank once learned.
    assert metrics["best_hr@5"] >= 0.7, metrics
    assert metrics["best_hr@5"] == max(history["hr@5"])
    assert history["hr@5"][metrics["best_epoch"] - 1] == metrics["best_hr@5"]
    assert metrics["hr@5"] == pytest.approx(history["hr@5"][-1])  # final = the last epoch's model
    assert "hr@5:" in proc.stdout and f"best epoch {metrics['best_epoch']}" in proc.stdout


def test_every_epoch_off_ranks_once_at_the_end(project, tmp_path):
    out = tmp_path / "run"
    proc = cli("run", str(project), "--output-dir", str(out), "--set", "fit.epochs=2",
               "--set", "evaluate.ranking={k: 3, metrics: [ndcg], every_epoch: false}")
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert "ndcg@3" not in read(out / "history.json")
    assert set(read(out / "metrics.json")) == {"ndcg@3"}


def test_early_stopping_can_watch_a_ranking_metric(project, tmp_path):
    out = tmp_path / "run"
    proc = cli("run", str(project), "--output-dir", str(out), "--set", "fit.epochs=30",
               "--set", "fit.callbacks=[{class_name: EarlyStopping, config: {monitor: hr@5, mode: max, "
               "patience: 1}}]")
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert len(read(out / "history.json")["epoch"]) < 30


def test_negatives_are_drawn_afresh_each_epoch_and_a_resumed_run_sees_the_same_epochs(project):
    import modelspec
    from modelspec.data import load_datasets
    from modelspec.run import resampled_pipeline

    spec = modelspec.load(str(project))
    model = modelspec.build(spec)
    train = load_datasets(spec, model, ["clicks.train"])["clicks.train"]
    assert train.size == 660 * 3
    (who0, what0), y0 = train.epoch_data(0)
    (who1, what1), y1 = train.epoch_data(1)
    assert who0.shape == (1980, 1) and who0.dtype == np.int32 and y0.shape == (1980, 1)
    assert not np.array_equal(what0, what1)
    assert y0.sum() == y1.sum() == 660

    def batches(first_epoch: int, count: int) -> list[np.ndarray]:
        pipeline, steps = resampled_pipeline(train, batch_size=64, first_epoch=first_epoch, epochs=3)
        assert steps == 31
        return [np.asarray(x[1]) for x, _ in pipeline.take(count)]

    everything = batches(0, 3 * 31)
    resumed = batches(1, 2 * 31)
    assert all(np.array_equal(a, b) for a, b in zip(everything[31:], resumed))
    assert np.array_equal(np.concatenate(everything[:31]), what0)


def test_test_part_holds_each_user_candidates_positive_first(project):
    import modelspec
    from modelspec.data import load_datasets

    spec = modelspec.load(str(project))
    test = load_datasets(spec, modelspec.build(spec), ["clicks.test"])["clicks.test"]
    assert test.candidates == 20 and test.size == USERS * 20
    who, what = test.x
    labels = np.asarray(test.y).reshape(USERS, 20)
    assert (labels[:, 0] == 1).all() and labels[:, 1:].sum() == 0
    assert (who.reshape(USERS, 20) == np.arange(USERS)[:, None]).all()


@pytest.mark.parametrize("override, fragment", [
    ("fit.data=clicks", "/fit/data: dataset 'clicks' (format interactions) splits into parts: name one "
                        "of 'clicks.train', 'clicks.test'"),
    ("evaluate.data=clicks.tset", "/evaluate/data: dataset 'clicks' has no part 'tset'"),
    ("data.clicks.format=csv", "/fit/data: dataset 'clicks' (format csv) has no parts"),
    ("data.clicks.negatives=-1", "/data/clicks/negatives: "),
])
def test_validate_catches_bad_references_and_options(project, override, fragment):
    import yaml

    document = yaml.safe_load(project.read_text())
    path, value = override.split("=")
    *parents, key = path.split(".")
    target = document
    for part in parents:
        target = target[part]
    target[key] = yaml.safe_load(value)
    project.write_text(yaml.safe_dump(document, sort_keys=False))
    proc = cli("validate", str(project))
    assert proc.returncode == 1
    assert fragment in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_ranking_needs_an_interactions_test_part(project, tmp_path):
    text = project.read_text().replace("  data: clicks.test\n", "  data: other\n")
    text = text.replace("data:\n  clicks:", "data:\n  other: {format: synthetic}\n  clicks:")
    project.write_text(text)
    proc = cli("validate", str(project))
    assert proc.returncode == 1
    assert "error: /evaluate/ranking: ranking needs candidates to rank" in proc.stderr


@pytest.mark.parametrize("override, fragment", [
    ("data.clicks.item=sku", "error: /data/clicks/item: clicks.csv has no column 'sku'; its columns: "
                             "'customer', 'product', 'when'"),
    ("model.layers.item_vectors.config.input_dim=50",
     "error: /data/clicks/item: clicks.csv has 60 items (ids 0..59), but Embedding 'item_vectors' "
     "behind input 'what' has input_dim 50"),
    ("data.clicks.path=missing.csv", "error: /data/clicks/path: no such file"),
    ("data.clicks.package=no_such_package_here", "error: /data/clicks/package: no installed package "
                                                 "named 'no_such_package_here'"),
    ("data.clicks.inputs={who: user, what: price}", "error: /data/clicks/inputs/what: an input takes "
                                                    "'user' or 'item' ids"),
    ("data.clicks.test_negatives=59", "error: /data/clicks/test_negatives: user 'u000' interacted with "
                                      "12 of the 60 items, leaving 48"),
])
def test_data_problems_are_located_before_training(project, tmp_path, override, fragment):
    proc = cli("run", str(project), "--output-dir", str(tmp_path / "run"), "--set", override)
    assert proc.returncode == 1, proc.stdout
    assert fragment in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "run" / "model.keras").exists()


# -- the shipped NCF specs on MovieLens-100k ------------------------------------------

def _recbole_installed() -> None:
    from modelspec.data import package_root

    root = package_root("recbole")
    assert root is not None and (root / "dataset_example/ml-100k/ml-100k.inter").is_file(), (
        "these tests read MovieLens-100k from the recbole package: "
        "pip install --no-deps recbole==1.2.1 (.ci/run does)")


@pytest.fixture(scope="module")
def ncf_runs(tmp_path_factory) -> dict[str, Path]:
    """Each shipped NCF spec trained for one epoch (the pre-trained NeuMF from the GMF and MLP runs)."""
    _recbole_installed()
    root = tmp_path_factory.mktemp("ncf")
    runs = {}
    for name in ("gmf", "mlp", "neumf", "neumf_pretrained"):
        extra = []
        if name == "neumf_pretrained":
            extra = ["--set", f"init.from.gmf={root / 'gmf' / 'best.keras'}",
                     "--set", f"init.from.mlp={root / 'mlp' / 'best.keras'}"]
        proc = cli("run", f"specs/ncf/{name}.yaml", "--output-dir", str(root / name), "--set", "fit.epochs=1",
                   *extra)
        assert proc.returncode == 0, proc.stderr + proc.stdout
        (root / name / "stdout.txt").write_text(proc.stdout)
        runs[name] = root / name
    return runs


@pytest.mark.parametrize("name, floor", [("gmf", 0.35), ("mlp", 0.35), ("neumf", 0.45)])
def test_ncf_specs_learn_movielens_in_one_epoch(name, floor, ncf_runs):
    """Popularity ranking gets 0.40 and chance 0.10; 20 epochs reach about 0.66 (benchmarks/bench_ncf.py)."""
    out = ncf_runs[name]
    stdout = (out / "stdout.txt").read_text()
    assert "100,000 interactions of 943 users with 1,682 items" in stdout
    assert "99,057 positives + 4 negatives each" in stdout
    metrics = read(out / "metrics.json")
    assert metrics["hr@10"] >= floor, metrics
    assert metrics["ndcg@10"] > 0.1
    if name != "neumf":  # their ModelCheckpoint keeps the best epoch by HR@10 for the pre-trained NeuMF
        assert (out / "best.keras").is_file()


def test_pretrained_neumf_starts_from_the_gmf_and_mlp_runs(ncf_runs):
    import keras

    stdout = (ncf_runs["neumf_pretrained"] / "stdout.txt").read_text()
    assert ("init: 8 layer(s) from gmf, mlp: prediction (combined from gmf, mlp), mlp_user_embedding (mlp), "
            "mlp_item_embedding (mlp), mf_user_embedding (gmf), mf_item_embedding (gmf), mlp_layer_1 (mlp), "
            "mlp_layer_2 (mlp), mlp_layer_3 (mlp)\n") in stdout
    history = read(ncf_runs["neumf_pretrained"] / "history.json")
    sources = [read(ncf_runs[name] / "history.json")["hr@10"][0] for name in ("gmf", "mlp")]
    # One epoch of SGD at lr 0.001 barely moves the weights: the combined model
    # ranks about as well as its sources already did, far above a fresh NeuMF's 0.1.
    assert history["hr@10"][0] >= min(sources) - 0.05, (history, sources)
    model = keras.saving.load_model(ncf_runs["neumf_pretrained"] / "model.keras", compile=False)
    gmf = keras.saving.load_model(ncf_runs["gmf"] / "best.keras", compile=False)
    moved = np.abs(model.get_layer("mf_item_embedding").get_weights()[0]
                   - gmf.get_layer("mf_item_embedding").get_weights()[0]).max()
    assert moved < 0.05

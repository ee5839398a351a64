"""distribute: TensorFlow's strategies from the spec, as a user runs them.

`mirrored` runs on two logical CPU devices in one process (tests/e2e/logical_cpus.py
splits the CPU before TensorFlow starts); `multi_worker_mirrored` runs as two worker
processes on 127.0.0.1 (marker `multiworker`: deselect with -m "not multiworker" where
local TCP ports or CPU collectives are unavailable)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

from tests.conftest import ROOT

pytestmark = pytest.mark.keras

SPEC = {
    "modelspec": 1, "name": "dist", "seed": 4,
    "model": {"class_name": "Functional", "config": {"name": "dist", "layers": [
        {"class_name": "InputLayer", "config": {"name": "x", "shape": [8]}},
        {"class_name": "Dense", "config": {"name": "hidden", "units": 16, "activation": "relu"},
         "inbound_nodes": ["x"]},
        {"class_name": "Dense", "config": {"name": "y", "units": 1}, "inbound_nodes": ["hidden"]}],
        "input_layers": "x", "output_layers": "y"}},
    "compile": {"optimizer": "adam", "loss": "mse", "metrics": ["mae"]},
    "data": {"train": {"format": "synthetic", "samples": 640}, "test": {"format": "synthetic", "samples": 64,
                                                                       "seed": 9}},
    "fit": {"epochs": 2, "batch_size": 16}, "evaluate": {"data": "test"}, "predict": {"data": "test"},
}
MIRRORED = {"strategy": "mirrored", "devices": ["/cpu:0", "/cpu:1"]}
SPLIT = [sys.executable, str(ROOT / "tests" / "e2e" / "logical_cpus.py"), "2"]


def write(tmp_path: Path, spec: dict, name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def modelspec(*args: str, split: bool = False, timeout: int = 240) -> subprocess.CompletedProcess:
    command = [*SPLIT] if split else [sys.executable, "-m", "modelspec"]
    return subprocess.run([*command, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def read(path: Path) -> dict:
    return json.loads(path.read_text())


def test_mirrored_on_two_logical_cpus_trains_like_one_device(tmp_path):
    plain = modelspec("run", str(write(tmp_path, SPEC)), "--output-dir", str(tmp_path / "plain"),
                      "--set", "fit.autotune=false")
    assert plain.returncode == 0, plain.stderr
    mirrored = modelspec("run", str(write(tmp_path, {**SPEC, "distribute": MIRRORED}, "m.yaml")),
                         "--output-dir", str(tmp_path / "mirrored"), split=True)
    assert mirrored.returncode == 0, mirrored.stdout + mirrored.stderr
    assert "distribute: mirrored, 2 replica(s)" in mirrored.stdout
    assert "batch size 16 is the global batch" in mirrored.stdout
    info = read(tmp_path / "mirrored" / "run.json")
    assert info["status"] == "completed"
    assert info["distribute"]["replicas"] == 2 and info["distribute"]["chief"] is True
    assert [d.rsplit("/", 1)[1] for d in info["distribute"]["devices"]] == ["device:CPU:0", "device:CPU:1"]
    assert info["autotune"] == {"steps_per_execution": 1, "chosen": False,
                                "reason": "Keras 3 runs one step per execution under a distribution strategy"}
    # the global batch of 16 is split 8 + 8, and the mean gradient is the same:
    # the same losses and predictions as one device, up to float summation order
    ours, theirs = read(tmp_path / "mirrored" / "history.json"), read(tmp_path / "plain" / "history.json")
    np.testing.assert_allclose(ours["loss"], theirs["loss"], rtol=1e-5)
    np.testing.assert_allclose(np.load(tmp_path / "mirrored" / "predictions.npz")["y"],
                               np.load(tmp_path / "plain" / "predictions.npz")["y"], rtol=1e-4, atol=1e-5)
    assert set(read(tmp_path / "mirrored" / "metrics.json")) == {"loss", "mae"}


def test_mirrored_run_resumes_after_sigkill(tmp_path):
    spec = {**SPEC, "distribute": MIRRORED, "deterministic": True,
            "fit": {"epochs": 5, "batch_size": 8}, "data": {**SPEC["data"], "train": {
                "format": "synthetic", "samples": 4096}}}
    path = write(tmp_path, spec)
    whole = tmp_path / "whole"
    assert modelspec("run", str(path), "--output-dir", str(whole), split=True).returncode == 0
    killed = tmp_path / "killed"
    process = subprocess.Popen([*SPLIT, "run", str(path), "--output-dir", str(killed)], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 240
        while time.time() < deadline:
            history = killed / "history.json"
            if history.exists() and len(read(history).get("epoch", [])) >= 2:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the mirrored run never reached epoch 2")
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert len(read(killed / "history.json")["epoch"]) < 5
    resumed = modelspec("run", "--resume", str(killed), split=True)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "resuming after epoch" in resumed.stdout
    assert read(killed / "history.json")["epoch"] == [1, 2, 3, 4, 5]
    np.testing.assert_allclose(read(killed / "history.json")["loss"], read(whole / "history.json")["loss"],
                               rtol=1e-6)
    assert read(killed / "run.json")["weights_sha256"] == read(whole / "run.json")["weights_sha256"]


PIPES = '''
import json
import numpy as np
import tensorflow as tf


def train(samples, batch_size, log, input_context=None):
    rng = np.random.default_rng(0)
    x = rng.random((samples, 8), dtype=np.float32)
    data = tf.data.Dataset.from_tensor_slices((x, x.sum(axis=1, keepdims=True)))
    batch = batch_size
    if input_context is not None:
        data = data.shard(input_context.num_input_pipelines, input_context.input_pipeline_id)
        batch = input_context.get_per_replica_batch_size(batch_size)
    with open(log, "a") as handle:
        handle.write(json.dumps({"context": input_context is not None, "batch": batch}) + "\\n")
    return data.batch(batch)
'''


def test_a_python_source_with_input_context_gets_one_pipeline_per_worker(tmp_path):
    (tmp_path / "pipes.py").write_text(PIPES)
    log = tmp_path / "calls.log"
    spec = {**SPEC, "distribute": MIRRORED, "data": {"train": {
        "format": "python", "function": "pipes:train",
        "kwargs": {"samples": 256, "batch_size": 32, "log": str(log)}}}}
    del spec["evaluate"], spec["predict"]
    proc = modelspec("run", str(write(tmp_path, spec)), "--allow-plugins", "--output-dir",
                     str(tmp_path / "out"), "-v", split=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "one input pipeline per worker (distribute_datasets_from_function)" in proc.stdout
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    # once to check the data (no context), once per input pipeline: 32 split over 2 replicas
    assert calls == [{"context": False, "batch": 32}, {"context": True, "batch": 16}]
    assert read(tmp_path / "out" / "history.json")["epoch"] == [1, 2]


@pytest.mark.parametrize(("section", "expected"), [
    ({"strategy": "one_device", "devices": ["/gpu:7"]}, "no device /gpu:7 here; this machine has"),
    ({"strategy": "parameter_server", "cluster": {"ps": ["127.0.0.1:1"], "worker": ["127.0.0.1:2"]},
      "task": {"type": "worker", "index": 0}},
     "Keras 3's Model.fit does not drive ParameterServerStrategy"),
    ({"strategy": "multi_worker_mirrored", "cluster": {"worker": ["127.0.0.1:1", "127.0.0.1:2"]}},
     "the spec names a cluster but not this process's task"),
])
def test_a_strategy_that_cannot_start_is_a_clear_error(tmp_path, section, expected):
    out = tmp_path / "out"
    proc = modelspec("run", str(write(tmp_path, {**SPEC, "distribute": section})), "--output-dir", str(out))
    assert proc.returncode == 1
    assert expected in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    assert not out.exists()  # nothing was started, so no run directory


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


@pytest.mark.multiworker
@pytest.mark.slow
def test_two_workers_on_localhost_train_to_the_same_weights(tmp_path):
    ports = free_ports(2)
    spec = {**SPEC, "distribute": {"strategy": "multi_worker_mirrored", "cluster": {
        "worker": [f"127.0.0.1:{port}" for port in ports]}}}
    path = write(tmp_path, spec)
    out = tmp_path / "run"
    scratch = Path(tempfile.mkdtemp(prefix="workers-", dir=tmp_path))
    # Each worker gets TF_CONFIG's task as TensorFlow documents it; the cluster comes from the spec.
    processes, logs = [], []
    try:
        for index in range(2):
            env = dict(os.environ, TF_CONFIG=json.dumps({"task": {"type": "worker", "index": index}}),
                       TMPDIR=str(scratch))
            log = open(tmp_path / f"worker{index}.log", "w+")  # noqa: SIM115 - closed below
            logs.append(log)
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "modelspec", "run", str(path), "--output-dir", str(out)],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
        deadline = time.time() + 300
        while time.time() < deadline and any(p.poll() is None for p in processes):
            if any(p.poll() not in (None, 0) for p in processes):
                break  # one failed: the other would wait for it forever
            time.sleep(0.2)
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=30)
        texts = []
        for log in logs:
            log.seek(0)
            texts.append(log.read())
            log.close()
    assert [p.returncode for p in processes] == [0, 0], "\n----\n".join(texts)
    chief, worker = texts
    assert "task worker 0 of 2 worker(s) (chief)" in chief
    assert "task worker 1 of 2 worker(s); batch size 16 is the global batch" in worker
    # both agree on the final weights, and the chief saved those weights
    digest = read(out / "run.json")["weights_sha256"]
    assert f"final weights sha256 {digest}" in worker
    check = subprocess.run([sys.executable, "-c", (
        "import sys, keras; from modelspec.run import weights_digest; "
        "print(weights_digest(keras.saving.load_model(sys.argv[1])))"), str(out / "model.keras")],
        capture_output=True, text=True, timeout=120)
    assert check.stdout.strip() == digest, check.stderr
    # each epoch's loss is the cluster's mean, the same on both workers
    assert [line for line in chief.splitlines() if line.startswith("epoch ")] == \
           [line for line in worker.splitlines() if line.startswith("epoch ")]
    # only the chief wrote the run directory; the worker's private folder is gone
    info = read(out / "run.json")
    assert info["status"] == "completed" and info["distribute"]["task"] == {"type": "worker", "index": 0}
    assert info["distribute"]["workers"] == 2 and info["distribute"]["replicas"] == 2
    assert sorted(p.name for p in out.iterdir()) == sorted([
        "history.json", "metrics.json", "model.keras", "predictions.npz", "report.html", "run.json", "run.log",
        "spec.resolved.yaml"])
    assert np.load(out / "predictions.npz")["y"].shape == (64, 1)
    assert not [p for p in scratch.iterdir() if p.name.startswith("modelspec-worker")]

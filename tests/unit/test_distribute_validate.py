"""The `distribute` section and fit.autotune: every mistake located by `validate`, without TensorFlow."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

HEAD = """\
modelspec: 1
model:
  class_name: Functional
  config:
    name: m
    layers:
      - {class_name: InputLayer, config: {name: x, shape: [4]}}
      - {class_name: Dense, config: {name: y, units: 1}, inbound_nodes: [x]}
    input_layers: x
    output_layers: y
compile: {optimizer: adam, loss: mse}
"""


def validate(write_spec, tail: str) -> subprocess.CompletedProcess:
    path = write_spec(HEAD + tail)
    return subprocess.run([sys.executable, "-m", "modelspec", "validate", str(path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("tail", [
    "distribute: {strategy: mirrored, devices: ['/gpu:0', '/gpu:1'], communication: nccl}\n",
    "distribute: {strategy: one_device, devices: ['/cpu:0']}\n",
    "distribute: {strategy: default}\nfit: {epochs: 1, autotune: false}\n",
    "distribute:\n  strategy: multi_worker_mirrored\n  communication: ring\n"
    "  cluster: {worker: ['127.0.0.1:2222', '127.0.0.1:2223']}\n  task: {type: worker, index: 1}\n",
])
def test_good_sections_validate(write_spec, tail):
    proc = validate(write_spec, tail)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize(("tail", "expected"), [
    ("distribute: {strategy: mirored}\n", "12:24: error: /distribute/strategy: strategy must be one of"),
    ("distribute: {strategy: one_device, devices: ['/cpu:0', '/cpu:1']}\n",
     "12:45: error: /distribute/devices: one_device takes exactly one device, got 2"),
    ("distribute: {strategy: mirrored, communication: ring}\n",
     "12:49: error: /distribute/communication: ring is a multi_worker_mirrored implementation"),
    ("distribute: {strategy: mirrored, cluster: {worker: ['h:1']}}\n",
     "12:43: error: /distribute/cluster: strategy mirrored runs on one machine and takes no 'cluster'"),
    ("distribute: {strategy: default, devices: ['/gpu:0']}\n",
     "12:42: error: /distribute/devices: strategy default takes no 'devices'"),
    ("distribute: {strategy: multi_worker_mirrored, cluster: {worker: ['h:1']}, task: {type: worker, index: 3}}\n",
     "12:103: error: /distribute/task/index: task index 3 is past the 1 'worker' address(es)"),
    ("distribute: {strategy: multi_worker_mirrored, cluster: {worker: ['h:1']}, task: {type: chief, index: 0}}\n",
     "12:88: error: /distribute/task/type: the cluster has no 'chief' job"),
    ("distribute: {strategy: multi_worker_mirrored, cluster: {worker: ['no-port']}}\n",
     "12:66: error: /distribute/cluster/worker/0: worker[0] must be 'host:port', such as 'localhost:12345' "
     "or '10.0.0.2:2222', got 'no-port'"),
    ("distribute: {strategy: multi_worker_mirrored, cluster: {worker: ['h:1', 'h:70000']}}\n",
     "12:73: error: /distribute/cluster/worker/1: worker[1]: port 70000 is not a TCP port (1-65535)"),
    ("distribute: {strategy: mirrored, devices: [gpu0]}\n",
     "12:44: error: /distribute/devices/0: devices[0] must be a TensorFlow device name such as '/gpu:0'"),
    ("distribute: {strategy: mirrored}\ncompile: {optimizer: adam, loss: mse, steps_per_execution: 8}\n",
     "error: /compile/steps_per_execution: Keras 3 cannot run several steps per execution under a "
     "distribution strategy"),
    ("fit: {epochs: 1, autotune: 'no'}\n", "12:28: error: /fit/autotune: autotune must be true or false"),
])
def test_mistakes_are_located(write_spec, tail, expected):
    if "compile:" in tail:  # replace the head's compile section instead of repeating the key
        path = write_spec(HEAD.replace("compile: {optimizer: adam, loss: mse}\n", "") + tail)
        proc = subprocess.run([sys.executable, "-m", "modelspec", "validate", str(path)], cwd=ROOT,
                              capture_output=True, text=True, timeout=60)
    else:
        proc = validate(write_spec, tail)
    assert proc.returncode == 1
    assert expected in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr


def test_all_problems_of_the_section_at_once(write_spec):
    proc = validate(write_spec, "distribute: {strategy: one_device, devices: ['/cpu:0', '/cpu:1'], "
                    "communication: nccl, cluster: {worker: ['h:1']}}\n")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1
    for pointer in ("/distribute/devices", "/distribute/communication", "/distribute/cluster"):
        assert f"error: {pointer}" in out, out

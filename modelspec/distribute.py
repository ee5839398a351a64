"""The spec's `distribute` section: TensorFlow's own tf.distribute strategies.

modelspec has no distribution engine of its own. `make_strategy` turns the
section into a `tf.distribute.Strategy`; `modelspec run` then builds and
compiles the model in its scope and hands Keras the data, which Keras
distributes (tf.data auto-sharding across workers, split into per-replica
batches). `fit.batch_size` is the global batch: with 2 workers of 1 replica
each and batch 64, every replica computes on 32 samples per step.

`check` is TensorFlow-free (validate uses it). Everything else imports
TensorFlow lazily.

Keras 3.15 has two bugs under MultiWorkerMirroredStrategy (keras-team/keras
#20585); `_patch_keras_multi_worker` works around both, only when that
strategy is in use:
- `fit` first builds the model from one batch, reducing the per-replica
  batch with `strategy.reduce` over the whole (x, y) structure, which the
  collective strategy cannot convert ("Attempt to convert a value
  (PerReplica...) with an unsupported type"): the build takes the local
  replica's batch instead (it only needs the shapes).
- every step's metrics are averaged across workers with
  `strategy.reduce("MEAN", value, axis=0)`, which fails on scalar metrics
  ("Invalid reduction dimension 0 for input with 0 dimensions"): scalars
  are averaged with axis=None, the mean across replicas.
In Keras 3.15, steps_per_execution > 1 fails under any strategy other
than the default ("You must feed a value for placeholder tensor ... in
multi_step_on_iterator"), so modelspec refuses it there and autotune keeps 1.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

STRATEGIES = ("default", "one_device", "mirrored", "multi_worker_mirrored", "parameter_server", "tpu")
CLUSTER_STRATEGIES = ("multi_worker_mirrored", "parameter_server")


def strategy_name(data: Any) -> str:
    section = data.get("distribute") if isinstance(data, dict) else None
    return str((section or {}).get("strategy", "default")) if isinstance(section, dict) else "default"


def check(section: Any) -> list[tuple[str, str, str, str | None]]:
    """Problems the schema cannot express, as (pointer, message, code, hint)."""
    if not isinstance(section, dict) or section.get("strategy") not in STRATEGIES:
        return []  # the schema reports it
    problems: list[tuple[str, str, str, str | None]] = []
    strategy = section["strategy"]
    devices = section.get("devices")
    if devices is not None and strategy not in ("one_device", "mirrored"):
        problems.append(("/distribute/devices", f"strategy {strategy} takes no 'devices'", "distribute",
                         "devices choose the replicas of one_device or mirrored"))
    if strategy == "one_device" and isinstance(devices, list) and len(devices) != 1:
        problems.append(("/distribute/devices", f"one_device takes exactly one device, got {len(devices)}",
                         "distribute", "use strategy: mirrored for several"))
    communication = section.get("communication", "auto")
    if communication != "auto" and strategy not in ("mirrored", "multi_worker_mirrored"):
        problems.append(("/distribute/communication", f"strategy {strategy} has no collective "
                         f"communication to choose", "distribute", "remove 'communication'"))
    elif communication == "ring" and strategy == "mirrored":
        problems.append(("/distribute/communication", "ring is a multi_worker_mirrored implementation; "
                         "mirrored takes auto or nccl", "distribute", None))
    for key in ("cluster", "task"):
        if key in section and strategy not in CLUSTER_STRATEGIES:
            problems.append((f"/distribute/{key}", f"strategy {strategy} runs on one machine and takes no "
                             f"'{key}'", "distribute", "cluster and task are for multi_worker_mirrored "
                             "and parameter_server"))
    cluster = section.get("cluster")
    task = section.get("task")
    for job, addresses in (cluster.items() if isinstance(cluster, dict) else ()):
        for index, address in enumerate(addresses if isinstance(addresses, list) else ()):
            port = address.rpartition(":")[2] if isinstance(address, str) else ""
            if port.isdigit() and not 0 < int(port) < 65536:  # the schema checks the host:port form
                problems.append((f"/distribute/cluster/{job}/{index}", f"{job}[{index}]: port {int(port)} "
                                 "is not a TCP port (1-65535)", "distribute", None))
    if strategy in CLUSTER_STRATEGIES and isinstance(cluster, dict):
        if strategy == "multi_worker_mirrored" and not ({"worker", "chief"} & set(cluster)):
            problems.append(("/distribute/cluster", "multi_worker_mirrored needs 'worker' (and optionally "
                             "'chief') addresses", "distribute", None))
        if strategy == "parameter_server" and "ps" not in cluster:
            problems.append(("/distribute/cluster", "parameter_server needs 'ps' addresses", "distribute", None))
        if isinstance(task, dict) and isinstance(task.get("index"), int) and task.get("type") in cluster:
            jobs = cluster[task["type"]]
            if isinstance(jobs, list) and task["index"] >= len(jobs):
                problems.append(("/distribute/task/index", f"task index {task['index']} is past the "
                                 f"{len(jobs)} '{task['type']}' address(es) of the cluster", "distribute", None))
        elif isinstance(task, dict) and task.get("type") in ("chief", "worker", "ps", "evaluator"):
            problems.append(("/distribute/task/type", f"the cluster has no '{task['type']}' job",
                             "distribute", f"its jobs: {', '.join(cluster)}"))
    return problems


class DistributeError(Exception):
    """The strategy cannot be set up here; the message is for the user."""


def tf_config(section: dict[str, Any]) -> dict[str, Any] | None:
    """The TF_CONFIG this process runs under: the spec's cluster and task, or the environment's."""
    environment = os.environ.get("TF_CONFIG")
    try:
        from_environment = json.loads(environment) if environment else {}
    except ValueError as error:
        raise DistributeError(f"TF_CONFIG is not JSON: {error}") from None
    cluster = section.get("cluster") or from_environment.get("cluster")
    if not cluster:
        return None
    task = section.get("task") or from_environment.get("task")
    if not task:
        raise DistributeError("the spec names a cluster but not this process's task: add "
                              "--set distribute.task.type=worker --set distribute.task.index=N, or set "
                              "TF_CONFIG's task")
    return {"cluster": cluster, "task": task}


_pending: dict[str, Any] | None = None
_made: dict[str, Any] = {}


def _key(section: dict[str, Any] | None) -> str:
    return json.dumps(section or {}, sort_keys=True, default=str)


def prepare(section: Any) -> None:
    """Say, before Keras is imported, which strategy `run` will want.

    MultiWorkerMirroredStrategy must be made before TensorFlow's runtime
    starts (TensorFlow configures its collective ops then), and importing
    modelspec's Keras environment starts it (it lists the devices). So the
    CLI calls this first, and modelspec.kerasenv calls `before_devices` just
    before its device listing. TensorFlow-free when nothing is pending.
    """
    global _pending
    if isinstance(section, dict) and section.get("strategy") == "multi_worker_mirrored":
        _pending = section
        if "modelspec.kerasenv" in sys.modules:  # too late to wait: make it now
            before_devices()


def before_devices() -> None:
    """Make the pending strategy now (see `prepare`); its error waits for make_strategy."""
    global _pending
    if _pending is None:
        return
    section, _pending = _pending, None
    try:
        _made[_key(section)] = _make(section)
    except DistributeError as error:
        _made[_key(section)] = error


def make_strategy(section: dict[str, Any] | None) -> tuple[Any, dict[str, Any]]:
    """The tf.distribute strategy for the section, and the facts run.json records.

    None for strategy default: Keras uses TensorFlow's default.
    """
    made = _made.pop(_key(section), None)
    if isinstance(made, DistributeError):
        raise made
    return made if made is not None else _make(section)


def _make(section: dict[str, Any] | None) -> tuple[Any, dict[str, Any]]:
    import tensorflow as tf

    section = section or {}
    name = section.get("strategy", "default")
    facts: dict[str, Any] = {"strategy": name}
    if name == "default":
        return None, facts
    communication = section.get("communication", "auto")
    try:
        if name == "one_device":
            devices = section.get("devices") or ["/gpu:0" if tf.config.list_physical_devices("GPU") else "/cpu:0"]
            _check_devices(tf, devices)
            strategy = tf.distribute.OneDeviceStrategy(devices[0])
        elif name == "mirrored":
            devices = section.get("devices")
            if devices:
                _check_devices(tf, devices)
            cross_device_ops = tf.distribute.NcclAllReduce() if communication == "nccl" else None
            strategy = tf.distribute.MirroredStrategy(devices, cross_device_ops=cross_device_ops)
        elif name == "multi_worker_mirrored":
            config = tf_config(section)
            if config is not None:
                os.environ["TF_CONFIG"] = json.dumps(config)
                facts["task"] = config["task"]
                facts["workers"] = sum(len(config["cluster"].get(job, [])) for job in ("chief", "worker"))
            implementation = getattr(tf.distribute.experimental.CommunicationImplementation,
                                     communication.upper())
            strategy = tf.distribute.MultiWorkerMirroredStrategy(
                communication_options=tf.distribute.experimental.CommunicationOptions(
                    implementation=implementation))
            _patch_keras_multi_worker()
        elif name == "parameter_server":
            raise DistributeError("Keras 3's Model.fit does not drive ParameterServerStrategy (it needs a "
                                  "tf.distribute.coordinator.ClusterCoordinator, which only tf-keras 2 "
                                  "used); use multi_worker_mirrored")
        else:  # tpu
            resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
            tf.config.experimental_connect_to_cluster(resolver)
            tf.tpu.experimental.initialize_tpu_system(resolver)
            strategy = tf.distribute.TPUStrategy(resolver)
    except DistributeError:
        raise
    except Exception as error:  # noqa: BLE001 - TensorFlow's own, for the user
        text = " ".join(str(error).split())[:400]
        if "at program startup" in text:
            text += (" (TensorFlow had started before the strategy was made: run the spec with "
                     "`modelspec run` in a process of its own)")
        raise DistributeError(f"cannot set up the {name} strategy: {type(error).__name__}: {text}") from None
    facts["replicas"] = int(strategy.num_replicas_in_sync)
    facts["devices"] = [str(device) for device in strategy.extended.worker_devices]
    facts["chief"] = is_chief(strategy)
    return strategy, facts


def _check_devices(tf: Any, devices: list[str]) -> None:
    available = [device.name for device in tf.config.list_logical_devices()]

    def known(device: str) -> bool:
        kind, _, index = device.rsplit("/", 1)[-1].replace("device:", "").upper().partition(":")
        return any(name.upper().endswith(f"{kind}:{index}") for name in available)

    missing = [device for device in devices if not known(device)]
    if missing:
        raise DistributeError(f"no device {', '.join(missing)} here; this machine has "
                              f"{', '.join(available) or 'none'}")


def is_chief(strategy: Any) -> bool:
    """True unless this process is a non-chief worker of a cluster (TensorFlow's rule:
    the 'chief' task, or worker 0 when the cluster has no chief)."""
    if strategy is None or not strategy.extended._in_multi_worker_mode():  # noqa: SLF001
        return True
    resolver = strategy.cluster_resolver
    task_type, task_id = resolver.task_type, resolver.task_id
    if task_type == "chief":
        return True
    has_chief = "chief" in resolver.cluster_spec().as_dict()
    return task_type == "worker" and task_id == 0 and not has_chief


def scope(strategy: Any) -> Any:
    import contextlib

    return strategy.scope() if strategy is not None else contextlib.nullcontext()


_PATCHED = False


def _patch_keras_multi_worker() -> None:
    """See the module docstring: two Keras 3.15 bugs under MultiWorkerMirroredStrategy."""
    global _PATCHED
    if _PATCHED:
        return
    import tensorflow as tf
    from keras.src.backend.tensorflow import trainer

    reduce_per_replica = trainer.reduce_per_replica

    def mean_over_replicas(values: Any, strategy: Any, reduction: str = "auto") -> Any:
        if reduction in ("auto", "mean") and trainer._collective_all_reduce_multi_worker(strategy):  # noqa: SLF001
            return tf.nest.map_structure(lambda value: strategy.reduce("MEAN", value, axis=None), values)
        return reduce_per_replica(values, strategy, reduction=reduction)

    def maybe_symbolic_build(self: Any, iterator: Any = None, data_batch: Any = None) -> Any:
        if self._distribute_strategy is None:  # noqa: SLF001
            return None
        if iterator is not None:
            for _, _, batches in iterator:
                batch = next(batches)
                data_batch = tf.nest.map_structure(
                    lambda value: self.distribute_strategy.experimental_local_results(value)[0]
                    if isinstance(value, tf.distribute.DistributedValues) else value, batch)
                break
        with self.distribute_strategy.scope():
            self._symbolic_build(data_batch=data_batch)  # noqa: SLF001
        return None

    trainer.reduce_per_replica = mean_over_replicas
    trainer.TensorFlowTrainer._maybe_symbolic_build = maybe_symbolic_build  # noqa: SLF001
    _PATCHED = True

"""modelspec search: Keras Tuner over a spec's `search` section (see modelspec.hyper).

Each trial builds the spec with the trial's hyperparameter values and trains
it with the spec's own data and `fit` settings; Keras Tuner (RandomSearch,
BayesianOptimization or Hyperband, as the section names) chooses the values.
The search directory holds:

- `search.json`: the space, tuner and objective the search was started with;
  `--resume` refuses to continue when the spec's differ;
- `tuner/`: Keras Tuner's own project (its oracle and trial states), from
  which an interrupted search resumes;
- `trials/<id>/spec.resolved.yaml` and `trials/<id>/metrics.json`: each
  finished trial as a plain spec, with its best value of every metric;
- `best.yaml`: the best trial's spec without the search section, which
  `modelspec run` accepts (relative data paths are made absolute, so it runs
  from anywhere), and `results.json`: every trial, best first.

`fit.callbacks` that only watch training (EarlyStopping, ReduceLROnPlateau,
TerminateOnNaN) run in every trial, with the hyperparameters' default values
in their own config; Keras Tuner gives each trial its own copy. Those that
write files (ModelCheckpoint, CSVLogger, TensorBoard, BackupAndRestore) are
left out, with a line saying so: every trial would write over the last
one's files, and the tuner keeps each trial's best weights itself.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import time
import warnings
from pathlib import Path
from typing import Any, TextIO

from modelspec import hyper
from modelspec.dump import dumps_yaml
from modelspec.outputs import new_run_dir, read_json, write_json, write_text
from modelspec.spec import Spec

TUNERS = ("RandomSearch", "BayesianOptimization", "Hyperband")


class SearchError(Exception):
    """A problem to report in one line (exit 1)."""


@dataclasses.dataclass
class SearchOptions:
    output_dir: Path | None = None
    overwrite: bool = False
    resume: Path | None = None
    allow_plugins: bool = False
    allow_unsafe: bool = False
    verbosity: int = 1


def fingerprint(section: dict[str, Any]) -> dict[str, Any]:
    """What a resumed search must share with the one it continues."""
    return {key: section.get(key) for key in ("space", "tuner", "objective", "max_epochs", "factor")}


def _absolute_paths(data: dict[str, Any], base: Path) -> dict[str, Any]:
    """Relative data and init paths made absolute, so a spec written elsewhere still finds them."""
    data = json.loads(json.dumps(data))
    for dataset in (data.get("data") or {}).values():
        if isinstance(dataset, dict) and isinstance(dataset.get("path"), str) and "package" not in dataset:
            if not Path(dataset["path"]).expanduser().is_absolute():
                dataset["path"] = str((base / dataset["path"]).resolve())
    sources = (data.get("init") or {}).get("from") if isinstance(data.get("init"), dict) else None
    for name, value in (sources or {}).items():
        if isinstance(value, str) and not Path(value).expanduser().is_absolute():
            sources[name] = str((base / value).resolve())
    return data


def _trial_callbacks(fit: dict[str, Any]) -> tuple[list[Any], list[str]]:
    """The spec's fit.callbacks that a trial runs (made as `run` makes them), and the
    names of those left out because they write files (see the module docstring)."""
    from modelspec.run import CALLBACK_PATHS, RunFailure, _callbacks

    entries = fit.get("callbacks") or []
    watching = [entry for entry in entries if entry["class_name"] not in CALLBACK_PATHS]
    try:
        callbacks = _callbacks({"callbacks": watching}, None)  # no file-writing callback: no paths
    except RunFailure as error:
        raise SearchError(str(error)) from None
    return callbacks, [entry["class_name"] for entry in entries if entry["class_name"] in CALLBACK_PATHS]


def _objective(section: dict[str, Any], has_validation: bool) -> Any:
    import keras_tuner

    objective = section.get("objective") or ("val_loss" if has_validation else "loss")
    if isinstance(objective, dict):
        return keras_tuner.Objective(objective["name"], direction=objective["direction"])
    return objective


def run_search(spec: Spec, options: SearchOptions, stream: TextIO) -> int:
    """Run the search of a validated spec; returns the exit code."""
    from modelspec.kerasenv import keras  # noqa: F401 - first: TensorFlow's start-up logging filtered

    try:
        import keras_tuner
    except ImportError:
        raise SearchError("modelspec search needs Keras Tuner: pip install 'modelspec[search]'") from None
    from modelspec.builder import build_spec
    from modelspec.data import load_datasets
    from modelspec.run import DEFAULT_BATCH, _seed_everything, _validation_tuple

    def say(text: str) -> None:
        if options.verbosity:
            print(text, file=stream, flush=True)

    section = spec.data["search"]
    name = spec.data.get("name") or (spec.path.stem if spec.path else "spec")
    if options.resume is not None:
        root = Path(options.resume)
        saved = read_json(root / "search.json")
        if saved.get("fingerprint") != fingerprint(section):
            raise SearchError(f"the search in {root} was started with another search space, tuner or "
                              "objective; resuming it would mix trials of two searches. Start a new search "
                              "(--output-dir) instead")
    else:
        root = new_run_dir(f"{name}_search", options.output_dir, overwrite=options.overwrite).root
        write_json(root / "search.json", {"fingerprint": fingerprint(section),
                                          "spec": str(spec.path.resolve()) if spec.path else None})
    write_json(root / "run.json", {"kind": "search", "status": "running", "name": name,
                                   "spec": str(spec.path) if spec.path else None})
    base = spec.path.resolve().parent if spec.path is not None else Path.cwd()
    seed = section.get("seed", spec.data.get("seed"))
    _seed_everything(spec.data.get("seed"), bool(spec.data.get("deterministic")))

    defaults = hyper.resolved(spec)
    start_values = hyper.defaults(spec.data)

    def values_of(trial_values: dict[str, Any]) -> dict[str, Any]:
        """Every hyperparameter of the space: the trial's value, else its default."""
        return {name: trial_values.get(name, value) for name, value in start_values.items()}
    fit = dict(defaults.data.get("fit") or {})
    batch_size = fit.get("batch_size") or DEFAULT_BATCH
    wanted = [fit.get("data", "train")] + ([fit["validation_data"]] if fit.get("validation_data") else [])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = build_spec(defaults, allow_plugins=options.allow_plugins, allow_unsafe=options.allow_unsafe)
    datasets = load_datasets(defaults, first, wanted, allow_plugins=options.allow_plugins, seed=seed,
                             batch_size=batch_size)
    train = datasets[wanted[0]]
    kwargs: dict[str, Any] = dict(train.as_fit_kwargs())
    if not train.is_stream:
        kwargs["batch_size"] = batch_size
    if fit.get("validation_data"):
        kwargs["validation_data"] = _validation_tuple(datasets[fit["validation_data"]].as_fit_kwargs())
    elif fit.get("validation_split"):
        kwargs["validation_split"] = fit["validation_split"]
    has_validation = "validation_data" in kwargs or "validation_split" in kwargs
    callbacks, left_out = _trial_callbacks(fit)
    if callbacks:
        kwargs["callbacks"] = callbacks
    epochs = int(fit.get("epochs") or 1)

    def build_model(hp: Any) -> Any:
        trial = hyper.resolved(spec, values_of(hp.values))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return build_spec(trial, allow_plugins=options.allow_plugins, allow_unsafe=options.allow_unsafe)

    kind = section.get("tuner", "RandomSearch")
    total = section.get("max_trials", 10) if kind != "Hyperband" else None

    class SpecTuner(getattr(keras_tuner, kind)):  # type: ignore[misc, valid-type]
        def _configure_tensorboard_dir(self, callbacks: Any, trial: Any, execution: int = 0) -> None:
            # Keras Tuner imports tensorboard for every trial, needed only for a TensorBoard callback
            if any(type(c).__name__ == "TensorBoard" for c in callbacks or ()):
                super()._configure_tensorboard_dir(callbacks, trial, execution)

        def on_trial_end(self, trial: Any) -> None:
            super().on_trial_end(trial)
            values = values_of(trial.hyperparameters.values)
            folder = root / "trials" / str(trial.trial_id)
            folder.mkdir(parents=True, exist_ok=True)
            plain = hyper.resolved(spec, values).data
            write_text(folder / "spec.resolved.yaml", dumps_yaml(_absolute_paths(plain, base)))
            metrics = {metric: float(best) for metric in trial.metrics.metrics
                       if (best := trial.metrics.get_best_value(metric)) is not None}
            write_json(folder / "metrics.json", {"trial": trial.trial_id, "status": str(trial.status),
                                                 "score": trial.score, "hyperparameters": values,
                                                 "metrics": metrics})
            shown = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in values.items())
            if trial.score is None:
                reason = (str(getattr(trial, "message", "") or "").strip().splitlines() or ["see search.log"])[-1]
                score = f"failed: {reason}"
            else:
                score = f"{self.oracle.objective.name} {trial.score:.4f}"
            count = f"/{total}" if total else ""
            say(f"trial {len(self.oracle.trials)}{count} ({trial.trial_id}): {shown} -> {score}")

    # Keras Tuner's own form always carries `conditions`; a spec may leave it out
    space = [{"class_name": entry["class_name"], "config": {"conditions": [], **entry["config"]}}
             for entry in section["space"]]
    hp = keras_tuner.HyperParameters.from_config({"space": space, "values": {}})
    settings: dict[str, Any] = {"hypermodel": build_model, "objective": _objective(section, has_validation),
                                "hyperparameters": hp, "tune_new_entries": False, "seed": seed,
                                "executions_per_trial": section.get("executions_per_trial", 1),
                                "directory": str(root), "project_name": "tuner",
                                "overwrite": options.resume is None}
    if kind == "Hyperband":
        settings["max_epochs"] = section.get("max_epochs", epochs)
        settings["factor"] = section.get("factor", 3)
    else:
        settings["max_trials"] = total
    try:
        tuner = SpecTuner(**settings)
    except Exception as error:  # noqa: BLE001 - Keras Tuner raises many kinds for bad settings
        raise SearchError(f"Keras Tuner refused the search settings: {error}") from None
    say(f"modelspec search: {spec.source} ({kind}, objective {tuner.oracle.objective.name}, "
        f"{len(section['space'])} hyperparameter(s), {epochs} epoch(s) per trial)")
    say(f"  data {wanted[0]}: {train.size:,} samples; search directory: {root}")
    if callbacks:
        say(f"  callbacks in every trial: {', '.join(type(c).__name__ for c in callbacks)}")
    if left_out:
        say(f"  fit.callbacks left out of the search (they write files, each trial over the last): "
            f"{', '.join(left_out)}")
    started = time.time()
    # Keras Tuner prints a failed trial's traceback: it goes to search.log, the reason to the screen
    with warnings.catch_warnings(), open(root / "search.log", "a", encoding="utf-8") as log, \
            contextlib.redirect_stderr(log):
        warnings.simplefilter("ignore")
        try:
            tuner.search(epochs=epochs, verbose=0, **kwargs)
        except RuntimeError as error:  # too many failed trials in a row
            raise SearchError(f"{error} (the trials' errors are in {root / 'search.log'})") from None
    best_trials = tuner.oracle.get_best_trials(1)
    if not best_trials:
        raise SearchError(f"no trial finished; see Keras Tuner's logs under {root / 'tuner'}")
    best = best_trials[0]
    values = values_of(best.hyperparameters.values)
    write_text(root / "best.yaml", dumps_yaml(_absolute_paths(hyper.resolved(spec, values).data, base)))
    finished = [t for t in tuner.oracle.trials.values() if t.score is not None]
    direction = tuner.oracle.objective.direction
    finished.sort(key=lambda t: t.score, reverse=direction == "max")
    write_json(root / "results.json", {
        "objective": tuner.oracle.objective.name, "direction": direction, "best_trial": best.trial_id,
        "trials": [{"trial": t.trial_id, "score": t.score,
                    "hyperparameters": values_of(t.hyperparameters.values)} for t in finished]})
    write_json(root / "run.json", {"kind": "search", "status": "completed", "name": name,
                                   "spec": str(spec.path) if spec.path else None,
                                   "wall_seconds": round(time.time() - started, 3), "best_trial": best.trial_id})
    say(f"best trial {best.trial_id}: {tuner.oracle.objective.name} {best.score:.4f} with "
        + ", ".join(f"{k}={v}" for k, v in values.items()))
    say(f"best spec: {root / 'best.yaml'} (modelspec run {root / 'best.yaml'})")
    return 0

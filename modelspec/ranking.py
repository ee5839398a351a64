"""Ranking evaluation in a run: HR@k / NDCG@k after every epoch and at the end.

The metrics themselves are computed in `modelspec.interactions` (NumPy);
this module scores a dataset's candidates with the model and feeds the
results to Keras's logs, so history.json, CSVLogger, EarlyStopping
(`monitor: hr@10`, `mode: max`) and the epoch lines all see them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from modelspec.interactions import RANKING_METRICS, metric_key, ranking_metrics
from modelspec.kerasenv import keras

#: candidates scored per predict batch: large, since scoring has no backward pass
SCORE_BATCH = 8192


def options(section: Any) -> tuple[int, tuple[str, ...], bool]:
    """(k, metrics, every_epoch) from `evaluate.ranking`, with the documented defaults."""
    ranking = (section or {}).get("ranking") or {}
    metrics = tuple(ranking.get("metrics") or RANKING_METRICS)
    return int(ranking.get("k", 10)), metrics, bool(ranking.get("every_epoch", True))


def score(model: Any, dataset: Any) -> np.ndarray:
    """The model's scores of `dataset`, one row per group of `dataset.candidates` rows."""
    predictions = model.predict(dataset.x, batch_size=SCORE_BATCH, verbose=0)
    scores = np.asarray(keras.tree.flatten(predictions)[0], dtype=np.float64)
    return scores.reshape(-1, dataset.candidates)


class RankingCallback(keras.callbacks.Callback):
    """Adds ranking metrics to the logs at the end of every epoch.

    It must come before the callbacks that read the logs (history, early
    stopping): Keras hands one logs dict to the callbacks in order.
    """

    def __init__(self, dataset: Any, k: int, metrics: tuple[str, ...]):
        super().__init__()
        self.dataset = dataset
        self.k = k
        self.metrics = metrics

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        values = ranking_metrics(score(self.model, self.dataset), self.k, self.metrics)
        if logs is not None:
            logs.update(values)


def best_from_history(history: dict[str, list[float]], k: int, metrics: tuple[str, ...]) -> dict[str, float] | None:
    """The best epoch by the first metric (the earliest among equals), from
    history.json, so a resumed run still knows epochs trained before it."""
    monitor = metric_key(metrics[0], k)
    values = history.get(monitor) or []
    epochs = history.get("epoch") or list(range(1, len(values) + 1))
    if not values:
        return None
    best = int(np.argmax(values))
    result = {"epoch": epochs[best]}
    for metric in metrics:
        series = history.get(metric_key(metric, k)) or []
        if best < len(series):
            result[metric_key(metric, k)] = series[best]
    return result

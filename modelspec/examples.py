"""Small example datasets for specs (`format: python`, `function: modelspec.examples:<name>`).

The functions listed in `DATA_FUNCTIONS` may be named by any spec: they run
without --allow-plugins. They need the optional `examples` extra
(`pip install 'modelspec[examples]'`, which installs scikit-learn); the
data itself ships inside scikit-learn, so nothing is downloaded.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: data functions a spec may call without --allow-plugins
DATA_FUNCTIONS = ("digits",)

SPLITS = ("train", "test", "all")


def _sklearn_datasets() -> Any:
    try:
        from sklearn import datasets
    except ImportError as error:
        raise ImportError("the example datasets need scikit-learn: "
                          "pip install 'modelspec[examples]'") from error
    return datasets


def digits(split: str = "train", test_fraction: float = 0.2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 handwritten digits (1,797 images, 10 classes).

    Args:
        split: "train", "test" or "all".
        test_fraction: share of each class held out for "test" (0 < f < 1).
        seed: the split is a deterministic function of the seed: per class,
            the images are shuffled with it and the first round(f * n) go to
            "test" (stratified: every class keeps its share).

    Returns:
        (x, y): x float32 of shape (n, 64), pixel values scaled to [0, 1];
        y int32 class ids 0-9 of shape (n,). Samples are in a fixed shuffled
        order (train and test never overlap).
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, got {split!r}")
    if not 0 < float(test_fraction) < 1:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction!r}")
    bunch = _sklearn_datasets().load_digits()
    x = (np.asarray(bunch.data, dtype=np.float32) / 16.0).astype(np.float32)
    y = np.asarray(bunch.target, dtype=np.int32)
    if split == "all":
        return x, y
    rng = np.random.default_rng(seed)
    test_parts, train_parts = [], []
    for label in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == label))
        n_test = round(float(test_fraction) * len(members))
        test_parts.append(members[:n_test])
        train_parts.append(members[n_test:])
    chosen = np.concatenate(test_parts if split == "test" else train_parts)
    chosen = chosen[rng.permutation(len(chosen))]
    return x[chosen], y[chosen]

"""Implicit-feedback interactions: reading, leave-one-out, negative sampling, ranking metrics.

What a `format: interactions` dataset does (see the README's "Recommenders"):

- **Every row is a positive** interaction of a user with an item (ratings, if
  any, are ignored). User and item tokens become contiguous ids 0..n-1 in
  sorted order: numerically when every token is an integer, else as text.
- **Leave-one-out.** Each user's latest interaction (by the timestamp column)
  is held out for testing. Ties are broken by file order: among the rows with
  the user's latest timestamp, the row that comes last in the file is held
  out. This is the order the NCF reference code sees, and it matters: in
  MovieLens-100k 415 of 943 users have tied latest ratings, and breaking ties
  by item id instead lowers HR@10 by 0.06-0.10. Without a timestamp column,
  the user's last row in the file is held out.
- **Test candidates.** Each held-out item is ranked against `test_negatives`
  (default 99) items the user never interacted with anywhere in the file,
  distinct, drawn once from `seed`.
- **Training negatives.** Every epoch, each training positive gets
  `negatives` (default 4) items drawn uniformly from those the user has no
  TRAINING interaction with (so the held-out item may be drawn, as in the NCF
  reference code: the test item stays unknown to training). They are drawn
  afresh every epoch from `(seed, epoch)`, so a resumed run sees exactly the
  epochs an uninterrupted one would.
- **Ranking metrics** over each user's candidates: HR@k (the held-out item is
  among the k best scored) and NDCG@k (1/log2(rank + 2) when it is). Ties
  count against the held-out item: its rank is the number of negatives scored
  at least as high, so a model that scores everything alike gets no credit.

Nothing here imports TensorFlow.
"""

from __future__ import annotations

import csv
import dataclasses
import math
from pathlib import Path
from typing import Any

import numpy as np

from modelspec.diagnostics import OptionError

__all__ = [
    "Interactions",
    "InteractionsError",
    "RANKING_METRICS",
    "TrainSampler",
    "find_column",
    "leave_one_out",
    "metric_key",
    "ranking_metrics",
    "read_interactions",
    "test_candidates",
]

#: ranking metrics `evaluate.ranking.metrics` may name
RANKING_METRICS = ("hr", "ndcg")


class InteractionsError(OptionError):
    """A problem with the interactions file or the options; `field` names the option at fault."""


@dataclasses.dataclass
class Interactions:
    """One row per interaction, in file order."""

    users: np.ndarray           # int64 user id per row, 0..n_users-1
    items: np.ndarray           # int64 item id per row, 0..n_items-1
    times: np.ndarray | None    # float64 timestamp per row, or None
    user_tokens: list[str]      # id → token as written in the file
    item_tokens: list[str]

    @property
    def n_users(self) -> int:
        return len(self.user_tokens)

    @property
    def n_items(self) -> int:
        return len(self.item_tokens)

    def __len__(self) -> int:
        return len(self.users)


def find_column(header: list[str], name: str) -> int | None:
    """The index of column `name`; a header `name:type` (RecBole's atomic files) matches too."""
    if name in header:
        return header.index(name)
    bare = [h.split(":", 1)[0] for h in header]
    return bare.index(name) if name in bare else None


def _ids(tokens: list[str]) -> tuple[np.ndarray, list[str]]:
    """Tokens → contiguous ids in sorted order (numeric when every token is an integer)."""
    unique = set(tokens)
    try:
        ordered = sorted(unique, key=int)
    except ValueError:
        ordered = sorted(unique)
    index = {token: i for i, token in enumerate(ordered)}
    return np.fromiter((index[t] for t in tokens), dtype=np.int64, count=len(tokens)), ordered


def read_interactions(path: Path, *, user: str, item: str, timestamp: str | None,
                      delimiter: str) -> Interactions:
    """Read a delimited text file with a header line; raises InteractionsError."""
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            header = next(reader, None)
            if not header:
                raise InteractionsError(f"{path} is empty: it needs a header line and rows", "path")
            columns = {}
            for field, name in (("user", user), ("item", item), ("timestamp", timestamp)):
                if name is None:
                    continue
                index = find_column(header, name)
                if index is None:
                    shown = ", ".join(repr(h) for h in header[:20])
                    hint = None if len(header) > 1 else (
                        f"the header has one column: is the delimiter {delimiter!r} right?")
                    raise InteractionsError(f"{path.name} has no column '{name}'; its columns: {shown}",
                                            field, hint)
                columns[field] = index
            users: list[str] = []
            items: list[str] = []
            times: list[float] = []
            width = max(columns.values()) + 1
            for line, row in enumerate(reader, start=2):
                if not row:
                    continue
                if len(row) < width:
                    raise InteractionsError(f"{path.name} line {line}: {len(row)} field(s), the header "
                                            f"names {len(header)}", "path")
                users.append(row[columns["user"]].strip())
                items.append(row[columns["item"]].strip())
                if "timestamp" in columns:
                    text = row[columns["timestamp"]]
                    try:
                        value = float(text)
                    except ValueError:
                        raise InteractionsError(f"{path.name} line {line}: timestamp {text!r} is not a "
                                                "number", "timestamp") from None
                    if not math.isfinite(value):
                        raise InteractionsError(f"{path.name} line {line}: timestamp {text!r} is not "
                                                "finite", "timestamp")
                    times.append(value)
    except UnicodeDecodeError as error:
        raise InteractionsError(f"{path} is not UTF-8 text: {error.reason} at byte {error.start}",
                                "path") from None
    except OSError as error:
        raise InteractionsError(f"cannot read {path}: {error.strerror or error}", "path") from None
    except csv.Error as error:
        raise InteractionsError(f"cannot read {path} as delimited text: {error}", "path") from None
    if not users:
        raise InteractionsError(f"{path.name} has a header but no interactions", "path")
    user_ids, user_tokens = _ids(users)
    item_ids, item_tokens = _ids(items)
    return Interactions(user_ids, item_ids, np.asarray(times, dtype=np.float64) if times else None,
                        user_tokens, item_tokens)


def leave_one_out(data: Interactions) -> tuple[np.ndarray, np.ndarray]:
    """(training row indices, held-out row index per user, by user id).

    The held-out row is the user's latest by timestamp, the last in the file
    among ties (the last row in the file without timestamps).
    """
    rows = np.arange(len(data), dtype=np.int64)
    keys = (rows, data.users) if data.times is None else (rows, data.times, data.users)
    order = np.lexsort(keys)  # by user, then timestamp, then file position
    sorted_users = data.users[order]
    is_last = np.ones(len(order), dtype=bool)
    is_last[:-1] = sorted_users[:-1] != sorted_users[1:]
    held_out = order[is_last]  # one per user, in user-id order (every id has a row)
    training = np.ones(len(data), dtype=bool)
    training[held_out] = False
    return rows[training], held_out


def _keys(users: np.ndarray, items: np.ndarray, n_items: int) -> np.ndarray:
    return users.astype(np.int64) * n_items + items.astype(np.int64)


def _draw_unknown(rng: np.random.Generator, users: np.ndarray, n_items: int,
                  known: np.ndarray) -> np.ndarray:
    """One item per entry of `users`, uniform over the items whose (user, item) key is not in `known` (sorted)."""
    items = rng.integers(0, n_items, size=len(users), dtype=np.int64)
    if not len(known):
        return items
    todo = np.arange(len(users))
    while len(todo):
        keys = _keys(users[todo], items[todo], n_items)
        place = np.minimum(np.searchsorted(known, keys), len(known) - 1)
        todo = todo[known[place] == keys]
        items[todo] = rng.integers(0, n_items, size=len(todo), dtype=np.int64)
    return items


def test_candidates(data: Interactions, held_out: np.ndarray, count: int,
                    seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(users, items), each of shape (n_users, 1 + count): column 0 is the held-out
    item, the others `count` distinct items the user never interacted with."""
    rng = np.random.default_rng([seed, 0x7E57])
    seen = [set() for _ in range(data.n_users)]
    for u, i in zip(data.users.tolist(), data.items.tolist()):
        seen[u].add(i)
    candidates = np.empty((data.n_users, 1 + count), dtype=np.int64)
    all_items = np.arange(data.n_items, dtype=np.int64)
    for user in range(data.n_users):
        free = data.n_items - len(seen[user])
        if free < count:
            raise InteractionsError(
                f"user '{data.user_tokens[user]}' interacted with {len(seen[user])} of the "
                f"{data.n_items} items, leaving {free} to sample {count} test negatives from",
                "test_negatives", hint=f"lower test_negatives to at most {free}")
        if free > 4 * count:  # draw and redraw: cheap when the user has seen few items
            chosen: list[int] = []
            taken = set(seen[user])
            while len(chosen) < count:
                for item in rng.integers(0, data.n_items, size=2 * count).tolist():
                    if item not in taken:
                        taken.add(item)
                        chosen.append(item)
                        if len(chosen) == count:
                            break
            negatives = np.asarray(chosen, dtype=np.int64)
        else:
            mask = np.ones(data.n_items, dtype=bool)
            mask[list(seen[user])] = False
            negatives = rng.choice(all_items[mask], size=count, replace=False)
        candidates[user, 0] = data.items[held_out[user]]
        candidates[user, 1:] = negatives
    users = np.repeat(np.arange(data.n_users, dtype=np.int64)[:, None], 1 + count, axis=1)
    return users, candidates


class TrainSampler:
    """The training examples of one epoch: every training positive (label 1)
    and `negatives` unknown items per positive (label 0), shuffled; epoch `e`
    depends only on (seed, e)."""

    def __init__(self, users: np.ndarray, items: np.ndarray, n_items: int, negatives: int, seed: int):
        self.users = users.astype(np.int64)
        self.items = items.astype(np.int64)
        self.n_items = n_items
        self.negatives = negatives
        self.seed = seed
        self.known = np.unique(_keys(self.users, self.items, n_items))
        items_per_user = np.bincount(self.known // n_items) if len(self.known) else np.zeros(0, np.int64)
        full = np.flatnonzero(items_per_user >= n_items)
        if negatives and len(full):
            raise InteractionsError(f"{len(full)} user(s) interacted with every item in training, "
                                    "so no negative can be drawn for them", "negatives",
                                    hint="set negatives: 0, or hold out more data")
        self.positives = len(self.users)

    @property
    def size(self) -> int:
        """Examples per epoch."""
        return self.positives * (1 + self.negatives)

    def epoch(self, epoch: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(users, items, labels) of epoch `epoch`, shuffled."""
        rng = np.random.default_rng([self.seed, int(epoch)])
        neg_users = np.repeat(self.users, self.negatives)
        neg_items = _draw_unknown(rng, neg_users, self.n_items, self.known)
        users = np.concatenate([self.users, neg_users])
        items = np.concatenate([self.items, neg_items])
        labels = np.concatenate([np.ones(len(self.users), np.float32), np.zeros(len(neg_users), np.float32)])
        order = rng.permutation(len(users))
        return users[order], items[order], labels[order]


def metric_key(metric: str, k: int) -> str:
    """The name a ranking metric gets in logs, history.json and metrics.json: 'hr@10'."""
    return f"{metric}@{k}"


def ranking_metrics(scores: np.ndarray, k: int, metrics: tuple[str, ...] = RANKING_METRICS) -> dict[str, float]:
    """Mean HR@k / NDCG@k over rows of `scores` (n_users, candidates), the held-out item in column 0.

    A NaN score ranks the held-out item last.
    """
    scores = np.asarray(scores, dtype=np.float64).reshape(len(scores), -1)
    positive = scores[:, :1]
    beaten = np.sum(scores[:, 1:] >= positive, axis=1)  # ties count against the held-out item
    beaten = np.where(np.isnan(positive[:, 0]), scores.shape[1] - 1, beaten)
    hit = beaten < k
    values = {"hr": float(np.mean(hit)),
              "ndcg": float(np.mean(np.where(hit, 1.0 / np.log2(beaten + 2.0), 0.0)))}
    return {metric_key(m, k): values[m] for m in metrics}


def popularity_scores(train_items: np.ndarray, candidates: np.ndarray, n_items: int) -> np.ndarray:
    """Score each candidate by its number of training interactions (the popularity baseline)."""
    counts = np.bincount(train_items, minlength=n_items).astype(np.float64)
    return counts[candidates]


def summary(data: Interactions, held_out: np.ndarray) -> dict[str, Any]:
    """Counts for the run header and run.json."""
    return {"interactions": len(data), "users": data.n_users, "items": data.n_items,
            "training": len(data) - len(held_out), "held_out": len(held_out)}

"""Implicit-feedback building blocks (modelspec.interactions), on small synthetic files; no TensorFlow."""

from __future__ import annotations

import math

import numpy as np
import pytest

from modelspec import interactions as rec
from modelspec.validator import reference_problem


def write(tmp_path, rows, header="user_id:token\titem_id:token\trating:float\ttimestamp:float"):
    path = tmp_path / "x.inter"
    path.write_text(header + "\n" + "".join("\t".join(map(str, r)) + "\n" for r in rows))
    return path


def read(path, **kwargs):
    options = {"user": "user_id", "item": "item_id", "timestamp": "timestamp", "delimiter": "\t"}
    options.update(kwargs)
    return rec.read_interactions(path, **options)


def test_typed_header_names_match_and_ids_sort_numerically(tmp_path):
    data = read(write(tmp_path, [(10, 7, 5, 1), (2, 100, 3, 2), (10, 20, 1, 3)]))
    assert data.user_tokens == ["2", "10"]  # numeric order, not "10" < "2"
    assert data.item_tokens == ["7", "20", "100"]
    assert data.users.tolist() == [1, 0, 1]
    assert data.items.tolist() == [0, 2, 1]
    assert data.times.tolist() == [1.0, 2.0, 3.0]


def test_non_numeric_tokens_sort_as_text(tmp_path):
    data = read(write(tmp_path, [("bob", "x", 1, 1), ("alice", "y", 1, 1)]))
    assert data.user_tokens == ["alice", "bob"]


def test_missing_column_names_the_columns(tmp_path):
    with pytest.raises(rec.InteractionsError) as caught:
        read(write(tmp_path, [(1, 1, 1, 1)]), item="movie")
    assert caught.value.field == "item"
    assert "no column 'movie'" in str(caught.value) and "'item_id:token'" in str(caught.value)


def test_wrong_delimiter_gets_a_hint(tmp_path):
    with pytest.raises(rec.InteractionsError) as caught:
        read(write(tmp_path, [(1, 1, 1, 1)]), delimiter=",")
    assert "delimiter" in caught.value.hint


@pytest.mark.parametrize("value, word", [("soon", "not a number"), ("inf", "not finite")])
def test_bad_timestamp_is_located_by_line(tmp_path, value, word):
    with pytest.raises(rec.InteractionsError) as caught:
        read(write(tmp_path, [(1, 1, 1, 5), (1, 2, 1, value)]))
    assert caught.value.field == "timestamp"
    assert "line 3" in str(caught.value) and word in str(caught.value)


def test_empty_and_header_only_files(tmp_path):
    empty = tmp_path / "empty.inter"
    empty.write_text("")
    with pytest.raises(rec.InteractionsError, match="empty"):
        read(empty)
    with pytest.raises(rec.InteractionsError, match="no interactions"):
        read(write(tmp_path, []))


def test_short_row_is_reported(tmp_path):
    path = tmp_path / "short.inter"
    path.write_text("user_id\titem_id\ttimestamp\n1\t2\t3\n4\t5\n")
    with pytest.raises(rec.InteractionsError, match="line 3: 2 field"):
        read(path)


def test_leave_one_out_holds_out_latest_and_breaks_ties_by_file_order(tmp_path):
    rows = [
        (1, 10, 5, 100), (1, 11, 5, 300), (1, 12, 5, 300), (1, 13, 5, 200),  # tie at 300: item 12 (later row)
        (2, 11, 5, 50), (2, 10, 5, 40),                                      # latest: item 11
        (3, 13, 5, 7), (3, 10, 5, 7), (3, 12, 5, 7),                         # all tied: the last row, item 12
    ]
    data = read(write(tmp_path, rows))
    training, held_out = rec.leave_one_out(data)
    held = [data.item_tokens[data.items[r]] for r in held_out]
    assert held == ["12", "11", "12"]
    assert sorted(training.tolist() + held_out.tolist()) == list(range(len(rows)))


def test_leave_one_out_without_timestamps_takes_the_last_row(tmp_path):
    data = read(write(tmp_path, [(1, 10, 0, 0), (2, 11, 0, 0), (1, 12, 0, 0)]), timestamp=None)
    _, held_out = rec.leave_one_out(data)
    assert held_out.tolist() == [2, 1]


def small(tmp_path, users=6, items=30, per_user=5, full_user=False):
    """Interactions where every item appears (ids 0..items-1); with full_user, one more user rated them all."""
    rng = np.random.default_rng(0)
    rows = []
    for u in range(users):
        for t, i in enumerate(rng.choice(items, size=per_user, replace=False)):
            rows.append((u, i, 1, t))
    rows += [(users if full_user else i % users, i, 1, 1000 + i) for i in range(items)]
    return read(write(tmp_path, rows))


def test_test_candidates_exclude_everything_the_user_rated(tmp_path):
    data = small(tmp_path)
    _, held_out = rec.leave_one_out(data)
    users, candidates = rec.test_candidates(data, held_out, 9, seed=3)
    assert candidates.shape == users.shape == (data.n_users, 10)
    for user in range(data.n_users):
        rated = set(data.items[data.users == user].tolist())
        assert candidates[user, 0] == data.items[held_out[user]]
        negatives = candidates[user, 1:].tolist()
        assert len(set(negatives)) == 9 and not set(negatives) & rated
    again = rec.test_candidates(data, held_out, 9, seed=3)[1]
    other = rec.test_candidates(data, held_out, 9, seed=4)[1]
    assert np.array_equal(candidates, again) and not np.array_equal(candidates, other)


def test_too_few_unrated_items_for_the_test_negatives(tmp_path):
    data = small(tmp_path, full_user=True)  # the last user rated all 30 items
    _, held_out = rec.leave_one_out(data)
    with pytest.raises(rec.InteractionsError) as caught:
        rec.test_candidates(data, held_out, 5, seed=0)
    assert caught.value.field == "test_negatives" and "leaving 0" in str(caught.value)


def test_training_negatives_avoid_training_positives_and_are_redrawn_every_epoch(tmp_path):
    users = np.array([0, 0, 1, 1, 1])
    items = np.array([0, 1, 2, 3, 4])
    sampler = rec.TrainSampler(users, items, n_items=8, negatives=4, seed=1)
    assert sampler.size == 25
    u, i, y = sampler.epoch(0)
    assert len(u) == 25 and y.sum() == 5
    positives = set(zip(users.tolist(), items.tolist()))
    negatives = {(a, b) for a, b, label in zip(u.tolist(), i.tolist(), y.tolist()) if label == 0}
    assert not negatives & positives
    assert sorted((a, b) for a, b, label in zip(u.tolist(), i.tolist(), y.tolist()) if label == 1) \
        == sorted(positives)
    assert np.array_equal(sampler.epoch(0)[1], i)           # an epoch depends on (seed, epoch) only
    assert not np.array_equal(sampler.epoch(1)[1], i)       # and is drawn afresh the next


def test_training_negatives_may_draw_the_held_out_item():
    # the held-out item is not a training positive, so it is fair game (the NCF reference code's rule)
    sampler = rec.TrainSampler(np.array([0]), np.array([0]), n_items=2, negatives=50, seed=0)
    _, items, labels = sampler.epoch(0)
    assert set(items[labels == 0].tolist()) == {1}


def test_user_with_every_item_in_training_cannot_get_negatives():
    with pytest.raises(rec.InteractionsError, match="every item"):
        rec.TrainSampler(np.array([0, 0]), np.array([0, 1]), n_items=2, negatives=1, seed=0)
    assert rec.TrainSampler(np.array([0, 0]), np.array([0, 1]), n_items=2, negatives=0, seed=0).size == 2


def test_ranking_metrics_against_hand_computation():
    scores = np.array([
        [0.9, 0.1, 0.2, 0.3],   # held-out item first: rank 0
        [0.5, 0.6, 0.7, 0.1],   # two negatives above: rank 2
        [0.5, 0.5, 0.1, 0.1],   # a tie counts against it: rank 1
        [0.0, 0.9, 0.8, 0.7],   # last: rank 3
    ])
    got = rec.ranking_metrics(scores, k=2)
    assert got["hr@2"] == pytest.approx(2 / 4)
    assert got["ndcg@2"] == pytest.approx((1 / math.log2(2) + 1 / math.log2(3)) / 4)
    got = rec.ranking_metrics(scores, k=3, metrics=("ndcg",))
    assert list(got) == ["ndcg@3"]
    assert got["ndcg@3"] == pytest.approx((1 + 1 / math.log2(4) + 1 / math.log2(3)) / 4)


def test_constant_and_nan_scores_get_no_credit():
    assert rec.ranking_metrics(np.full((3, 100), 0.5), k=10)["hr@10"] == 0.0
    scores = np.zeros((1, 5))
    scores[0, 0] = np.nan
    assert rec.ranking_metrics(scores, k=4)["hr@4"] == 0.0  # ranked 5th of 5


def test_popularity_scores_count_training_interactions():
    candidates = np.array([[2, 0, 1]])
    scores = rec.popularity_scores(np.array([2, 2, 1]), candidates, n_items=3)
    assert scores.tolist() == [[2.0, 0.0, 1.0]]


@pytest.mark.parametrize("name, fragment", [
    ("ratings", "splits into parts: name one of 'ratings.train', 'ratings.test'"),
    ("ratings.tests", "has no part 'tests'"),
    ("plain.train", "has no parts"),
    ("ratngs.train", "no dataset named 'ratngs'"),
])
def test_dataset_references_to_parts(name, fragment):
    definitions = {"ratings": {"format": "interactions"}, "plain": {"format": "synthetic"}}
    message, _ = reference_problem(name, definitions)
    assert fragment in message
    assert reference_problem("ratings.test", definitions) is None
    assert reference_problem("plain", definitions) is None

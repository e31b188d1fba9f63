"""k-fold splits for every row count and fold count (hypothesis): d2l's contiguous folds of n // k rows."""

import torch
from hypothesis import given
from hypothesis import strategies as st
from initlab.core import regression
from unit.core.test_regression import d2l_get_k_fold_data


@st.composite
def splits(draw):
    folds = draw(st.integers(2, 12))
    return draw(st.integers(folds, 400)), folds  # at least one row per fold


@given(splits())
def test_folds_are_disjoint_cover_the_rows_and_drop_the_remainder(split):
    n, folds = split
    size, used = n // folds, n // folds * folds
    valids = []
    for fold in range(folds):
        train, valid = (t.tolist() for t in regression.kfold_indices(n, folds, fold))
        assert valid == list(range(fold * size, (fold + 1) * size))  # contiguous, in order
        assert not set(train) & set(valid) and sorted(train + valid) == list(range(used))
        assert len(train) == used - size and train == sorted(train)
        valids += valid
    # the validation folds partition the first k * (n // k) rows; the last n % k rows are in no fold
    assert sorted(valids) == list(range(used)) and len(valids) == len(set(valids))


@given(splits())
def test_same_rows_as_d2ls_get_k_fold_data(split):
    n, folds = split
    rows = torch.arange(n)
    for fold in range(folds):
        train, valid = regression.kfold_indices(n, folds, fold)
        d2l_train, _, d2l_valid, _ = d2l_get_k_fold_data(folds, fold, rows, rows)
        assert train.tolist() == d2l_train.tolist() and valid.tolist() == d2l_valid.tolist()

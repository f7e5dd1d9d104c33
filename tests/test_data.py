"""Tests for autograd_lite.data: generators' geometry, determinism, splitting and batching."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite.data import (
    batches,
    make_blobs,
    make_classification,
    make_moons,
    make_regression,
    train_test_split,
)


def _indexed(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Data whose rows carry their own index, so pairing and coverage can be checked."""
    X = np.arange(n, dtype=float)[:, None] * np.array([1.0, -1.0])
    return X, np.arange(n)


# make_moons


@pytest.mark.parametrize("n", [1, 2, 7, 100])
def test_moons_noiseless_points_lie_on_their_half_circles(n: int) -> None:
    X, y = make_moons(n, seed=0)
    assert X.shape == (n, 2) and y.shape == (n,)
    assert np.bincount(y, minlength=2).tolist() == [n // 2, n - n // 2]
    outer, inner = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(outer[:, 0], outer[:, 1]), 1.0, atol=1e-12)
    assert np.all(outer[:, 1] >= -1e-12)
    np.testing.assert_allclose(np.hypot(inner[:, 0] - 1, inner[:, 1] - 0.5), 1.0, atol=1e-12)
    assert np.all(inner[:, 1] <= 0.5 + 1e-12)


def test_moons_noise_has_requested_spread() -> None:
    X0, y0 = make_moons(4000, noise=0.0, seed=3)
    X1, y1 = make_moons(4000, noise=0.2, seed=3)
    np.testing.assert_array_equal(y0, y1)
    residual = X1 - X0
    assert abs(residual.mean()) < 0.02
    assert abs(residual.std() - 0.2) < 0.01


def test_moons_are_deterministic_per_seed_and_vary_across_seeds() -> None:
    a, b, c = (make_moons(50, noise=0.1, seed=s) for s in (1, 1, 2))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def test_moons_shuffle_false_keeps_outer_moon_first() -> None:
    _, y = make_moons(10, shuffle=False)
    assert y.tolist() == [0] * 5 + [1] * 5


# make_blobs


def test_blobs_cluster_means_and_spread_match_given_centers() -> None:
    centers = np.array([[0.0, 0.0, 0.0], [10.0, -5.0, 2.0]])
    X, y = make_blobs(3001, n_features=3, centers=centers, cluster_std=0.5, seed=0)
    assert X.shape == (3001, 3)
    assert np.bincount(y).tolist() == [1501, 1500]
    for k in range(2):
        members = X[y == k]
        np.testing.assert_allclose(members.mean(axis=0), centers[k], atol=0.05)
        np.testing.assert_allclose(members.std(axis=0), 0.5, atol=0.03)


def test_blobs_random_centers_stay_in_box_and_split_evenly() -> None:
    X, y = make_blobs(10, n_features=2, centers=3, cluster_std=0.0, seed=5)
    assert np.bincount(y).tolist() == [4, 3, 3]
    for k in range(3):
        members = X[y == k]
        np.testing.assert_array_equal(members, np.broadcast_to(members[0], members.shape))
        assert np.all((members >= -10) & (members <= 10))
    np.testing.assert_array_equal(X, make_blobs(10, 2, 3, 0.0, seed=5)[0])


# make_classification


def test_classification_seed_example_shape_labels_and_rank() -> None:
    X, y = make_classification(1000, 5, seed=42)
    assert X.shape == (1000, 5) and y.shape == (1000,)
    assert set(np.unique(y)) == {0, 1}
    assert abs(np.mean(y) - 0.5) < 0.05
    # 2 informative + 2 redundant (linear combinations) + 1 noise feature: rank 3.
    assert np.linalg.matrix_rank(X) == 3


def test_classification_clusters_sit_on_hypercube_vertices() -> None:
    X, y = make_classification(
        4000,
        n_features=2,
        n_informative=2,
        n_redundant=0,
        n_classes=4,
        n_clusters_per_class=1,
        class_sep=50.0,
        flip_y=0.0,
        shuffle=False,
        seed=1,
    )
    assert np.bincount(y).tolist() == [1000] * 4
    means = np.array([X[y == k].mean(axis=0) for k in range(4)])
    vertices = {tuple(v) for v in np.round(means / 50.0).astype(int)}
    assert vertices == {(-1, -1), (-1, 1), (1, -1), (1, 1)}


def test_classification_flip_y_is_label_noise() -> None:
    kwargs = dict(n_features=4, n_clusters_per_class=1, class_sep=1.0, shuffle=False, seed=7)
    _, clean = make_classification(5000, flip_y=0.0, **kwargs)
    _, noisy = make_classification(5000, flip_y=0.4, **kwargs)
    # A flipped label is redrawn uniformly among 2 classes, so about half of 40% change.
    assert abs(np.mean(clean != noisy) - 0.2) < 0.03


def test_classification_is_deterministic() -> None:
    a = make_classification(200, 6, n_informative=3, n_classes=3, seed=11)
    b = make_classification(200, 6, n_informative=3, n_classes=3, seed=11)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert set(np.unique(a[1])) == {0, 1, 2}


def test_classification_seed_fixes_the_distribution_not_the_sample_count() -> None:
    def class_means(n: int, seed: int) -> np.ndarray:
        X, y = make_classification(n, 5, flip_y=0.0, seed=seed)
        return np.array([X[y == k].mean(axis=0) for k in (0, 1)])

    small, large, other = class_means(20000, 3), class_means(40000, 3), class_means(40000, 4)
    np.testing.assert_allclose(small, large, atol=0.06)
    assert np.max(np.abs(large - other)) > 0.3


def test_classification_many_informative_features() -> None:
    X, y = make_classification(50, n_features=30, n_informative=25, n_redundant=0, seed=0)
    assert X.shape == (50, 30) and set(np.unique(y)) <= {0, 1}


# make_regression


def test_regression_targets_are_the_documented_linear_model() -> None:
    X, y, w = make_regression(60, n_features=8, n_informative=3, bias=2.5, coef=True, seed=4)
    assert X.shape == (60, 8) and y.shape == (60,)
    assert np.count_nonzero(w) == 3 and np.all((w >= 0) & (w <= 100))
    np.testing.assert_allclose(y, X @ w + 2.5, rtol=1e-12, atol=1e-9)


def test_regression_noise_level() -> None:
    X, y, w = make_regression(5000, n_features=3, n_informative=2, noise=3.0, coef=True, seed=2)
    assert abs(np.std(y - X @ w) - 3.0) < 0.1
    np.testing.assert_array_equal(make_regression(5000, 3, 2, noise=3.0, seed=2)[1], y)


# train_test_split


@settings(max_examples=50, deadline=None)
@given(n=st.integers(2, 300), test_size=st.floats(0.01, 0.99), seed=st.integers(0, 2**32 - 1))
def test_split_sizes_cover_and_keep_pairs(n: int, test_size: float, seed: int) -> None:
    X, y = _indexed(n)
    n_test = math.ceil(test_size * n)
    if n_test >= n:
        with pytest.raises(ValueError, match="no training samples"):
            train_test_split(X, y, test_size=test_size, seed=seed)
        return
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=test_size, seed=seed)
    assert len(X_test) == len(y_test) == n_test and len(X_train) == len(y_train) == n - n_test
    assert sorted(np.concatenate([y_train, y_test]).tolist()) == list(range(n))
    np.testing.assert_array_equal(X_train[:, 0], y_train)
    np.testing.assert_array_equal(X_test[:, 0], y_test)


def test_split_is_seeded_and_shuffles() -> None:
    X, y = _indexed(100)
    first = train_test_split(X, y, test_size=0.2, seed=42)
    again = train_test_split(X, y, test_size=0.2, seed=42)
    other = train_test_split(X, y, test_size=0.2, seed=43)
    np.testing.assert_array_equal(first[3], again[3])
    assert not np.array_equal(first[3], other[3])
    assert first[3].tolist() != list(range(20))
    assert train_test_split(X, y, test_size=0.2, shuffle=False)[3].tolist() == list(range(20))


@pytest.mark.parametrize("test_size", [0.0, 1.0, -0.1, 1.5, 20])
def test_split_rejects_sizes_outside_unit_interval(test_size: float) -> None:
    with pytest.raises(ValueError, match=r"test_size must be a fraction in \(0, 1\)"):
        train_test_split(*_indexed(10), test_size=test_size)


def test_split_rejects_mismatched_lengths_and_empty_data() -> None:
    with pytest.raises(ValueError, match="same length, got 10 and 9"):
        train_test_split(np.zeros((10, 2)), np.zeros(9))
    with pytest.raises(ValueError, match="empty"):
        train_test_split(np.zeros((0, 2)), np.zeros(0))
    with pytest.raises(TypeError, match="test_size"):
        train_test_split(*_indexed(10), test_size="0.2")


# batches


@settings(max_examples=50, deadline=None)
@given(n=st.integers(1, 120), batch_size=st.integers(1, 130), seed=st.integers(0, 1000))
def test_batches_count_sizes_coverage_and_pairing(n: int, batch_size: int, seed: int) -> None:
    X, y = _indexed(n)
    parts = list(batches(X, y, batch_size, seed=seed))
    assert len(parts) == math.ceil(n / batch_size)
    sizes = [len(yb) for _, yb in parts]
    assert all(s == batch_size for s in sizes[:-1])
    assert sizes[-1] == n - batch_size * (len(parts) - 1)
    assert sorted(np.concatenate([yb for _, yb in parts]).tolist()) == list(range(n))
    for Xb, yb in parts:
        np.testing.assert_array_equal(Xb[:, 0], yb)


def test_batches_partial_last_batch_and_order_without_shuffle() -> None:
    X, y = _indexed(10)
    parts = [yb.tolist() for _, yb in batches(X, y, 4, shuffle=False)]
    assert parts == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_batches_none_is_one_full_batch_and_seed_fixes_order() -> None:
    X, y = _indexed(30)
    (only,) = list(batches(X, y, None, seed=0))
    assert sorted(only[1].tolist()) == list(range(30))
    first = [yb.tolist() for _, yb in batches(X, y, 7, seed=9)]
    assert first == [yb.tolist() for _, yb in batches(X, y, 7, seed=9)]
    assert first != [yb.tolist() for _, yb in batches(X, y, 7, seed=10)]


def test_batches_check_arguments_at_call_time() -> None:
    X, y = _indexed(5)
    with pytest.raises(ValueError, match="batch_size must be >= 1, got 0"):
        batches(X, y, 0)
    with pytest.raises(TypeError, match="batch_size must be an integer"):
        batches(X, y, 2.5)
    with pytest.raises(ValueError, match="same length"):
        batches(X, y[:4], 2)


# argument checks of the generators


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: make_moons(0), ValueError, "n_samples must be >= 1"),
        (lambda: make_moons(10, noise=-1.0), ValueError, "noise must be >= 0, got -1.0"),
        (lambda: make_moons(10, noise="a"), TypeError, "noise must be a real number, got str"),
        (lambda: make_moons(10, noise=math.nan), ValueError, "noise must be finite"),
        (lambda: make_moons(10, shuffle="no"), TypeError, "shuffle must be True or False"),
        (lambda: make_moons(10.5), TypeError, "n_samples must be an integer"),
        (lambda: make_moons(10, seed="a"), TypeError, "seed must be an int, a numpy Generator"),
        (lambda: make_blobs(10, seed=-3), ValueError, "seed must be >= 0, got -3"),
        (lambda: make_regression(10, 3, 2, bias="b"), TypeError, "bias must be a real number"),
        (lambda: make_blobs(10, 2, centers=np.zeros((3, 4))), ValueError, r"shape \(k, 2\)"),
        (lambda: make_blobs(10, center_box=(1, -1)), ValueError, "low < high"),
        (lambda: make_classification(10, 3, 2, 2), ValueError, "must be <= n_features"),
        (lambda: make_classification(10, 5, 1, n_classes=3), ValueError, "2\\*\\*n_informative"),
        (lambda: make_classification(10, 5, flip_y=1.5), ValueError, "flip_y must be in"),
        (lambda: make_classification(10, 5, n_classes=1), ValueError, "n_classes must be >= 2"),
        (lambda: make_regression(10, 3, n_informative=4), ValueError, "n_informative"),
    ],
)
def test_generators_reject_bad_arguments(call, error, message) -> None:
    with pytest.raises(error, match=message):
        call()

"""Toy data sets, a train/test split and mini-batching, in numpy with scikit-learn's conventions.

Every generator takes ``seed`` (an int, a ``numpy.random.Generator`` or ``None``) and is
deterministic for a fixed int seed, so lessons and tests can rerun exactly. The constructions
follow scikit-learn's so the lectures' scikit-learn examples carry over, but the random
streams differ: the same seed does not reproduce scikit-learn's exact numbers.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from autograd_lite import _checks

Seed = int | np.random.Generator | None

_MAX_ENUMERATED_INFORMATIVE = 20


def _rng(seed: Seed) -> np.random.Generator:
    """Return a numpy Generator for ``seed`` (a Generator passes through unchanged)."""
    return _checks.generator("seed", seed)


def paired(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """``X`` and ``y`` as arrays, checked to hold the same number (>= 1) of samples.

    >>> X, y = paired([[1, 2], [3, 4]], [0, 1])
    >>> X.shape, y.shape
    ((2, 2), (2,))
    """
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError("X and y must be sequences of samples, got a scalar")
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same length, got {len(X)} and {len(y)}")
    if len(X) == 0:
        raise ValueError("X and y are empty; expected at least one sample")
    return X, y


def make_moons(
    n_samples: int = 100, noise: float = 0.0, shuffle: bool = True, seed: Seed = None
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (scikit-learn's construction): X of shape (n, 2), y in {0, 1}.

    The outer moon (label 0) gets ``n_samples // 2`` points, the inner one the rest; Gaussian
    noise with standard deviation ``noise`` is added to every coordinate.

    >>> X, y = make_moons(6, noise=0.1, seed=0)
    >>> X.shape, sorted(set(y.tolist()))
    ((6, 2), [0, 1])
    """
    n_samples = _checks.integer("n_samples", n_samples, minimum=1)
    noise = _checks.non_negative("noise", noise)
    shuffle = _checks.flag("shuffle", shuffle)
    rng = _rng(seed)
    n_out = n_samples // 2
    n_in = n_samples - n_out
    t_out = np.linspace(0.0, np.pi, n_out)
    t_in = np.linspace(0.0, np.pi, n_in)
    X = np.vstack(
        [
            np.append(np.cos(t_out), 1.0 - np.cos(t_in)),
            np.append(np.sin(t_out), 1.0 - np.sin(t_in) - 0.5),
        ]
    ).T
    y = np.hstack([np.zeros(n_out, dtype=np.int64), np.ones(n_in, dtype=np.int64)])
    if shuffle:
        order = rng.permutation(n_samples)
        X, y = X[order], y[order]
    if noise > 0:
        X = X + rng.normal(scale=noise, size=X.shape)
    return X, y


def make_blobs(
    n_samples: int = 100,
    n_features: int = 2,
    centers: int | Any = 3,
    cluster_std: float = 1.0,
    center_box: tuple[float, float] = (-10.0, 10.0),
    shuffle: bool = True,
    seed: Seed = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Isotropic Gaussian blobs: X of shape (n, n_features), y the blob index in 0..k-1.

    ``centers`` is a count (centres drawn uniformly in ``center_box``) or an array of shape
    (k, n_features). Samples are split as evenly as possible, earlier blobs taking the remainder.

    >>> X, y = make_blobs(9, centers=3, seed=0)
    >>> X.shape, sorted(set(y.tolist()))
    ((9, 2), [0, 1, 2])
    """
    n_samples = _checks.integer("n_samples", n_samples, minimum=1)
    n_features = _checks.integer("n_features", n_features, minimum=1)
    cluster_std = _checks.non_negative("cluster_std", cluster_std)
    rng = _rng(seed)
    if isinstance(centers, int | np.integer) and not isinstance(centers, bool):
        k = _checks.integer("centers", centers, minimum=1)
        low, high = center_box
        if not low < high:
            raise ValueError(f"center_box must be (low, high) with low < high, got {center_box}")
        means = rng.uniform(low, high, size=(k, n_features))
    else:
        means = np.asarray(centers, dtype=float)
        if means.ndim != 2 or means.shape[0] == 0 or means.shape[1] != n_features:
            raise ValueError(
                f"centers must be an int or an array of shape (k, {n_features}), "
                f"got shape {means.shape}"
            )
        k = means.shape[0]
    sizes = np.full(k, n_samples // k)
    sizes[: n_samples % k] += 1
    y = np.repeat(np.arange(k, dtype=np.int64), sizes)
    X = means[y] + rng.normal(scale=cluster_std, size=(n_samples, n_features))
    if shuffle:
        order = rng.permutation(n_samples)
        X, y = X[order], y[order]
    return X, y


def _hypercube_vertices(n_vertices: int, dim: int, rng: np.random.Generator) -> np.ndarray:
    """Return ``n_vertices`` distinct random vertices of the unit hypercube {0, 1}^dim."""
    if dim <= _MAX_ENUMERATED_INFORMATIVE:
        codes = rng.choice(2**dim, size=n_vertices, replace=False)
        return ((codes[:, None] >> np.arange(dim)) & 1).astype(float)
    while True:
        vertices = rng.integers(0, 2, size=(n_vertices, dim))
        if len(np.unique(vertices, axis=0)) == n_vertices:
            return vertices.astype(float)


def make_classification(
    n_samples: int = 100,
    n_features: int = 20,
    n_informative: int = 2,
    n_redundant: int = 2,
    n_classes: int = 2,
    n_clusters_per_class: int = 2,
    class_sep: float = 1.0,
    flip_y: float = 0.01,
    shuffle: bool = True,
    seed: Seed = None,
) -> tuple[np.ndarray, np.ndarray]:
    """A classification problem built like scikit-learn's ``make_classification``.

    Each class owns ``n_clusters_per_class`` Gaussian clusters centred on distinct vertices of a
    hypercube with side ``2 * class_sep`` in the ``n_informative`` informative dimensions, each
    cluster given a random covariance (standard normals times a random matrix). Then come
    ``n_redundant`` random linear combinations of the informative features, and pure N(0, 1)
    noise features fill the rest. A fraction ``flip_y`` of labels is replaced by random classes
    (label noise), rows are shuffled, and so are the columns. Left out from scikit-learn:
    repeated features, class weights, ``shift``/``scale`` and ``hypercube=False``.
    A seed fixes the distribution: centres, covariances, the redundant mix and the column order
    are drawn before the samples, so more samples with the same seed come from the same problem.
    With the defaults and ``n_features=5`` this is the 1000 x 5 example of A. Akbar's lecture
    "Artificial Neural Networks, week 3: Optimizing the Loss Function": 2 informative,
    2 redundant and 1 noise feature, 2 classes. Returns X (n, n_features) and y in 0..n_classes-1.

    >>> X, y = make_classification(1000, n_features=5, seed=0)
    >>> X.shape, y.shape
    ((1000, 5), (1000,))
    """
    n_samples = _checks.integer("n_samples", n_samples, minimum=1)
    n_features = _checks.integer("n_features", n_features, minimum=1)
    n_informative = _checks.integer("n_informative", n_informative, minimum=1)
    n_redundant = _checks.integer("n_redundant", n_redundant, minimum=0)
    n_classes = _checks.integer("n_classes", n_classes, minimum=2)
    n_clusters_per_class = _checks.integer("n_clusters_per_class", n_clusters_per_class, minimum=1)
    class_sep = _checks.non_negative("class_sep", class_sep)
    flip_y = _checks.interval("flip_y", flip_y, 0.0, 1.0)
    if n_informative + n_redundant > n_features:
        raise ValueError(
            f"n_informative + n_redundant ({n_informative} + {n_redundant}) must be "
            f"<= n_features ({n_features})"
        )
    n_clusters = n_classes * n_clusters_per_class
    if n_informative < math.log2(n_clusters):
        raise ValueError(
            f"n_classes * n_clusters_per_class ({n_clusters}) must be <= 2**n_informative "
            f"({2**n_informative}) so every cluster gets its own hypercube vertex"
        )
    rng = _rng(seed)

    # The problem (cluster centres and shapes, redundant mix, column order) is drawn first,
    # so one seed fixes the distribution and n_samples only sets how many points it yields.
    centroids = _hypercube_vertices(n_clusters, n_informative, rng) * 2 * class_sep - class_sep
    mixings = 2 * rng.uniform(size=(n_clusters, n_informative, n_informative)) - 1
    redundant_mix = 2 * rng.uniform(size=(n_informative, n_redundant)) - 1
    columns = rng.permutation(n_features) if shuffle else np.arange(n_features)

    sizes = np.full(n_clusters, n_samples // n_clusters)
    sizes[: n_samples % n_clusters] += 1
    cluster = np.repeat(np.arange(n_clusters), sizes)
    y = (cluster % n_classes).astype(np.int64)
    informative = rng.standard_normal((n_samples, n_informative))
    for k in range(n_clusters):
        rows = cluster == k
        informative[rows] = informative[rows] @ mixings[k] + centroids[k]
    noise = rng.standard_normal((n_samples, n_features - n_informative - n_redundant))
    X = np.hstack([informative, informative @ redundant_mix, noise])

    flipped = rng.uniform(size=n_samples) < flip_y
    y[flipped] = rng.integers(0, n_classes, size=int(flipped.sum()))

    if shuffle:
        order = rng.permutation(n_samples)
        X, y = X[order], y[order]
    return X[:, columns], y


def make_regression(
    n_samples: int = 100,
    n_features: int = 100,
    n_informative: int = 10,
    noise: float = 0.0,
    bias: float = 0.0,
    coef: bool = False,
    shuffle: bool = True,
    seed: Seed = None,
) -> tuple[np.ndarray, np.ndarray] | tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A random linear regression problem, as scikit-learn builds it.

    X is standard normal (n, n_features); the first ``n_informative`` features get weights drawn
    from U(0, 100), the others weight 0; ``y = X @ w + bias + N(0, noise**2)``. Rows and feature
    columns are shuffled (the weights follow their columns). With ``coef=True`` the weights are
    returned as a third array.

    >>> X, y, w = make_regression(10, n_features=3, n_informative=1, coef=True, seed=0)
    >>> bool(np.allclose(X @ w, y))
    True
    """
    n_samples = _checks.integer("n_samples", n_samples, minimum=1)
    n_features = _checks.integer("n_features", n_features, minimum=1)
    n_informative = _checks.integer("n_informative", n_informative, minimum=0)
    noise = _checks.non_negative("noise", noise)
    if n_informative > n_features:
        raise ValueError(f"n_informative ({n_informative}) must be <= n_features ({n_features})")
    rng = _rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    weights = np.zeros(n_features)
    weights[:n_informative] = 100 * rng.uniform(size=n_informative)
    y = X @ weights + _checks.real("bias", bias)
    if noise > 0:
        y = y + rng.normal(scale=noise, size=n_samples)
    if shuffle:
        order = rng.permutation(n_samples)
        X, y = X[order], y[order]
        columns = rng.permutation(n_features)
        X, weights = X[:, columns], weights[columns]
    return (X, y, weights) if coef else (X, y)


def train_test_split(
    X: Any, y: Any, test_size: float = 0.25, shuffle: bool = True, seed: Seed = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split paired data into train and test parts: ``X_train, X_test, y_train, y_test``.

    ``test_size`` is the fraction in (0, 1) held out; like scikit-learn the test part gets
    ``ceil(test_size * n)`` samples and both parts must end up non-empty.

    >>> X_train, X_test, y_train, y_test = train_test_split(np.eye(4), np.arange(4), seed=0)
    >>> len(X_train), len(X_test)
    (3, 1)
    """
    X, y = paired(X, y)
    if isinstance(test_size, bool) or not isinstance(test_size, float | int | np.floating):
        raise TypeError(f"test_size must be a float in (0, 1), got {type(test_size).__name__}")
    if not 0 < test_size < 1:
        raise ValueError(f"test_size must be a fraction in (0, 1), got {test_size}")
    n = len(X)
    n_test = math.ceil(test_size * n)
    if n_test >= n:
        raise ValueError(
            f"test_size={test_size} with {n} samples leaves no training samples; "
            "use a smaller test_size or more data"
        )
    order = _rng(seed).permutation(n) if shuffle else np.arange(n)
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


def batches(
    X: Any, y: Any, batch_size: int | None, shuffle: bool = True, seed: Seed = None
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Return an iterator of ``(X_batch, y_batch)`` pairs covering the data once, seeded order.

    ``batch_size=None`` (or one at least the data size) gives one batch with everything, 1 gives
    single samples; the last batch keeps the remainder, so there are ``ceil(n / batch_size)``.
    Arguments are checked at the call, not at the first ``next``.

    >>> [len(yb) for _, yb in batches(np.eye(5), np.arange(5), 2, seed=0)]
    [2, 2, 1]
    """
    X, y = paired(X, y)
    n = len(X)
    size = n if batch_size is None else _checks.integer("batch_size", batch_size, minimum=1)
    order = _rng(seed).permutation(n) if shuffle else np.arange(n)
    return ((X[order[i : i + size]], y[order[i : i + size]]) for i in range(0, n, size))

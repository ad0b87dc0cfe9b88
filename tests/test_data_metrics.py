"""nnlib.data and nnlib.metrics (notebook 08)."""
import numpy as np
import pytest

from nnlib import data
from nnlib.metrics import METRICS, accuracy, get, mean_squared_error


@pytest.mark.parametrize("make, classes", [(data.xor, 2), (data.moons, 2), (data.circles, 2), (data.spirals, 2),
                                           (lambda **kw: data.blobs(k=4, **kw), 4)])
def test_generators_are_seeded_balanced_and_shaped(make, classes):
    X, y = make(n=101, rng=3)
    assert X.shape == (101, 2) and y.shape == (101,) and y.dtype == np.int64
    assert sorted(set(y.tolist())) == list(range(classes)) and np.bincount(y).max() - np.bincount(y).min() <= 1
    X2, y2 = make(n=101, rng=3)
    assert np.array_equal(X, X2) and np.array_equal(y, y2) and not np.array_equal(X, make(n=101, rng=4)[0])


def test_noise_free_shapes_are_exact():
    X, y = data.circles(n=40, noise=0, factor=0.3)
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), np.where(y == 0, 1.0, 0.3))
    X, y = data.xor(n=8, noise=0)
    assert (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(int).tolist() == y.tolist()
    x, t = data.noisy_function(n=30, noise=0, f=np.cos, rng=0)
    assert x.shape == (30, 1) and np.allclose(t, np.cos(x[:, 0])) and (np.diff(x[:, 0]) >= 0).all()
    X8, y8 = data.blobs(n=30, k=3, n_features=8, rng=0)
    assert X8.shape == (30, 8)


def test_noise_free_generators_draw_the_documented_points():
    X, y = data.xor(n=8, noise=0)
    assert (np.abs(X) == 1).all() and y.tolist() == (X[:, 0] != X[:, 1]).astype(int).tolist()  # centres (+-1, +-1)
    X, y = data.moons(n=6, noise=0)  # t = 0, pi/2, pi on each half circle
    np.testing.assert_allclose(X, [[1, 0], [0, 1], [-1, 0], [0, 0.5], [1, -0.5], [2, 0.5]], atol=1e-15)
    X, y = data.circles(n=8, noise=0, factor=0.3)  # angles 0, pi/2, pi, 3 pi/2 on each circle
    np.testing.assert_allclose(X, [[1, 0], [0, 1], [-1, 0], [0, -1], [0.3, 0], [0, 0.3], [-0.3, 0], [0, -0.3]], atol=1e-15)
    X, y = data.spirals(n=4, noise=0, turns=1.5)  # radius t = 0.25 and 1 at angles 2 pi 1.5 t; the second arm turned
    first = [[0.25 * np.cos(0.75 * np.pi), 0.25 * np.sin(0.75 * np.pi)], [-1, 0]]
    np.testing.assert_allclose(X, first + [[-a, -b] for a, b in first], atol=1e-15)
    assert y.tolist() == [0, 0, 1, 1]


@pytest.mark.parametrize("make, noise", [(data.xor, 0.3), (data.moons, 0.1), (data.circles, 0.05), (data.spirals, 0.1)])
def test_generators_add_gaussian_noise_of_the_default_std(make, noise):
    X, _ = make(n=20000, rng=1)
    residual = X - make(n=20000, noise=0)[0]
    assert abs(residual.std() / noise - 1) < 0.02 and abs(residual.mean()) < 0.05 * noise
    assert np.array_equal(make(rng=2)[0], make(n=200, noise=noise, rng=2)[0])  # the defaults: 200 points


def test_blobs_and_noisy_function_are_seeded_and_follow_their_documented_defaults():
    X, y = data.blobs(n=30, k=3, noise=0, spread=0.5, rng=1)  # noise 0: every point is its cluster's centre
    assert np.abs(X).max() <= 0.5 and len(np.unique(X, axis=0)) == 3 and (X[y == 2] == X[y == 2][0]).all()
    X, y = data.blobs(n=30000, k=1, noise=0.7, rng=2)
    assert abs((X - X.mean(axis=0)).std() / 0.7 - 1) < 0.02
    assert all(np.array_equal(a, b) for a, b in zip(data.blobs(rng=3), data.blobs(300, 3, 1.0, 2, 5.0, rng=3)))
    x, t = data.noisy_function(rng=4)
    assert np.array_equal(t, data.noisy_function(n=100, noise=0.1, rng=4)[1]) and x.shape == (100, 1)
    assert not np.array_equal(t, data.noisy_function(rng=5)[1])
    x, t = data.noisy_function(n=20000, rng=6)
    assert abs((t - np.sin(x[:, 0])).std() / 0.1 - 1) < 0.02  # y = sin(x) + noise of std 0.1


def test_generator_arguments_are_checked():
    with pytest.raises(ValueError, match=r"noise must be >= 0 \(a standard deviation\); got -0.1"):
        data.moons(noise=-0.1)
    with pytest.raises(ValueError, match="factor must be < 1"):
        data.circles(factor=1.5)
    with pytest.raises(ValueError, match=r"^factor must be < 1 \(the inner circle's radius\); got 1$"):
        data.circles(factor=1)
    with pytest.raises(ValueError, match="^factor must be > 0; got 0$"):
        data.circles(factor=0)
    with pytest.raises(ValueError, match="^turns must be > 0; got -1$"):
        data.spirals(turns=-1)
    with pytest.raises(ValueError, match="n must be >= 4"):
        data.xor(n=3)
    with pytest.raises(TypeError, match="f must be a function"):
        data.noisy_function(f=3)
    with pytest.raises(ValueError, match="low must be < high"):
        data.noisy_function(low=1, high=0)
    with pytest.raises(ValueError, match="^low must be < high; got 1 and 1$"):
        data.noisy_function(low=1, high=1)
    x, _ = data.noisy_function(n=500, rng=0)  # x uniform in [low, high] = [-3, 3] by default
    assert -3 <= x.min() < -2.9 and 2.9 < x.max() <= 3


def test_train_test_split_partitions_and_is_seeded():
    X, y = np.arange(20).reshape(10, 2), np.arange(10)
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, test_size=0.25, rng=0)
    assert len(X_test) == 3 and len(X_train) == 7
    assert sorted(y_train.tolist() + y_test.tolist()) == list(range(10))
    assert (X_train[:, 0] == 2 * y_train).all() and (X_test[:, 0] == 2 * y_test).all()
    again = data.train_test_split(X, y, test_size=0.25, rng=0)
    assert np.array_equal(again[3], y_test)
    assert data.train_test_split(X, y, test_size=2, shuffle=False)[3].tolist() == [0, 1]
    assert len(data.train_test_split(X, y, rng=0)[1]) == 3  # the default test_size 0.25: 2.5 rounded up
    assert data.train_test_split(X, y, test_size=1, shuffle=False)[3].tolist() == [0]  # a count of 1
    assert len(data.train_test_split(np.arange(10.0), y, rng=0)[0]) == 7  # 1-D X: one number per sample
    for bad in (0.0, 1.0, 10, 0):
        with pytest.raises(ValueError, match="test_size"):
            data.train_test_split(X, y, test_size=bad)
    with pytest.raises(ValueError, match="same number"):
        data.train_test_split(X, y[:5])


def test_standardize_uses_training_statistics_only():
    train, test = np.array([[0.0, 5.0], [2.0, 5.0], [4.0, 5.0]]), np.array([[6.0, 7.0]])
    train_s, test_s = data.standardize(train, test)
    np.testing.assert_allclose(train_s[:, 0], [-np.sqrt(1.5), 0, np.sqrt(1.5)])
    np.testing.assert_allclose(test_s, [[4 / np.sqrt(8 / 3), 2.0]])  # the constant feature is only centred
    assert data.standardize(train).shape == (3, 2)
    np.testing.assert_allclose(data.standardize(np.array([[0.0], [0.5], [1.0]]))[:, 0], [-np.sqrt(1.5), 0, np.sqrt(1.5)])
    with pytest.raises(ValueError, match=r"others\[0\] must have 2 features"):
        data.standardize(train, np.ones((2, 3)))


def test_one_hot():
    assert data.one_hot([0, 2, 1]).tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
    assert data.one_hot([1], n_classes=3).tolist() == [[0, 1, 0]]
    with pytest.raises(ValueError, match="labels must be < n_classes = 2; got 2"):
        data.one_hot([0, 2], n_classes=2)
    with pytest.raises(ValueError, match="labels must be integers >= 0"):
        data.one_hot([0.5])


def test_accuracy_binary_and_multiclass():
    assert accuracy([1, 0, 1, 1], [[0.9], [0.2], [0.4], [0.51]]) == 0.75
    assert accuracy([[1], [0]], [0.6, 0.6]) == 0.5
    probs = np.array([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2], [0.2, 0.2, 0.6]])
    assert accuracy([1, 0, 0], probs) == pytest.approx(2 / 3)
    assert accuracy(np.eye(3)[[1, 0, 2]], probs) == 1.0
    with pytest.raises(ValueError, match="one row per sample each; got 2 and 3"):
        accuracy([1, 0], probs)


def test_accuracy_reads_two_outputs_as_two_classes_and_a_half_as_class_0():
    probs = np.array([[0.2, 0.8], [0.6, 0.4], [0.5, 0.5]])
    assert accuracy([1, 0, 0], probs) == 1.0 and accuracy(np.eye(2)[[1, 0, 0]], probs) == 1.0  # labels or one-hot
    assert accuracy([[1], [0], [0]], probs) == 1.0  # labels as a column
    assert accuracy([1, 0], [[0.5], [0.51]]) == 0.0  # p > 0.5 predicts 1; 0.5 itself predicts 0
    for bad, name in (([[[0.5]]], "y_pred"), ([[[1]]], "y_true")):
        args = ([1], bad) if name == "y_pred" else (bad, [0.5])
        with pytest.raises(ValueError, match=rf"^{name} must be a 1-D or 2-D array \(n_samples,\) or \(n_samples, "
                                             rf"n_outputs\); got shape \(1, 1, 1\)$"):
            accuracy(*args)


def test_mean_squared_error_and_registry():
    assert mean_squared_error([1.0, 2.0], [[1.5], [2.0]]) == pytest.approx(0.125)
    with pytest.raises(ValueError, match="y_true must have the shape of y_pred"):
        mean_squared_error([1.0, 2.0, 3.0], [[1.0], [2.0]])
    with pytest.raises(ValueError, match=r"^y_true must have the shape of y_pred \(2, 2\); got \(2, 3\)$"):
        mean_squared_error(np.ones((2, 3)), np.ones((2, 2)))
    with pytest.raises(TypeError, match=r"^y_true must hold real numbers; got list \['a'\]$"):
        mean_squared_error(["a"], [1.0])
    with pytest.raises(TypeError, match=r"^y_pred must hold real numbers; got list \['b'\]$"):
        mean_squared_error([1.0], ["b"])
    assert get("accuracy") == ("accuracy", accuracy) and get("acc") == ("accuracy", accuracy)
    assert get("MSE") == ("mse", mean_squared_error) and set(METRICS) >= {"accuracy", "mse"}
    assert get(np.mean)[1] is np.mean
    with pytest.raises(ValueError, match="unknown metric 'f1'; valid names: accuracy"):
        get("f1")
    with pytest.raises(TypeError, match="^metric must be a name such as 'accuracy' or a function; got int 3$"):
        get(3)
    import functools

    assert get(functools.partial(accuracy))[0] == "metric"  # a function without a __name__

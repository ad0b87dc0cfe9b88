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


def test_generator_arguments_are_checked():
    with pytest.raises(ValueError, match=r"noise must be >= 0 \(a standard deviation\); got -0.1"):
        data.moons(noise=-0.1)
    with pytest.raises(ValueError, match="factor must be < 1"):
        data.circles(factor=1.5)
    with pytest.raises(ValueError, match="n must be >= 4"):
        data.xor(n=3)
    with pytest.raises(TypeError, match="f must be a function"):
        data.noisy_function(f=3)
    with pytest.raises(ValueError, match="low must be < high"):
        data.noisy_function(low=1, high=0)


def test_train_test_split_partitions_and_is_seeded():
    X, y = np.arange(20).reshape(10, 2), np.arange(10)
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, test_size=0.25, rng=0)
    assert len(X_test) == 3 and len(X_train) == 7
    assert sorted(y_train.tolist() + y_test.tolist()) == list(range(10))
    assert (X_train[:, 0] == 2 * y_train).all() and (X_test[:, 0] == 2 * y_test).all()
    again = data.train_test_split(X, y, test_size=0.25, rng=0)
    assert np.array_equal(again[3], y_test)
    assert data.train_test_split(X, y, test_size=2, shuffle=False)[3].tolist() == [0, 1]
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


def test_mean_squared_error_and_registry():
    assert mean_squared_error([1.0, 2.0], [[1.5], [2.0]]) == pytest.approx(0.125)
    with pytest.raises(ValueError, match="y_true must have the shape of y_pred"):
        mean_squared_error([1.0, 2.0, 3.0], [[1.0], [2.0]])
    assert get("accuracy") == ("accuracy", accuracy) and get("acc") == ("accuracy", accuracy)
    assert get("MSE") == ("mse", mean_squared_error) and set(METRICS) >= {"accuracy", "mse"}
    assert get(np.mean)[1] is np.mean
    with pytest.raises(ValueError, match="unknown metric 'f1'; valid names: accuracy"):
        get("f1")
    with pytest.raises(TypeError, match="metric must be a name such as 'accuracy' or a function"):
        get(3)

"""nnlib.optim (notebook 07: the interface and SGD)."""
import numpy as np
import pytest

from nnlib.optim import SGD, Optimizer


def test_sgd_updates_every_array_in_place_by_minus_lr_times_grad():
    w, b = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([0.5])
    w_id, b_id = id(w), id(b)
    SGD(0.1).step([w, b], [np.array([[1.0, 0.0], [-2.0, 0.5]]), np.array([4.0])])
    np.testing.assert_allclose(w, [[0.9, 2.0], [3.2, 3.95]], rtol=0, atol=1e-15)
    np.testing.assert_allclose(b, [0.1], rtol=0, atol=1e-15)
    assert id(w) == w_id and id(b) == b_id


def test_sgd_converges_on_a_quadratic_below_two_over_lambda_max_and_diverges_above():
    H = np.diag([1.0, 10.0])
    for lr, converges in ((0.19, True), (0.21, False)):
        w = np.array([3.0, -2.0])
        for _ in range(300):
            SGD(lr).step([w], [H @ w])
        assert (np.abs(w).max() < 1e-6) == converges


def test_sgd_keeps_float32():
    w = np.ones(3, np.float32)
    SGD(0.5).step([w], [np.ones(3, np.float32)])
    assert w.dtype == np.float32 and w.tolist() == [0.5, 0.5, 0.5]


@pytest.mark.parametrize("params, grads, error, message", [
    ([np.ones(2)], [np.ones(2), np.ones(2)], ValueError, "same length; got 1 and 2"),
    ([np.ones(2)], [np.ones(3)], ValueError, r"grads\[0\] must have the shape of params\[0\] \(2,\); got \(3,\)"),
    ([np.ones(2, int)], [np.ones(2)], TypeError, r"params\[0\] must be a float numpy array"),
    ([[1.0, 2.0]], [np.ones(2)], TypeError, r"params\[0\] must be a float numpy array"),
    (np.ones(2), np.ones(2), TypeError, "params and grads must be lists of arrays"),
])
def test_step_checks_its_arguments(params, grads, error, message):
    with pytest.raises(error, match=message):
        SGD(0.1).step(params, grads)


@pytest.mark.parametrize("lr, error, message", [
    (0, ValueError, "lr must be > 0; got 0"), (-0.1, ValueError, "lr must be > 0"),
    (float("inf"), ValueError, "lr must be finite"), (float("nan"), ValueError, "lr must be finite"),
    ("0.1", TypeError, "lr must be a real number"),
])
def test_learning_rate_is_validated(lr, error, message):
    with pytest.raises(error, match=message):
        SGD(lr)


def test_interface_and_repr():
    assert repr(SGD(0.05)) == "SGD(lr=0.05)"
    with pytest.raises(NotImplementedError):
        Optimizer().step([np.ones(1)], [np.ones(1)])

"""nnlib.gradcheck (notebook 06) and, through it, backpropagation over a grid of networks: depth 1-3, every
hidden activation, every loss, float64 — the largest relative error of every parameter array below 1e-7."""
import numpy as np
import pytest

from nnlib.gradcheck import check_gradients, numerical_gradient, relative_error
from nnlib.layers import Dense
from nnlib.losses import BinaryCrossEntropy, CategoricalCrossEntropy

ACTIVATIONS = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "gelu"]
LOSSES = {  # name: (output activation, units, loss, labels)
    "mse": (None, 2, "mse", lambda r: r.normal(size=(6, 2))),
    "bce": ("sigmoid", 1, "binary_crossentropy", lambda r: r.integers(0, 2, size=(6, 1))),
    "bce-logits": (None, 1, BinaryCrossEntropy(from_logits=True), lambda r: r.integers(0, 2, size=(6, 1))),
    "cce": ("softmax", 3, "categorical_crossentropy", lambda r: r.integers(0, 3, size=6)),
    "cce-logits": (None, 3, CategoricalCrossEntropy(from_logits=True), lambda r: np.eye(3)[r.integers(0, 3, size=6)]),
}


def away_from_kinks(depth, activation, output, seed):
    """A network whose pre-activations all lie further than 1e-6 from 0 on its inputs (redrawn until so)."""
    out_act, units, loss, labels = LOSSES[output]
    for attempt in range(100):
        rng = np.random.default_rng([seed, attempt])
        sizes = [3] + [4] * (depth - 1) + [units]
        layers = [Dense(sizes[i + 1], activation if i < depth - 1 else out_act, input_dim=sizes[i], rng=rng)
                  for i in range(depth)]
        X, a, closest = rng.normal(size=(6, 3)), None, np.inf
        a = X
        for layer in layers:
            z = a @ layer.params["W"] + layer.params["b"]
            closest, a = min(closest, np.abs(z).min()), layer.activation(z)
        if closest > 1e-6:
            return layers, X, labels(rng), loss
    raise AssertionError("could not draw a network away from the kinks")


GRID = [(1, "none", output) for output in LOSSES] + [
    (depth, activation, output) for depth in (2, 3) for activation in ACTIVATIONS for output in LOSSES
]  # a depth-1 network is its output layer alone: no hidden activation


@pytest.mark.parametrize("depth, activation, output", GRID, ids=["-".join(map(str, case)) for case in GRID])
def test_backprop_matches_central_differences(depth, activation, output):
    errors = check_gradients(*away_from_kinks(depth, activation, output, seed=depth))
    assert len(errors) == 2 * depth and all(key.startswith("layers[") for key in errors)
    assert max(errors.values()) < 1e-7, errors


def test_a_broken_backward_fails_the_check():
    class Forgetful(Dense):
        def backward(self, G):  # forgets the activation's derivative
            self.grads["W"] = self.A_prev.T @ G
            self.grads["b"] = G.sum(axis=0)
            return G @ self.params["W"].T

    rng = np.random.default_rng(0)
    layers = [Forgetful(4, "tanh", input_dim=3, rng=rng), Dense(1, "sigmoid", input_dim=4, rng=rng)]
    errors = check_gradients(layers, rng.normal(size=(6, 3)), rng.integers(0, 2, size=(6, 1)), "binary_crossentropy")
    assert errors["layers[0].W"] > 0.05 and errors["layers[1].W"] < 1e-7


def test_check_gradients_takes_a_model_with_layers():
    class Model:
        def __init__(self, layers):
            self.layers = layers

    layers, X, y, loss = away_from_kinks(2, "tanh", "mse", seed=9)
    assert check_gradients(Model(layers), X, y, loss).keys() == {"layers[0].W", "layers[0].b", "layers[1].W", "layers[1].b"}
    with pytest.raises(TypeError, match=r"^network must be a non-empty list of layers or a model with \.layers; got list \[\]$"):
        check_gradients([], X, y, loss)
    with pytest.raises(ValueError, match=r"^X must be a 2-D array \(n_samples, n_features\); got shape \(3,\)$"):
        check_gradients(layers, X[0], y, loss)
    with pytest.raises(ValueError, match="unknown loss 'l1'"):
        check_gradients(layers, X, y, "l1")


def test_check_gradients_uses_the_step_it_is_given():
    """A large h leaves the O(h^2) truncation error of central differences in the result; the default does not."""
    layers, X, y, loss = away_from_kinks(2, "tanh", "mse", seed=9)
    assert max(check_gradients(layers, X, y, loss).values()) < 1e-7
    assert max(check_gradients(layers, X, y, loss, h=0.3).values()) > 1e-4


def test_numerical_gradient_is_float64_for_a_float32_x():
    x = np.array([0.5, -1.0], np.float32)
    grad = numerical_gradient(lambda v: float((v.astype(np.float64) ** 2).sum()), x, h=1e-2)
    assert grad.dtype == np.float64
    np.testing.assert_allclose(grad, [1.0, -2.0], rtol=1e-5)


def test_numerical_gradient_of_known_functions_restores_x():
    x = np.array([[0.5, -1.0], [2.0, 0.25]])
    before = x.copy()
    np.testing.assert_allclose(numerical_gradient(lambda v: (v**2).sum(), x), 2 * before, rtol=1e-9)
    np.testing.assert_allclose(numerical_gradient(lambda v: np.sin(v).sum(), x), np.cos(before), rtol=1e-9)
    assert np.array_equal(x, before)
    with pytest.raises(TypeError, match=r"^x must be a float numpy array \(it is perturbed in place\); got list \[1\.0, 2\.0\]$"):
        numerical_gradient(lambda v: 0.0, [1.0, 2.0])
    with pytest.raises(TypeError, match="x must be a float numpy array"):
        numerical_gradient(lambda v: 0.0, np.array([1, 2]))
    with pytest.raises(TypeError, match="^f must be a function of x returning a number; got int 3$"):
        numerical_gradient(3, x)
    with pytest.raises(ValueError, match="h must be > 0"):
        numerical_gradient(lambda v: 0.0, x, h=0)


def test_relative_error_scales_by_the_larger_gradient():
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error([1.0, 0.0], [1.0, 1e-9]) == pytest.approx(1e-9)
    assert relative_error([2.0, 1.0], [1.0, 1.0]) == pytest.approx(0.5)
    assert relative_error([2e-3, 0.0], [1e-3, 0.0]) == pytest.approx(0.5)  # relative at any scale, not absolute
    assert relative_error(np.zeros((0, 3)), np.zeros((0, 3))) == 0.0
    with pytest.raises(ValueError, match=r"one shape; got \(2,\) and \(3,\)"):
        relative_error(np.ones(2), np.ones(3))

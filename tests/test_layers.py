"""nnlib.init and nnlib.layers (notebook 04 forward pass; notebook 06 backward)."""
import math

import numpy as np
import pytest

from nnlib import init
from nnlib.activations import Identity, ReLU, Sigmoid, Softmax
from nnlib.layers import Dense, Layer

# -- initialisers ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, variance", [
    ("glorot_uniform", lambda n_in, n_out: 2 / (n_in + n_out)), ("glorot_normal", lambda n_in, n_out: 2 / (n_in + n_out)),
    ("he_uniform", lambda n_in, n_out: 2 / n_in), ("he_normal", lambda n_in, n_out: 2 / n_in),
])
def test_initialisers_have_the_stated_variance_and_support(name, variance):
    W = init.get(name)((400, 300), np.random.default_rng(0))
    assert W.shape == (400, 300) and W.dtype == np.float64
    assert abs(W.var() / variance(400, 300) - 1) < 0.02 and abs(W.mean()) < 0.002
    if name.endswith("uniform"):
        limit = math.sqrt(3 * variance(400, 300))
        assert np.abs(W).max() <= limit and np.abs(W).max() > 0.99 * limit


def test_initialisers_are_reproducible_and_keep_float32():
    a = init.glorot_uniform((5, 3), np.random.default_rng(7))
    b = init.glorot_uniform((5, 3), np.random.default_rng(7))
    assert np.array_equal(a, b)
    assert init.he_normal((5, 3), np.random.default_rng(7), np.float32).dtype == np.float32
    assert init.zeros((4,)).tolist() == [0.0] * 4 and init.zeros((4,), dtype=np.float32).dtype == np.float32


def test_initialiser_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"shape must be \(n_in, n_out\) or \(n,\) of positive ints; got \(0, 3\)"):
        init.he_uniform((0, 3), np.random.default_rng(0))
    with pytest.raises(TypeError, match="rng must be a numpy Generator"):
        init.he_uniform((2, 3), 0)
    with pytest.raises(TypeError, match="dtype must be float32 or float64; got int64"):
        init.he_uniform((2, 3), np.random.default_rng(0), np.int64)
    with pytest.raises(ValueError, match="unknown initialiser 'xavier'; valid names: glorot_uniform, glorot_normal"):
        init.get("xavier")
    with pytest.raises(TypeError, match="init must be a name such as 'glorot_uniform' or a function; got int 3"):
        init.get(3)


# -- Dense forward --------------------------------------------------------------------------------------------


def test_dense_forward_is_activation_of_x_w_plus_b_row_by_row():
    rng = np.random.default_rng(1)
    layer = Dense(4, activation="tanh", input_dim=3, rng=2)
    X = rng.normal(size=(5, 3))
    out = layer.forward(X)
    W, b = layer.params["W"], layer.params["b"]
    assert W.shape == (3, 4) and b.shape == (4,) and out.shape == (5, 4)
    for r in range(5):  # one sample at a time, one unit at a time
        for j in range(4):
            assert out[r, j] == pytest.approx(math.tanh(sum(X[r, i] * W[i, j] for i in range(3)) + b[j]), abs=1e-14)


def test_dense_takes_its_input_size_from_the_first_batch_and_then_checks_it():
    layer = Dense(2, rng=0, name="first")
    assert not layer.built and repr(layer) == "Dense(? -> 2, activation=Identity)"
    layer(np.ones((3, 7)))  # the door builds the layer from the first batch
    assert layer.built and layer.params["W"].shape == (7, 2) and repr(layer) == "Dense(7 -> 2, activation=Identity)"
    with pytest.raises(ValueError, match=r"^first expects 7 features per sample; got x of shape \(3, 6\)$"):
        layer(np.ones((3, 6)))
    assert layer.n_params == 16 and set(layer.grads) == {"W", "b"}
    assert all(layer.grads[k].shape == layer.params[k].shape for k in layer.params)


def test_dense_refuses_bad_inputs_and_arguments_early():
    layer = Dense(2, input_dim=3, rng=0)
    for bad, error, message in [
        (np.ones(3), ValueError, r"dense\(2\): x must be a 2-D array \(n_samples, n_features\); got shape \(3,\)"),
        ([[1.0, np.inf, 0.0]], ValueError, r"dense\(2\): x must be finite; got inf at index \(0, 1\)"),
        ([[1.0, np.nan, 0.0]], ValueError, "must be finite; got nan"),
        ([["a", "b", "c"]], TypeError, r"dense\(2\): x must hold real numbers"),
    ]:
        with pytest.raises(error, match=message):
            layer(bad)
    with pytest.raises(ValueError, match="units must be >= 1; got 0"):
        Dense(0)
    with pytest.raises(TypeError, match="units must be an integer"):
        Dense(2.5)
    with pytest.raises(ValueError, match="unknown activation 'rleu'"):
        Dense(2, activation="rleu")
    with pytest.raises(ValueError, match="init: unknown initialiser 'he'"):
        Dense(2, init="he")
    with pytest.raises(TypeError, match="dtype must be float32 or float64"):
        Dense(2, dtype=np.int32)
    with pytest.raises(ValueError, match="input_dim must be >= 1"):
        Dense(2, input_dim=0)
    with pytest.raises(ValueError, match="^bias_init: unknown initialiser 'one'; valid names: glorot_uniform"):
        Dense(2, bias_init="one")
    with pytest.raises(TypeError, match="^dtype must be float32 or float64; got str 'int8'$"):
        Dense(2, dtype="int8")
    with pytest.raises(TypeError, match="^name must be a str or None; got int 3$"):
        Dense(2, name=3)


def test_a_layers_default_name_is_its_class_name_in_lower_case_and_messages_use_it():
    assert Layer().name == "layer" and Dense(3).name == "dense(3)" and Dense(3, name="out").name == "out"
    with pytest.raises(ValueError, match=r"^layer: x must be a 2-D array \(n_samples, n_features\); got shape \(3,\)$"):
        Layer()(np.ones(3))


def test_the_door_passes_an_empty_batch_through():
    assert Dense(3, input_dim=2, rng=0)(np.ones((0, 2))).shape == (0, 3)


def test_a_random_bias_initialiser_draws_from_the_layers_generator_after_w():
    layer = Dense(3, input_dim=2, bias_init="he_uniform", rng=4)
    rng = np.random.default_rng(4)
    W = rng.uniform(-math.sqrt(6 / 5), math.sqrt(6 / 5), size=(2, 3))
    b = rng.uniform(-math.sqrt(6 / 3), math.sqrt(6 / 3), size=3)  # a bias (n,) counts n as its fan-in
    np.testing.assert_array_equal(layer.params["W"], W)
    np.testing.assert_array_equal(layer.params["b"], b)


def test_dense_is_reproducible_from_a_seed_and_honours_float32():
    a, b = Dense(3, input_dim=4, rng=5), Dense(3, input_dim=4, rng=5)
    assert np.array_equal(a.params["W"], b.params["W"])
    layer = Dense(3, activation="sigmoid", input_dim=4, rng=5, dtype=np.float32)
    out = layer(np.ones((2, 4)))  # the door casts float64 input to the layer's dtype
    assert layer.params["W"].dtype == np.float32 and out.dtype == np.float32


def test_dense_accepts_activation_objects_and_none():
    assert isinstance(Dense(2, activation=None).activation, Identity)
    relu = ReLU()
    assert Dense(2, activation=relu).activation is relu
    out = Dense(3, activation="softmax", input_dim=2, rng=0)(np.ones((4, 2)))
    assert np.allclose(out.sum(axis=1), 1)
    assert isinstance(Dense(2, activation=Softmax).activation, Softmax)
    assert isinstance(Dense(2, activation="sigmoid").activation, Sigmoid)


def test_layer_interface_requires_forward_and_backward():
    with pytest.raises(NotImplementedError, match="Layer must define forward"):
        Layer().forward(np.ones((1, 1)))
    with pytest.raises(NotImplementedError, match="Layer must define backward"):
        Layer().backward(np.ones((1, 1)))
    assert Layer().n_params == 0
    layer = Layer()  # a layer with no params: the default build keeps the width
    assert not layer.built and layer.build(4) == 4 and layer.input_dim == 4 and layer.built


# -- Dense backward (notebook 06) ----------------------------------------------------------------------------


def test_backward_fills_grads_with_the_matrix_equations():
    rng = np.random.default_rng(3)
    layer = Dense(4, "tanh", input_dim=3, rng=4)
    X, G = rng.normal(size=(6, 3)), rng.normal(size=(6, 4))
    layer.forward(X)
    W_before = layer.params["W"].copy()
    grad_in = layer.backward(G)
    Z = X @ layer.params["W"] + layer.params["b"]
    delta = G * (1 - np.tanh(Z) ** 2)
    np.testing.assert_allclose(layer.grads["W"], X.T @ delta, rtol=1e-13)
    np.testing.assert_allclose(layer.grads["b"], delta.sum(axis=0), rtol=1e-13)
    np.testing.assert_allclose(grad_in, delta @ W_before.T, rtol=1e-13)
    assert grad_in.shape == X.shape and np.array_equal(layer.params["W"], W_before)  # backward does not update


def test_forward_and_backward_are_the_plain_formulas_behind_the_door():
    """layer(x) checks x; forward and backward compute, with no checks inside (Sequential checks its data once)."""
    layer = Dense(2, "tanh", input_dim=3, rng=0)
    x = np.random.default_rng(1).normal(size=(4, 3))
    np.testing.assert_array_equal(layer(x), layer.forward(x))
    np.testing.assert_array_equal(layer.Z, x @ layer.params["W"] + layer.params["b"])
    assert layer.A_prev is x  # kept for backward, not copied
    assert np.isnan(layer.forward(np.full((1, 3), np.nan))).all()  # the formula does not look
    with pytest.raises(ValueError, match="must be finite"):
        layer(np.full((1, 3), np.nan))  # the door does


def test_backward_returns_none_when_the_input_needs_no_gradient():
    layer = Dense(2, "tanh", input_dim=3, rng=0)
    layer(np.ones((4, 3)))
    assert layer.backward(np.ones((4, 2))).shape == (4, 3)
    layer.needs_input_grad = False  # as Sequential sets it on its first layer: the data needs no gradient
    assert layer.backward(np.ones((4, 2))) is None and layer.grads["W"].shape == (3, 2)


def test_backward_keeps_float32():
    layer = Dense(3, "relu", input_dim=2, rng=0, dtype=np.float32)
    layer(np.ones((5, 2), np.float32))
    out = layer.backward(np.ones((5, 3), np.float32))
    assert layer.grads["W"].dtype == layer.grads["b"].dtype == out.dtype == np.float32
    assert layer.grads["W"].shape == (2, 3) and layer.grads["b"].shape == (3,)

"""nnlib.layers: Layer, Dense (notebook 04 forward pass; notebook 06 backward) and Dropout (notebook 10)."""
import math

import numpy as np
import pytest

from nnlib.activations import ELU, Identity, ReLU, Sigmoid, Softmax
from nnlib.data import moons
from nnlib.layers import Dense, Dropout, Layer
from nnlib.model import Sequential
from nnlib.optim import SGD
from nnlib.regularizers import L1L2

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


# -- Dropout (notebook 10) -----------------------------------------------------------------------------------


def test_dropout_scales_in_training_and_is_off_at_prediction():
    drop = Dropout(0.5, rng=0)
    x = np.ones((400, 100))
    out = drop(x)
    assert set(np.unique(out)) == {0.0, 2.0} and abs(out.mean() - 1) < 0.02
    np.testing.assert_array_equal(drop.backward(np.ones_like(x)), out)  # the same mask
    np.testing.assert_array_equal(drop(x, training=False), x)
    G = np.random.default_rng(1).normal(size=x.shape)
    np.testing.assert_array_equal(drop.backward(G), G)  # after a prediction pass: no mask, the gradient passes
    off = Dropout(0.0)
    np.testing.assert_array_equal(off(x), x)
    np.testing.assert_array_equal(off.backward(G), G)  # rate 0: nothing dropped, nothing scaled, both ways
    assert drop.n_params == 0 and off.n_params == 0
    with pytest.raises(ValueError, match=r"rate must be in \[0, 1\); got 1"):
        Dropout(1.0)
    with pytest.raises(ValueError, match="^input_dim must be >= 1; got 0$"):
        Dropout(0.5, input_dim=0)


def test_dropout_keeps_float32_and_forward_defaults_to_training():
    x = np.ones((200, 50), np.float32)
    out = Dropout(0.3, rng=0).forward(x)  # the contract's default: training=True
    assert out.dtype == np.float32 and 0 < np.mean(out == 0) < 1


@pytest.mark.parametrize("rate", [0.1, 0.3, 0.8])
def test_dropout_keeps_1_minus_rate_of_the_units_scaled_by_1_over_1_minus_rate(rate):
    """At rates other than 0.5, keeping with probability rate, or scaling by 1 / rate, gives other numbers."""
    x = np.full((500, 200), 3.0)  # 100 000 units: the kept share has a standard deviation below 0.0016
    out = Dropout(rate, rng=2)(x)
    kept = out != 0
    assert abs(kept.mean() - (1 - rate)) < 0.01
    np.testing.assert_allclose(out[kept], 3.0 / (1 - rate), rtol=1e-15)
    assert abs(out.mean() - 3.0) < 0.1  # E[out] = x (the mean's standard deviation is 0.019 at rate 0.8)


@pytest.mark.parametrize("rate", [0.1, 0.3, 0.8])
def test_dropout_backward_uses_the_forward_mask_and_scale(rate):
    drop = Dropout(rate, rng=3)
    x, G = np.random.default_rng(4).normal(size=(300, 50)) + 5.0, np.random.default_rng(5).normal(size=(300, 50))
    out = drop(x)
    kept = out != 0
    np.testing.assert_allclose(out, np.where(kept, x / (1 - rate), 0.0), rtol=1e-15, atol=0)
    np.testing.assert_allclose(drop.backward(G), np.where(kept, G / (1 - rate), 0.0), rtol=1e-15, atol=0)
    assert 0 < kept.mean() < 1


def test_dropout_trains_in_a_model_reproducibly_and_predicts_deterministically():
    X, y = moons(n=80, noise=0.1, rng=5)

    def run():
        model = Sequential([Dense(16, "relu", input_dim=2), Dropout(0.3), Dense(1, "sigmoid")])
        model.compile(SGD(0.5), "binary_crossentropy", ["accuracy"])
        return model, model.fit(X, y, epochs=20, batch_size=16, rng=6, verbose=0)

    (a, history_a), (b, history_b) = run(), run()
    assert history_a.history["loss"] == history_b.history["loss"]  # the masks come from fit's seed
    assert np.array_equal(a.predict(X), a.predict(X)) and np.array_equal(a.predict(X), b.predict(X))


# -- descriptions (get_config, notebooks 04 and 10) ------------------------------------------------------------


def test_dense_and_dropout_describe_the_arguments_that_build_them_again():
    dense = Dense(4, ELU(0.5), input_dim=3, kernel_regularizer=L1L2(0.1, 0.2), rng=0, name="hidden")
    assert dense.get_config() == {"units": 4, "activation": ELU(0.5), "input_dim": 3, "name": "hidden",
                                  "kernel_regularizer": L1L2(0.1, 0.2), "rng": dense.rng}
    again = Dense.from_config(dense.get_config())
    assert repr(again) == "Dense(3 -> 4, activation=ELU)" and again.name == "hidden"
    assert again.activation == ELU(0.5) and again.kernel_regularizer == L1L2(0.1, 0.2)
    assert again.rng is dense.rng and again.seeded  # a seeded layer stays seeded (saving keeps the generator's state)
    assert Dense(2).get_config() == {"units": 2, "activation": Identity(), "input_dim": None, "name": "dense(2)",
                                     "kernel_regularizer": None, "rng": None}  # it draws from fit's generator
    rng = np.random.default_rng(3)
    drop = Dropout(0.25, input_dim=5, rng=rng, name="drop")
    config = drop.get_config()
    assert config == {"rate": 0.25, "input_dim": 5, "rng": rng, "name": "drop"} and config["rng"] is rng
    copy = Dropout.from_config(config)
    assert (copy.rate, copy.input_dim, copy.name) == (0.25, 5, "drop") and copy.rng is rng


def test_a_layer_of_ones_own_without_get_config_says_what_to_define():
    class _Twice(Layer):  # "_": not filed in nnlib.config.CLASSES, so no other test sees it
        def forward(self, x, training=True):
            return 2 * x

        def backward(self, G):
            return 2 * G

    with pytest.raises(NotImplementedError, match=r"^_Twice must define get_config\(\), returning the arguments that "
                                                  r"build it again \(such as \{'units': 8\}\), to be saved$"):
        _Twice().get_config()

"""The Layer contract (notebook 04) is all Sequential uses (notebook 08): a learner's own layer, written from the
Layer docstring alone, trains inside fit; a Dense subclass that overrides backward is what fit runs; gradient
checks pass through both; the fused p - y output gradient (notebook 05) goes through the output layer's own
backward and stays exact where p is exactly 0 or 1."""
import numpy as np
import pytest

from nnlib.data import moons
from nnlib.gradcheck import check_gradients
from nnlib.layers import Dense, Layer
from nnlib.losses import BinaryCrossEntropy
from nnlib.model import Sequential
from nnlib.optim import SGD


class Scale(Layer):
    """A learner's layer, from Layer's docstring: y = s * x, one trainable scale per feature."""

    def build(self, input_dim, rng=None):
        self.input_dim = input_dim
        self.params = {"s": np.ones(input_dim, dtype=self.dtype)}
        self.grads = {"s": np.zeros(input_dim, dtype=self.dtype)}
        return input_dim

    def forward(self, x, training=True):
        self.x = x
        return x * self.params["s"]

    def backward(self, G):
        self.grads["s"] = (G * self.x).sum(axis=0)
        return G * self.params["s"]


def test_a_learners_own_layer_trains_inside_fit():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 2))
    y = X * [3.0, -0.5]  # the right scales are 3 and -0.5
    model = Sequential([Scale()]).compile(SGD(0.1), "mse")  # no input_dim: the width comes from the data
    history = model.fit(X, y, epochs=200, batch_size=16, rng=1, verbose=0)
    np.testing.assert_allclose(model.layers[0].params["s"], [3.0, -0.5], rtol=1e-6)
    assert history.history["loss"][-1] < 1e-10 < history.history["loss"][0]
    assert model.predict(X).shape == (64, 2) and model.layers[0].n_params == 2


def test_a_learners_layer_between_dense_layers_trains_and_passes_the_gradient_check():
    X, y = moons(n=80, noise=0.1, rng=2)
    model = Sequential([Dense(8, "tanh", input_dim=2), Scale(), Dense(1, "sigmoid")])
    model.compile(SGD(0.5), "binary_crossentropy", ["accuracy"])
    history = model.fit(X, y, epochs=60, batch_size=16, rng=3, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert not np.array_equal(model.layers[1].params["s"], np.ones(8))  # the scales were trained
    errors = check_gradients(model, X[:10], y[:10, None], "binary_crossentropy")
    assert set(errors) == {"layers[0].W", "layers[0].b", "layers[1].s", "layers[2].W", "layers[2].b"}
    assert max(errors.values()) < 1e-7


def test_a_layer_in_a_float32_model_builds_in_float32():
    model = Sequential([Dense(3, "relu", input_dim=2), Scale(), Dense(1)], dtype="float32").compile(SGD(0.01), "mse")
    model.fit(np.ones((4, 2)), np.ones(4), epochs=1, verbose=0)
    assert model.layers[1].params["s"].dtype == np.float32 and model.predict(np.ones((2, 2))).dtype == np.float32


class Frozen(Dense):
    """A Dense subclass whose backward passes the gradient down but leaves its own weights alone."""

    def backward(self, G):
        delta = self.activation.jvp(self.Z, G)
        self.grads["W"], self.grads["b"] = np.zeros_like(self.params["W"]), np.zeros_like(self.params["b"])
        return delta @ self.params["W"].T


class Counting(Dense):
    calls = []

    def backward(self, G):
        self.calls.append((self.name, G.shape))
        return super().backward(G)


@pytest.mark.parametrize("loss, output", [("binary_crossentropy", "sigmoid"), ("mse", None)])
def test_a_dense_subclass_that_overrides_backward_is_the_one_fit_runs(loss, output):
    X, y = moons(n=48, noise=0.1, rng=4)
    Counting.calls.clear()
    model = Sequential([Frozen(6, "tanh", input_dim=2, rng=7, name="frozen"), Counting(6, "tanh", name="hidden"),
                        Counting(1, output, name="out")]).compile(SGD(0.3), loss)
    W_frozen = model.layers[0].params["W"].copy()
    model.fit(X, y, epochs=3, batch_size=16, rng=5, verbose=0)
    assert np.array_equal(model.layers[0].params["W"], W_frozen)  # its backward ran: no step moved it
    assert Counting.calls == [("out", (16, 1)), ("hidden", (16, 6))] * 9  # 3 epochs x 3 batches, the output too
    errors = check_gradients([Dense(4, "tanh", input_dim=3, rng=0), Counting(2, "sigmoid", input_dim=4, rng=1)],
                             np.random.default_rng(6).normal(size=(5, 3)), np.array([[0, 1]] * 5), "binary_crossentropy")
    assert max(errors.values()) < 1e-7


def test_the_fused_output_gradient_is_exact_where_p_is_0_or_1():
    """sigmoid + cross-entropy: fit starts from (p - y)/N at the output's Z, through the output layer's backward."""
    out = Dense(1, "sigmoid", input_dim=1, rng=0)
    model = Sequential([out]).compile(SGD(1.0), "binary_crossentropy")
    out.params["W"][...], out.params["b"][...] = [[100.0]], [0.0]  # z = 100 x: p is 1.0 exactly, or below 1e-20
    model._initialised = True  # keep these weights
    X, y = np.array([[1.0], [-1.0], [0.5], [-0.5]]), np.array([0.0, 1.0, 0.0, 1.0])  # all four confidently wrong
    p = model.predict(X)[:, 0]
    assert np.all((p == 1.0) | (p < 1e-20))
    chained = BinaryCrossEntropy().gradient(p[:, None], y[:, None]) * p[:, None] * (1 - p[:, None])
    assert np.abs(chained).max() < 1e-6  # the chained form: (p - y)/(p(1 - p)N), clipped, times p(1 - p) ~ 0
    model._fused = True
    model.train_step(X, y[:, None])
    want = (X[:, 0] * (p - y)).sum() / 4  # dL/dW = x (p - y) / N, summed over the batch
    assert out.grads["W"][0, 0] == pytest.approx(want, rel=1e-12) and abs(want) > 0.3
    assert type(out.activation).__name__ == "Sigmoid"  # the activation is back after the step


@pytest.mark.parametrize("loss, from_logits", [("binary_crossentropy", False), (BinaryCrossEntropy(from_logits=True), True)])
def test_fit_takes_its_first_step_from_p_minus_y_where_p_is_0_or_1(loss, from_logits):
    """fit decides the fusion itself: a sigmoid output with cross-entropy on probabilities, or logits, step by
    (p - y)/N exactly, even where the chained gradient is lost to the clip."""
    out = Dense(1, "sigmoid" if not from_logits else None, input_dim=1, rng=0)
    model = Sequential([out]).compile(SGD(1.0), loss)
    model.set_weights([np.array([[100.0]]), np.array([0.0])])  # z = 100 x: p is 1.0 exactly, or below 1e-20
    X, y = np.array([[1.0], [-1.0], [0.5], [-0.5]]), np.array([0.0, 1.0, 0.0, 1.0])  # all four confidently wrong
    p = 1 / (1 + np.exp(-100 * X[:, 0]))
    model.fit(X, y, epochs=1, batch_size=None, shuffle=False, verbose=0)
    assert out.params["W"][0, 0] == pytest.approx(100.0 - (X[:, 0] * (p - y)).sum() / 4, rel=1e-12)
    assert type(out.activation).__name__ == ("Sigmoid" if not from_logits else "Identity")


def test_what_breaks_the_contract_is_refused_when_the_layer_is_added_or_built():
    class NoInit(Layer):
        def __init__(self):
            pass  # forgot super().__init__()

    with pytest.raises(TypeError, match=r"^NoInit .* does not follow the Layer contract: its __init__ must call "
                                        r"super\(\).__init__\(\)$"):
        Sequential([NoInit()])

    class BadWidth(Scale):
        def build(self, input_dim, rng=None):
            super().build(input_dim, rng)
            return "wide"

    with pytest.raises(TypeError, match=r"layers\[0\].build must return its output width, an int >= 1; got str 'wide'"):
        Sequential([BadWidth()]).predict(np.ones((2, 3)))

    class Float64Only(Scale):
        def build(self, input_dim, rng=None):
            width = super().build(input_dim, rng)
            self.params["s"] = self.params["s"].astype(np.float64)
            return width

    with pytest.raises(TypeError, match=r"^layers\[0\].params\['s'\] must be an array of the model's dtype float32 \(create "
                                        r"it with dtype=self.dtype in build\); got an array of shape \(3,\) and dtype float64$"):
        Sequential([Float64Only()], dtype="float32").predict(np.ones((2, 3)))
    with pytest.raises(TypeError, match="layers must be Layer objects such as Dense"):
        Sequential([lambda x: x])

"""Notebook 13's autograd: every operation against finite differences, shared nodes, broadcasting, whole
networks against Dense.backward, the refusals; and the skip logic for notebook 13 without PyTorch."""
import math

import numpy as np
import pytest

import conftest
from nnlib.autograd import Tensor, Value, topological_order, unbroadcast
from nnlib.layers import Dense
from nnlib.losses import CategoricalCrossEntropy, MeanSquaredError
from nnlib.model import Sequential

H = 1e-6


def central(f, x):
    return (f(x + H) - f(x - H)) / (2 * H)


# ---- Value ----------------------------------------------------------------------------------------------

UNARY = {
    "exp": (lambda v: v.exp(), math.exp), "log": (lambda v: v.log(), math.log), "tanh": (lambda v: v.tanh(), math.tanh),
    "relu": (lambda v: v.relu(), lambda x: max(x, 0.0)), "square": (lambda v: v**2, lambda x: x**2),
    "cube root": (lambda v: v ** (1 / 3), lambda x: x ** (1 / 3)), "inverse": (lambda v: v**-1, lambda x: 1 / x),
    "neg": (lambda v: -v, lambda x: -x), "2 - v": (lambda v: 2 - v, lambda x: 2 - x),
    "3 / v": (lambda v: 3 / v, lambda x: 3 / x), "v / 4": (lambda v: v / 4, lambda x: x / 4),
    "5 + v": (lambda v: 5 + v, lambda x: 5 + x), "2 * v": (lambda v: 2 * v, lambda x: 2 * x),
}


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("x", [0.3, 1.7, -0.8])
def test_every_scalar_operation_against_central_differences(name, x):
    op, f = UNARY[name]
    if name in ("log", "cube root") and x < 0:
        x = -x
    v = Value(x)
    out = op(v)
    out.backward()
    assert out.data == pytest.approx(f(x), rel=1e-14)
    assert v.grad == pytest.approx(central(f, x), rel=1e-7, abs=1e-9)


def test_binary_operations_give_both_partial_derivatives():
    for op, f in ((lambda a, b: a + b, lambda a, b: a + b), (lambda a, b: a * b, lambda a, b: a * b),
                  (lambda a, b: a - b, lambda a, b: a - b), (lambda a, b: a / b, lambda a, b: a / b)):
        a, b = Value(1.3), Value(-0.7)
        op(a, b).backward()
        assert a.grad == pytest.approx(central(lambda x: f(x, -0.7), 1.3), rel=1e-7)
        assert b.grad == pytest.approx(central(lambda x: f(1.3, x), -0.7), rel=1e-7)


def test_a_node_used_twice_gets_both_contributions():
    a = Value(3.0)
    (a * a).backward()  # d(a^2)/da = 2a, from two uses
    assert a.grad == 6.0
    a, b = Value(2.0), Value(3.0)
    ((a * b + a) ** 2).backward()
    assert a.grad == 64.0 and b.grad == 32.0
    # a diamond: c feeds d and e, both feed out
    x = Value(0.5)
    c = x.tanh()
    out = c * c.exp() + c
    out.backward()
    t = math.tanh(0.5)
    assert x.grad == pytest.approx((math.exp(t) * (1 + t) + 1) * (1 - t * t), rel=1e-14)


def test_backward_twice_gives_the_same_gradients_and_relu_has_slope_0_at_the_kink():
    a = Value(0.4)
    out = (a * 3).tanh()
    out.backward()
    first = a.grad
    out.backward()
    assert a.grad == first
    k = Value(0.0)
    k.relu().backward()
    assert k.grad == 0.0


def test_topological_order_lists_parents_before_children_on_a_deep_graph():
    x = Value(1.0)
    y = x
    for _ in range(3000):  # deeper than Python's recursion limit: the order is found without recursion
        y = y * 1.0001
    order = topological_order(y)
    position = {id(node): i for i, node in enumerate(order)}
    assert order[-1] is y and len(order) == len(position) == 1 + 2 * 3000  # x, and each product with its constant
    assert all(position[id(parent)] < position[id(node)] for node in order for parent in node.parents)
    y.backward()
    assert x.grad == pytest.approx(1.0001**3000, rel=1e-12)


@pytest.mark.parametrize("make, error, message", [
    (lambda: Value("1"), TypeError, "a Value holds one real number; got str '1'"),
    (lambda: Value(float("nan")), ValueError, "a Value must be finite"),
    (lambda: Value(True), TypeError, "one real number"),
    (lambda: Value(-1.0).log(), ValueError, "log\\ needs\\ a\\ value\\ of\\ at\\ least\\ 5\\.56e\\-309\\ \\(its\\ derivative\\ 1/a\\ must\\ be\\ a\\ float\\);\\ got\\ \\-1"),
    (lambda: Value(4.8e-309).log(), ValueError, "log\\ needs\\ a\\ value\\ of\\ at\\ least\\ 5\\.56e\\-309\\ \\(its\\ derivative\\ 1/a\\ must\\ be\\ a\\ float\\);\\ got\\ 4\\.8e\\-309"),
    (lambda: Value(1e-200) ** -1.0, ValueError, "the\\ derivative\\ of\\ 1e\\-200\\ \\*\\*\\ \\-1\\ is\\ beyond\\ the\\ largest\\ float;\\ scale\\ the\\ input\\ up"),
    (lambda: Value(-8.0) ** 0.5, ValueError, "-8 \\*\\* 0.5 has no real derivative"),
    (lambda: Value(2.0) ** Value(2.0), TypeError, "the exponent must be a number"),
    (lambda: Value(1.0) + "a", TypeError, "a Value holds one real number"),
])
def test_value_refuses_what_has_no_real_derivative(make, error, message):
    with pytest.raises(error, match=message):
        make()


# ---- Tensor ---------------------------------------------------------------------------------------------

def numeric_gradient(f, x):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += H
        down[i] -= H
        grad[i] = (f(up) - f(down)) / (2 * H)
    return grad


TENSOR_OPS = {
    "exp": lambda t: t.exp(), "log": lambda t: (t * t + 1).log(), "tanh": lambda t: t.tanh(),
    "relu": lambda t: t.relu(), "pow": lambda t: t**3, "div": lambda t: 1 / (t * t + 0.5),
    "sub": lambda t: 2 - t, "sum rows": lambda t: t.sum(axis=0), "sum cols keepdims": lambda t: t.sum(axis=1, keepdims=True),
    "mean": lambda t: t.mean(), "matmul": lambda t: t @ np.arange(12.0).reshape(3, 4) / 10,
    "left matmul": lambda t: Tensor(np.arange(8.0).reshape(2, 4) / 7) @ t.sum(axis=1, keepdims=True).exp(),
}


@pytest.mark.parametrize("name", TENSOR_OPS)
def test_every_array_operation_against_finite_differences(name):
    rng = np.random.default_rng(len(name))
    x = rng.normal(size=(4, 3)) + 0.05  # away from relu's kink
    weights = rng.normal(size=TENSOR_OPS[name](Tensor(x)).data.shape)

    def loss_of(array):
        return float((TENSOR_OPS[name](Tensor(array)).data * weights).sum())

    t = Tensor(x)
    (TENSOR_OPS[name](t) * weights).sum().backward()
    assert np.allclose(t.grad, numeric_gradient(loss_of, x), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("shape", [(3,), (1, 3), (4, 1), (1, 1), ()])
def test_a_broadcast_input_gets_its_adjoint_summed_to_its_own_shape(shape):
    rng = np.random.default_rng(0)
    X, b = Tensor(rng.normal(size=(4, 3))), Tensor(rng.normal(size=shape)) if shape else Tensor(2.0)
    ((X * b + b) ** 2).sum().backward()
    assert b.grad.shape == b.data.shape
    expected = numeric_gradient(lambda v: float(((X.data * v + v) ** 2).sum()), np.array(b.data, dtype=float))
    assert np.allclose(b.grad, expected, rtol=1e-6)
    assert unbroadcast(np.ones((2, 4, 3)), (4, 1)).tolist() == [[6.0]] * 4


def random_network(rng):
    widths = [int(rng.integers(2, 7))] + [int(w) for w in rng.integers(2, 9, size=rng.integers(1, 4))] + [3]
    activations = [str(a) for a in rng.choice(["tanh", "relu"], size=len(widths) - 2)]
    model = Sequential([Dense(w, a, input_dim=n, rng=int(rng.integers(1000)))
                        for n, w, a in zip(widths, widths[1:], activations + ["softmax"])])
    return model, widths, activations


@pytest.mark.parametrize("seed", range(6))
def test_a_whole_network_agrees_with_dense_backward(seed):
    rng = np.random.default_rng(seed)
    model, widths, activations = random_network(rng)
    model.compile("sgd", CategoricalCrossEntropy())
    X, Y = rng.normal(size=(10, widths[0])), np.eye(3)[rng.integers(0, 3, size=10)]
    out = model.forward(X)
    model.backward(model.loss.gradient(out, Y))
    weights = [(Tensor(layer.params["W"]), Tensor(layer.params["b"])) for layer in model.layers]
    A = Tensor(X)
    for (W, b), activation in zip(weights, activations + [None]):
        Z = A @ W + b
        A = Z.tanh() if activation == "tanh" else Z.relu() if activation == "relu" else Z
    shift = Z.data.max(axis=1, keepdims=True)
    loss = -((Z - ((Z - shift).exp().sum(axis=1, keepdims=True).log() + shift)) * Y).sum() / len(X)
    loss.backward()
    assert float(loss.data) == pytest.approx(model.loss.value(out, Y), rel=1e-12)
    for layer, (W, b) in zip(model.layers, weights):
        assert np.abs(W.grad - layer.grads["W"]).max() < 1e-12 and np.abs(b.grad - layer.grads["b"]).max() < 1e-12


def test_float32_stays_float32_and_mse_gradient_is_2_p_minus_y_over_n():
    p = Tensor(np.linspace(-1, 1, 6, dtype=np.float32).reshape(3, 2))
    y = np.ones((3, 2))
    loss = ((p - y) ** 2).mean()
    assert loss.data.dtype == np.float32
    loss.backward()
    assert p.grad.dtype == np.float32
    assert np.allclose(p.grad, MeanSquaredError().gradient(p.data, y), rtol=1e-6)


@pytest.mark.parametrize("make, error, message", [
    (lambda: Tensor([[1.0, np.nan]]), ValueError, "data"),
    (lambda: Tensor("x"), TypeError, "data"),
    (lambda: Tensor(np.ones((2, 3))) @ np.ones((2, 3)), ValueError, r"inner sizes agree; got shapes \(2, 3\) and \(2, 3\)"),
    (lambda: Tensor(np.ones(3)) @ np.ones((3, 1)), ValueError, "two 2-D arrays"),
    (lambda: Tensor(np.array([1.0, -1.0])).log(), ValueError, "log\\ needs\\ values\\ of\\ at\\ least\\ 5\\.56e\\-309\\ \\(its\\ derivative\\ 1/a\\ must\\ be\\ a\\ float\\);\\ got\\ \\-1"),
    (lambda: Tensor(np.array([1e-200])) ** -1.0, ValueError, "the\\ derivative\\ of\\ 1e\\-200\\ \\*\\*\\ \\-1\\ is\\ beyond\\ the\\ largest\\ float;\\ scale\\ the\\ input\\ up"),
    (lambda: Tensor(np.ones((2, 2))).backward(), ValueError, r"needs a single number \(a loss\); this has shape \(2, 2\)"),
    (lambda: Tensor(np.ones((2, 2))).backward(np.ones(3)), ValueError, r"gradient must have the output's shape"),
])
def test_tensor_refuses_bad_input_with_a_message(make, error, message):
    with pytest.raises(error, match=message):
        make()


# ---- notebook 13 without PyTorch --------------------------------------------------------------------------

class FakeItem:
    def __init__(self, path):
        self.fspath, self.markers = path, []

    def add_marker(self, marker):
        self.markers.append(marker)


def test_without_torch_only_notebook_13s_nbval_cells_are_skipped_with_the_reason(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a))
    reason = conftest.torch_missing_reason()
    assert reason.startswith("PyTorch is not installed") and '.[torch]' in reason
    items = [FakeItem(conftest.NOTEBOOKS / "13_autograd_and_pytorch.ipynb"),
             FakeItem(conftest.NOTEBOOKS / "12_real_data.ipynb"), FakeItem(conftest.ROOT / "tests" / "test_autograd.py")]
    assert conftest.skip_without_torch(items) == {"13_autograd_and_pytorch.ipynb"}
    assert [len(item.markers) for item in items] == [1, 0, 0]
    assert items[0].markers[0].kwargs["reason"] == reason


def test_with_torch_nothing_is_skipped(monkeypatch):
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: object())
    assert conftest.torch_missing_reason() is None
    item = FakeItem(conftest.NOTEBOOKS / "13_autograd_and_pytorch.ipynb")
    assert conftest.skip_without_torch([item]) == set()
    assert item.markers == []

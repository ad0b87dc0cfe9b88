"""nnlib against PyTorch, where PyTorch is installed (skipped otherwise, with the reason): tools/pytorch_agreement.py
(every activation and optimizer rule), and whole networks of random architecture: outputs, losses, gradients, and
weights after training with each optimizer."""
import sys

import numpy as np
import pytest

from conftest import ROOT
from nnlib import optim
from nnlib.layers import Dense
from nnlib.losses import BinaryCrossEntropy, CategoricalCrossEntropy, MeanSquaredError
from nnlib.model import Sequential

torch = pytest.importorskip("torch", reason="PyTorch is not installed (python -m pip install -e \".[torch]\")")


def test_the_agreement_script_passes():
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import pytorch_agreement
    finally:
        sys.path.remove(str(ROOT / "tools"))
    assert pytorch_agreement.main() == 0


LOSSES = {
    "mse": (MeanSquaredError(), torch.nn.MSELoss, lambda r, n, k: r.normal(size=(n, k))),
    "bce": (BinaryCrossEntropy(from_logits=True), torch.nn.BCEWithLogitsLoss,
            lambda r, n, k: r.integers(0, 2, size=(n, k)).astype(np.float64)),
    "ce": (CategoricalCrossEntropy(from_logits=True), torch.nn.CrossEntropyLoss, lambda r, n, k: r.integers(0, k, size=n)),
}


def random_pair(rng, outputs):
    widths = [int(rng.integers(2, 10))] + [int(w) for w in rng.integers(2, 20, size=rng.integers(1, 4))] + [outputs]
    activations = [str(a) for a in rng.choice(["tanh", "relu", "sigmoid"], size=len(widths) - 2)]
    model = Sequential([Dense(w, a, input_dim=n, rng=int(rng.integers(1000)))
                        for n, w, a in zip(widths, widths[1:], activations + [None])])
    modules = []
    for layer, activation in zip(model.layers, activations + [None]):
        linear = torch.nn.Linear(*layer.params["W"].shape, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(layer.params["W"].T.copy()))
            linear.bias.copy_(torch.from_numpy(layer.params["b"].copy()))
        modules += [linear] + ([{"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid}[activation]()]
                               if activation else [])
    return model, torch.nn.Sequential(*modules), widths


def compare_weights(model, net):
    linears = [m for m in net if isinstance(m, torch.nn.Linear)]
    return max(max(np.abs(layer.params["W"] - linear.weight.detach().numpy().T).max(),
                   np.abs(layer.params["b"] - linear.bias.detach().numpy()).max())
               for layer, linear in zip(model.layers, linears))


@pytest.mark.parametrize("loss_name", LOSSES)
@pytest.mark.parametrize("seed", range(4))
def test_random_networks_give_the_same_outputs_loss_and_gradients(loss_name, seed):
    rng = np.random.default_rng(seed)
    loss, torch_loss, make_y = LOSSES[loss_name]
    outputs = 3 if loss_name == "ce" else int(rng.integers(1, 4))
    model, net, widths = random_pair(rng, outputs)
    model.compile("sgd", loss)
    X = rng.normal(size=(20, widths[0]))
    y = make_y(rng, 20, outputs)
    Y = np.eye(outputs)[y] if loss_name == "ce" else y
    out = model.forward(X)
    model.backward(loss.gradient(out, Y))
    t_out = net(torch.from_numpy(X))
    t_loss = torch_loss()(t_out, torch.from_numpy(y))
    t_loss.backward()
    assert np.abs(out - t_out.detach().numpy()).max() < 1e-12
    assert abs(loss.value(out, Y) - t_loss.item()) < 1e-12
    for layer, linear in zip(model.layers, [m for m in net if isinstance(m, torch.nn.Linear)]):
        assert np.abs(layer.grads["W"] - linear.weight.grad.numpy().T).max() < 1e-10
        assert np.abs(layer.grads["b"] - linear.bias.grad.numpy()).max() < 1e-10


OPTIMIZERS = [
    (lambda: optim.SGD(0.05), lambda p: torch.optim.SGD(p, lr=0.05)),
    (lambda: optim.SGD(0.05, momentum=0.9, weight_decay=0.01), lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=0.01)),
    (lambda: optim.SGD(0.05, momentum=0.9, nesterov=True), lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True)),
    (lambda: optim.AdaGrad(0.05), lambda p: torch.optim.Adagrad(p, lr=0.05)),
    (lambda: optim.RMSProp(0.005, rho=0.9, momentum=0.3), lambda p: torch.optim.RMSprop(p, lr=0.005, alpha=0.9, momentum=0.3)),
    (lambda: optim.Adam(0.01, weight_decay=0.01), lambda p: torch.optim.Adam(p, lr=0.01, weight_decay=0.01)),
    (lambda: optim.AdamW(0.01), lambda p: torch.optim.AdamW(p, lr=0.01)),
]


@pytest.mark.parametrize("index", range(len(OPTIMIZERS)))
def test_training_with_each_optimizer_gives_the_same_weights(index):
    rng = np.random.default_rng(100 + index)
    make_ours, make_theirs = OPTIMIZERS[index]
    model, net, widths = random_pair(rng, 3)
    model.compile(make_ours(), CategoricalCrossEntropy(from_logits=True))
    X, y = rng.normal(size=(48, widths[0])), rng.integers(0, 3, size=48)
    model.fit(X, y, epochs=50, batch_size=16, shuffle=False, verbose=0)  # 150 steps on three fixed batches
    theirs, criterion = make_theirs(net.parameters()), torch.nn.CrossEntropyLoss()
    for epoch in range(50):
        for first in range(0, 48, 16):
            theirs.zero_grad()
            criterion(net(torch.from_numpy(X[first:first + 16])), torch.from_numpy(y[first:first + 16])).backward()
            theirs.step()
    assert compare_weights(model, net) < 1e-9


# ---- notebook 14: convolution and pooling against torch.nn.functional, float64, forward and gradients

def conv_and_pool_difference(layer, X, seed):
    """The largest difference between an nnlib.conv layer and PyTorch's function on X: the output and every gradient
    (of x, and of W and b for Conv2D) for L = sum(R * output), R random. PyTorch is channels-first; "same" padding is
    given to it as the explicit F.pad of the amounts nnlib computes."""
    from nnlib.conv import AvgPool2D, Conv2D

    functional = torch.nn.functional
    out = layer(X)
    R = np.random.default_rng(seed).normal(size=out.shape)
    layer.needs_input_grad = True
    dX = layer.backward(R)
    first = lambda a: torch.tensor(np.ascontiguousarray(a.transpose(0, 3, 1, 2)))  # noqa: E731
    x = first(X).requires_grad_(True)
    if isinstance(layer, Conv2D):
        w = torch.tensor(np.ascontiguousarray(layer.params["W"].transpose(3, 2, 0, 1)), requires_grad=True)
        b = torch.tensor(layer.params["b"], requires_grad=True)
        (top, bottom), (left, right) = layer.pads
        theirs = functional.conv2d(functional.pad(x, (left, right, top, bottom)), w, b, stride=layer.strides)
    else:
        pool = functional.avg_pool2d if isinstance(layer, AvgPool2D) else functional.max_pool2d
        theirs = pool(x, layer.pool_size, layer.strides)
    (theirs * first(R)).sum().backward()
    differences = [np.abs(out - theirs.detach().numpy().transpose(0, 2, 3, 1)).max(),
                   np.abs(dX - x.grad.numpy().transpose(0, 2, 3, 1)).max()]
    if isinstance(layer, Conv2D):
        differences += [np.abs(layer.grads["W"] - w.grad.numpy().transpose(2, 3, 1, 0)).max(),
                        np.abs(layer.grads["b"] - b.grad.numpy()).max()]
    return max(differences)


@pytest.mark.parametrize("kind", ["Conv2D", "MaxPool2D", "AvgPool2D"])
@pytest.mark.parametrize("seed", range(6))
def test_convolution_and_pooling_agree_with_torch_functional(kind, seed):
    from nnlib.conv import AvgPool2D, Conv2D, MaxPool2D

    rng = np.random.default_rng(1400 + seed)
    for trial in range(5):
        n, c = (int(v) for v in rng.integers(1, 4, size=2))
        h, w = (int(v) for v in rng.integers(4, 10, size=2))
        kernel = tuple(int(v) for v in rng.integers(1, 4, size=2))
        strides = tuple(int(v) for v in rng.integers(1, 4, size=2))
        X = rng.normal(size=(n, h, w, c))
        layer = {"Conv2D": lambda: Conv2D(int(rng.integers(1, 5)), kernel, strides, ("valid", "same")[trial % 2],
                                          activation=None, rng=trial),
                 "MaxPool2D": lambda: MaxPool2D(kernel, strides), "AvgPool2D": lambda: AvgPool2D(kernel, strides)}[kind]()
        assert conv_and_pool_difference(layer, X, trial) < 1e-12


def test_max_pooling_ties_go_where_torch_sends_them():
    from nnlib.conv import MaxPool2D

    X = np.random.default_rng(3).integers(0, 2, size=(2, 6, 6, 3)).astype(np.float64)  # zeros and ones: many ties
    assert conv_and_pool_difference(MaxPool2D(2), X, 0) == 0.0  # windows apart: each gradient lands whole, or not
    for pool, strides in ((3, 1), ((2, 3), (1, 2))):  # overlapping: sums of gradients, in another order
        assert conv_and_pool_difference(MaxPool2D(pool, strides), X, 0) < 1e-12

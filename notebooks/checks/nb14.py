"""Notebook 14's checks: the output-size formula, one convolution's dL/dW, and max pooling's backward (ties
included), each against nnlib's own layer on random inputs."""
import numpy as np

from nnlib.conv import Conv2D, MaxPool2D

from . import first_difference, register


def _output_size(n, k, stride, padding):
    return (n + 2 * padding - k) // stride + 1


@register("14", 1)
def output_size(answer):
    if not callable(answer):
        return "not yet. Answer a function conv_output_size(n, k, stride, padding)."
    rng = np.random.default_rng(14)
    cases = []
    for _ in range(300):
        k, stride, padding = int(rng.integers(1, 8)), int(rng.integers(1, 5)), int(rng.integers(0, 4))
        n = int(rng.integers(max(1, k - 2 * padding), 40))
        cases.append((f"n={n}, k={k}, stride={stride}, padding={padding}", (n, k, stride, padding)))
    where = first_difference(answer, _output_size, cases, ref="the number of positions")
    if where:
        return (f"not yet. {where} Count the positions 0, s, 2s, ... at which the kernel still ends inside the padded "
                f"axis.")
    return "correct. floor((n + 2p - k) / s) + 1: 13 positions for the 28-pixel question."


def _dW(X, delta, kernel_size):
    layer = Conv2D(delta.shape[3], kernel_size, input_dim=X.shape[1:], rng=0)
    layer.forward(X)
    layer.backward(delta)
    return layer.grads["W"]


@register("14", 2)
def conv_dW(answer):
    if not callable(answer):
        return "not yet. Answer a function conv_dW(X, delta, kernel_size)."
    rng = np.random.default_rng(141)
    cases = []
    for n, h, w, c, f, kh, kw in ((1, 4, 4, 1, 1, 2, 2), (2, 5, 6, 2, 3, 3, 3), (3, 7, 5, 3, 2, 2, 4),
                                  (2, 6, 6, 1, 4, 3, 1)):
        X, delta = rng.normal(size=(n, h, w, c)), rng.normal(size=(n, h - kh + 1, w - kw + 1, f))
        cases.append((f"random X {X.shape}, delta {delta.shape}, kernel_size ({kh}, {kw})", (X, delta, (kh, kw))))
    where = first_difference(answer, _dW, cases, rtol=1e-9, atol=1e-9, ref="Conv2D's backward",
                             at=lambda args, index: f"dW{list(index)}")
    if where:
        return (f"not yet. {where} Weight (u, v, c, f) multiplied X[n, i + u, j + v, c] at every output position "
                f"(n, i, j) of filter f: sum those inputs times delta there.")
    return "correct. dL/dW is the input correlated with the output's gradient."


def _pool_backward(X, G, p):
    layer = MaxPool2D(p)
    layer.needs_input_grad = True
    layer(X)
    return layer.backward(G)


@register("14", 3)
def maxpool_backward(answer):
    if not callable(answer):
        return "not yet. Answer a function maxpool_backward(X, G, p)."
    rng = np.random.default_rng(142)
    cases = []
    for n, h, w, c, p in ((1, 2, 2, 1, 2), (2, 4, 6, 3, 2), (3, 6, 6, 2, 3), (2, 8, 4, 1, 4)):
        X, G = rng.normal(size=(n, h, w, c)), rng.normal(size=(n, h // p, w // p, c))
        cases.append((f"random X {X.shape}, p={p}", (X, G, p)))
    X = rng.integers(0, 2, size=(2, 4, 4, 2)).astype(float)  # zeros and ones: windows with ties
    cases.append(("X of zeros and ones (ties in the windows), p=2", (X, rng.normal(size=(2, 2, 2, 2)), 2)))
    where = first_difference(answer, _pool_backward, cases, ref="MaxPool2D's backward",
                             at=lambda args, index: f"dX{list(index)}")
    if where:
        return (f"not yet. {where} Each window's gradient goes to one input, its maximum (the first in reading "
                f"order on a tie); every other input gets 0.")
    return "correct. The maximum's switch: the gradient flows through the one input that was kept."

"""Notebook 04's checks: shapes, a forward pass by hand, a parameter count, and forward(X, layers)."""
import numpy as np

from nnlib.layers import Dense

from . import answer, first_difference, register

answer("04", 1, {"9497d9c7aa3db9dfdfbc6366bff0f79b8e9864a5e15806bbe04f2f846b7ad763"}, kind="a pair (rows, columns)",
       correct="One row per sample, one column per unit: the inner sizes cancel, and b is added to every row.",
       hint=lambda a: f"{a} is not the shape of X @ W + b; the inner sizes cancel.")

answer("04", 2, {"6718afbfb450bd6c17aec11b00ad80488bd5204e2360e48dc25f01293f0b6bad"}, decimals=3,
       correct="hidden = relu((3, 0) + (0, -1)) = (3, 0), and the output is 3 * 1 + 0 * 3 + 0.5.",
       hint=lambda a: f"{a} is not the output; compute z = x W + b for the hidden layer, apply ReLU, then the output layer.")

answer("04", 3, {"42ae25f5a921451e662101083053792b35d344164bb7a3a054818ca66d5366a0"}, kind="a whole number",
       correct="784 * 100 + 100 + 100 * 10 + 10.",
       hint=lambda a: f"{a} is not the count; every layer has n_in * n_out weights and n_out biases.")


def _nnlib_forward(X, layers):
    """nnlib's Dense layers holding the given weights: ReLU on every layer but the last."""
    A = X
    for l, (W, b) in enumerate(layers):
        layer = Dense(W.shape[1], "relu" if l < len(layers) - 1 else None, input_dim=W.shape[0])
        layer.params["W"][...], layer.params["b"][...] = W, b
        A = layer(A)
    return A


@register("04", 4)
def forward(answer):
    if not callable(answer):
        return f"not yet. forward must be a function forward(X, layers); got {type(answer).__name__}."
    rng = np.random.default_rng(4)
    cases = []
    for sizes in ((3, 5, 4, 2), (2, 3, 1), (4, 2), tuple(rng.integers(1, 7, size=5))):
        layers = [(rng.normal(size=(n_in, n_out)), rng.normal(size=n_out)) for n_in, n_out in zip(sizes, sizes[1:])]
        cases.append((f"the random {'-'.join(map(str, sizes))} network", (rng.normal(size=(6, sizes[0])), layers)))
    where = first_difference(answer, _nnlib_forward, cases, name="forward",
                             ref="nnlib's Dense layers with the same weights")
    if where:
        X, layers = next(args for description, args in cases if description in where)
        relu_on_last = " gives " in where and np.allclose(np.asarray(answer(X, layers), dtype=float),
                                                          np.maximum(_nnlib_forward(X, layers), 0))
        return f"not yet. {where}" + (" Is there a ReLU on the last layer?" if relu_on_last else "")
    return "correct. Your forward pass agrees with nnlib's Dense layers on four random networks."

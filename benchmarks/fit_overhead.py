"""How much does Sequential.fit cost over a minimal hand-written numpy loop? Side by side, one run each.

    python benchmarks/fit_overhead.py [--repeat 3]

Each case trains the same MLP twice, from the same initial weights and the same batches: once with
nnlib's Sequential.fit, once with a loop that has no abstraction at all (numpy arrays, the backward equations
inlined, SGD in place). Both run in this process, one after the other; the best of --repeat runs of each is
kept, and the ratio fit / loop is printed. Target: fit within 1.3x of the loop in every case. The final
weights are compared, so the two sides provably do the same work.

Cases (from the training issue): 2-16-16-2 on 200 points, full batch, 300 epochs; 64-128-10 on 1797 points,
batch 32, 5 epochs; 784-256-10 on 20000 random points, batch 128, one epoch, in float64 and float32.
"""
import argparse
import time

import numpy as np

from nnlib.layers import Dense
from nnlib.losses import CategoricalCrossEntropy
from nnlib.model import Sequential
from nnlib.optim import SGD

CASES = [  # name, sizes, samples, batch size, epochs, dtype
    ("2-16-16-2, 200 points, full batch, 300 epochs", (2, 16, 16, 2), 200, 200, 300, np.float64),
    ("64-128-10, 1797 points, batch 32, 5 epochs", (64, 128, 10), 1797, 32, 5, np.float64),
    ("784-256-10, 20000 points, batch 128, 1 epoch, float64", (784, 256, 10), 20000, 128, 1, np.float64),
    ("784-256-10, 20000 points, batch 128, 1 epoch, float32", (784, 256, 10), 20000, 128, 1, np.float32),
]
LR = 0.05


def data(sizes, n, dtype, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, sizes[0])).astype(dtype)
    return X, rng.integers(0, sizes[-1], size=n)


def with_fit(sizes, X, y, batch, epochs, dtype):
    layers = [Dense(n_out, "relu" if i < len(sizes) - 2 else "softmax", input_dim=n_in)
              for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:]))]
    model = Sequential(layers, dtype=dtype).compile(SGD(LR), CategoricalCrossEntropy())
    start = time.perf_counter()
    model.fit(X, y, epochs=epochs, batch_size=batch, rng=1, verbose=0)
    return time.perf_counter() - start, [p.copy() for p in model.params]


def by_hand(sizes, X, y, batch, epochs, dtype):
    """The same draws as fit(rng=1): Glorot-uniform weights layer by layer, zero biases, then a permutation per
    epoch; relu hidden layers, softmax + cross-entropy output, plain SGD in place."""
    rng = np.random.default_rng(1)
    Ws, bs = [], []
    for n_in, n_out in zip(sizes, sizes[1:]):
        limit = np.sqrt(6 / (n_in + n_out))
        Ws.append(rng.uniform(-limit, limit, size=(n_in, n_out)).astype(dtype))
        bs.append(np.zeros(n_out, dtype=dtype))
    Y = np.eye(sizes[-1], dtype=dtype)[y]
    start = time.perf_counter()
    n = len(X)
    for _ in range(epochs):
        order = rng.permutation(n)
        for s in range(0, n, batch):
            idx = order[s:s + batch]
            a, acts = X[idx], []
            for W, b in zip(Ws[:-1], bs[:-1]):
                acts.append(a)
                a = np.maximum(a @ W + b, 0)
            acts.append(a)
            z = a @ Ws[-1] + bs[-1]
            e = np.exp(z - z.max(axis=1, keepdims=True))
            p = e / e.sum(axis=1, keepdims=True)
            delta = (p - Y[idx]) / len(idx)
            for i in range(len(Ws) - 1, -1, -1):
                grad_W, grad_b = acts[i].T @ delta, delta.sum(axis=0)
                if i:
                    delta = (delta @ Ws[i].T) * (acts[i] > 0)
                Ws[i] -= LR * grad_W
                bs[i] -= LR * grad_b
    return time.perf_counter() - start, [a for pair in zip(Ws, bs) for a in pair]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side; the best is kept (default 3)")
    args = parser.parse_args(argv)
    print(f"{'case':<56} {'fit':>9} {'loop':>9} {'ratio':>6}")
    worst = 0.0
    for name, sizes, n, batch, epochs, dtype in CASES:
        X, y = data(sizes, n, dtype)
        fit_runs = [with_fit(sizes, X, y, batch, epochs, dtype) for _ in range(args.repeat)]
        loop_runs = [by_hand(sizes, X, y, batch, epochs, dtype) for _ in range(args.repeat)]
        tolerance = 1e-4 if dtype == np.float32 else 1e-9
        for a, b in zip(fit_runs[0][1], loop_runs[0][1]):
            assert np.allclose(a, b, rtol=tolerance, atol=tolerance), f"{name}: the two sides trained different weights"
        t_fit, t_loop = min(t for t, _ in fit_runs), min(t for t, _ in loop_runs)
        worst = max(worst, t_fit / t_loop)
        print(f"{name:<56} {t_fit:8.3f}s {t_loop:8.3f}s {t_fit / t_loop:5.2f}x")
    print(f"worst ratio {worst:.2f}x (target: within 1.3x)")


if __name__ == "__main__":
    main()

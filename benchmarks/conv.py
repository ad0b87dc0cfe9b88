"""nnlib.conv against PyTorch's CPU convolution, side by side in one run (issue 29). Nothing is asserted.

    python benchmarks/conv.py [--repeat 20] [--threads 1]

Two cases, each timed for nnlib and, when it is installed, PyTorch, on the same shapes, the same dtype and the
same number of threads (numpy's BLAS through OPENBLAS_NUM_THREADS, set here before numpy is imported; PyTorch with
torch.set_num_threads); the best of --repeat runs of each is kept and the ratio nnlib / PyTorch printed:

- a 3x3 convolution, 8 filters, "same" padding, on a batch of 256 maps of 8 x 8 x 8: forward and backward (the
  gradients of W, b and x), float64 and float32. Target: within 3x of PyTorch.
- one epoch of notebook 14's digits CNN (conv 3x3 x 8 same, ReLU, max pool 2, flatten, dense 10 softmax; Adam
  0.01, batches of 32, cross-entropy) on notebook 12's 1078 training digits: nnlib's fit against PyTorch's loop.
  Target: an epoch within 1 s.
"""
import argparse
import os
import sys

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--repeat", type=int, default=20)
parser.add_argument("--threads", type=int, default=1)
ARGS = parser.parse_args()
os.environ["OPENBLAS_NUM_THREADS"] = os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(ARGS.threads)

import time  # noqa: E402

import numpy as np  # noqa: E402

from nnlib.conv import Conv2D, Flatten, MaxPool2D  # noqa: E402
from nnlib.data import digits_images, load_digits, stratified_split  # noqa: E402
from nnlib.layers import Dense  # noqa: E402
from nnlib.model import Sequential  # noqa: E402
from nnlib.optim import Adam  # noqa: E402

try:
    import torch
    torch.set_num_threads(ARGS.threads)
except ImportError:
    torch = None


def best(run, repeat=ARGS.repeat):
    """The shortest of `repeat` runs of run(), in seconds (wall clock)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def conv_case(dtype):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(256, 8, 8, 8)).astype(dtype)
    layer = Conv2D(8, 3, padding="same", input_dim=(8, 8, 8), rng=0, dtype=dtype)
    layer.needs_input_grad = True
    G = rng.normal(size=(256, 8, 8, 8)).astype(dtype)

    def ours():
        layer.forward(X)
        layer.backward(G)

    result = {"nnlib": best(ours)}
    if torch is not None:
        x = torch.tensor(np.ascontiguousarray(X.transpose(0, 3, 1, 2)), requires_grad=True)
        conv = torch.nn.Conv2d(8, 8, 3, padding=1, dtype=getattr(torch, np.dtype(dtype).name))
        g = torch.tensor(np.ascontiguousarray(G.transpose(0, 3, 1, 2)))

        def theirs():
            x.grad = None
            conv.zero_grad()
            conv(x).backward(g)

        result["PyTorch"] = best(theirs)
    return result


def epoch_case():
    X, y = load_digits()
    train = stratified_split(y, (0.6, 0.2, 0.2), rng=0)[0]
    images, labels = digits_images(X[train]) / 16, y[train]
    model = Sequential([Conv2D(8, 3, padding="same", activation="relu", input_dim=(8, 8, 1)), MaxPool2D(2), Flatten(),
                        Dense(10, "softmax")])
    model.compile(Adam(1e-2), "categorical_crossentropy")
    model.fit(images, labels, epochs=1, verbose=0, rng=0)  # the first fit draws the weights
    result = {"nnlib": best(lambda: model.fit(images, labels, epochs=1, batch_size=32, verbose=0, rng=0),
                            max(2, ARGS.repeat // 2))}
    if torch is not None:
        net = torch.nn.Sequential(torch.nn.Conv2d(1, 8, 3, padding=1, dtype=torch.float64), torch.nn.ReLU(),
                                  torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Linear(128, 10, dtype=torch.float64))
        optimizer, criterion = torch.optim.Adam(net.parameters(), lr=1e-2), torch.nn.CrossEntropyLoss()
        inputs = torch.tensor(np.ascontiguousarray(images.transpose(0, 3, 1, 2)))
        targets, order_rng = torch.from_numpy(labels), np.random.default_rng(0)

        def epoch():
            order = torch.from_numpy(order_rng.permutation(len(labels)))
            for first in range(0, len(labels), 32):
                rows = order[first:first + 32]
                optimizer.zero_grad()
                criterion(net(inputs[rows]), targets[rows]).backward()
                optimizer.step()

        epoch()  # torch.optim's first step imports what it needs
        result["PyTorch"] = best(epoch, max(2, ARGS.repeat // 2))
    return result


def report(name, result, target):
    ours = result["nnlib"]
    line = f"{name:58s} nnlib {ours * 1000:8.2f} ms"
    if "PyTorch" in result:
        line += f"   PyTorch {result['PyTorch'] * 1000:8.2f} ms   nnlib / PyTorch {ours / result['PyTorch']:5.2f}"
    print(f"{line}   (target: {target})")


def main():
    print(f"threads: {ARGS.threads}; best of {ARGS.repeat} runs; numpy {np.__version__}"
          + (f", torch {torch.__version__}" if torch is not None else ", PyTorch not installed"))
    for dtype in (np.float64, np.float32):
        report(f"conv 3x3 x 8, 256 maps 8x8x8, forward + backward, {np.dtype(dtype).name}", conv_case(dtype),
               "within 3x of PyTorch")
    report("one epoch of the digits CNN (1078 digits, batches of 32)", epoch_case(), "within 1 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

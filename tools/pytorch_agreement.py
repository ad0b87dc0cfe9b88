"""Compare nnlib with PyTorch, where PyTorch is installed: every activation (values and gradients) and every
optimizer (20 steps on the same gradients).

PyTorch is optional (the `torch` extra; nnlib never depends on it). Where it is installed,
tests/test_pytorch_agreement.py runs this script as a test; by hand, from the repository root:

    python -m pip install -e ".[torch]" && python tools/pytorch_agreement.py

It prints, per activation and dtype, the largest difference of f(z) (relative to max(1, |f|)) and of f'(z)
(PyTorch's autograd) on 2000 random pre-activations plus the kinks and the tails, and the derivative each
gives at z = 0 (the convention at a kink); then, per optimizer, the largest difference of the parameters
after 20 steps on the same random gradients. It exits with status 1 if a float64 difference exceeds 1e-13.
"""
import sys

import numpy as np
import torch

from nnlib import activations as A
from nnlib import optim as O


def main():
    rng = np.random.default_rng(0)
    z = np.concatenate([rng.normal(scale=4, size=2000), [0.0, -0.0, 1e-8, -1e-8, 30, -30, 80, -80]])
    pairs = {
        "sigmoid": (A.Sigmoid(), torch.nn.Sigmoid()), "tanh": (A.Tanh(), torch.nn.Tanh()),
        "relu": (A.ReLU(), torch.nn.ReLU()), "leaky_relu(0.01)": (A.LeakyReLU(), torch.nn.LeakyReLU()),
        "leaky_relu(0.2)": (A.LeakyReLU(0.2), torch.nn.LeakyReLU(0.2)), "elu(1)": (A.ELU(), torch.nn.ELU()),
        "elu(0.5)": (A.ELU(0.5), torch.nn.ELU(0.5)),
        "softplus": (A.Softplus(), torch.nn.Softplus(beta=1, threshold=1e9)),  # no linear cut-off at 20
        "gelu(tanh)": (A.GELU(), torch.nn.GELU(approximate="tanh")), "identity": (A.Identity(), torch.nn.Identity()),
    }
    worst = 0.0
    print(f"{'activation':<17} {'dtype':<8} {'f':>8} {'df':>8}   f'(0) nnlib / torch")
    for name, (ours, theirs) in pairs.items():
        for dtype, torch_dtype in ((np.float64, torch.float64), (np.float32, torch.float32)):
            values = z.astype(dtype)
            tensor = torch.tensor(values, dtype=torch_dtype, requires_grad=True)
            out = theirs(tensor)
            out.sum().backward()
            want, slope = out.detach().numpy(), tensor.grad.numpy()
            f_diff = np.max(np.abs(ours(values) - want) / np.maximum(1, np.abs(want)))
            df_diff = np.max(np.abs(ours.derivative(values) - slope))
            if dtype == np.float64:
                worst = max(worst, f_diff, df_diff)
            print(f"{name:<17} {dtype.__name__:<8} {f_diff:8.1e} {df_diff:8.1e}   "
                  f"{float(ours.derivative(dtype(0))):g} / {float(slope[2000]):g}")
    rows, v = rng.normal(scale=3, size=(50, 7)), rng.normal(size=(50, 7))
    tensor = torch.tensor(rows, requires_grad=True)
    p = torch.softmax(tensor, dim=-1)
    (p * torch.tensor(v)).sum().backward()
    f_diff = np.abs(A.Softmax()(rows) - p.detach().numpy()).max()
    jvp_diff = np.abs(A.Softmax().jvp(rows, v) - tensor.grad.numpy()).max()
    worst = max(worst, f_diff, jvp_diff)
    print(f"{'softmax':<17} {'float64':<8} {f_diff:8.1e} {jvp_diff:8.1e}   (jvp against autograd)")
    cases = [
        (O.SGD(0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
        (O.SGD(0.1, momentum=0.9), lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
        (O.SGD(0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
         lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
        (O.AdaGrad(0.1), lambda p: torch.optim.Adagrad(p, lr=0.1)),
        (O.RMSProp(0.01, rho=0.9, momentum=0.5), lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, momentum=0.5)),
        (O.Adam(0.01, weight_decay=0.1), lambda p: torch.optim.Adam(p, lr=0.01, weight_decay=0.1)),
        (O.AdamW(0.01), lambda p: torch.optim.AdamW(p, lr=0.01)),
    ]
    start, gradients = rng.normal(size=(4, 3)), rng.normal(size=(20, 4, 3))
    for ours, make_theirs in cases:
        p = start.copy()
        tensor = torch.tensor(start.copy(), requires_grad=True)
        theirs = make_theirs([tensor])
        for g in gradients:
            ours.step([p], [g])
            tensor.grad = torch.tensor(g)
            theirs.step()
        diff = np.abs(p - tensor.detach().numpy()).max()
        worst = max(worst, diff)
        print(f"{ours!r:<78} {diff:8.1e}")
    print(f"largest float64 difference: {worst:.1e}")
    return 0 if worst <= 1e-13 else 1


if __name__ == "__main__":
    sys.exit(main())

"""Notebook 07's checks: the stability limit, one step, creep/oscillate/diverge, and choose_lr by power iteration."""
import numpy as np

from . import answer, register

answer("07", 1, {"07f3c164c42f7ff7a1988d20aa07b8184285e33bd796d54f0446c5a653be06c0"}, decimals=3,
       correct="f'' = 5, and gradient descent is stable for lr < 2 / f''.",
       hint=lambda a: f"{a} is not the limit; find the curvature f'' and use lr < 2 / f''.")

answer("07", 2, {"036c267f58024c3bbcf2077c90c6c9a56bddf88a594865ccca6df1c7f59fdd35"}, decimals=3,
       correct="w - lr * 2 (w - 1) = 4 - 0.1 * 6.",
       hint=lambda a: f"{a} is not the new w; the gradient of (w - 1)^2 is 2 (w - 1), and w moves against it.")

answer("07", 3, {"5423d4061d0542e951a4d62698d4ca809b3a189a8ee2d7cdbcfe7e234769af9a",
                 "4894d776c99b0560bbae2d942d08b5112e8fc6ed293eac7023bf014c8b39d770"}, kind="a name",
       correct="1 - lr * lam = 1 - 0.15 * 10 = -0.5: the sign flips every step, the size halves.",
       hint=lambda a: f"{a!r}: compute r = 1 - lr * lam and look at its sign and its size.")


def _bowls(rng):
    """Random bowls: (name, Hessian), symmetric with positive eigenvalues spread over 1 to 3 decades."""
    for dim in (2, 6, 4, 10):
        q, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
        lams = np.exp(rng.uniform(-2, 4, size=dim))
        yield f"a random {dim}-D bowl (eigenvalues {', '.join(f'{v:.3g}' for v in np.sort(lams))})", q @ np.diag(lams) @ q.T


@register("07", 4)
def choose_lr(choose):
    if not callable(choose):
        return f"not yet. exercise_4 must be your function choose_lr(hvp, dim); got {type(choose).__name__}."
    done = 0
    for name, hessian in _bowls(np.random.default_rng(7)):
        lams = np.linalg.eigvalsh(hessian)
        try:
            lam_max, lr = (float(x) for x in choose(lambda v: hessian @ v, len(hessian)))
        except Exception as error:
            return f"not yet. On {name}, choose_lr raised {type(error).__name__}: {error} (return (lam_max, lr))."
        if not abs(lam_max - lams[-1]) <= 0.01 * lams[-1]:
            hint = ("that is the smallest curvature: repeat v <- H v, which grows the steepest direction fastest"
                    if abs(lam_max - lams[0]) <= 0.01 * lams[0] else
                    "not a finite number: divide v by its norm at every step" if not np.isfinite(lam_max) else
                    "too large: estimate with a unit vector, lam = v . H v for |v| = 1" if lam_max > lams[-1] else
                    "too small: more iterations, from a random start")
            return (f"not yet. On {name}, your lam_max is {lam_max:.4g}, the largest eigenvalue {lams[-1]:.4g} "
                    f"(within 1% needed): {hint}.")
        limit = 2 / lams[-1]
        if not lr > 0:
            return f"not yet. On {name}, lr = {lr:.4g}: a learning rate must be a number > 0."
        if not lr < limit:
            return (f"not yet. On {name}, lr = {lr:.4g} is not below 2/lam_max = {limit:.4g}: the error along the "
                    f"steepest direction is multiplied by {1 - lr * lams[-1]:+.3f} per step, so gradient descent "
                    f"diverges (or, at the limit itself, never settles).")
        if lr < 0.8 * limit:
            return (f"not yet. On {name}, lr = {lr:.4g} is stable but below 80% of the limit 2/lam_max = "
                    f"{limit:.4g}: it crawls more than it must; return a rate just below the limit.")
        done += 1
    return (f"correct. On {done} random bowls your lam_max is within 1% of the largest eigenvalue and your rate "
            f"between 80% and 100% of the limit.")

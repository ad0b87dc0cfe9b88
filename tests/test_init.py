"""nnlib.init (notebook 04): the initialisers' variance and support, reproducibility, dtypes and argument checks."""
import math

import numpy as np
import pytest

from nnlib import init


@pytest.mark.parametrize("name, variance", [
    ("glorot_uniform", lambda n_in, n_out: 2 / (n_in + n_out)), ("glorot_normal", lambda n_in, n_out: 2 / (n_in + n_out)),
    ("he_uniform", lambda n_in, n_out: 2 / n_in), ("he_normal", lambda n_in, n_out: 2 / n_in),
])
def test_initialisers_have_the_stated_variance_and_support(name, variance):
    W = init.get(name)((400, 300), np.random.default_rng(0))
    assert W.shape == (400, 300) and W.dtype == np.float64
    assert abs(W.var() / variance(400, 300) - 1) < 0.02 and abs(W.mean()) < 0.002
    if name.endswith("uniform"):
        limit = math.sqrt(3 * variance(400, 300))
        assert np.abs(W).max() <= limit and np.abs(W).max() > 0.99 * limit


def test_initialisers_are_reproducible_and_keep_float32():
    a = init.glorot_uniform((5, 3), np.random.default_rng(7))
    b = init.glorot_uniform((5, 3), np.random.default_rng(7))
    assert np.array_equal(a, b)
    assert init.he_normal((5, 3), np.random.default_rng(7), np.float32).dtype == np.float32
    assert init.zeros((4,)).tolist() == [0.0] * 4 and init.zeros((4,), dtype=np.float32).dtype == np.float32


def test_initialiser_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"shape must be \(n_in, n_out\) or \(n,\) of positive ints; got \(0, 3\)"):
        init.he_uniform((0, 3), np.random.default_rng(0))
    with pytest.raises(TypeError, match="rng must be a numpy Generator"):
        init.he_uniform((2, 3), 0)
    with pytest.raises(TypeError, match="dtype must be float32 or float64; got int64"):
        init.he_uniform((2, 3), np.random.default_rng(0), np.int64)
    with pytest.raises(ValueError, match="unknown initialiser 'xavier'; valid names: glorot_uniform, glorot_normal"):
        init.get("xavier")
    with pytest.raises(TypeError, match="init must be a name such as 'glorot_uniform' or a function; got int 3"):
        init.get(3)

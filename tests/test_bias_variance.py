"""nnlib.bias_variance (notebook 11): the bias-variance estimator on cases with known answers, and its argument
checks."""
import numpy as np
import pytest

from nnlib.bias_variance import Decomposition, bias_variance


def test_a_model_with_known_bias_and_spread():
    """Fits = truth + bias b + a spread of exactly +s and -s over the sets: bias^2 = b^2 and variance = s^2."""
    f = np.linspace(-1, 1, 7)
    b, s = 0.3, 0.5
    fits = f + b + s * np.array([[1.0], [-1.0], [1.0], [-1.0]])
    d = bias_variance(fits, f, noise=0.2)
    assert d == pytest.approx(Decomposition(b**2, s**2, 0.04, b**2 + s**2 + 0.04), rel=1e-12)
    assert isinstance(d, Decomposition) and d.total == d.bias2 + d.variance + d.noise


def test_bias_plus_variance_is_the_mean_distance_to_the_truth_exactly():
    rng = np.random.default_rng(0)
    fits, f = rng.normal(size=(50, 30)), rng.normal(size=30)
    d = bias_variance(fits, f)
    assert d.bias2 + d.variance == pytest.approx(np.mean((fits - f) ** 2), rel=1e-13)
    assert d.noise == 0.0


def test_the_decomposition_predicts_the_error_on_fresh_noisy_labels():
    """A model with known bias (0.1 everywhere) and variance (independent N(0, 0.2^2) per set): the measured
    error against labels with noise 0.3 is bias^2 + variance + noise within sampling error."""
    rng = np.random.default_rng(1)
    f = np.sin(np.linspace(-3, 3, 200))
    fits = f + 0.1 + 0.2 * rng.normal(size=(2000, 200))
    d = bias_variance(fits, f, noise=0.3)
    labels = f + 0.3 * rng.normal(size=fits.shape)
    assert d.bias2 == pytest.approx(0.01, abs=2e-4) and d.variance == pytest.approx(0.04, rel=0.01)
    assert np.mean((fits - labels) ** 2) == pytest.approx(d.total, rel=0.01)


def test_bias_variance_checks_its_arguments():
    with pytest.raises(ValueError, match=r"predictions must have one column per test point of f_true \(3\); got shape \(2, 4\)"):
        bias_variance(np.zeros((2, 4)), np.zeros(3))
    with pytest.raises(ValueError, match="predictions must come from at least 2 training sets"):
        bias_variance(np.zeros((1, 3)), np.zeros(3))
    with pytest.raises(ValueError, match="noise must be >= 0"):
        bias_variance(np.zeros((2, 3)), np.zeros(3), noise=-1)
    with pytest.raises(ValueError, match="predictions must be finite"):
        bias_variance([[np.nan, 0.0], [0.0, 0.0]], [0.0, 0.0])

"""nnlib.least_squares (notebook 11): the minimum-norm solver against numpy's lstsq and pinv, hinge features, and
the double-descent experiment (its peak at the interpolation threshold on fixed draws, what a penalty and more data
do to it)."""
import numpy as np
import pytest

from nnlib.least_squares import double_descent, hinge_features, min_norm_solve

# -- the minimum-norm solver ------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(30, 5), (10, 10), (8, 40), (1, 3)])
def test_min_norm_solve_is_numpys_least_squares_and_pseudo_inverse(shape):
    rng = np.random.default_rng(sum(shape))
    A, y = rng.normal(size=shape), rng.normal(size=shape[0])
    w = min_norm_solve(A, y)
    np.testing.assert_allclose(w, np.linalg.lstsq(A, y, rcond=None)[0], atol=1e-10)
    np.testing.assert_allclose(w, np.linalg.pinv(A) @ y, atol=1e-10)


def test_rank_deficient_columns_get_the_least_norm_split():
    """Two equal columns: every split of the weight fits equally well; the minimum norm splits it evenly."""
    x = np.linspace(0, 1, 6)
    A = np.column_stack([x, x])
    np.testing.assert_allclose(min_norm_solve(A, 2 * x), [1.0, 1.0], atol=1e-12)


@pytest.mark.parametrize("scale", [1e-12, 1e-8, 1.0, 1e8])
def test_the_cutoff_is_relative_to_the_largest_singular_value(scale):
    """A rank-1 A at any scale has the minimum-norm solution [1, 1] (a cutoff of rcond itself, not of rcond times the
    largest singular value, keeps the rounding error's singular value at 1e8, giving some other split, and cuts
    every singular value at 1e-12, giving [0, 0]); a singular value 1e-6 of the largest is kept at the default
    rcond 1e-10 and cut at 1e-5, at every scale."""
    x = np.linspace(0, 1, 6)
    np.testing.assert_allclose(min_norm_solve(scale * np.column_stack([x, x]), scale * 2 * x), [1.0, 1.0], rtol=1e-9)
    A, y = scale * np.array([[2.0, 0.0], [0.0, 2e-6], [0.0, 0.0]]), scale * np.array([2.0, 2e-6, 5.0])
    np.testing.assert_allclose(min_norm_solve(A, y), [1.0, 1.0], rtol=1e-9)
    np.testing.assert_allclose(min_norm_solve(A, y, rcond=1e-5), [1.0, 0.0], rtol=1e-12, atol=0)
    np.testing.assert_allclose(min_norm_solve(A, y, rcond=0.99e-6), [1.0, 1.0], rtol=1e-9)  # 1e-6 > 0.99e-6 * s_max


def test_ridge_is_the_penalised_normal_equations():
    rng = np.random.default_rng(3)
    A, y = rng.normal(size=(12, 20)), rng.normal(size=12)
    for l2 in (1e-3, 0.5, 10.0):
        expected = np.linalg.solve(A.T @ A + l2 * np.eye(20), A.T @ y)
        np.testing.assert_allclose(min_norm_solve(A, y, l2=l2), expected, rtol=1e-9, atol=1e-12)


def test_a_stack_of_problems_is_solved_as_each_alone():
    rng = np.random.default_rng(4)
    A, y = rng.normal(size=(3, 4, 15, 7)), rng.normal(size=(3, 4, 15))
    w = min_norm_solve(A, y, l2=0.1)
    assert w.shape == (3, 4, 7)
    np.testing.assert_allclose(w[2, 1], min_norm_solve(A[2, 1], y[2, 1], l2=0.1), rtol=1e-12)


def test_min_norm_solve_checks_its_arguments():
    with pytest.raises(ValueError, match=r"A must be \(\.\.\., n, p\) and y \(\.\.\., n\) with the same leading shape; "
                                         r"got A \(5, 3\), y \(4,\)"):
        min_norm_solve(np.ones((5, 3)), np.ones(4))
    with pytest.raises(ValueError, match="l2 must be >= 0; got -0.1"):
        min_norm_solve(np.ones((2, 2)), np.ones(2), l2=-0.1)
    with pytest.raises(ValueError, match="A must be finite"):
        min_norm_solve([[np.inf, 0.0]], [1.0])
    with pytest.raises(TypeError, match="y must hold real numbers"):
        min_norm_solve(np.ones((2, 2)), ["a", "b"])
    with pytest.raises(ValueError, match="^rcond must be >= 0; got -1$"):
        min_norm_solve(np.ones((2, 2)), np.ones(2), rcond=-1)


def test_a_zero_matrix_has_the_zero_solution():
    np.testing.assert_array_equal(min_norm_solve(np.zeros((3, 2)), [1.0, 2.0, 3.0]), [0.0, 0.0])


# -- hinge features ---------------------------------------------------------------------------------------------


def test_hinge_features_are_one_x_and_the_kinks():
    x = np.array([-3.0, -1.0, 0.5, 3.0])
    F = hinge_features(x, 2)  # kinks at -1 and 1
    np.testing.assert_allclose(F, [[1, -3, 0, 0], [1, -1, 0, 0], [1, 0.5, 1.5, 0], [1, 3, 4, 2]])
    assert hinge_features(np.zeros((5, 7)), 3).shape == (5, 7, 5) and hinge_features(x, 0).shape == (4, 2)
    with pytest.raises(ValueError, match="low must be < high; got 1 and 1"):
        hinge_features(x, 2, low=1, high=1)
    for args, kwargs, error, message in [
        ((["a"], 2), {}, TypeError, "^x must hold real numbers; got list"), ((x, -1), {}, ValueError, "^n_kinks must be >= 0"),
        ((x, 2), {"low": "a"}, TypeError, "^low must be a real number"), ((x, 2), {"high": None}, TypeError, "^high must be"),
    ]:
        with pytest.raises(error, match=message):
            hinge_features(*args, **kwargs)


# -- double descent ---------------------------------------------------------------------------------------------

WIDTHS = [20, 40, 60, 70, 76, 78, 80, 82, 84, 90, 100, 140, 200, 400]


@pytest.fixture(scope="module")
def ridgeless():
    return np.median(double_descent(80, WIDTHS, noise=0.3, draws=12, rng=5), axis=1)


def test_the_peak_sits_at_the_interpolation_threshold(ridgeless):
    """Fixed draws: the median test error is highest within 2 units of p = n = 80, far above both sides."""
    peak = WIDTHS[int(np.argmax(ridgeless))]
    assert abs(peak - 80) <= 2
    assert ridgeless.max() > 20 * ridgeless[WIDTHS.index(40)] and ridgeless.max() > 20 * ridgeless[-1]


def test_a_penalty_removes_the_peak_and_more_data_moves_it(ridgeless):
    penalised = np.median(double_descent(80, WIDTHS, noise=0.3, l2=1.0, draws=12, rng=5), axis=1)
    near = penalised[WIDTHS.index(60):]  # from 60 units on: no bump at the threshold
    assert near.max() < 2 * penalised.min() and penalised[WIDTHS.index(80)] < ridgeless[WIDTHS.index(80)] / 20
    more = np.median(double_descent(160, [80, 120, 150, 156, 160, 164, 170, 200, 400], noise=0.3, draws=12, rng=5),
                     axis=1)
    assert [80, 120, 150, 156, 160, 164, 170, 200, 400][int(np.argmax(more))] == 160


def test_double_descent_is_reproducible_and_matches_a_single_solve():
    errors = double_descent(30, [10, 50], noise=0.1, draws=3, n_inputs=4, n_test=50, rng=7)
    assert errors.shape == (2, 3) and np.array_equal(errors, double_descent(30, [10, 50], 0.1, draws=3, n_inputs=4,
                                                                            n_test=50, rng=7))
    # by hand, the same random numbers in the same order
    rng = np.random.default_rng(7)
    beta = rng.normal(size=(3, 4)) / 2
    X, X_new = rng.normal(size=(3, 30, 4)), rng.normal(size=(3, 50, 4))
    y = np.einsum("snd,sd->sn", X, beta) + 0.1 * rng.normal(size=(3, 30))
    W = rng.normal(size=(3, 4, 50)) / 2
    s = 2  # the third draw, width 10 (the first 10 of the 50 units)
    w = np.linalg.lstsq(np.maximum(0, X[s] @ W[s][:, :10]), y[s], rcond=None)[0]
    expected = np.mean((np.maximum(0, X_new[s] @ W[s][:, :10]) @ w - X_new[s] @ beta[s]) ** 2)
    assert errors[0, s] == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("l2", [0.0, 1e-3])
def test_every_route_to_the_readout_gives_min_norm_solves_w(l2):
    """double_descent solves each width by the quickest exact route (normal equations far from p = n, QR near it
    without a penalty, the SVD near it with one): the errors must be those of min_norm_solve for every width."""
    n, widths = 40, [5, 20, 30, 39, 40, 41, 60, 80, 200]  # p <= n/2, near below, p = n, near above, p >= 2n
    errors = double_descent(n, widths, noise=0.3, l2=l2, draws=4, n_inputs=6, n_test=60, rng=3)
    rng = np.random.default_rng(3)
    beta = rng.normal(size=(4, 6)) / np.sqrt(6)
    X, X_new = rng.normal(size=(4, n, 6)), rng.normal(size=(4, 60, 6))
    y = np.einsum("snd,sd->sn", X, beta) + 0.3 * rng.normal(size=(4, n))
    W = rng.normal(size=(4, 6, max(widths))) / np.sqrt(6)
    Phi, Phi_new, f_new = np.maximum(0, X @ W), np.maximum(0, X_new @ W), np.einsum("smd,sd->sm", X_new, beta)
    for i, p in enumerate(widths):
        w = min_norm_solve(Phi[..., :p], y, l2)
        expected = np.mean((np.einsum("smp,sp->sm", Phi_new[..., :p], w) - f_new) ** 2, axis=1)
        np.testing.assert_allclose(errors[i], expected, rtol=1e-8, err_msg=f"width {p}")


def test_double_descent_defaults_are_its_documented_ones():
    assert np.array_equal(double_descent(20, [5]), double_descent(20, [5], noise=0.3, l2=0.0, draws=10, n_inputs=10,
                                                                  n_test=200, rng=0))


def test_double_descent_checks_its_arguments():
    for widths in ([], "20", 20):
        with pytest.raises(TypeError, match="^widths must be a non-empty list of hidden-layer widths; got"):
            double_descent(10, widths)
    for kwargs, message in [({"n_inputs": 0}, "^n_inputs must be >= 1"), ({"n_test": 0}, "^n_test must be >= 1"),
                            ({"draws": 0}, "^draws must be >= 1; got 0$")]:
        with pytest.raises(ValueError, match=message):
            double_descent(10, [5], **kwargs)
    with pytest.raises(ValueError, match=r"widths\[1\] must be >= 1"):
        double_descent(10, [5, 0])
    with pytest.raises(TypeError, match="n_train must be an integer"):
        double_descent(10.5, [5])
    with pytest.raises(ValueError, match="noise must be >= 0"):
        double_descent(10, [5], noise=-0.1)
    with pytest.raises(ValueError, match="l2 must be >= 0"):
        double_descent(10, [5], l2=-1.0)

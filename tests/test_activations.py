"""nnlib.activations (notebook 03): values, analytic derivatives against finite differences, stability at the
extremes, dtypes and shapes, and the registry.

Reference values are computed here independently, one number at a time with the math module."""
import math
import warnings

import numpy as np
import pytest

from nnlib import activations
from nnlib.activations import (
    ACTIVATIONS, ELU, GELU, Identity, LeakyReLU, ReLU, Sigmoid, Softmax, Softplus, Step, Tanh, get,
)

C = math.sqrt(2 / math.pi)


def reference(name, z, alpha=None):
    """f(z) for one Python float, written from the textbook formula (valid for moderate |z|)."""
    if name == "identity":
        return z
    if name == "step":
        return 1.0 if z >= 0 else 0.0
    if name == "sigmoid":
        return 1 / (1 + math.exp(-z))
    if name == "tanh":
        return math.tanh(z)
    if name == "relu":
        return max(z, 0.0)
    if name == "leaky_relu":
        return z if z > 0 else alpha * z
    if name == "elu":
        return z if z > 0 else alpha * (math.exp(z) - 1)
    if name == "softplus":
        return math.log(1 + math.exp(z))
    if name == "gelu":
        return 0.5 * z * (1 + math.tanh(C * (z + 0.044715 * z**3)))
    raise KeyError(name)


ELEMENTWISE = [
    ("identity", Identity(), None), ("step", Step(), None), ("sigmoid", Sigmoid(), None), ("tanh", Tanh(), None),
    ("relu", ReLU(), None), ("leaky_relu", LeakyReLU(), 0.01), ("leaky_relu", LeakyReLU(0.3), 0.3),
    ("elu", ELU(), 1.0), ("elu", ELU(0.5), 0.5), ("softplus", Softplus(), None), ("gelu", GELU(), None),
]
IDS = [repr(act) for _, act, _ in ELEMENTWISE]
KINKED = {"step", "relu", "leaky_relu", "elu"}


def random_z(seed=0, shape=(64, 5), low=-4.0, high=4.0, away_from_kink=True):
    z = np.random.default_rng(seed).uniform(low, high, size=shape)
    if away_from_kink:
        z = np.where(np.abs(z) < 1e-3, 0.5, z)
    return z


def relative_error(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    scale = np.maximum(np.abs(a), np.abs(b))
    return np.where(scale == 0, 0.0, np.abs(a - b) / np.where(scale == 0, 1, scale))


# -- values ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, act, alpha", ELEMENTWISE, ids=IDS)
def test_values_match_the_textbook_formula(name, act, alpha):
    z = random_z(1, shape=(200,), low=-8, high=8, away_from_kink=False)
    want = np.array([reference(name, float(v), alpha) for v in z])
    got = act(z)
    assert got.shape == z.shape and got.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)


def test_conventions_at_zero_are_pytorchs_left_slopes():
    zero, tiny = np.float64(0.0), np.float64(1e-300)  # the formulas take numpy arrays and scalars
    assert Step()(0.0) == 1.0 and Step().derivative(zero) == 0.0
    assert ReLU()(0.0) == 0.0 and ReLU().derivative(zero) == 0.0
    assert LeakyReLU(0.2).derivative(zero) == 0.2 and LeakyReLU(0.2).derivative(tiny) == 1.0
    assert ELU(0.5).derivative(zero) == 0.5 and ELU(0.5).derivative(tiny) == 1.0
    assert Sigmoid().derivative(zero) == 0.25 and Tanh().derivative(zero) == 1.0
    assert Softplus()(0.0) == pytest.approx(math.log(2), rel=1e-15) and Softplus().derivative(zero) == 0.5
    assert GELU()(0.0) == 0.0 and GELU().derivative(zero) == 0.5


def test_gelu_tanh_approximation_is_within_5e_4_of_the_exact_gelu():
    z = np.linspace(-6, 6, 1201)
    exact = np.array([v * 0.5 * (1 + math.erf(v / math.sqrt(2))) for v in z])
    gap = np.abs(GELU()(z) - exact).max()
    assert 1e-4 < gap < 5e-4  # an approximation, and a close one


# -- derivatives ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, act, alpha", ELEMENTWISE, ids=IDS)
def test_derivative_matches_central_differences(name, act, alpha):
    z = random_z(2)
    h = 1e-5
    numeric = (act(z + h) - act(z - h)) / (2 * h)
    analytic = act.derivative(z)
    assert analytic.shape == z.shape
    assert relative_error(analytic, numeric).max() < 1e-7


@pytest.mark.parametrize("name, act, alpha", ELEMENTWISE, ids=IDS)
def test_jvp_is_the_derivative_times_the_gradient(name, act, alpha):
    z, grad = random_z(3), np.random.default_rng(4).normal(size=(64, 5))
    np.testing.assert_array_equal(act.jvp(z, grad), act.derivative(z) * grad)


def test_value_derivative_and_jvp_are_the_plain_formulas_behind_the_door():
    """The door act(z) checks z; value, derivative and jvp compute, on arrays (and numbers) a layer checked once."""
    z = random_z(5)
    for act in (get(name) for name in ACTIVATIONS if name != "softmax"):
        np.testing.assert_array_equal(act(z), act.value(z))
    relu = ReLU()
    assert relu.value(np.float64(-2.0)) == 0.0 and relu.derivative(np.float64(2.0)) == 1.0
    assert Sigmoid().derivative(np.float64(0.0)) == 0.25
    with pytest.raises(ValueError, match="z must be finite"):
        Softmax()(np.array([[0.0, np.nan]]))  # the door
    assert np.isnan(Softmax().value(np.array([[0.0, np.nan]]))).all()  # the formula: no checks inside


def test_a_broken_derivative_fails_the_check():
    """The finite-difference test above can fail: a sigmoid with s instead of s (1 - s) is caught."""

    class Broken(Sigmoid):
        def derivative(self, z):
            return activations.logistic(z)

    z, h = random_z(2), 1e-5
    numeric = (Broken()(z + h) - Broken()(z - h)) / (2 * h)
    assert relative_error(Broken().derivative(z), numeric).max() > 0.5


def test_softmax_rows_are_probabilities_and_shift_invariant():
    z = np.random.default_rng(5).normal(scale=3, size=(20, 6))
    p = Softmax()(z)
    want = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(p, want, rtol=1e-14)
    np.testing.assert_allclose(Softmax()(z + 123.0), p, rtol=1e-12)
    assert (p > 0).all() and np.abs(p.sum(axis=1) - 1).max() < 1e-15


def test_softmax_jacobian_and_jvp_match_finite_differences():
    rng = np.random.default_rng(6)
    z, v, h = rng.normal(scale=2, size=(7, 5)), rng.normal(size=(7, 5)), 1e-5
    softmax = Softmax()
    numeric_jacobian = np.empty((7, 5, 5))
    numeric_jvp = np.empty((7, 5))  # the gradient of L(z) = sum(softmax(z) * v), one row at a time
    for j in range(5):
        step = np.zeros(5)
        step[j] = h
        numeric_jacobian[:, :, j] = (softmax(z + step) - softmax(z - step)) / (2 * h)
        numeric_jvp[:, j] = ((softmax(z + step) * v).sum(axis=1) - (softmax(z - step) * v).sum(axis=1)) / (2 * h)
    jacobian = softmax.jacobian(z)
    assert jacobian.shape == (7, 5, 5)
    np.testing.assert_allclose(jacobian, numeric_jacobian, rtol=0, atol=1e-9)
    np.testing.assert_allclose(jacobian, np.swapaxes(jacobian, 1, 2), rtol=0, atol=0)  # symmetric
    assert relative_error(softmax.jvp(z, v), numeric_jvp).max() < 1e-7
    p = softmax(z)
    np.testing.assert_allclose(jacobian, [np.diag(row) - np.outer(row, row) for row in p], rtol=0, atol=1e-16)


def test_softmax_has_no_elementwise_derivative_and_needs_a_class_axis():
    with pytest.raises(TypeError, match=r"^softmax is not elementwise \(each p_i depends on the whole row\): use "
                                        r"jvp\(z, grad\) for backprop, or jacobian\(z\) for the matrix diag\(p\) - p p\^T$"):
        Softmax().derivative([1.0, 2.0])
    with pytest.raises(ValueError, match=r"z must have at least one class.*got shape \(\)"):
        Softmax()(3.0)
    with pytest.raises(ValueError, match=r"got shape \(4, 0\)"):
        Softmax()(np.zeros((4, 0)))
    with pytest.raises(ValueError, match="z must be finite"):
        Softmax()([0.0, np.inf])


# -- stability ------------------------------------------------------------------------------------------------

EXTREMES = np.array([-np.inf, -1e4, -800.0, 0.0, 800.0, 1e4, np.inf])
LIMITS = {  # (f, f') at -inf, -1e4, -800, 0, 800, 1e4, inf, from the limits of each formula
    "sigmoid": ([0, 0, 0, 0.5, 1, 1, 1], [0, 0, 0, 0.25, 0, 0, 0]),
    "tanh": ([-1, -1, -1, 0, 1, 1, 1], [0, 0, 0, 1, 0, 0, 0]),
    "softplus": ([0, 0, 0, math.log(2), 800, 1e4, np.inf], [0, 0, 0, 0.5, 1, 1, 1]),
    "elu": ([-1, -1, -1, 0, 800, 1e4, np.inf], [0, 0, 0, 1, 1, 1, 1]),
    "gelu": ([0, 0, 0, 0, 800, 1e4, np.inf], [0, 0, 0, 0.5, 1, 1, 1]),
    "relu": ([0, 0, 0, 0, 800, 1e4, np.inf], [0, 0, 0, 0, 1, 1, 1]),
    "leaky_relu": ([-np.inf, -100, -8, 0, 800, 1e4, np.inf], [0.01, 0.01, 0.01, 0.01, 1, 1, 1]),
    "identity": (EXTREMES, [1] * 7),
    "step": ([0, 0, 0, 1, 1, 1, 1], [0] * 7),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(LIMITS))
def test_extremes_give_the_limits_without_warnings(name, dtype):
    act = get(name)
    z = EXTREMES.astype(dtype)
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        value, slope = act(z), act.derivative(z)
    assert not np.isnan(value).any() and not np.isnan(slope).any()
    assert value.dtype == dtype and slope.dtype == dtype
    np.testing.assert_allclose(value, np.array(LIMITS[name][0], dtype), rtol=1e-6, atol=0)
    np.testing.assert_allclose(slope, np.array(LIMITS[name][1], dtype), rtol=1e-6, atol=0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_at_extremes_is_finite_and_rows_sum_to_one(dtype):
    z = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1e4, 1e4, -1e4], [1e4 - 1, 1e4, 1e4 - 2]], dtype=dtype)
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        p = Softmax()(z)
        jvp = Softmax().jvp(z, np.ones_like(z))
    assert p.dtype == dtype and np.isfinite(p).all() and np.isfinite(jvp).all()
    np.testing.assert_allclose(p[:3], [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3], [0.5, 0.5, 0]], rtol=1e-6, atol=0)
    e = np.exp([-1.0, 0.0, -2.0])
    np.testing.assert_allclose(p[3], e / e.sum(), rtol=1e-6)
    if dtype == np.float64:
        rows = np.random.default_rng(7).normal(scale=1e4, size=(500, 10))
        assert np.abs(Softmax()(rows).sum(axis=1) - 1).max() < 1e-12


def test_nothing_overflows_anywhere_in_the_float_range():
    z64 = np.concatenate([-np.logspace(-300, 308, 400), np.logspace(-300, 308, 400)])
    z32 = np.concatenate([-np.logspace(-38, 38, 200), np.logspace(-38, 38, 200)]).astype(np.float32)
    for act in (get(name) for name in LIMITS):
        for z in (z64, z32):
            with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
                warnings.simplefilter("error")
                assert not np.isnan(act(z)).any() and not np.isnan(act.derivative(z)).any(), repr(act)


# -- dtypes, shapes, input checks -----------------------------------------------------------------------------


@pytest.mark.parametrize("name, act, alpha", ELEMENTWISE, ids=IDS)
def test_float32_stays_float32_and_agrees_with_float64(name, act, alpha):
    z = random_z(8).astype(np.float32)
    v = np.ones_like(z)
    for got, want in [(act(z), act(z.astype(np.float64))), (act.derivative(z), act.derivative(z.astype(np.float64)))]:
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=2e-6, atol=2e-7)
    assert act.jvp(z, v).dtype == np.float32
    scalar = act(np.float32(0.5))
    assert isinstance(scalar, np.float32)


@pytest.mark.parametrize("name", sorted(LIMITS))
def test_the_plain_formulas_keep_float32_too(name):
    """Dense.forward and backward call value and derivative directly, without the door's conversion."""
    z = np.linspace(-3, 3, 12, dtype=np.float32)
    act = get(name)
    assert act.value(z).dtype == np.float32 and act.derivative(z).dtype == np.float32


def test_softmax_keeps_float32():
    z = np.random.default_rng(9).normal(size=(3, 4)).astype(np.float32)
    softmax = Softmax()
    assert softmax(z).dtype == np.float32 and softmax.jacobian(z).dtype == np.float32
    assert softmax.jvp(z, np.ones_like(z)).dtype == np.float32


@pytest.mark.parametrize("shape", [(), (0,), (7,), (2, 3), (2, 3, 4), (0, 5)])
@pytest.mark.parametrize("name", sorted(LIMITS))
def test_any_shape_and_numbers_give_numpy_scalars(name, shape):
    act = get(name)
    z = np.linspace(-2, 2, int(np.prod(shape))).reshape(shape)
    assert np.shape(act(z)) == shape and np.shape(act.derivative(z)) == shape
    if shape == ():
        assert isinstance(act(0.5), np.float64) and np.shape(act.derivative(np.float64(0.5))) == ()


def test_softmax_works_on_any_leading_shape():
    z = np.random.default_rng(10).normal(size=(2, 3, 4))
    p = Softmax()(z)
    assert p.shape == (2, 3, 4) and Softmax().jacobian(z).shape == (2, 3, 4, 4)
    v = np.random.default_rng(11).normal(size=(2, 3, 4))
    np.testing.assert_allclose(Softmax().jvp(z, v)[1, 2], Softmax().jvp(z[1, 2], v[1, 2]), rtol=1e-14)  # last axis
    assert Softmax()(np.zeros((0, 3))).shape == (0, 3)  # an empty batch of rows
    np.testing.assert_allclose(p[1, 2], Softmax()(z[1, 2]), rtol=1e-15)
    assert Softmax()([1.0, 1.0]).tolist() == [0.5, 0.5]


def test_integers_and_booleans_become_float64_and_input_is_not_changed():
    assert ReLU()([1, -2, 3]).dtype == np.float64 and Sigmoid()(np.array([True, False])).dtype == np.float64
    z = np.array([-1.0, 0.5, 2.0])
    for act in (get(name) for name in ACTIVATIONS):
        out = act(z)
        out[...] = 99.0  # the output never shares memory with the input
        assert z.tolist() == [-1.0, 0.5, 2.0], repr(act)


@pytest.mark.parametrize("bad", ["0.5", None, [1 + 2j], {"z": 1}, [[1.0, 2.0], [3.0]], [object()]])
@pytest.mark.parametrize("name", ["sigmoid", "relu", "gelu", "softmax"])
def test_non_numeric_input_is_a_type_error_naming_z(name, bad):
    with pytest.raises((TypeError, ValueError), match=r"^z must") as info:
        get(name)(bad)
    ragged = isinstance(bad, list) and bad and isinstance(bad[0], list)
    assert info.type is (ValueError if ragged else TypeError)


def test_nan_is_refused_not_propagated():
    for act in (get(name) for name in ACTIVATIONS):
        with pytest.raises(ValueError, match=r"z must be numbers \(no NaN\); got nan at index 1|z must be finite"):
            act([0.0, np.nan])


# -- parameters, equality, registry ---------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [LeakyReLU, ELU])
def test_alpha_must_be_a_positive_finite_number(cls):
    for bad, error, message in [(0, ValueError, "alpha must be > 0; got 0"), (-1, ValueError, "alpha must be > 0"),
                                (math.nan, ValueError, "alpha must be finite"), ("0.1", TypeError, "alpha must be a real"),
                                (True, TypeError, "alpha must be a real")]:
        with pytest.raises(error, match=message):
            cls(bad)


def test_equality_hash_and_repr():
    assert LeakyReLU(0.1) == LeakyReLU(0.1) and LeakyReLU(0.1) != LeakyReLU(0.2) and ReLU() != Identity()
    assert len({ReLU(), ReLU(), ELU(0.5), ELU(0.5), ELU()}) == 3
    assert repr(LeakyReLU(0.1)) == "LeakyReLU(alpha=0.1)" and repr(Softmax()) == "Softmax()"


def test_get_by_name_object_class_or_none():
    expected = {"identity": Identity, "linear": Identity, "step": Step, "sigmoid": Sigmoid, "tanh": Tanh,
                "relu": ReLU, "leaky_relu": LeakyReLU, "elu": ELU, "softplus": Softplus, "gelu": GELU,
                "softmax": Softmax}
    assert set(ACTIVATIONS) == set(expected)
    for name, cls in expected.items():
        assert type(get(name)) is cls and get(name) == cls()
    assert get(" Leaky-ReLU ") == LeakyReLU() and get("RELU") == ReLU()
    elu = ELU(0.3)
    assert get(elu) is elu and get(Tanh) == Tanh() and get(None) == Identity()


def test_the_base_classes_say_what_a_subclass_must_define():
    from nnlib.losses import Loss
    from nnlib.regularizers import Regularizer

    for call, message in [(lambda: activations.Activation().value(np.zeros(1)), r"Activation must define value\(z\) and "
                           r"derivative\(z\)"), (lambda: activations.Activation().derivative(np.zeros(1)), "Activation must"),
                          (lambda: Regularizer().value(np.zeros(1)), r"Regularizer must define value\(W\) and gradient\(W\)"),
                          (lambda: Regularizer().gradient(np.zeros(1)), "Regularizer must define"),
                          (lambda: Loss().value(np.zeros((1, 1)), np.zeros((1, 1))), "Loss must define value, gradient and targets"),
                          (lambda: Loss().gradient(np.zeros((1, 1)), np.zeros((1, 1))), "Loss must define value, gradient")]:
        with pytest.raises(NotImplementedError, match="^" + message):
            call()


def test_get_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="unknown activation 'swish'; valid names: ") as info:
        get("swish")
    for name in ACTIVATIONS:
        assert name in str(info.value)
    for bad in (3, 1.5, ReLU().__call__, [ReLU()]):
        with pytest.raises(TypeError, match="activation must be a name such as 'relu', an Activation or None; got"):
            get(bad)
    with pytest.raises(TypeError, match="^activation must be a name such as 'relu', an Activation or None; got int 3$"):
        get(3)

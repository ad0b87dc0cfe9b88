"""nnlib.regularizers (notebook 10): L1, L2 and L1L2 penalties (values, gradients against finite differences,
Keras's defaults, the checks), what they do to a trained network's weights, and their descriptions."""
import numpy as np
import pytest

from nnlib.data import moons
from nnlib.gradcheck import numerical_gradient, relative_error
from nnlib.layers import Dense
from nnlib.model import Sequential
from nnlib.optim import SGD
from nnlib.regularizers import L1, L1L2, L2, Regularizer, get


def test_l1_and_l2_values_and_gradients():
    W = np.array([[1.0, -2.0], [0.5, 0.0]])
    assert L2(0.1)(W) == pytest.approx(0.1 * 5.25) and L1(0.1)(W) == pytest.approx(0.1 * 3.5)
    np.testing.assert_allclose(L2(0.1).gradient(W), 0.2 * W)
    np.testing.assert_array_equal(L1(0.1).gradient(W), 0.1 * np.array([[1, -1], [1, 0]]))
    W = np.random.default_rng(0).normal(size=(5, 3)) + 0.1
    for penalty in (L1(0.7), L2(0.7)):
        assert relative_error(penalty.gradient(W), numerical_gradient(penalty.value, W.copy())) < 1e-8
    assert get("L2") == L2(0.01) and get(None) is None and repr(L1(0.5)) == "L1(l1=0.5)"
    with pytest.raises(ValueError, match="l2 must be >= 0; got -1"):
        L2(-1)
    with pytest.raises(ValueError, match="unknown regularizer 'l3'"):
        get("l3")
    with pytest.raises(TypeError, match=r"^kernel_regularizer must be a name such as 'l2', a regularizer \(with value\(W\) "
                                        r"and gradient\(W\)\) or None; got float 0.1$"):
        Dense(2, kernel_regularizer=0.1)
    with pytest.raises(ValueError, match="W must be finite"):
        L2()([[np.nan]])


def test_l1l2_is_the_sum_of_both_penalties_with_its_gradient():
    W = np.array([[1.0, -2.0], [0.5, 0.0]])
    both = L1L2(l1=0.1, l2=0.3)
    assert both(W) == pytest.approx(0.1 * 3.5 + 0.3 * 5.25, rel=1e-15)
    np.testing.assert_allclose(both.gradient(W), 0.1 * np.sign(W) + 0.6 * W, rtol=1e-15)
    W = np.random.default_rng(2).normal(size=(4, 3)) + 0.1
    assert relative_error(both.gradient(W), numerical_gradient(both.value, W.copy())) < 1e-8


def test_penalties_default_to_kerass_factors_and_refuse_negative_ones():
    assert (L1().l1, L2().l2, L1L2().l1, L1L2().l2) == (0.01, 0.01, 0.0, 0.0)
    for make, message in [(lambda: L1(-0.5), "^l1 must be >= 0; got -0.5$"), (lambda: L1L2(l1=-1), "^l1 must be >= 0"),
                          (lambda: L1L2(l2=-2), "^l2 must be >= 0; got -2$"), (lambda: L1("a"), "^l1 must be a real"),
                          (lambda: L1L2(l2="a"), "^l2 must be a real number; got str 'a'$")]:
        with pytest.raises((TypeError, ValueError), match=message):
            make()


def test_l2_shrinks_the_weights_and_l1_makes_them_sparse():
    X, y = moons(n=100, noise=0.2, rng=2)
    sizes = {}
    for name, penalty in (("none", None), ("l2", L2(0.01)), ("l1", L1(0.01))):
        model = Sequential([Dense(16, "tanh", input_dim=2, kernel_regularizer=penalty, rng=3),
                            Dense(1, "sigmoid", kernel_regularizer=penalty, rng=4)])
        model.compile(SGD(0.5), "binary_crossentropy").fit(X, y, epochs=300, batch_size=None, verbose=0)
        W = model.layers[0].params["W"]
        sizes[name] = (np.sum(W**2), np.mean(np.abs(W) < 1e-2))
    assert sizes["l2"][0] < 0.5 * sizes["none"][0]
    assert sizes["l1"][1] > sizes["none"][1] + 0.2  # many weights near 0


def test_regularizers_describe_their_strengths_and_compare_by_them():
    assert L1(0.5).get_config() == {"l1": 0.5} and L2().get_config() == {"l2": 0.01}
    assert L1L2(0.002, 0.003).get_config() == {"l1": 0.002, "l2": 0.003}
    for penalty in (L1(0.5), L2(0.25), L1L2(0.1, 0.2), L1L2()):
        again = type(penalty).from_config(penalty.get_config())
        assert again == penalty and type(again) is type(penalty) and hash(again) == hash(penalty)
    assert L1(0.5) != L1(0.25) and L1L2(0.1, 0.0) != L1(0.1) and repr(L1L2(0.1, 0.2)) == "L1L2(l1=0.1, l2=0.2)"
    with pytest.raises(NotImplementedError, match="^Regularizer must define value\\(W\\) and gradient\\(W\\)$"):
        Regularizer()(np.ones((2, 2)))

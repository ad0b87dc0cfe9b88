"""nnlib.losses (notebook 05): values against the formulas, gradients against finite differences, the
logits forms against the probability forms, stability at p in {0, 1} and logits +-1e4, and label checks."""
import math
import warnings

import numpy as np
import pytest

from nnlib.activations import Sigmoid, Softmax
from nnlib.gradcheck import numerical_gradient
from nnlib.losses import LOSSES, BinaryCrossEntropy, CategoricalCrossEntropy, Loss, MeanSquaredError, get


def relative_gradient_error(loss, y_pred, y_true):
    """The door loss(v, y_true) differentiated numerically against the formula gradient(y_pred, y)."""
    numeric = numerical_gradient(lambda v: loss(v, y_true), y_pred.copy(), h=1e-6)
    y = loss.targets(y_true, y_pred.shape, y_pred.dtype)
    return np.abs(loss.gradient(y_pred, y) - numeric).max() / np.abs(numeric).max()


RNG = np.random.default_rng(0)


def test_mse_value_and_gradient():
    y_pred, y_true = RNG.normal(size=(6, 3)), RNG.normal(size=(6, 3))
    want = sum((a - b) ** 2 for a, b in zip(y_pred.ravel(), y_true.ravel())) / 18
    assert MeanSquaredError()(y_pred, y_true) == pytest.approx(want, rel=1e-14)
    np.testing.assert_allclose(MeanSquaredError().gradient(y_pred, y_true), 2 * (y_pred - y_true) / 18, rtol=1e-15)
    assert relative_gradient_error(MeanSquaredError(), y_pred, y_true) < 1e-7


def test_bce_value_matches_the_formula_and_logits_match_probabilities():
    z, y = RNG.normal(scale=3, size=(10, 1)), RNG.integers(0, 2, size=(10, 1)).astype(float)
    p = 1 / (1 + np.exp(-z))
    want = -sum(t * math.log(q) + (1 - t) * math.log(1 - q) for q, t in zip(p.ravel(), y.ravel())) / 10
    assert BinaryCrossEntropy()(p, y) == pytest.approx(want, rel=1e-12)
    assert BinaryCrossEntropy(from_logits=True)(z, y) == pytest.approx(want, rel=1e-12)
    np.testing.assert_allclose(BinaryCrossEntropy(from_logits=True).gradient(z, y), (p - y) / 10, rtol=1e-12)


@pytest.mark.parametrize("loss, make", [
    (BinaryCrossEntropy(), lambda: (RNG.uniform(0.05, 0.95, (8, 2)), RNG.integers(0, 2, (8, 2)).astype(float))),
    (BinaryCrossEntropy(), lambda: (RNG.uniform(0.05, 0.95, (8, 1)), RNG.uniform(0, 1, (8, 1)))),  # soft targets
    (BinaryCrossEntropy(from_logits=True), lambda: (RNG.normal(scale=3, size=(8, 2)), RNG.integers(0, 2, (8, 2)))),
    (CategoricalCrossEntropy(), lambda: (Softmax()(RNG.normal(size=(8, 4))), RNG.integers(0, 4, 8))),
    (CategoricalCrossEntropy(from_logits=True), lambda: (RNG.normal(scale=3, size=(8, 4)), RNG.integers(0, 4, 8))),
    (CategoricalCrossEntropy(from_logits=True), lambda: (RNG.normal(size=(8, 4)), Softmax()(RNG.normal(size=(8, 4))))),
], ids=["bce", "bce-soft", "bce-logits", "cce", "cce-logits", "cce-logits-soft"])
def test_cross_entropy_gradients_match_central_differences(loss, make):
    y_pred, y_true = make()
    assert relative_gradient_error(loss, y_pred, y_true) < 1e-7


def test_cce_integer_labels_equal_one_hot_and_logits_equal_probabilities():
    z, labels = RNG.normal(scale=2, size=(7, 5)), RNG.integers(0, 5, 7)
    one_hot, p = np.eye(5)[labels], Softmax()(z)
    want = -np.mean(np.log(p[np.arange(7), labels]))
    for loss, y_pred in ((CategoricalCrossEntropy(), p), (CategoricalCrossEntropy(from_logits=True), z)):
        assert loss(y_pred, labels) == pytest.approx(want, rel=1e-12) == loss(y_pred, one_hot)
        np.testing.assert_array_equal(loss.targets(labels, y_pred.shape, y_pred.dtype), one_hot)
    # through the softmax, both give (p - y) / n: notebook 05's pre_activation_gradient
    through = Softmax().jvp(z, CategoricalCrossEntropy().gradient(p, one_hot))
    np.testing.assert_allclose(through, (p - one_hot) / 7, rtol=0, atol=1e-15)
    np.testing.assert_allclose(CategoricalCrossEntropy(from_logits=True).gradient(z, one_hot), (p - one_hot) / 7, atol=1e-16)
    np.testing.assert_allclose(CategoricalCrossEntropy().pre_activation_gradient(p, one_hot), (p - one_hot) / 7, atol=0)


def no_warnings():
    context = warnings.catch_warnings()
    context.__enter__()
    warnings.simplefilter("error")
    return context


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_probabilities_zero_and_one_are_finite_with_no_warnings(dtype):
    p, y = np.array([[0.0], [1.0], [0.0], [1.0]], dtype), np.array([[0.0], [1.0], [1.0], [0.0]], dtype)
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        value, grad = BinaryCrossEntropy()(p, y), BinaryCrossEntropy().gradient(p, y)
        cce = CategoricalCrossEntropy()(np.array([[1.0, 0.0], [0.0, 1.0]], dtype), [1, 1])
    assert math.isfinite(value) and np.isfinite(grad).all() and grad.dtype == dtype
    # two confident wrong answers, each costing -ln of the clipped probability (1 - eps rounds in float32)
    low, high = float(dtype(1e-7)), float(dtype(1 - 1e-7))
    want = (-math.log(low) - math.log(1 - high)) / 4
    assert value == pytest.approx(want, rel=1e-5) and cce == pytest.approx(-math.log(low) / 2, rel=1e-5)
    assert grad[2, 0] < 0 < grad[3, 0]  # the gradient still points towards the label


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_logits_at_plus_minus_1e4_are_exact_and_finite(dtype):
    z, y = np.array([[-1e4], [1e4], [-1e4], [1e4]], dtype), np.array([[1.0], [0.0], [0.0], [1.0]], dtype)
    rows = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]], dtype)
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        bce = BinaryCrossEntropy(from_logits=True)
        value, grad = bce(z, y), bce.gradient(z, y)
        cce = CategoricalCrossEntropy(from_logits=True)
        c_value, c_grad = cce(rows, [1, 0]), cce.gradient(rows, np.eye(3, dtype=dtype)[[1, 0]])
    assert value == pytest.approx(2e4 / 4, rel=1e-6)  # two answers wrong by 1e4 each, two right
    np.testing.assert_allclose(grad.ravel(), [-0.25, 0.25, 0, 0], atol=1e-12)
    assert c_value == pytest.approx((2e4 + math.log(3)) / 2, rel=1e-6) and np.isfinite(c_grad).all()
    assert grad.dtype == dtype and c_grad.dtype == dtype


def test_labels_of_shape_n_are_accepted_for_a_single_output_column():
    p = np.array([[0.9], [0.2]])
    assert BinaryCrossEntropy()(p, [1, 0]) == BinaryCrossEntropy()(p, [[1], [0]])
    assert MeanSquaredError().targets([1, 0], p.shape, p.dtype).shape == (2, 1)


@pytest.mark.parametrize("call, error, message", [
    (lambda: MeanSquaredError()([[1.0, 2.0]], [[1.0]]), ValueError, r"y_true must have the shape of y_pred \(1, 2\); got shape \(1, 1\)"),
    (lambda: MeanSquaredError()(np.array([[np.nan]]), [[1.0]]), ValueError, "y_pred must be finite; got nan"),
    (lambda: MeanSquaredError()([[1.0]], [[np.inf]]), ValueError, "y_true must be finite; got inf"),
    (lambda: MeanSquaredError()(1.0, 1.0), ValueError, r"^y_pred must have one row per sample \(n_samples, \.\.\.\); got a "
                                                       r"single number$"),
    (lambda: MeanSquaredError()([[1.0, 2.0], [3.0, 4.0]], [1.0, 2.0]), ValueError,
     r"^y_true must have the shape of y_pred \(2, 2\); got shape \(2,\)$"),  # (n,) only stands for (n, 1)
    (lambda: BinaryCrossEntropy()([[0.0], [1.5]], [[0.0], [1.0]]), ValueError, r"in \[0, 1\]; got 1.5 \(for raw"),
    (lambda: BinaryCrossEntropy()([[-0.5], [0.7]], [[0.0], [1.0]]), ValueError, r"in \[0, 1\]; got -0.5 \(for raw"),
    (lambda: BinaryCrossEntropy()([[0.5], [0.5]], [[0.0], [2.0]]), ValueError, r"^y_true must hold labels in \[0, 1\]; got 2$"),
    (lambda: BinaryCrossEntropy()([[0.5], [0.5]], [[-1.0], [0.5]]), ValueError, r"^y_true must hold labels in \[0, 1\]; got -1$"),
    (lambda: BinaryCrossEntropy(eps=0), ValueError, "^eps must be > 0; got 0$"),
    (lambda: BinaryCrossEntropy(eps=0.5), ValueError, "^eps must be < 0.5; got 0.5$"),
    (lambda: CategoricalCrossEntropy()([[0.5, 0.5]], [[[1.0, 0.0]]]), ValueError,
     r"^y_true must be a 1-D or 2-D array \(n_samples,\) of class labels or \(n_samples, n_classes\); got shape \(1, 1, 2\)$"),
    (lambda: CategoricalCrossEntropy()([[0.5, 0.5]] * 2, [[1.0, 0.0], [-0.5, 1.5]]), ValueError,
     "^y_true rows must be non-negative and sum to 1 \\(one-hot\\); row 1 sums to 1$"),
    (lambda: BinaryCrossEntropy()([[1.5]], [[1.0]]), ValueError, r"y_pred must hold probabilities in \[0, 1\]; got 1.5 \(for raw outputs, use from_logits=True\)"),
    (lambda: BinaryCrossEntropy()([[0.5]], [[2.0]]), ValueError, r"y_true must hold labels in \[0, 1\]; got 2"),
    (lambda: BinaryCrossEntropy()([["a"]], [[1.0]]), TypeError, "y_pred must hold real numbers"),
    (lambda: BinaryCrossEntropy(from_logits=1), TypeError, "from_logits must be True or False; got int 1"),
    (lambda: BinaryCrossEntropy(eps=0.7), ValueError, "eps must be < 0.5; got 0.7"),
    (lambda: CategoricalCrossEntropy()([[0.5, 0.5]], [2]), ValueError, r"integer class labels in 0 \.\. 1; got 2 at index 0"),
    (lambda: CategoricalCrossEntropy()([[0.5, 0.5]], [0.5]), ValueError, "integer class labels in 0 .. 1; got 0.5"),
    (lambda: CategoricalCrossEntropy()([[0.5, 0.5]], [[1.0, 1.0]]), ValueError, "row 0 sums to 2"),
    (lambda: CategoricalCrossEntropy()([[0.5, 0.5]], [[1.0, 0.0, 0.0]]), ValueError, "y_true must have 2 columns"),
    (lambda: CategoricalCrossEntropy()([[0.5, 0.5]], [0, 1]), ValueError, r"one label per row of y_pred \(1\); got shape \(2,\)"),
    (lambda: CategoricalCrossEntropy()([0.5, 0.5], [0]), ValueError, r"y_pred must be a 2-D array \(n_samples, n_classes\)"),
])
def test_bad_predictions_and_labels_raise_clearly(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_float32_gradients_stay_float32():
    p = np.array([[0.3], [0.8]], np.float32)
    y = np.array([[0.0], [1.0]], np.float32)
    for loss in (MeanSquaredError(), BinaryCrossEntropy(), BinaryCrossEntropy(from_logits=True)):
        assert loss.gradient(p, y).dtype == np.float32
    assert BinaryCrossEntropy().pre_activation_gradient(p, y).dtype == np.float32
    probabilities = np.full((2, 3), 1 / 3, np.float32)
    labels = CategoricalCrossEntropy().targets([0, 2], probabilities.shape, np.float32)
    assert labels.dtype == np.float32 and CategoricalCrossEntropy().gradient(probabilities, labels).dtype == np.float32


def test_targets_take_the_predictions_dtype():
    for loss, y in ((MeanSquaredError(), [[0.5], [2.0]]), (BinaryCrossEntropy(), [[0.0], [1.0]]),
                    (CategoricalCrossEntropy(), [[0.25, 0.75], [1.0, 0.0]])):
        assert loss.targets(np.array(y), (2, len(y[0])), np.float32).dtype == np.float32, repr(loss)


def test_the_fused_gradient_is_used_for_probabilities_through_their_own_output_activation_only():
    assert BinaryCrossEntropy().fuses(Sigmoid()) and CategoricalCrossEntropy().fuses(Softmax())
    assert not BinaryCrossEntropy(from_logits=True).fuses(Sigmoid())  # logits: the gradient is already p - y
    assert not BinaryCrossEntropy().fuses(None) and not CategoricalCrossEntropy().fuses(Sigmoid())
    assert not MeanSquaredError().fuses(Sigmoid())


def test_registry_uses_keras_names():
    assert set(LOSSES) == {"mse", "mean_squared_error", "binary_crossentropy", "categorical_crossentropy",
                           "sparse_categorical_crossentropy"}
    assert get("MSE") == MeanSquaredError() and get("binary_crossentropy") == BinaryCrossEntropy()
    assert get("sparse_categorical_crossentropy") == CategoricalCrossEntropy()
    logits = BinaryCrossEntropy(from_logits=True)
    assert get(logits) is logits and logits != BinaryCrossEntropy()
    assert repr(logits) == "BinaryCrossEntropy(from_logits=True, eps=1e-07)"
    with pytest.raises(ValueError, match="unknown loss 'hinge'; valid names: mse, mean_squared_error"):
        get("hinge")
    with pytest.raises(TypeError, match="loss must be a name such as 'mse' or a Loss; got int 3"):
        get(3)
    with pytest.raises(NotImplementedError, match="Loss must define value, gradient and targets"):
        Loss()([[1.0]], [[1.0]])
    assert isinstance(Sigmoid()(0.0), np.float64)

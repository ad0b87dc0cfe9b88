"""nnlib.metrics: accuracy, mean squared error and the registry (notebook 08), the confusion matrix (notebook 10),
precision and recall (notebook 12)."""
import re

import numpy as np
import pytest

from nnlib.metrics import METRICS, accuracy, confusion_matrix, get, mean_squared_error, precision_recall


def test_accuracy_binary_and_multiclass():
    assert accuracy([1, 0, 1, 1], [[0.9], [0.2], [0.4], [0.51]]) == 0.75
    assert accuracy([[1], [0]], [0.6, 0.6]) == 0.5
    probs = np.array([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2], [0.2, 0.2, 0.6]])
    assert accuracy([1, 0, 0], probs) == pytest.approx(2 / 3)
    assert accuracy(np.eye(3)[[1, 0, 2]], probs) == 1.0
    with pytest.raises(ValueError, match="one row per sample each; got 2 and 3"):
        accuracy([1, 0], probs)


def test_accuracy_reads_two_outputs_as_two_classes_and_a_half_as_class_0():
    probs = np.array([[0.2, 0.8], [0.6, 0.4], [0.5, 0.5]])
    assert accuracy([1, 0, 0], probs) == 1.0 and accuracy(np.eye(2)[[1, 0, 0]], probs) == 1.0  # labels or one-hot
    assert accuracy([[1], [0], [0]], probs) == 1.0  # labels as a column
    assert accuracy([1, 0], [[0.5], [0.51]]) == 0.0  # p > 0.5 predicts 1; 0.5 itself predicts 0
    for bad, name in (([[[0.5]]], "y_pred"), ([[[1]]], "y_true")):
        args = ([1], bad) if name == "y_pred" else (bad, [0.5])
        with pytest.raises(ValueError, match=rf"^{name} must be a 1-D or 2-D array \(n_samples,\) or \(n_samples, "
                                             rf"n_outputs\); got shape \(1, 1, 1\)$"):
            accuracy(*args)


def test_mean_squared_error_and_registry():
    assert mean_squared_error([1.0, 2.0], [[1.5], [2.0]]) == pytest.approx(0.125)
    with pytest.raises(ValueError, match=r"^y_true and y_pred must have one row per sample each; got 3 and 2$"):
        mean_squared_error([1.0, 2.0, 3.0], [[1.0], [2.0]])
    with pytest.raises(ValueError, match=r"^y_true must have the shape of y_pred \(2, 2\); got \(2, 3\)$"):
        mean_squared_error(np.ones((2, 3)), np.ones((2, 2)))
    with pytest.raises(TypeError, match=r"^y_true must hold real numbers; got list \['a'\]$"):
        mean_squared_error(["a"], [1.0])
    with pytest.raises(TypeError, match=r"^y_pred must hold real numbers; got list \['b'\]$"):
        mean_squared_error([1.0], ["b"])
    assert get("accuracy") == ("accuracy", accuracy) and get("acc") == ("accuracy", accuracy)
    assert get("MSE") == ("mse", mean_squared_error) and set(METRICS) >= {"accuracy", "mse"}
    def mean_absolute_error(y_true, y_pred):
        return np.mean(np.abs(y_pred - y_true))

    name, wrapped = get(mean_absolute_error)
    assert name == "mean_absolute_error" and wrapped.function is mean_absolute_error
    assert wrapped([1.0, 3.0], [2.0, 2.0]) == 1.0  # the door makes both columns (2, 1): no broadcasting to (2, 2)
    with pytest.raises(ValueError, match="unknown metric 'f1'; valid names: accuracy"):
        get("f1")
    with pytest.raises(TypeError, match="^metric must be a name such as 'accuracy' or a function; got int 3$"):
        get(3)
    import functools

    assert get(functools.partial(accuracy))[0] == "metric"  # a function without a __name__


# ---- confusion_matrix -------------------------------------------------------------------------------------


def test_confusion_matrix_of_labels():
    C = confusion_matrix([0, 1, 2, 2, 1, 0], [0, 2, 2, 2, 1, 1])
    assert C.dtype == np.int64
    np.testing.assert_array_equal(C, [[1, 1, 0], [0, 1, 1], [0, 0, 2]])


def test_confusion_matrix_of_probabilities_and_one_hot():
    binary = confusion_matrix([0, 0, 1, 1, 1], [[0.2], [0.7], [0.9], [0.4], [0.51]])
    np.testing.assert_array_equal(binary, [[1, 1], [1, 2]])
    one_hot = np.eye(3)[[2, 0, 1, 1]]
    outputs = np.array([[0.1, 0.2, 0.7], [0.5, 0.3, 0.2], [0.6, 0.3, 0.1], [0.2, 0.7, 0.1]])
    np.testing.assert_array_equal(confusion_matrix(one_hot, outputs), [[1, 0, 0], [1, 1, 0], [0, 0, 1]])
    padded = confusion_matrix([0, 1], [1, 1], n_classes=4)
    assert padded.shape == (4, 4) and padded[0, 1] == 1 and padded[1, 1] == 1 and padded.sum() == 2


def test_confusion_matrix_reads_each_form_of_labels_and_outputs():
    np.testing.assert_array_equal(confusion_matrix([0, 1], [[0.9, 0.1], [0.2, 0.8]]), [[1, 0], [0, 1]])  # 2 outputs
    np.testing.assert_array_equal(confusion_matrix([0, 1], [[0.5], [0.51]]), [[1, 0], [0, 1]])  # p > 0.5 is class 1
    np.testing.assert_array_equal(confusion_matrix([[0], [1], [1]], [0, 1, 0]), [[1, 0], [1, 1]])  # labels as a column
    assert confusion_matrix([0, 4], [0, 1]).shape == (5, 5) and confusion_matrix([0, 1], [0, 4]).shape == (5, 5)
    np.testing.assert_array_equal(confusion_matrix([], []), np.zeros((2, 2)))  # no samples: no counts
    assert confusion_matrix(np.zeros(0), np.zeros(0), n_classes=3).shape == (3, 3)


def test_confusion_matrix_agrees_with_a_loop_and_accuracy():
    rng = np.random.default_rng(3)
    y_true, outputs = rng.integers(0, 5, size=500), rng.random((500, 5))
    C = confusion_matrix(y_true, outputs)
    expected = np.zeros((5, 5), dtype=np.int64)
    for t, p in zip(y_true, outputs.argmax(axis=1)):
        expected[t, p] += 1
    np.testing.assert_array_equal(C, expected)
    assert np.trace(C) / 500 == pytest.approx(accuracy(y_true, outputs))


@pytest.mark.parametrize("args, kwargs, error, words", [
    (([0, 1, 1], [0, 1]), {}, ValueError, "one row per sample"),
    (([0, -1], [0, 1]), {}, ValueError, "y_true must hold class labels"),
    (([0, 1.5], [0, 1]), {}, ValueError, "got 1.5 at index 1"),
    (([0, 1], [0.2, 0.9]), {}, ValueError, "pass probabilities as (n, 1)"),
    (([0, 1], [0.2, 0.9]), {}, ValueError,
     "y_pred (class labels; pass probabilities as (n, 1)) must hold class labels 0, 1, 2, ...; got 0.2 at index 0"),
    (([0, 1], [0, 3]), {"n_classes": 3}, ValueError, "y_pred has class 3 at index 1; n_classes is 3 (classes 0..2)"),
    ((np.eye(2)[[0, 1]], [0, 1]), {"n_classes": 3}, ValueError, "y_true has 2 columns (one per class); n_classes is 3"),
    (([[1, 0], [0.5, 0.5]], [0, 1]), {}, ValueError,
     "y_true of shape (2, 2) must be one-hot rows (one 1, the rest 0); row 1 is [0.5 0.5]"),
    (([[[0]]], [0]), {}, ValueError, "y_true must be a 1-D or 2-D array (n_samples,) or (n_samples, n_classes); got shape (1, 1, 1)"),
    (([0], [[[0]]]), {}, ValueError, "y_pred must be a 1-D or 2-D array (n_samples,) or (n_samples, n_classes); got shape (1, 1, 1)"),
    (([0, 3], [0, 1]), {"n_classes": 3}, ValueError, "y_true has class 3 at index 1"),
    (([0, 1], [[0.1, 0.9], [0.8, 0.2]]), {"n_classes": 3}, ValueError, "y_pred has 2 columns"),
    (([[1, 0], [1, 1]], [0, 1]), {}, ValueError, "one-hot rows"),
    (([0, 1], [[np.nan], [0.3]]), {}, ValueError, "y_pred must be finite"),
    (([0, 1], [0, 1]), {"n_classes": 1}, ValueError, "n_classes must be >= 2"),
    (([0, 1], [0, 1]), {"n_classes": True}, TypeError, "n_classes must be an integer"),
    ((["a", "b"], [0, 1]), {}, TypeError, "y_true must hold real numbers"),
])
def test_confusion_matrix_refuses_bad_arguments(args, kwargs, error, words):
    with pytest.raises(error, match=("^" if words.startswith(("y_", "n_classes")) else "") + re.escape(words)):
        confusion_matrix(*args, **kwargs)


# ---- precision and recall ---------------------------------------------------------------------------------


def test_precision_and_recall_from_the_confusion_matrix():
    y_true, y_pred = [0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 2, 2]
    C = confusion_matrix(y_true, y_pred)
    assert C.sum() == 6 and C.sum(axis=1).tolist() == [3, 2, 1] and C.sum(axis=0).tolist() == [2, 2, 2]
    precision, recall = precision_recall(y_true, y_pred)
    assert np.allclose(precision, [1.0, 0.5, 0.5]) and np.allclose(recall, [2 / 3, 0.5, 1.0])
    precision, recall = precision_recall([0, 1, 1], [0, 1, 1])  # class 0 predicted once, and rightly
    assert precision.tolist() == [1.0, 1.0] and recall.tolist() == [1.0, 1.0]


def test_a_class_never_predicted_has_precision_0_not_nan():
    precision, recall = precision_recall([0, 1, 2], [0, 0, 0], n_classes=4)
    assert precision.tolist() == [1 / 3, 0.0, 0.0, 0.0] and recall.tolist() == [1.0, 0.0, 0.0, 0.0]


def test_fit_calls_value_on_its_checked_batches_and_the_door_checks_once():
    """fit measures a metric with value (the formula) on 2-D batches; the call (the door) checks, then calls value."""
    from nnlib.layers import Dense
    from nnlib.metrics import Metric
    from nnlib.model import Sequential

    class Counting(Metric):
        name = "counting"

        def __init__(self):
            self.shapes = []

        def value(self, y_true, y_pred):
            self.shapes.append((y_true.shape, y_pred.shape))
            return float(np.mean(y_pred))

    metric = Counting()
    model = Sequential([Dense(1, "sigmoid", rng=0)])
    model.compile("sgd", "binary_crossentropy", metrics=[metric])
    X, y = np.random.default_rng(1).normal(size=(10, 2)), np.arange(10) % 2
    history = model.fit(X, y, epochs=2, batch_size=4, verbose=0, validation_data=(X, y))
    batches = [((4, 1), (4, 1)), ((4, 1), (4, 1)), ((2, 1), (2, 1))]  # 10 samples in batches of 4
    assert metric.shapes == (batches + batches) * 2  # each epoch: training, then validation in batches of 4 too
    assert len(history.history["counting"]) == 2 and len(history.history["val_counting"]) == 2
    assert metric([1, 0], [0.25, 0.75]) == 0.5 and metric.shapes[-1] == ((2, 1), (2, 1))
    with pytest.raises(ValueError, match=r"^y_pred must be finite"):
        metric([1, 0], [0.25, np.nan])
    metric.shapes.clear()  # full batch (batch_size=None): the validation samples in one batch too
    model.fit(X, y, epochs=1, batch_size=None, verbose=0, validation_data=(X[:7], y[:7]))
    assert metric.shapes == [((10, 1), (10, 1)), ((7, 1), (7, 1))]

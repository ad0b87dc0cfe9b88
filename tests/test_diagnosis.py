"""nnlib.diagnosis (notebook 10): the diagnosis of a run (underfitting, overfitting, a good fit, divergence, and
its thresholds), and where a model is looked at: grid_points (the plane's pixel centres) and unit_values (what
every drawn unit computes there)."""
import re

import numpy as np
import pytest

from nnlib.callbacks import History
from nnlib.data import blobs, circles, moons, train_test_split
from nnlib.diagnosis import diagnose, grid_points, unit_values
from nnlib.layers import Dense, Dropout
from nnlib.model import Sequential, TrainingDiverged
from nnlib.optim import SGD
from nnlib.recipe import features


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


# ---- diagnose --------------------------------------------------------------------------------------------------


def test_a_linear_model_on_circles_underfits():
    X, y = circles(n=300, noise=0.05, rng=10)
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.3, rng=11)
    model = Sequential([Dense(1, "sigmoid", input_dim=2)]).compile(SGD(0.5), "binary_crossentropy", ["accuracy"])
    history = model.fit(X_train, y_train, epochs=100, validation_data=(X_val, y_val), rng=12, verbose=0)
    kind, sentence = diagnose(history)
    assert kind == "underfitting" and sentence.startswith("training error") and "too simple" in sentence


def test_a_large_network_on_20_noisy_points_overfits():
    X, y = moons(n=220, noise=0.3, rng=13)
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=200, rng=14)
    model = Sequential([Dense(64, "relu", input_dim=2), Dense(64, "relu"), Dense(1, "sigmoid")])
    model.compile(SGD(0.3), "binary_crossentropy", ["accuracy"])
    history = model.fit(X_train, y_train, epochs=400, batch_size=None, validation_data=(X_val, y_val), rng=15,
                        verbose=0)
    kind, sentence = diagnose(history)
    best = history.epoch[int(np.argmin(history.history["val_loss"]))]
    train_error, val_error = 1 - history.history["accuracy"][-1], 1 - history.history["val_accuracy"][-1]
    assert train_error < 0.06 and val_error > 0.15
    assert kind == "overfitting" and f"lowest at epoch {best} " in sentence
    assert f"validation error {val_error:.1%} against training error {train_error:.1%}" in sentence


def test_a_huge_learning_rate_diverges_and_the_diagnosis_says_when():
    x = np.linspace(-1, 1, 50)[:, None] * 100
    model = Sequential([Dense(32, "relu", input_dim=1), Dense(1)]).compile(SGD(5.0), "mse")
    with pytest.raises(TrainingDiverged) as info:
        model.fit(x, np.sin(x[:, 0]), epochs=50, rng=16, verbose=0)
    kind, sentence = diagnose(info.value.history, diverged=info.value)
    assert kind == "diverged" and sentence.startswith("training diverged in epoch ") and "learning rate 5" in sentence


def test_a_good_fit_and_the_thresholds():
    X, y = blobs(n=300, k=2, noise=0.5, rng=17)
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.3, rng=18)
    model = Sequential([Dense(4, "tanh", input_dim=2), Dense(1, "sigmoid")]).compile(SGD(0.5), "binary_crossentropy",
                                                                                     ["accuracy"])
    history = model.fit(X_train, y_train, epochs=30, validation_data=(X_val, y_val), rng=19, verbose=0)
    assert diagnose(history)[0] == "good fit"
    made_up = History()
    for epoch, (loss, val) in enumerate([(0.5, 0.6), (0.3, 0.4), (0.2, 0.45), (0.1, 0.5)], start=1):
        made_up.append(epoch, {"loss": loss, "accuracy": 1 - loss / 5, "val_loss": val, "val_accuracy": 1 - val / 5})
    assert diagnose(made_up)[0] == "overfitting" and diagnose(made_up, gap=0.5, rise=0.5)[0] == "good fit"
    assert diagnose(History()) == ("not trained", "no epochs yet")
    chance = History()  # both errors high, validation 6 points worse: underfitting is checked first
    chance.append(1, {"loss": 0.69, "accuracy": 0.39, "val_loss": 0.69, "val_accuracy": 0.33})
    assert diagnose(chance) == ("underfitting", "training error 61.0%, validation error 67.0%: the training error is "
                                                "high, the model is too simple for these data (or the classes overlap)")
    chance.append(2, {"loss": 0.80, "accuracy": 0.39, "val_loss": 0.69, "val_accuracy": 0.33})  # the loss rose 16%
    assert diagnose(chance)[1].endswith("; the training loss rose after epoch 1 (0.6900 to 0.8000): steps too large")
    assert diagnose(chance, high=0.7)[0] == "overfitting"  # 61% is not "high" any more: 6 points of gap remain
    with pytest.raises(ValueError, match="gap must be >= 0"):
        diagnose(made_up, gap=-1)


# ---- grid_points ----------------------------------------------------------------------------------------------


def test_grid_points_are_the_pixel_centres_in_meshgrid_order():
    grid = grid_points((-1.0, 2.0), (-3.0, 1.0), 6)
    assert grid.shape == (36, 2) and grid.dtype == np.float64
    xs, ys = -1.0 + 0.5 * np.arange(6) + 0.25, -3.0 + (2 / 3) * np.arange(6) + 1 / 3  # pixel centres
    gx, gy = np.meshgrid(xs, ys)
    np.testing.assert_allclose(grid, np.column_stack([gx.ravel(), gy.ravel()]), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grid[0], [-1.0 + 0.25, -3.0 + 1 / 3])
    np.testing.assert_allclose(grid[1] - grid[0], [0.5, 0.0])  # x runs fastest
    np.testing.assert_allclose(grid[6] - grid[0], [0.0, 2 / 3])  # then y, from the bottom
    np.testing.assert_allclose(grid[-1], [2.0 - 0.25, 1.0 - 1 / 3])
    square = grid_points([0, 1], np.array([10, 12]), 2)  # any pair of numbers
    np.testing.assert_allclose(square, [[0.25, 10.5], [0.75, 10.5], [0.25, 11.5], [0.75, 11.5]])


@pytest.mark.parametrize("args, error, words", [
    ((3, (0, 1), 4), TypeError, "xlim must be a pair (low, high); got int 3"),
    (((0, 1), (0, 1, 2), 4), TypeError, "ylim must be a pair (low, high); got tuple (0, 1, 2)"),
    (("ab", (0, 1), 4), TypeError, "xlim must be a pair (low, high); got str"),
    (((1, 0), (0, 1), 4), ValueError, "xlim must be (low, high) with low < high; got (1, 0)"),
    (((0, 1), (2, 2), 4), ValueError, "ylim must be (low, high) with low < high; got (2, 2)"),
    (((0, 1), (0, np.inf), 4), ValueError, "ylim[1] must be finite; got inf"),
    (((np.nan, 1), (0, 1), 4), ValueError, "xlim[0] must be finite"),
    (((0, 1), (0, 1), 1), ValueError, "resolution must be >= 2; got 1"),
    (((0, 1), (0, 1), 2.5), TypeError, "resolution must be an integer; got float 2.5"),
    (((0, 1), (0, 1), True), TypeError, "resolution must be an integer; got bool True"),
])
def test_grid_points_refuses_bad_arguments(args, error, words):
    with pytest.raises(error, match=re.escape(words)):
        grid_points(*args)


# ---- unit_values ----------------------------------------------------------------------------------------------


def playground_model(output="sigmoid"):
    """3 features -> Dense 5 tanh -> Dropout 0.5 -> Dense 4 relu -> Dropout 0.2 -> Dense 1 sigmoid (or 3 softmax)."""
    units = 1 if output == "sigmoid" else 3
    return Sequential([Dense(5, "tanh", input_dim=3, rng=0), Dropout(0.5, rng=7), Dense(4, "relu", rng=1),
                       Dropout(0.2, rng=8), Dense(units, output, rng=2)])


def by_hand(model, X):
    """Every Dense layer's output, computed from its params (Dropout: the identity, at prediction)."""
    dense = [layer for layer in model.layers if type(layer) is Dense]
    W = [layer.params["W"] for layer in dense]
    b = [layer.params["b"] for layer in dense]
    h1 = np.tanh(X @ W[0] + b[0])
    h2 = np.maximum(h1 @ W[1] + b[1], 0.0)
    z = h2 @ W[2] + b[2]
    if z.shape[1] == 1:
        out = sigmoid(z)
    else:
        e = np.exp(z - z.max(axis=1, keepdims=True))
        out = e / e.sum(axis=1, keepdims=True)
    return [h1, h2, out], W


@pytest.mark.parametrize("output, K", [("sigmoid", 2), ("softmax", 3)])
def test_unit_values_are_the_drawn_layers_outputs(output, K):
    model = playground_model(output)
    X = features(grid_points((-2.0, 2.0), (-1.5, 1.5), 5), ("x1", "x2", "x1*x2"))
    states = [layer.rng.bit_generator.state for layer in model.layers if type(layer) is Dropout]
    values, weights = unit_values(model, X)
    (h1, h2, out), W = by_hand(model, X)
    assert [v.shape for v in values] == [(25, 3), (25, 5), (25, 4), (25, out.shape[1])]
    np.testing.assert_array_equal(values[0], X)
    np.testing.assert_allclose(values[1], h1, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(values[2], h2, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(values[3], out - 1 / K, rtol=1e-12, atol=1e-15)  # p - 1/K: its sign is the class
    np.testing.assert_allclose(values[3] + 1 / K, model.predict(X), rtol=1e-12, atol=1e-15)
    if K > 2:
        np.testing.assert_allclose(values[3].sum(axis=1), 1 - K * (1 / K), atol=1e-12)  # rows of p sum to 1
    assert len(weights) == 3 and all(w is m for w, m in zip(weights, W))  # the layers' own W, Dropout skipped
    # Dropout inactive: no mask drawn, its generator untouched
    assert [layer.rng.bit_generator.state for layer in model.layers if type(layer) is Dropout] == states
    assert all(layer.mask is None for layer in model.layers if type(layer) is Dropout)


def test_unit_values_of_a_single_dense_layer_and_float32():
    model = Sequential([Dense(1, "sigmoid", input_dim=2, rng=3)], dtype="float32")
    X = grid_points((-1.0, 1.0), (-1.0, 1.0), 4)
    values, weights = unit_values(model, X)
    assert len(values) == 2 and len(weights) == 1 and weights[0].dtype == np.float32
    W, b = model.layers[0].params["W"].astype(np.float64), model.layers[0].params["b"].astype(np.float64)
    np.testing.assert_allclose(values[1], sigmoid(X @ W + b) - 0.5, atol=1e-6)


@pytest.mark.parametrize("model, inputs, error, words", [
    (lambda: Sequential([Dense(3), Dense(1)]), np.zeros((4, 2)), ValueError,
     "model must be a built Sequential (fit it first); got Sequential"),
    (lambda: Sequential(), np.zeros((4, 2)), ValueError, "model must be a built Sequential (fit it first)"),
    (lambda: object(), np.zeros((4, 2)), ValueError, "model must be a built Sequential (fit it first); got object"),
    (lambda: Sequential([Dense(3, input_dim=2), Dense(1)]), np.zeros((4, 3)), ValueError,
     "inputs must have 2 columns (the model's input features); got shape (4, 3)"),
    (lambda: Sequential([Dense(3, input_dim=2), Dense(1)]), np.zeros(4), ValueError,
     "inputs must be a 2-D array (n_points, n_features); got shape (4,)"),
    (lambda: Sequential([Dense(3, input_dim=2), Dense(1)]), [[np.nan, 1.0]], ValueError, "inputs must be finite"),
])
def test_unit_values_refuses_bad_arguments(model, inputs, error, words):
    with pytest.raises(error, match=re.escape(words)):
        unit_values(model(), inputs)

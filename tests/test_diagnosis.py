"""nnlib.diagnosis (notebook 10): the diagnosis of a run (underfitting, overfitting, a good fit, divergence, and
its thresholds), and where a model is looked at: grid_points (the plane's pixel centres) and unit_values (what
every drawn unit computes there)."""
import re

import numpy as np
import pytest

from nnlib.callbacks import History
from nnlib.data import blobs, circles, moons, train_test_split
from nnlib.diagnosis import diagnose, grid_points, standard_error, unit_values
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
    assert kind == "overfitting" and f"; the validation loss was lowest at epoch {best} (" in sentence
    assert sentence.startswith(f"training error {train_error:.1%}, validation error {val_error:.1%}; ")
    se = np.sqrt(val_error * (1 - val_error) / 200)  # with the validation size: the same verdict, its standard error
    assert diagnose(history, n_val=200) == ("overfitting", sentence.replace(
        f"validation error {val_error:.1%}", f"validation error {val_error:.1%} (± {se:.1%})", 1))


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
    chance.append(2, {"loss": 0.80, "accuracy": 0.39, "val_loss": 0.69, "val_accuracy": 0.33})  # the loss rose 16%:
    assert diagnose(chance)[0] == "underfitting"  # below both of the oscillating rules (1.5x, 2x), and not falling
    assert "steps" not in diagnose(chance)[1] and "still improving" not in diagnose(chance)[1]
    assert diagnose(chance, high=0.7)[0] == "overfitting"  # 61% is not "high" any more: 6 points of gap remain
    with pytest.raises(ValueError, match="gap must be >= 0"):
        diagnose(made_up, gap=-1)


# ---- diagnose, kind by kind, on made-up runs ---------------------------------------------------------------------


def run_of(loss, error=None, val_loss=None, val_error=None):
    """A made-up History, epochs 1, 2, ...: the training losses, and optionally errors (recorded as accuracies,
    1 - error) and validation entries; a single number for error, val_loss or val_error holds at every epoch."""
    n = len(loss)
    every = {name: values if isinstance(values, (list, tuple, np.ndarray)) else [values] * n
             for name, values in (("error", error), ("val_loss", val_loss), ("val_error", val_error)) if values is not None}
    history = History()
    for i in range(n):
        logs = {"loss": float(loss[i])}
        if "error" in every:
            logs["accuracy"] = 1 - every["error"][i]
        if "val_loss" in every:
            logs["val_loss"] = float(every["val_loss"][i])
        if "val_error" in every:
            logs["val_accuracy"] = 1 - every["val_error"][i]
        history.append(i + 1, logs)
    return history


SETTLED = [0.7 * 0.9 ** e for e in range(15)] + [0.7 * 0.9 ** 14] * 5  # 20 epochs, flat over the last 6
FALLING_VAL = list(np.linspace(0.6, 0.35, 20))  # a validation loss that never rises


def se(error, n):
    """The standard error of an error rate measured on n samples, written out: sqrt(p (1 - p) / n)."""
    return np.sqrt(error * (1 - error) / n)


def test_a_good_fit_and_its_standard_error():
    run = run_of(SETTLED, 0.05, FALLING_VAL, 0.07)  # a gap of 2 points, below gap = 5
    assert diagnose(run, n_val=1000) == ("good fit", f"training error 5.0%, validation error 7.0% (± {se(0.07, 1000):.1%})")
    assert f"{se(0.07, 1000):.1%}" == "0.8%"
    assert diagnose(run) == ("good fit", "training error 5.0%, validation error 7.0%")  # no n_val: no standard error
    assert diagnose(run, n_val=10) == ("good fit", "training error 5.0%, validation error 7.0% (± 8.1%)")
    assert diagnose(run_of(SETTLED, 0.05)) == ("good fit", "training error 5.0% (no validation data: overfitting "
                                                          "cannot be seen)")


@pytest.mark.parametrize("n_val, kind", [(100, "no clear sign"), (1000, "overfitting"), (None, "overfitting")])
def test_the_same_gap_is_a_clear_sign_only_on_enough_validation_points(n_val, kind):
    """Training error 5%, validation 11%: a gap of 6 points, over gap = 5. Two standard errors of 11% are 6.3 points
    on 100 points (the gap is within them) and 2.0 on 1000 (well beyond); without n_val the gap alone decides."""
    run = run_of(SETTLED, 0.05, FALLING_VAL, 0.11)
    assert 2 * se(0.11, 100) > 0.06 > 2 * se(0.11, 1000)
    got, sentence = diagnose(run, n_val=n_val)
    assert got == kind
    both = "training error 5.0%, validation error 11.0%" + ("" if n_val is None else f" (± {se(0.11, n_val):.1%})")
    if kind == "no clear sign":
        assert sentence == (f"{both}: a gap of 6.0%, within two standard errors (6.3%) of the validation error: no clear "
                            f"sign of over- or underfitting at this validation size")
    else:
        assert sentence == f"{both}: the validation error is well above the training error"
    # a gap below `gap` is a good fit at any validation size; with gap=0.07, 6 points are no gap either
    assert diagnose(run_of(SETTLED, 0.05, FALLING_VAL, 0.09), n_val=n_val)[0] == "good fit"
    assert diagnose(run, n_val=n_val, gap=0.07)[0] == "good fit"


def test_overfitting_by_a_rising_validation_loss():
    val = [0.6, 0.5, 0.4, 0.35, 0.3] + list(np.linspace(0.32, 0.5, 15))  # lowest at epoch 5, then up to 0.5 > 1.4 x 0.3
    kind, sentence = diagnose(run_of(SETTLED, 0.05, val, 0.06), n_val=1000)  # a gap of 1 point only
    assert kind == "overfitting"
    assert sentence == (f"training error 5.0%, validation error 6.0% (± {se(0.06, 1000):.1%}); the validation loss was "
                        f"lowest at epoch 5 (0.3000) and rose to 0.5000")
    assert diagnose(run_of(SETTLED, 0.05, val, 0.06), n_val=1000, rise=0.7)[0] == "good fit"  # 0.5 < 1.7 x 0.3
    late = [0.6] * 16 + [0.3, 0.5, 0.5, 0.5]  # lowest at epoch 17, in the last fifth: not counted
    assert diagnose(run_of(SETTLED, 0.05, late, 0.06), n_val=1000)[0] == "good fit"


def test_underfitting():
    loss = list(np.linspace(0.69, 0.5, 10)) + [0.5] * 10  # fell 28%, then flat
    kind, sentence = diagnose(run_of(loss, 0.3, 0.55, 0.32), n_val=1000)
    assert kind == "underfitting"
    assert sentence == (f"training error 30.0%, validation error 32.0% (± {se(0.32, 1000):.1%}): the training error is "
                        f"high, the model is too simple for these data (or the classes overlap)")
    assert diagnose(run_of(loss, 0.15, 0.55, 0.16))[0] == "underfitting"  # high = 15% is high
    assert diagnose(run_of(loss, 0.15, 0.55, 0.16), high=0.2)[0] == "good fit"


def test_not_trained_yet_when_the_loss_has_barely_moved_and_still_falls():
    creeping = np.linspace(0.70, 0.68, 100)  # 2.9% in all (< 5%), 0.27% over the last tenth (> 0.05%)
    kind, sentence = diagnose(run_of(creeping, 0.45, 0.69, 0.47), n_val=1000)
    assert kind == "not trained yet"
    assert sentence == (f"training error 45.0%, validation error 47.0% (± {se(0.47, 1000):.1%}): still improving; the "
                        f"training loss has barely moved (0.7000 to 0.6800) and is still falling: train longer or with "
                        f"larger steps")
    stuck = list(np.linspace(0.70, 0.68, 80)) + [0.68] * 20  # barely moved, and no longer falling
    assert diagnose(run_of(stuck, 0.45, 0.69, 0.47))[0] == "underfitting"
    moved = np.linspace(0.70, 0.60, 100)  # still falling, but by 14% in all: it has trained, and underfits
    kind, sentence = diagnose(run_of(moved, 0.45, 0.69, 0.47))
    assert kind == "underfitting" and sentence.endswith("; still improving: the training loss fell 1% in the last 10 "
                                                        "epochs")
    assert diagnose(run_of(creeping, 0.05, 0.69, 0.07))[0] == "good fit"  # it fits: trained enough


def test_oscillating_when_the_last_tenth_is_well_above_the_lowest_loss():
    """Rule 1: the mean loss of the last tenth above 1.5 x its minimum, reached before; in any run, also one that
    fits (training error 5% here)."""
    loss = list(np.linspace(1.0, 0.2, 10)) + [0.25] * 8 + [0.45, 0.55]  # lowest 0.2 at epoch 10; last 2: mean 0.5
    kind, sentence = diagnose(run_of(loss, 0.05, FALLING_VAL, 0.07), n_val=1000)
    assert kind == "oscillating"
    assert sentence == (f"training error 5.0%, validation error 7.0% (± {se(0.07, 1000):.1%}): the training loss rose "
                        f"after epoch 10 (0.2000, then 0.5500 at the last epoch): the steps are too large")
    for last, expected in (([0.29, 0.33], "oscillating"), ([0.27, 0.31], "good fit")):  # mean 0.31 / 0.29 vs 0.3
        run = run_of(loss[:18] + last, 0.05, FALLING_VAL, 0.07)
        assert diagnose(run, n_val=1000)[0] == expected, last
    # the lowest loss inside the last tenth is no rise: a loss that jumps up, and then falls to its lowest, is not this
    assert diagnose(run_of([1.0] * 18 + [0.9, 0.2], 0.05, FALLING_VAL, 0.07))[0] == "good fit"


def test_oscillating_when_a_run_that_does_not_fit_jumped_above_twice_its_lowest():
    """Rule 2: some epoch's loss above twice the lowest before it, in a run that does not fit (a classifier: training
    error >= high; without accuracy: a last loss not below the first); it never recovered to 1.5x its lowest."""
    loss = [0.69, 0.6, 0.5, 0.45, 0.95, 0.6, 0.55, 0.5] + [0.48] * 12  # epoch 5: 0.95 > 2 x 0.45
    kind, sentence = diagnose(run_of(loss, 0.3, 0.6, 0.32), n_val=1000)
    assert kind == "oscillating"
    assert sentence == (f"training error 30.0%, validation error 32.0% (± {se(0.32, 1000):.1%}): the training loss "
                        f"jumped to 0.9500 in epoch 5, more than twice its lowest before, and the run has not recovered: "
                        f"the steps are too large")
    assert np.mean(loss[-2:]) < 1.5 * min(loss)  # not rule 1
    assert diagnose(run_of(loss, 0.05, FALLING_VAL, 0.07))[0] == "good fit"  # a run that fits has recovered
    below = loss[:4] + [0.89] + loss[5:]  # 0.89 < 2 x 0.45: no jump
    assert diagnose(run_of(below, 0.3, 0.6, 0.32))[0] == "underfitting"
    # without accuracy (a regression): the jump counts when the last loss is not below the first
    regression = [0.5, 0.45, 0.4, 0.95, 0.6] + [0.55] * 15
    assert diagnose(run_of(regression, val_loss=0.5))[0] == "oscillating"
    assert diagnose(run_of(regression[:-1] + [0.48], val_loss=0.5))[0] == "good fit"


@pytest.mark.parametrize("fell, suffix", [(0.0101, True), (0.0099, False), (0.03, True), (0.0, False)])
def test_still_improving_is_said_above_a_1_percent_fall_over_the_last_tenth(fell, suffix):
    loss = list(np.linspace(1.0, 0.3, 45)) + [0.3] * 4 + [0.3 * (1 - fell)]  # 50 epochs: the last tenth is 5
    for run, n_val, kind in ((run_of(loss, 0.05, FALLING_VAL[:1] * 50, 0.07), 1000, "good fit"),
                             (run_of(loss, 0.05, FALLING_VAL[:1] * 50, 0.11), 1000, "overfitting"),
                             (run_of(loss, 0.05, FALLING_VAL[:1] * 50, 0.11), 100, "no clear sign"),
                             (run_of(loss, 0.30, FALLING_VAL[:1] * 50, 0.32), 1000, "underfitting")):
        got, sentence = diagnose(run, n_val=n_val)
        assert got == kind
        words = f"; still improving: the training loss fell {fell:.0%} in the last 5 epochs"
        assert sentence.endswith(words) == suffix and sentence.count("still improving") == suffix, sentence
    assert diagnose(run_of(SETTLED[:18] + [0.2, 0.19]))[1].endswith("; still improving: the training loss fell 5% in "
                                                                   "the last 2 epochs")  # 20 epochs: the last 2


def test_a_one_epoch_history():
    """One epoch (an IndexError before): every rule that looks back finds nothing to compare with."""
    one = run_of([0.1], 0.02, 0.12, 0.03)
    assert diagnose(one, n_val=1000) == ("good fit", f"training error 2.0%, validation error 3.0% (± {se(0.03, 1000):.1%})")
    assert diagnose(run_of([0.69], 0.4, 0.7, 0.45), n_val=1000) == (
        "underfitting", f"training error 40.0%, validation error 45.0% (± {se(0.45, 1000):.1%}): the training error is "
                        f"high, the model is too simple for these data (or the classes overlap)")
    assert diagnose(run_of([0.69], 0.05, 0.7, 0.2), n_val=1000)[0] == "overfitting"
    assert diagnose(run_of([0.5])) == ("good fit", "training loss 0.5000 (no validation data: overfitting cannot be seen)")
    assert diagnose(run_of([0.5], val_loss=0.52), n_val=1000) == ("good fit", "training loss 0.5000, validation loss "
                                                                              "0.5200")  # no error: no standard error
    two = run_of([0.69, 0.6], 0.4, 0.7, 0.45)  # two epochs: the last tenth is both
    assert diagnose(two)[1].endswith("; still improving: the training loss fell 13% in the last 2 epochs")


def test_diverged_comes_first():
    run = run_of(SETTLED, 0.05, FALLING_VAL, 0.07)
    diverged = ValueError("training diverged in epoch 21: the loss became nan. model.history keeps the 20 epochs before.")
    assert diagnose(run, n_val=1000, diverged=diverged) == (
        "diverged", "training diverged in epoch 21: the loss became nan.")


@pytest.mark.parametrize("arguments, error, words", [
    (dict(n_val=0), ValueError, "n_val must be >= 1; got 0"),
    (dict(n_val=-5), ValueError, "n_val must be >= 1; got -5"),
    (dict(n_val=2.5), TypeError, "n_val must be an integer; got float 2.5"),
    (dict(n_val=True), TypeError, "n_val must be an integer; got bool True"),
    (dict(n_val="100"), TypeError, "n_val must be an integer; got str"),
    (dict(gap=-0.01), ValueError, "gap must be >= 0"),
    (dict(rise=-1), ValueError, "rise must be >= 0"),
    (dict(high=-0.5), ValueError, "high must be >= 0"),
])
def test_diagnose_refuses_bad_arguments_naming_them(arguments, error, words):
    for history in (run_of(SETTLED, 0.05, FALLING_VAL, 0.07), History()):  # checked before anything is looked at
        with pytest.raises(error, match=re.escape(words)):
            diagnose(history, **arguments)


def test_a_loss_of_exactly_zero():
    """A run whose loss reached exactly 0 has nothing left to fall: no 0/0 (a RuntimeWarning, an error here)."""
    kind, sentence = diagnose(run_of([0.5, 0.1, 0.0, 0.0], 0.0, 0.0, 0.0), n_val=100)
    assert kind == "good fit" and "still improving" not in sentence


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


def test_standard_error_of_an_error_rate():
    """sqrt(p (1 - p) / n): what the diagnosis and the playground's "±" use."""
    assert standard_error(0.1, 100) == pytest.approx(0.03, rel=1e-12)
    assert standard_error(0.5, 1000) == pytest.approx(0.5 / 1000**0.5, rel=1e-12)
    assert standard_error(0.0, 10) == 0.0 and isinstance(standard_error(0.2, 50), float)

"""Notebook 10's library: L1/L2 penalties (values, gradients, in the loss and the step), dropout, early stopping,
the diagnosis of a run, input features, and reading a CSV of points."""
import numpy as np
import pytest

from nnlib.callbacks import EarlyStopping, History
from nnlib.data import blobs, circles, features, moons, read_points, train_test_split
from nnlib.diagnosis import diagnose
from nnlib.gradcheck import numerical_gradient, relative_error
from nnlib.layers import Dense, Dropout
from nnlib.model import Sequential, TrainingDiverged
from nnlib.optim import SGD
from nnlib.regularizers import L1, L1L2, L2, get


# -- penalties ------------------------------------------------------------------------------------------------


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


def test_the_penalty_joins_the_loss_and_the_step():
    """One SGD step of a model with an L2 penalty equals the step computed by hand."""
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(6, 2)), rng.normal(size=6)
    model = Sequential([Dense(1, input_dim=2, kernel_regularizer=L2(0.5), rng=0)]).compile(SGD(0.1), "mse")
    W, b = model.layers[0].params["W"].copy(), model.layers[0].params["b"].copy()
    history = model.fit(X, y, epochs=1, batch_size=None, shuffle=False, verbose=0)
    residual = (X @ W + b)[:, 0] - y
    assert history.history["loss"][0] == pytest.approx(np.mean(residual**2) + 0.5 * np.sum(W**2), rel=1e-12)
    grad_W = X.T @ (2 * residual[:, None] / 6) + 2 * 0.5 * W
    np.testing.assert_allclose(model.layers[0].params["W"], W - 0.1 * grad_W, rtol=1e-12)
    assert model.penalty() == pytest.approx(0.5 * np.sum(model.layers[0].params["W"] ** 2))
    assert model.evaluate(X, y) == pytest.approx(np.mean((model.predict(X)[:, 0] - y) ** 2) + model.penalty())


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


# -- dropout --------------------------------------------------------------------------------------------------


def test_dropout_scales_in_training_and_is_off_at_prediction():
    drop = Dropout(0.5, rng=0)
    x = np.ones((400, 100))
    out = drop(x)
    assert set(np.unique(out)) == {0.0, 2.0} and abs(out.mean() - 1) < 0.02
    np.testing.assert_array_equal(drop.backward(np.ones_like(x)), out)  # the same mask
    np.testing.assert_array_equal(drop(x, training=False), x)
    G = np.random.default_rng(1).normal(size=x.shape)
    np.testing.assert_array_equal(drop.backward(G), G)  # after a prediction pass: no mask, the gradient passes
    off = Dropout(0.0)
    np.testing.assert_array_equal(off(x), x)
    np.testing.assert_array_equal(off.backward(G), G)  # rate 0: nothing dropped, nothing scaled, both ways
    assert drop.n_params == 0 and off.n_params == 0
    with pytest.raises(ValueError, match=r"rate must be in \[0, 1\); got 1"):
        Dropout(1.0)
    with pytest.raises(ValueError, match="^input_dim must be >= 1; got 0$"):
        Dropout(0.5, input_dim=0)


def test_dropout_keeps_float32_and_forward_defaults_to_training():
    x = np.ones((200, 50), np.float32)
    out = Dropout(0.3, rng=0).forward(x)  # the contract's default: training=True
    assert out.dtype == np.float32 and 0 < np.mean(out == 0) < 1


@pytest.mark.parametrize("rate", [0.1, 0.3, 0.8])
def test_dropout_keeps_1_minus_rate_of_the_units_scaled_by_1_over_1_minus_rate(rate):
    """At rates other than 0.5, keeping with probability rate, or scaling by 1 / rate, gives other numbers."""
    x = np.full((500, 200), 3.0)  # 100 000 units: the kept share has a standard deviation below 0.0016
    out = Dropout(rate, rng=2)(x)
    kept = out != 0
    assert abs(kept.mean() - (1 - rate)) < 0.01
    np.testing.assert_allclose(out[kept], 3.0 / (1 - rate), rtol=1e-15)
    assert abs(out.mean() - 3.0) < 0.1  # E[out] = x (the mean's standard deviation is 0.019 at rate 0.8)


@pytest.mark.parametrize("rate", [0.1, 0.3, 0.8])
def test_dropout_backward_uses_the_forward_mask_and_scale(rate):
    drop = Dropout(rate, rng=3)
    x, G = np.random.default_rng(4).normal(size=(300, 50)) + 5.0, np.random.default_rng(5).normal(size=(300, 50))
    out = drop(x)
    kept = out != 0
    np.testing.assert_allclose(out, np.where(kept, x / (1 - rate), 0.0), rtol=1e-15, atol=0)
    np.testing.assert_allclose(drop.backward(G), np.where(kept, G / (1 - rate), 0.0), rtol=1e-15, atol=0)
    assert 0 < kept.mean() < 1


def test_dropout_trains_in_a_model_reproducibly_and_predicts_deterministically():
    X, y = moons(n=80, noise=0.1, rng=5)

    def run():
        model = Sequential([Dense(16, "relu", input_dim=2), Dropout(0.3), Dense(1, "sigmoid")])
        model.compile(SGD(0.5), "binary_crossentropy", ["accuracy"])
        return model, model.fit(X, y, epochs=20, batch_size=16, rng=6, verbose=0)

    (a, history_a), (b, history_b) = run(), run()
    assert history_a.history["loss"] == history_b.history["loss"]  # the masks come from fit's seed
    assert np.array_equal(a.predict(X), a.predict(X)) and np.array_equal(a.predict(X), b.predict(X))


# -- early stopping -------------------------------------------------------------------------------------------


def overfit_run(callbacks, epochs=300):
    X, y = moons(n=60, noise=0.35, rng=7)
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.5, rng=8)
    model = Sequential([Dense(64, "relu", input_dim=2), Dense(64, "relu"), Dense(1, "sigmoid")])
    model.compile(SGD(0.5), "binary_crossentropy", ["accuracy"])
    history = model.fit(X_train, y_train, epochs=epochs, batch_size=10, validation_data=(X_val, y_val), rng=9,
                        verbose=0, callbacks=callbacks)
    return model, history, (X_val, y_val)


def test_early_stopping_stops_after_patience_and_restores_the_best_weights():
    stop = EarlyStopping(patience=5, restore_best_weights=True)
    model, history, (X_val, y_val) = overfit_run([stop])
    val = history.history["val_loss"]
    best = int(np.argmin(val))
    assert stop.best_epoch == history.epoch[best] and stop.best == pytest.approx(val[best])
    assert stop.stopped_epoch == history.epoch[-1] == stop.best_epoch + 5 < 300
    assert model.evaluate(X_val, y_val)[0] == pytest.approx(val[best], rel=1e-12)  # the best epoch's weights
    plain = EarlyStopping(patience=5)
    model, history, (X_val, y_val) = overfit_run([plain])
    assert model.evaluate(X_val, y_val)[0] == pytest.approx(history.history["val_loss"][-1], rel=1e-12)


def stopping_on(values, **kwargs):
    """EarlyStopping fed the made-up val_loss values, one per epoch, as fit feeds it: (epoch it stopped or None, best)."""
    stop, model = EarlyStopping(**kwargs), Sequential([Dense(1, input_dim=1, rng=0)])
    stop.on_train_begin(model)
    for epoch, value in enumerate(values, start=1):
        stop.on_epoch_end(epoch, {"loss": 1.0, "val_loss": value})
        if model.stop_training:
            break
    stop.on_train_end(model)
    return stop.stopped_epoch, stop.best_epoch


def test_early_stopping_counts_only_improvements_larger_than_min_delta():
    assert EarlyStopping().patience == 0 and EarlyStopping().min_delta == 0.0  # Keras's defaults
    assert stopping_on([1.0, 0.9, 0.9, 0.9, 0.9], patience=2) == (4, 2)  # an equal value is no improvement
    assert stopping_on([1.0, 0.9, 0.8, 0.7, 0.6], patience=1) == (None, 5)
    assert stopping_on([1.0, 0.9, 0.8, 0.7, 0.6], patience=1, min_delta=0.15) == (2, 1)  # steps of 0.1 < 0.15
    assert stopping_on([1.0, 0.8, 0.55, 0.3], patience=1, min_delta=0.15) == (None, 4)


def test_early_stopping_checks_what_it_monitors():
    with pytest.raises(ValueError, match="EarlyStopping monitors 'val_loss', which fit does not log; it logs loss"):
        Sequential([Dense(1, input_dim=1)]).compile(SGD(0.1), "mse").fit(
            np.ones((4, 1)), np.ones(4), epochs=2, verbose=0, callbacks=[EarlyStopping()])
    with pytest.raises(ValueError, match=r"^EarlyStopping monitors 'val_acc', which fit does not log; it logs loss, "
                                         r"accuracy \(val_ values need validation_data or validation_split\)$"):
        EarlyStopping(monitor="val_acc").on_epoch_end(1, {"loss": 0.5, "accuracy": 0.8})
    with pytest.raises(ValueError, match="patience must be >= 0"):
        EarlyStopping(patience=-1)
    for kwargs, error, message in [
        ({"min_delta": -0.1}, ValueError, "^min_delta must be >= 0; got -0.1$"),
        ({"monitor": 3}, TypeError, "^monitor must be the name of a logged value, such as 'val_loss'; got int 3$"),
        ({"restore_best_weights": 1}, TypeError, "^restore_best_weights must be True or False; got int 1$"),
    ]:
        with pytest.raises(error, match=message):
            EarlyStopping(**kwargs)
    accuracy = EarlyStopping(monitor="val_accuracy")
    accuracy.on_train_begin(None)
    accuracy.on_epoch_end(1, {"val_accuracy": 0.5})
    accuracy.on_epoch_end(2, {"val_accuracy": 0.7})  # higher is better for accuracy
    accuracy.on_train_end(None)
    assert accuracy.best_epoch == 2 and accuracy.best == 0.7


# -- the diagnosis --------------------------------------------------------------------------------------------


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
        made_up._append(epoch, {"loss": loss, "accuracy": 1 - loss / 5, "val_loss": val, "val_accuracy": 1 - val / 5})
    assert diagnose(made_up)[0] == "overfitting" and diagnose(made_up, gap=0.5, rise=0.5)[0] == "good fit"
    assert diagnose(History()) == ("not trained", "no epochs yet")
    chance = History()  # both errors high, validation 6 points worse: underfitting is checked first
    chance._append(1, {"loss": 0.69, "accuracy": 0.39, "val_loss": 0.69, "val_accuracy": 0.33})
    assert diagnose(chance) == ("underfitting", "training error 61.0%, validation error 67.0%: the training error is "
                                                "high, the model is too simple for these data (or the classes overlap)")
    chance._append(2, {"loss": 0.80, "accuracy": 0.39, "val_loss": 0.69, "val_accuracy": 0.33})  # the loss rose 16%
    assert diagnose(chance)[1].endswith("; the training loss rose after epoch 1 (0.6900 to 0.8000): steps too large")
    assert diagnose(chance, high=0.7)[0] == "overfitting"  # 61% is not "high" any more: 6 points of gap remain
    with pytest.raises(ValueError, match="gap must be >= 0"):
        diagnose(made_up, gap=-1)


# -- inputs ---------------------------------------------------------------------------------------------------


def test_features_compute_the_named_columns():
    X = np.array([[1.0, 2.0], [-0.5, 0.0]])
    np.testing.assert_allclose(features(X, ["x1*x2", "x2^2", "sin x1"]), [[2.0, 4.0, np.sin(1.0)], [-0.0, 0.0, np.sin(-0.5)]])
    with pytest.raises(ValueError, match="names must be a non-empty list of features from x1, x2"):
        features(X, ["x3"])
    with pytest.raises(ValueError, match=r"X must hold 2-D points \(n_samples, 2\); got shape \(2, 3\)"):
        features(np.ones((2, 3)))


def test_read_points_reads_a_csv_and_renumbers_the_labels():
    X, y = read_points(b"x1,x2,class\n0,1,-1\n2.5,3,1\n1e-3,-2,1\n", "mine.csv")
    np.testing.assert_allclose(X, [[0, 1], [2.5, 3], [1e-3, -2]])
    assert y.tolist() == [0, 1, 1] and y.dtype == np.int64
    assert len(read_points("0,1,0\n1,0,1\n2,2,1\n", max_rows=3)[0]) == 3  # max_rows rows are read
    with pytest.raises(ValueError, match="^the file has 4 rows; at most 3 are read$"):  # the default name
        read_points("0,1,0\n1,0,1\n2,2,1\n3,3,0\n", max_rows=3)


@pytest.mark.parametrize("content, message", [
    ("x1,x2,label\n1,2\n", r"mine.csv, line 2: expected 3 columns x1,x2,label; got 2"),
    ("1,2,0\n3,4,5,6\n", "mine.csv, line 2: expected 3 columns"),
    ("1,2,0\n3,four,1\n", "mine.csv, line 2: not a number"),
    ("1,2,0\n3,nan,1\n", "mine.csv: row 2 of the points holds NaN or infinity"),
    ("1,2,0\n3,inf,1\n", "NaN or infinity"),
    ("1,2,0\n3,4,0\n", r"mine.csv must hold 2 to 5 classes; got 1 \(0\)"),
    ("\n".join(f"{i},{i},{i}" for i in range(6)), "2 to 5 classes; got 6"),
    ("1,2,0.5\n3,4,1\n", "labels must be whole numbers; got 0.5"),
    ("x1,x2,label\n", "mine.csv holds no points"),
    (b"\xff\xfe\x00", "mine.csv is not a text"),
    ("\n".join(["1,2,0", "3,4,1"] * 500_000), "mine.csv has 1000000 rows; at most 10000 are read"),
])
def test_read_points_refuses_a_bad_file_naming_it(content, message):
    with pytest.raises(ValueError, match=message):
        read_points(content, "mine.csv")

"""nnlib.model.Sequential (notebook 08): fit against a hand-written loop, learning, reproducibility, dtype,
divergence, and every bad input refused before the first step."""
import re

import numpy as np
import pytest

from nnlib.callbacks import Callback, History
from nnlib.data import moons, noisy_function
from nnlib.layers import Dense
from nnlib.losses import BinaryCrossEntropy, CategoricalCrossEntropy
from nnlib.model import Sequential, TrainingDiverged
from nnlib.optim import SGD


def small_model(lr=0.5, metrics=("accuracy",), dtype="float64"):
    model = Sequential([Dense(8, "tanh", input_dim=2), Dense(1, "sigmoid")], dtype=dtype)
    return model.compile(optimizer=SGD(lr), loss="binary_crossentropy", metrics=list(metrics))


def test_fit_equals_a_hand_written_loop_for_the_same_seed():
    X, y = moons(n=50, noise=0.1, rng=0)
    model = small_model()
    history = model.fit(X, y, epochs=5, batch_size=16, rng=3, verbose=0)

    rng = np.random.default_rng(3)  # weights first (W then b, layer by layer), then one permutation per epoch
    W1 = rng.uniform(-np.sqrt(6 / 10), np.sqrt(6 / 10), size=(2, 8))
    W2 = rng.uniform(-np.sqrt(6 / 9), np.sqrt(6 / 9), size=(8, 1))
    b1, b2, Y = np.zeros(8), np.zeros(1), y[:, None].astype(float)
    losses = []
    for _ in range(5):
        order, total = rng.permutation(50), 0.0
        for start in range(0, 50, 16):
            idx = order[start:start + 16]
            h = np.tanh(X[idx] @ W1 + b1)
            p = 1 / (1 + np.exp(-(h @ W2 + b2)))
            t = Y[idx]
            total += -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p)) * len(idx)
            d2 = (p - t) / len(idx)  # sigmoid + cross-entropy
            d1 = (d2 @ W2.T) * (1 - h**2)
            W2, b2 = W2 - 0.5 * h.T @ d2, b2 - 0.5 * d2.sum(0)
            W1, b1 = W1 - 0.5 * X[idx].T @ d1, b1 - 0.5 * d1.sum(0)
        losses.append(total / 50)
    np.testing.assert_allclose(model.layers[0].params["W"], W1, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(model.layers[1].params["b"], b2, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(history.history["loss"], losses, rtol=1e-10)


def test_a_linearly_separable_set_reaches_full_accuracy():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 2))
    y = (X @ [1.5, -1.0] > 0.2).astype(int)
    X = X[np.abs(X @ [1.5, -1.0] - 0.2) > 0.1]
    y = (X @ [1.5, -1.0] > 0.2).astype(int)
    model = Sequential([Dense(1, "sigmoid", input_dim=2)]).compile(SGD(1.0), "binary_crossentropy", ["accuracy"])
    history = model.fit(X, y, epochs=300, batch_size=None, rng=0, verbose=0)
    assert history.history["accuracy"][-1] == 1.0 and model.evaluate(X, y)[1] == 1.0


def test_a_network_fits_a_sine():
    x, y = noisy_function(n=200, noise=0.0, rng=2)
    model = Sequential([Dense(32, "tanh", input_dim=1), Dense(32, "tanh"), Dense(1)]).compile(SGD(0.1), "mse")
    history = model.fit(x, y, epochs=400, batch_size=16, rng=3, verbose=0)
    assert history.history["loss"][-1] < 0.01 < history.history["loss"][0]
    assert model.evaluate(x, y) < 0.01 and model.predict(x).shape == (200, 1)


def test_the_same_seed_gives_the_same_history_and_another_seed_does_not():
    X, y = moons(n=60, noise=0.2, rng=4)
    runs = [small_model().fit(X, y, epochs=4, batch_size=8, rng=seed, verbose=0).history for seed in (5, 5, 6)]
    assert runs[0] == runs[1] and runs[0] != runs[2]


def test_float32_is_honoured_end_to_end():
    X, y = moons(n=40, noise=0.1, rng=0)
    model = small_model(dtype="float32")
    model.fit(X, y, epochs=2, batch_size=8, rng=0, verbose=0)
    assert all(p.dtype == np.float32 for p in model.params) and all(g.dtype == np.float32 for g in model.grads)
    assert model.predict(X).dtype == np.float32
    converted = Sequential([Dense(2, input_dim=2, rng=0)], dtype="float32")
    assert converted.layers[0].params["W"].dtype == np.float32


def test_divergence_stops_at_once_and_names_epoch_loss_and_learning_rate():
    x, y = noisy_function(n=50, noise=0.1, rng=1)
    model = Sequential([Dense(16, "relu", input_dim=1), Dense(1)]).compile(SGD(5.0), "mse")
    with pytest.raises(TrainingDiverged, match=r"training diverged in epoch (\d+): the loss became (inf|nan) with "
                       r"learning rate 5; try a smaller one, such as 0.5") as info:
        model.fit(x * 100, y, epochs=50, rng=0, verbose=0)
    assert info.value.history is model.history and len(model.history.epoch) < 50
    assert isinstance(info.value, ValueError)


LINE = np.array([[1.0], [2.0], [3.0]]), np.array([1.0, 2.0, 3.0])


@pytest.mark.parametrize("lr, validation, message", [
    (1e200, True, "training diverged in epoch 1: the loss became inf with learning rate 1e+200; try a smaller one, "
                  "such as 1e+199. model.history keeps the 0 epochs before."),
    (1e100, True, "training diverged in epoch 2: the loss became inf with learning rate 1e+100; try a smaller one, "
                  "such as 1e+99. model.history keeps the 1 epoch before."),
    (1e100, False, "training diverged in epoch 3: the loss became inf with learning rate 1e+100; try a smaller one, "
                   "such as 1e+99. model.history keeps the 2 epochs before."),
])
def test_divergence_is_caught_by_the_validation_measure_an_epoch_before_the_next_batch(lr, validation, message):
    """Full batch: the epoch's last step overflows the weights; the validation loss after it is the first inf."""
    model = Sequential([Dense(1, input_dim=1, rng=0)]).compile(SGD(lr), "mse")
    with pytest.raises(TrainingDiverged) as info:
        model.fit(*LINE, epochs=50, batch_size=None, validation_data=LINE if validation else None, verbose=0)
    assert str(info.value) == message and len(model.history.epoch) == int(message.split(" keeps the ")[1][0])


def test_validation_data_and_split_give_val_twins():
    X, y = moons(n=100, noise=0.2, rng=2)
    h = small_model().fit(X, y, epochs=3, validation_split=0.2, rng=0, verbose=0)
    assert set(h.history) == {"loss", "accuracy", "val_loss", "val_accuracy"} and h.epoch == [1, 2, 3]
    model = small_model()
    h2 = model.fit(X[:80], y[:80], epochs=3, validation_data=(X[80:], y[80:]), rng=0, verbose=0)
    assert h2.history == h.history  # the split takes the last 20%, before shuffling
    assert model.evaluate(X[80:], y[80:]) == pytest.approx([h2.history["val_loss"][-1], h2.history["val_accuracy"][-1]])


def test_callbacks_and_progress(capsys):
    class StopAt(Callback):
        def __init__(self):
            self.seen, self.model = [], None

        def on_train_begin(self, model):
            self.model = model

        def on_epoch_end(self, epoch, logs):
            self.seen.append((epoch, sorted(logs)))
            if epoch == 3:
                self.model.stop_training = True

    X, y = moons(n=40, noise=0.1, rng=0)
    stop = StopAt()
    history = small_model().fit(X, y, epochs=10, callbacks=[stop], rng=0, verbose=1)
    assert history.epoch == [1, 2, 3] and stop.seen[0] == (1, ["accuracy", "loss"])
    out = capsys.readouterr().out
    lines = out.splitlines()  # outside a notebook: one clean line per reported epoch, no carriage return
    assert "\r" not in out and [line.split(" - ")[0] for line in lines] == ["epoch 1/10", "epoch 2/10", "epoch 3/10"]
    assert lines[-1].startswith("epoch 3/10 - loss ") and " - accuracy " in lines[-1]
    small_model().fit(X, y, epochs=2, rng=0, verbose=2)
    assert capsys.readouterr().out.count("\n") == 2
    small_model().fit(X, y, epochs=2, rng=0, verbose=0)
    assert capsys.readouterr().out == ""
    assert repr(History()) == "History(no epochs)" and repr(history).startswith("History(3 epochs; last: loss ")
    h = history.history  # the last epoch's numbers, rounded to 4 places (3 epochs: not the second's)
    assert repr(history) == f"History(3 epochs; last: loss {h['loss'][-1]:.4f}, accuracy {h['accuracy'][-1]:.4f})"
    assert h["loss"][1] != h["loss"][-1]


def test_verbose_1_reports_about_20_times_and_the_last_epoch(capsys):
    X, y = moons(n=20, noise=0.1, rng=0)
    small_model().fit(X, y, epochs=41, rng=0, verbose=1)  # every 41 // 20 = 2 epochs, and epoch 41
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(" - ")[0] for line in lines] == [f"epoch {e}/41" for e in [*range(2, 41, 2), 41]]
    assert re.fullmatch(r"epoch 41/41 - loss \d\.\d{4} - accuracy \d\.\d{4}", lines[-1])
    small_model().fit(X, y, epochs=19, rng=0, verbose=1)  # fewer than 20 epochs: every one
    assert len(capsys.readouterr().out.splitlines()) == 19
    small_model().fit(X, y, epochs=41, rng=0, verbose=2)
    assert len(capsys.readouterr().out.splitlines()) == 41


def test_shuffle_false_takes_the_samples_in_order_and_true_in_the_rngs_order():
    X, y = moons(n=20, noise=0.1, rng=0)
    start = small_model().get_weights()

    def trained(rng, shuffle):
        model = small_model()
        model.set_weights(start)  # the same start: the rng only orders the samples
        model.fit(X, y, epochs=2, batch_size=4, shuffle=shuffle, rng=rng, verbose=0)
        return model.get_weights()

    assert all(np.array_equal(a, b) for a, b in zip(trained(0, False), trained(1, False)))
    assert not all(np.array_equal(a, b) for a, b in zip(trained(0, True), trained(1, True)))


def test_without_ipython_loaded_verbose_1_prints_lines(monkeypatch, capsys):
    import sys

    monkeypatch.delitem(sys.modules, "IPython", raising=False)  # a plain Python script, no IPython imported
    X, y = moons(n=20, noise=0.1, rng=0)
    small_model().fit(X, y, epochs=2, rng=0, verbose=1)
    assert [line.split(" - ")[0] for line in capsys.readouterr().out.splitlines()] == ["epoch 1/2", "epoch 2/2"]


def test_in_a_notebook_kernel_verbose_1_moves_a_progress_bar_and_prints_the_last_epoch(monkeypatch, capsys):
    import IPython

    import nnlib.widgets

    class ZMQInteractiveShell:  # the kernel's shell, as fit recognises it
        pass

    class Bar:
        made = []

        def __init__(self, epochs):
            self.epochs, self.updates = epochs, []
            Bar.made.append(self)

        def update(self, epoch, numbers):
            self.updates.append((epoch, numbers))

    monkeypatch.setattr(IPython, "get_ipython", lambda: ZMQInteractiveShell())
    monkeypatch.setattr(nnlib.widgets, "FitProgress", Bar)
    X, y = moons(n=20, noise=0.1, rng=0)
    small_model().fit(X, y, epochs=41, rng=0, verbose=1)
    (bar,) = Bar.made
    assert bar.epochs == 41 and [epoch for epoch, _ in bar.updates] == [*range(2, 41, 2), 41]
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"epoch 41/41 - {bar.updates[-1][1]}"] and bar.updates[-1][1].startswith("loss ")
    small_model().fit(X, y, epochs=3, rng=0, verbose=2)  # verbose 2: lines, no bar
    assert len(Bar.made) == 1 and len(capsys.readouterr().out.splitlines()) == 3
    small_model().fit(X, y, epochs=3, rng=0)  # the default is verbose=1: a bar
    assert len(Bar.made) == 2 and Bar.made[1].epochs == 3 and len(capsys.readouterr().out.splitlines()) == 1


def test_summary_is_a_table_of_layers_shapes_and_parameters(capsys):
    from nnlib.layers import Dropout

    Sequential([Dense(3, "relu", input_dim=4), Dropout(0.5), Dense(2, "softmax")]).summary()
    assert capsys.readouterr().out == (
        "layer                               output shape   parameters\n"
        "-------------------------------------------------------------\n"
        "Dense(4 -> 3, activation=ReLU)      (None, 3)      15\n"
        "Dropout(rate=0.5)                   (None, 3)      0\n"
        "Dense(3 -> 2, activation=Softmax)   (None, 2)      8\n"
        "-------------------------------------------------------------\n"
        "total parameters: 23\n")
    lines = []
    Sequential([Dense(3, "relu"), Dense(2)]).summary(print_fn=lines.append)  # not built yet: widths unknown
    assert lines[0].splitlines()[2:4] == ["Dense(? -> 3, activation=ReLU)       (None, ?)      ?",
                                          "Dense(? -> 2, activation=Identity)   (None, ?)      ?"]


def test_summary_and_evaluate_without_metrics(capsys):
    model = Sequential([Dense(3, "relu", input_dim=4), Dense(2, "softmax")])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    model.summary()
    text = capsys.readouterr().out
    assert "Dense(4 -> 3, activation=ReLU)" in text and "total parameters: 23" in text
    X = np.random.default_rng(0).normal(size=(6, 4))
    assert isinstance(model.evaluate(X, [0, 1, 0, 1, 1, 0]), float)


def fails_before_training(model, error, message, *args, **kwargs):
    weights = [p.copy() for p in model.params] if all(layer.built for layer in model.layers) else None
    with pytest.raises(error, match=message):
        model.fit(*args, **{"verbose": 0, **kwargs})
    if weights is not None:
        assert all(np.array_equal(a, b) for a, b in zip(weights, model.params)), "a step was taken before the error"


@pytest.mark.parametrize("args, kwargs, error, message", [
    ((np.ones((5, 3)), np.zeros(5)), {}, ValueError, r"X must have 2 features per sample \(the first layer's input_dim\); got shape \(5, 3\)"),
    ((np.ones((5, 2)), np.zeros(4)), {}, ValueError, r"y must have one label per sample of X \(5\); got 4"),
    ((np.ones((0, 2)), np.zeros(0)), {}, ValueError, "X must not be empty"),
    ((np.full((5, 2), np.nan), np.zeros(5)), {}, ValueError, "X must be finite; got nan"),
    ((np.ones((5, 2)), np.full(5, 2.0)), {}, ValueError, r"y does not fit the loss BinaryCrossEntropy.*labels in \[0, 1\]; got 2"),
    ((np.ones((5, 2)), np.zeros(5)), {"validation_split": 1.0}, ValueError, r"validation_split must be a fraction in \[0, 1\); got 1.0"),
    ((np.ones((5, 2)), np.zeros(5)), {"validation_split": -0.1}, ValueError, "validation_split must be a fraction"),
    ((np.ones((5, 2)), np.zeros(5)), {"validation_split": 0.2, "validation_data": (np.ones((2, 2)), [0, 1])}, ValueError,
     "^give validation_data or validation_split, not both$"),
    ((np.ones((2, 2)), ["a", "b"]), {}, TypeError, r"^y must hold real numbers; got list \['a', 'b'\]$"),
    ((np.ones((5, 2)), np.zeros(5)), {"validation_data": (np.ones((2, 3)), [0, 1])}, ValueError, "X_val must have 2 features"),
    ((np.ones((5, 2)), np.zeros(5)), {"epochs": 0}, ValueError, "epochs must be >= 1"),
    ((np.ones((5, 2)), np.zeros(5)), {"batch_size": 0}, ValueError, "batch_size must be >= 1"),
    ((np.ones((5, 2)), np.zeros(5)), {"callbacks": [print]}, TypeError, "^callbacks must be Callback objects; got "
                                                                         "builtin_function_or_method <built-in function print>$"),
    ((np.ones(5), np.zeros(5)), {}, ValueError, r"^X must be a 2-D array \(n_samples, n_features\); got shape \(5,\)$"),
    ((np.ones((5, 2)), 0.0), {}, ValueError, r"^y must have one label per sample of X \(5\); got a number$"),
    ((np.ones((5, 2)), np.zeros(5)), {"validation_data": (np.ones((2, 2)), [0, 1, 1])}, ValueError,
     r"^y_val must have one label per sample of X \(2\); got 3$"),
    ((np.ones((5, 2)), np.zeros(5)), {"validation_data": (np.ones((2, 2)), [0, 2])}, ValueError,
     r"^y_val does not fit the loss BinaryCrossEntropy"),
    ((np.ones((5, 2)), np.zeros(5)), {"validation_data": np.ones((2, 2))}, TypeError,
     r"^validation_data must be a pair \(X_val, y_val\); got an array of shape \(2, 2\) and dtype float64$"),
    ((np.ones((5, 2)), np.zeros(5)), {"validation_data": (np.ones((2, 2)),)}, TypeError,
     r"^validation_data must be a pair \(X_val, y_val\); got tuple"),
    ((np.ones((5, 2)), np.zeros(5)), {"validation_split": 0.9}, ValueError,
     "^validation_split=0.9 leaves no training samples out of 5$"),
    ((np.ones((5, 2)), np.zeros(5)), {"validation_split": "0.2"}, ValueError, r"^validation_split must be a fraction in \[0, 1\); got '0.2'$"),
    ((np.ones((5, 2)), np.zeros(5)), {"verbose": 3}, ValueError, "^verbose must be 0, 1 or 2; got 3$"),
    ((np.ones((5, 2)), np.zeros(5)), {"verbose": True}, ValueError, "^verbose must be 0, 1 or 2; got True$"),
    ((np.ones((5, 2)), np.zeros(5)), {"shuffle": "yes"}, TypeError, "^shuffle must be True or False; got str 'yes'$"),
])
def test_bad_fit_arguments_are_refused_before_training(args, kwargs, error, message):
    model = small_model()
    model.fit(np.zeros((2, 2)), [0, 1], epochs=1, rng=0, verbose=0)  # built and initialised: weights to compare
    fails_before_training(model, error, message, *args, **kwargs)


def test_loss_and_last_activation_must_match():
    model = Sequential([Dense(1, input_dim=2)]).compile("sgd", "binary_crossentropy")
    with pytest.raises(ValueError, match=r"^binary_crossentropy expects probabilities, but the last layer's activation is "
                                         r"Identity\(\): use activation='sigmoid', or BinaryCrossEntropy\(from_logits=True\)$"):
        model.fit(np.ones((3, 2)), [0, 1, 0], verbose=0)
    model.compile("sgd", BinaryCrossEntropy(from_logits=True))
    model.fit(np.ones((3, 2)), [0, 1, 0], verbose=0, rng=0)
    multi = Sequential([Dense(3, "sigmoid", input_dim=2)]).compile("sgd", "categorical_crossentropy")
    with pytest.raises(ValueError, match="categorical_crossentropy expects probabilities"):
        multi.fit(np.ones((3, 2)), [0, 1, 2], verbose=0)
    multi.compile("sgd", CategoricalCrossEntropy(from_logits=True), ["accuracy"])
    with pytest.raises(ValueError, match=r"y does not fit the loss .*integer class labels in 0 \.\. 2; got 3"):
        multi.fit(np.ones((3, 2)), [0, 1, 3], verbose=0)


def test_model_level_errors():
    with pytest.raises(ValueError, match=r"^compile the model first: model\.compile\(optimizer='sgd', loss='mse'\)$"):
        Sequential([Dense(1, input_dim=2)]).fit(np.ones((2, 2)), [0, 1])
    with pytest.raises(ValueError, match=r"^the model has no layers: Sequential\(\[Dense\(\.\.\.\), \.\.\.\]\)$"):
        Sequential().predict(np.ones((2, 2)))
    with pytest.raises(TypeError, match=r"^layers must be Layer objects such as Dense\(\.\.\.\); got str 'dense'$"):
        Sequential(["dense"])
    with pytest.raises(TypeError, match="dtype must be float32 or float64"):
        Sequential(dtype="int32")
    with pytest.raises(ValueError, match="unknown optimizer 'lbfgs'"):
        Sequential([Dense(1, input_dim=2)]).compile(optimizer="lbfgs")
    with pytest.raises(ValueError, match="unknown metric 'f1'"):
        Sequential([Dense(1, input_dim=2)]).compile(metrics=["f1"])
    with pytest.raises(TypeError, match=r"^metrics must be a list such as \['accuracy'\]; got str 'accuracy'$"):
        Sequential([Dense(1, input_dim=2)]).compile(metrics="accuracy")
    with pytest.raises(ValueError, match=r"^dense\(1\) has input_dim 3, but the layer before it gives 4$"):
        Sequential([Dense(4, input_dim=2), Dense(1, input_dim=3)])
    model = Sequential([Dense(2, input_dim=3, rng=0)])
    with pytest.raises(ValueError, match=r"^X must have 3 features per sample"):
        model.predict(np.ones((4, 2)))
    with pytest.raises(ValueError, match="^batch_size must be >= 1; got 0$"):
        model.predict(np.ones((4, 3)), batch_size=0)
    assert model.predict(np.ones((5, 3)), batch_size=2).shape == (5, 2)
    assert len(model.get_weights()) == 2  # an uncompiled model has weights too
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="^batch_size must be >= 1; got 0$"):
        model.evaluate(np.ones((4, 3)), np.ones((4, 2)), batch_size=0)


def test_fit_defaults_are_one_epoch_in_batches_of_32():
    X, y = moons(n=40, noise=0.1, rng=0)
    default, explicit = small_model(), small_model()
    history = default.fit(X, y, rng=1, verbose=0)
    explicit.fit(X, y, epochs=1, batch_size=32, rng=1, verbose=0)
    assert history.epoch == [1] and all(np.array_equal(a, b) for a, b in zip(default.params, explicit.params))


def test_a_loss_that_becomes_nan_stops_training_without_a_numpy_warning():
    """pytest turns warnings into errors here: the nan comes from inf - inf inside fit, which must stay silent."""
    X, y = moons(n=100, noise=0.2, rng=0)
    model = Sequential([Dense(16, "leaky_relu", input_dim=2), Dense(16, "leaky_relu"), Dense(1, "sigmoid")])
    model.compile(SGD(3.0, momentum=0.9), "binary_crossentropy")
    with pytest.raises(TrainingDiverged, match=r"^training diverged in epoch \d+: the loss became nan with"):
        model.fit(X, y, epochs=50, batch_size=32, rng=0, verbose=0)


def test_evaluate_on_weights_that_overflow_raises_training_diverged_not_a_warning():
    model = Sequential([Dense(1, input_dim=1, rng=0)]).compile(SGD(1e200), "mse")
    with pytest.raises(TrainingDiverged):
        model.fit(*LINE, epochs=5, batch_size=None, validation_data=LINE, verbose=0)
    with pytest.raises(TrainingDiverged, match="the loss became inf with learning rate 1e"):
        model.evaluate(*LINE)


def test_an_mse_model_reports_its_metrics_from_its_outputs():
    X, y = moons(n=30, noise=0.2, rng=0)
    model = Sequential([Dense(1, input_dim=2, rng=0)]).compile(SGD(0.1), "mse", ["mse"])
    loss, mse = model.evaluate(X, y)
    assert mse == pytest.approx(np.mean((model.predict(X)[:, 0] - y) ** 2), rel=1e-12)
    assert loss == pytest.approx(mse, rel=1e-12)


def test_evaluate_on_infinite_weights_raises_training_diverged_not_a_warning():
    """inf - inf inside the forward pass gives NaN: evaluate says the model diverged, and numpy stays silent."""
    model = Sequential([Dense(1, input_dim=2, rng=0)]).compile(SGD(0.1), "mse")
    model.fit(np.ones((3, 2)), np.ones(3), epochs=1, verbose=0)
    model.set_weights([np.array([[np.inf], [-np.inf]]), np.zeros(1)])
    with pytest.raises(TrainingDiverged, match="^training diverged in epoch 2: the loss became nan with learning rate 0.1"):
        model.evaluate(np.ones((3, 2)), np.ones(3))


@pytest.mark.xfail(strict=True, raises=AttributeError, reason="nnlib bug: Sequential._diverged reads "
                   "len(self.history.epoch) while history is None before the first fit (model.py, _diverged)")
def test_evaluate_before_any_fit_on_infinite_weights_raises_training_diverged():
    model = Sequential([Dense(1, input_dim=2, rng=0)]).compile(SGD(0.1), "mse")
    model.set_weights([np.array([[np.inf], [-np.inf]]), np.zeros(1)])
    with pytest.raises(TrainingDiverged, match="the loss became nan"):
        model.evaluate(np.ones((3, 2)), np.ones(3))


def test_metrics_of_a_logits_model_are_computed_from_its_probabilities():
    X, y = moons(n=30, noise=0.2, rng=0)
    model = Sequential([Dense(1, input_dim=2, rng=0)]).compile(SGD(0.1), BinaryCrossEntropy(from_logits=True), ["mse"])
    p = 1 / (1 + np.exp(-model.predict(X)[:, 0]))  # predict gives the logits z; the metric sees sigmoid(z)
    assert model.evaluate(X, y)[1] == pytest.approx(np.mean((p - y) ** 2), rel=1e-12)


class InitialWeights(Callback):
    """Records the weights fit starts from (on_train_begin comes after the first fit drew them, before any step)."""

    def on_train_begin(self, model):
        self.weights = model.get_weights()


def test_seeded_layers_keep_their_weights_and_unseeded_ones_follow_fits_seed():
    X, y = moons(n=20, noise=0.1, rng=0)

    def initial_weights(fit_seed):
        model = Sequential([Dense(4, "tanh", input_dim=2, rng=42), Dense(1, "sigmoid")])
        start = InitialWeights()
        model.compile("sgd", "binary_crossentropy").fit(X, y, epochs=1, rng=fit_seed, verbose=0, callbacks=[start])
        assert not np.array_equal(model.layers[0].params["W"], start.weights[0])  # fit trained from there
        return start.weights

    a, again, other = initial_weights(0), initial_weights(0), initial_weights(1)
    seeded_W = np.random.default_rng(42).uniform(-1.0, 1.0, size=(2, 4))  # glorot_uniform: sqrt(6 / (2 + 4)) = 1
    for weights in (a, again, other):  # the seeded layer: its own draw, whatever fit's rng
        np.testing.assert_array_equal(weights[0], seeded_W)
        np.testing.assert_array_equal(weights[1], np.zeros(4))
    # the unseeded layer: the first draw from fit's generator (the seeded layer takes nothing from it)
    np.testing.assert_array_equal(a[2], np.random.default_rng(0).uniform(-np.sqrt(6 / 5), np.sqrt(6 / 5), (4, 1)))
    np.testing.assert_array_equal(again[2], a[2])
    assert not np.allclose(other[2], a[2])
    np.testing.assert_array_equal(other[2], np.random.default_rng(1).uniform(-np.sqrt(6 / 5), np.sqrt(6 / 5), (4, 1)))


def test_learning_rate_scheduler_sets_and_records_the_lr():
    from nnlib.callbacks import LearningRateScheduler
    from nnlib.optim import StepDecay

    X, y = moons(n=40, noise=0.1, rng=0)
    model = small_model(lr=0.4)
    history = model.fit(X, y, epochs=5, callbacks=[LearningRateScheduler(StepDecay(2, 0.5))], rng=0, verbose=0)
    assert history.history["lr"] == [0.4, 0.4, 0.2, 0.2, 0.1] and model.optimizer.lr == 0.1
    with pytest.raises(TypeError, match=r"^schedule must be a function schedule\(epoch, lr0\) -> lr, such as "
                                        r"StepDecay\(10\); got float 0.1$"):
        LearningRateScheduler(0.1)
    with pytest.raises(ValueError, match="^the schedule's lr must be > 0; got 0$"):
        model.fit(X, y, epochs=2, callbacks=[LearningRateScheduler(lambda epoch, lr0: lr0 * (1 - epoch))], verbose=0)


def test_get_and_set_weights():
    X, y = moons(n=30, noise=0.1, rng=0)
    a = small_model()
    a.fit(X, y, epochs=2, rng=0, verbose=0)
    b = small_model()
    b.set_weights(a.get_weights())
    assert all(np.array_equal(p, q) for p, q in zip(a.params, b.params))
    start = InitialWeights()  # set_weights marks the model initialised: fit starts from them, draws nothing
    b.fit(X, y, epochs=1, rng=1, verbose=0, callbacks=[start])
    assert all(np.array_equal(p, q) for p, q in zip(start.weights, a.get_weights()))
    assert not any(np.array_equal(p, q) for p, q in zip(b.params, a.params))  # and trained on from there
    with pytest.raises(ValueError, match="weights must be a list of 4 arrays"):
        b.set_weights(a.get_weights()[:2])
    with pytest.raises(ValueError, match=r"weights\[0\] must have shape \(2, 8\)"):
        b.set_weights([np.ones((3, 8))] + a.get_weights()[1:])

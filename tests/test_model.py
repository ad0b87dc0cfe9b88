"""nnlib.model.Sequential (notebook 08): fit against a hand-written loop, learning, reproducibility, dtype,
divergence, every bad input refused before the first step, fit's callbacks and initial_epoch; the penalties in the
loss and the step (notebook 10); input gradients and an MLP on the real digits (notebook 12). The contract between
Sequential and its layers: tests/test_layer_contract.py."""
import numpy as np
import pytest

from nnlib.callbacks import Callback, History, LearningRateScheduler
from nnlib.data import load_digits, moons, noisy_function, standardize, stratified_split
from nnlib.gradcheck import numerical_gradient
from nnlib.layers import Dense, Dropout
from nnlib.losses import BinaryCrossEntropy, CategoricalCrossEntropy
from nnlib.model import Sequential, TrainingDiverged
from nnlib.optim import SGD, Adam, StepDecay
from nnlib.regularizers import L2


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


@pytest.mark.parametrize("lr, validation, epochs_done", [(1e200, True, 0), (1e100, True, 1), (1e100, False, 2)])
def test_divergence_is_caught_by_the_validation_measure_an_epoch_before_the_next_batch(lr, validation, epochs_done):
    """Full batch: the epoch's last step overflows the weights; the validation loss after it is the first inf."""
    model = Sequential([Dense(1, input_dim=1, rng=0)]).compile(SGD(lr), "mse")
    with pytest.raises(TrainingDiverged, match=r"the loss became inf with learning rate 1e\+\d+") as info:
        model.fit(*LINE, epochs=50, batch_size=None, validation_data=LINE if validation else None, verbose=0)
    assert len(model.history.epoch) == epochs_done and info.value.history is model.history


@pytest.mark.parametrize("lr, validation, message", [
    pytest.param(1e200, True, "training diverged in epoch 1: the loss became inf with learning rate 1e+200; try a "
                              "smaller one, such as 1e+199. model.history keeps the 0 epochs before."),
    pytest.param(1e100, True, "training diverged in epoch 2: the loss became inf with learning rate 1e+100; try a "
                              "smaller one, such as 1e+99. model.history keeps the 1 epoch before."),
    (1e100, False, "training diverged in epoch 3: the loss became inf with learning rate 1e+100; try a smaller one, "
                   "such as 1e+99. model.history keeps the 2 epochs before."),
])
def test_divergence_during_fit_names_the_epoch_it_happened_in(lr, validation, message):
    model = Sequential([Dense(1, input_dim=1, rng=0)]).compile(SGD(lr), "mse")
    with pytest.raises(TrainingDiverged) as info:
        model.fit(*LINE, epochs=50, batch_size=None, validation_data=LINE if validation else None, verbose=0)
    assert str(info.value) == message


def test_validation_data_and_split_give_val_twins():
    X, y = moons(n=100, noise=0.2, rng=2)
    h = small_model().fit(X, y, epochs=3, validation_split=0.2, rng=0, verbose=0)
    assert set(h.history) == {"loss", "accuracy", "val_loss", "val_accuracy"} and h.epoch == [1, 2, 3]
    model = small_model()
    h2 = model.fit(X[:80], y[:80], epochs=3, validation_data=(X[80:], y[80:]), rng=0, verbose=0)
    assert h2.history == h.history  # the split takes the last 20%, before shuffling
    assert model.evaluate(X[80:], y[80:]) == pytest.approx([h2.history["val_loss"][-1], h2.history["val_accuracy"][-1]])


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


def test_summary_is_a_table_of_layers_shapes_and_parameters(capsys):
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
    ((np.ones((5, 2)), np.zeros(5)), {"initial_epoch": -1}, ValueError, "^initial_epoch must be >= 0; got -1$"),
    ((np.ones((5, 2)), np.zeros(5)), {"initial_epoch": 1.5}, TypeError, "^initial_epoch must be an integer; got float 1.5$"),
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
    with pytest.raises(TrainingDiverged, match=r"^the model's outputs are not finite: the loss became inf\. Its weights "
                                               r"are too large for these inputs \(trained with learning rate 1e\+200\? "
                                               r"train again with a smaller one\), or the inputs are far larger than "
                                               r"the training data \(scale them as it was\)\. model\.history keeps the "
                                               r"\d epochs? before\.$"):
        model.evaluate(*LINE)


def test_an_mse_model_reports_its_metrics_from_its_outputs():
    X, y = moons(n=30, noise=0.2, rng=0)
    model = Sequential([Dense(1, input_dim=2, rng=0)]).compile(SGD(0.1), "mse", ["mse"])
    loss, mse = model.evaluate(X, y)
    assert mse == pytest.approx(np.mean((model.predict(X)[:, 0] - y) ** 2), rel=1e-12)
    assert loss == pytest.approx(mse, rel=1e-12)


def test_evaluate_on_infinite_weights_names_the_array_and_stays_silent():
    """Weights blown up to inf by a step (set here by hand: set_weights refuses them) would give inf - inf = NaN in
    the forward pass: evaluate refuses them at its door, naming the array, and numpy stays silent."""
    model = Sequential([Dense(1, input_dim=2, rng=0)]).compile(SGD(0.1), "mse")
    model.fit(np.ones((3, 2)), np.ones(3), epochs=1, verbose=0)
    model.layers[0].params["W"][...] = [[np.inf], [-np.inf]]
    with pytest.raises(TrainingDiverged) as info:
        model.evaluate(np.ones((3, 2)), np.ones(3))
    assert str(info.value) == ("the model's weights are not finite: layers[0].W holds inf at index (0, 0) (training "
                               "diverged); train it again from new weights. model.history keeps the 1 epoch before.")
    assert info.value.history is model.history


def test_evaluate_before_any_fit_on_infinite_weights_raises_training_diverged():
    model = Sequential([Dense(1, input_dim=2, rng=0)]).compile(SGD(0.1), "mse")
    model.layers[0].params["b"][...] = np.nan
    with pytest.raises(TrainingDiverged) as info:
        model.evaluate(np.ones((3, 2)), np.ones(3))
    assert str(info.value) == ("the model's weights are not finite: layers[0].b holds nan at index (0,) (training "
                               "diverged); train it again from new weights. model.history keeps the 0 epochs before.")
    assert info.value.history is None and model.history is None


def test_evaluate_on_inputs_too_large_for_the_weights_says_so():
    """Finite weights, finite inputs, and outputs that overflow: not a learning rate's fault before any fit."""
    model = Sequential([Dense(1, input_dim=2, rng=0)]).compile("sgd", "mse")
    with pytest.raises(TrainingDiverged, match=r"^the model's outputs are not finite: the loss became inf\. Its "
                                               r"weights are too large for these inputs \(trained with learning rate "
                                               r"0\.01\? .*, or the inputs are far larger than the training data"):
        model.evaluate(np.full((3, 2), 1e300), np.ones(3))


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
    with pytest.raises(ValueError, match=r"weights\[0\] \(layers\[0\]\.W\) must have shape \(2, 8\)"):
        b.set_weights([np.ones((3, 8))] + a.get_weights()[1:])


# ---- fit's callbacks and initial_epoch ------------------------------------------------------------------------


def test_fit_runs_your_callbacks_before_its_history_and_progress(capsys):
    """fit's callbacks are [yours..., a new History, the progress]: an entry your callback adds to logs is recorded in
    the History and shown by the progress."""
    class Doubled(Callback):
        def on_epoch_end(self, epoch, logs):
            logs["doubled"] = 2 * logs["loss"]

    X, y = moons(n=40, noise=0.1, rng=0)
    model = small_model()
    history = model.fit(X, y, epochs=3, rng=0, verbose=2, callbacks=[Doubled()])
    assert history is model.history and isinstance(history, History) and isinstance(history, Callback)
    assert list(history.history) == ["loss", "accuracy", "doubled"]
    assert history.history["doubled"] == [2 * loss for loss in history.history["loss"]]
    lines = capsys.readouterr().out.splitlines()
    h = history.history
    assert lines == [f"epoch {e}/3 - loss {h['loss'][e - 1]:.4f} - accuracy {h['accuracy'][e - 1]:.4f} - doubled "
                     f"{h['doubled'][e - 1]:.4f}" for e in (1, 2, 3)]


def test_every_fit_makes_a_new_history_and_a_history_of_your_own_collects_them():
    X, y = moons(n=40, noise=0.1, rng=0)
    model, mine = small_model(), History()
    first = model.fit(X, y, epochs=2, rng=0, verbose=0, callbacks=[mine])
    second = model.fit(X, y, epochs=5, initial_epoch=2, rng=1, verbose=0, callbacks=[mine])
    assert second is model.history and first is not second and mine is not second
    assert first.epoch == [1, 2] and second.epoch == [3, 4, 5] and mine.epoch == [1, 2, 3, 4, 5]
    assert mine.history == {key: first.history[key] + second.history[key] for key in first.history}


def trained_in_parts(ends, rng=3):
    """A model with dropout, Adam, a step schedule and validation data, fit to each epoch of `ends` in turn (each fit
    going on from the one before with initial_epoch), all from one generator. Returns (model, [History of each fit])."""
    X, y = moons(n=60, noise=0.2, rng=0)
    model = Sequential([Dense(8, "tanh", input_dim=2), Dropout(0.2), Dense(1, "sigmoid")])
    model.compile(Adam(0.02), "binary_crossentropy", ["accuracy"])
    generator, schedule = np.random.default_rng(rng), LearningRateScheduler(StepDecay(3, 0.5))
    histories, done = [], 0
    for end in ends:
        histories.append(model.fit(X[:40], y[:40], epochs=end, initial_epoch=done, batch_size=8, rng=generator,
                                   validation_data=(X[40:], y[40:]), verbose=0, callbacks=[schedule]))
        done = end
    return model, histories


def test_fit_with_initial_epoch_goes_on_as_one_longer_fit():
    """fit(epochs=5), then fit(epochs=8, initial_epoch=5) with the same generator: the weights of one fit(epochs=8),
    bit for bit (shuffles, dropout masks, Adam's state and the schedule's lr0 go on), epochs numbered 6 to 8."""
    (whole, (one,)), (parts, (first, second)) = trained_in_parts([8]), trained_in_parts([5, 8])
    assert one.epoch == list(range(1, 9)) and first.epoch == [1, 2, 3, 4, 5] and second.epoch == [6, 7, 8]
    for key in one.history:
        assert first.history[key] + second.history[key] == one.history[key], key
    assert one.history["lr"] == [0.02, 0.02, 0.02, 0.01, 0.01, 0.01, 0.005, 0.005]
    assert all(np.array_equal(a, b) for a, b in zip(whole.get_weights(), parts.get_weights()))
    assert whole.optimizer.state[0]["step"] == parts.optimizer.state[0]["step"] == 8 * 5  # 5 batches per epoch
    (three_parts, _) = trained_in_parts([2, 6, 8])
    assert all(np.array_equal(a, b) for a, b in zip(whole.get_weights(), three_parts.get_weights()))
    (other, _) = trained_in_parts([8], rng=4)  # the control: another generator gives other weights
    assert not np.array_equal(other.get_weights()[0], whole.get_weights()[0])


def test_initial_epoch_at_or_past_epochs_trains_nothing():
    X, y = moons(n=20, noise=0.1, rng=0)
    model = small_model()
    model.fit(X, y, epochs=2, rng=0, verbose=0)
    weights = model.get_weights()
    history = model.fit(X, y, epochs=2, initial_epoch=2, rng=0, verbose=0)
    assert history.epoch == [] and history.history == {}
    assert all(np.array_equal(a, b) for a, b in zip(weights, model.get_weights()))


# ---- penalties in the loss and the step (notebook 10) ----------------------------------------------------------


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


# ---- input gradients and the digits MLP (notebook 12) ------------------------------------------------------------


def test_input_gradient_is_the_derivative_of_the_class_score():
    rng = np.random.default_rng(0)
    model = Sequential([Dense(7, "tanh", input_dim=4, rng=1), Dense(5, "relu", rng=2), Dense(3, "softmax", rng=3)])
    X = rng.normal(size=(6, 4))

    def score(x, k):
        a = x[None, :]
        for layer in model.layers[:-1]:
            a = layer.forward(a, training=False)
        return float((a @ model.layers[-1].params["W"] + model.layers[-1].params["b"])[0, k])

    for k in range(3):
        G = model.input_gradient(X, k)
        assert G.shape == X.shape
        for i in range(len(X)):
            numeric = numerical_gradient(lambda x: score(x, k), X[i].copy())
            assert np.allclose(G[i], numeric, rtol=1e-6, atol=1e-8)
    assert model.layers[0].needs_input_grad is False  # put back: the model's first layer needs no input gradient
    with pytest.raises(ValueError, match="k must be an output of the model, 0 .. 2; got 3"):
        model.input_gradient(X, 3)
    with pytest.raises(ValueError, match="^k must be >= 0; got -1$"):
        model.input_gradient(X, -1)


def test_input_gradient_is_taken_in_inference_mode():
    """With dropout in the model: the gradient of the score predict computes, the same at every call."""
    model = Sequential([Dense(6, "tanh", input_dim=3, rng=1), Dropout(0.5, rng=2), Dense(2, "softmax", rng=3)])
    X = np.random.default_rng(4).normal(size=(5, 3))
    W1, b1, W2 = model.layers[0].params["W"], model.layers[0].params["b"], model.layers[2].params["W"]
    h = np.tanh(X @ W1 + b1)
    expected = ((1 - h**2) * W2[:, 1]) @ W1.T  # d z_1 / d x, no unit dropped
    np.testing.assert_allclose(model.input_gradient(X, 1), expected, rtol=1e-12, atol=1e-15)


def test_input_gradient_leaves_fit_unchanged():
    X, y = np.random.default_rng(1).normal(size=(40, 3)), np.arange(40) % 2
    model = Sequential([Dense(4, "relu", input_dim=3, rng=0), Dense(2, "softmax", rng=1)])
    model.compile("sgd", "categorical_crossentropy")
    model.fit(X, y, epochs=1, verbose=0, rng=0)
    model.input_gradient(X, 1)
    assert model.layers[0].needs_input_grad is False and model.layers[-1].activation.__class__.__name__ == "Softmax"


def test_an_mlp_on_the_real_digits_reaches_95_percent_on_its_test_set():
    X, y = load_digits()
    train, test = stratified_split(y, (0.8, 0.2), rng=0)
    X_train, X_test = standardize(X[train], X[test])
    model = Sequential([Dense(32, "relu", input_dim=64, rng=0), Dense(10, "softmax", rng=1)])
    model.compile(Adam(3e-3), "categorical_crossentropy", ["accuracy"])
    model.fit(X_train, y[train], epochs=10, batch_size=32, verbose=0, rng=0)
    accuracy = np.mean(model.predict(X_test).argmax(axis=1) == y[test])
    assert accuracy >= 0.95

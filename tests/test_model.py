"""nnlib.model.Sequential (notebook 08): fit against a hand-written loop, learning, reproducibility, dtype,
divergence, and every bad input refused before the first step."""
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
        model.fit(*args, verbose=0, **kwargs)
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
    ((np.ones((5, 2)), np.zeros(5)), {"validation_split": 0.2, "validation_data": (np.ones((2, 2)), [0, 1])}, ValueError, "not both"),
    ((np.ones((5, 2)), np.zeros(5)), {"validation_data": (np.ones((2, 3)), [0, 1])}, ValueError, "X_val must have 2 features"),
    ((np.ones((5, 2)), np.zeros(5)), {"epochs": 0}, ValueError, "epochs must be >= 1"),
    ((np.ones((5, 2)), np.zeros(5)), {"batch_size": 0}, ValueError, "batch_size must be >= 1"),
    ((np.ones((5, 2)), np.zeros(5)), {"shuffle": "yes"}, TypeError, "shuffle must be True or False"),
    ((np.ones((5, 2)), np.zeros(5)), {"callbacks": [print]}, TypeError, "callbacks must be Callback objects"),
])
def test_bad_fit_arguments_are_refused_before_training(args, kwargs, error, message):
    model = small_model()
    model.fit(np.zeros((2, 2)), [0, 1], epochs=1, rng=0, verbose=0)  # built and initialised: weights to compare
    fails_before_training(model, error, message, *args, **kwargs)


def test_loss_and_last_activation_must_match():
    model = Sequential([Dense(1, input_dim=2)]).compile("sgd", "binary_crossentropy")
    with pytest.raises(ValueError, match="binary_crossentropy expects probabilities, but the last layer's activation is Identity"):
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
    with pytest.raises(ValueError, match="compile the model first"):
        Sequential([Dense(1, input_dim=2)]).fit(np.ones((2, 2)), [0, 1])
    with pytest.raises(ValueError, match="the model has no layers"):
        Sequential().predict(np.ones((2, 2)))
    with pytest.raises(TypeError, match="layers must be Layer objects"):
        Sequential(["dense"])
    with pytest.raises(TypeError, match="dtype must be float32 or float64"):
        Sequential(dtype="int32")
    with pytest.raises(ValueError, match="unknown optimizer 'lbfgs'"):
        Sequential([Dense(1, input_dim=2)]).compile(optimizer="lbfgs")
    with pytest.raises(ValueError, match="unknown metric 'f1'"):
        Sequential([Dense(1, input_dim=2)]).compile(metrics=["f1"])
    model = Sequential([Dense(2, input_dim=3, rng=0)])
    with pytest.raises(ValueError, match=r"X must have 3 features per sample"):
        model.predict(np.ones((4, 2)))
    assert model.predict(np.ones((5, 3)), batch_size=2).shape == (5, 2)


def test_seeded_layers_keep_their_weights_and_unseeded_ones_follow_fits_seed():
    X, y = moons(n=20, noise=0.1, rng=0)
    seeded = Sequential([Dense(4, "tanh", input_dim=2, rng=42), Dense(1, "sigmoid")]).compile("sgd", "binary_crossentropy")
    W_before = seeded.layers[0].params["W"].copy()
    seeded.fit(X, y, epochs=1, batch_size=None, shuffle=False, rng=0, verbose=0)
    fresh = Dense(4, "tanh", input_dim=2, rng=42)
    assert np.array_equal(W_before, fresh.params["W"])


def test_learning_rate_scheduler_sets_and_records_the_lr():
    from nnlib.callbacks import LearningRateScheduler
    from nnlib.optim import StepDecay

    X, y = moons(n=40, noise=0.1, rng=0)
    model = small_model(lr=0.4)
    history = model.fit(X, y, epochs=5, callbacks=[LearningRateScheduler(StepDecay(2, 0.5))], rng=0, verbose=0)
    assert history.history["lr"] == [0.4, 0.4, 0.2, 0.2, 0.1] and model.optimizer.lr == 0.1
    with pytest.raises(TypeError, match="schedule must be a function"):
        LearningRateScheduler(0.1)


def test_get_and_set_weights():
    X, y = moons(n=30, noise=0.1, rng=0)
    a = small_model()
    a.fit(X, y, epochs=2, rng=0, verbose=0)
    b = small_model()
    b.set_weights(a.get_weights())
    assert all(np.array_equal(p, q) for p, q in zip(a.params, b.params))
    b.fit(X, y, epochs=1, rng=1, verbose=0)  # set_weights marks the model initialised: fit keeps them as start
    with pytest.raises(ValueError, match="weights must be a list of 4 arrays"):
        b.set_weights(a.get_weights()[:2])
    with pytest.raises(ValueError, match=r"weights\[0\] must have shape \(2, 8\)"):
        b.set_weights([np.ones((3, 8))] + a.get_weights()[1:])

"""nnlib.saving (notebooks 09 and 10): save_model / load_model, an .npz file of plain arrays and a JSON description
(format version 2: every layer, loss and optimizer as {"class": name, "config": its get_config()}), from which a
model predicts identically and resumes training exactly: every optimizer, float32, Dropout (its rate and its
generator's state, so the masks continue identically) and Dense's kernel_regularizer; a layer class of one's own
that describes itself is saved like nnlib's. What cannot be saved is refused before writing, and a damaged or
foreign file with a ValueError that names the path and the reason; a failed save leaves the old file as it was.
No pickle anywhere."""
import json
import os
import re

import numpy as np
import pytest

from nnlib.activations import ELU, LeakyReLU, ReLU, Sigmoid
from nnlib.config import CLASSES
from nnlib.data import blobs, moons
from nnlib.layers import Dense, Dropout, Layer
from nnlib.losses import CategoricalCrossEntropy
from nnlib.model import Sequential
from nnlib.optim import OPTIMIZERS, SGD, Adam
from nnlib.regularizers import L1, L1L2, L2
from nnlib.saving import FILE_FORMAT, FILE_VERSION, load_model, save_model
from test_layer_contract import Scale  # a learner's layer: y = s * x, without get_config

X, Y = moons(n=60, noise=0.2, rng=0)


def trained(optimizer="adam", dtype="float64", epochs=3):
    model = Sequential([Dense(5, LeakyReLU(0.2), input_dim=2), Dense(4, ELU(0.5)), Dense(1, "sigmoid")], dtype=dtype)
    model.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy", "mse"])
    model.fit(X, Y, epochs=epochs, batch_size=16, rng=1, verbose=0)
    return model


REGULARIZERS = {  # what the model is given: what the loaded model has
    "L1": (L1(0.01), L1(0.01)),
    "L2": (L2(0.005), L2(0.005)),
    "L1L2": (L1L2(0.002, 0.003), L1L2(0.002, 0.003)),
    "name l2": ("l2", L2(0.01)),  # a name: Keras's strength, 0.01
}
COMPILED_WITH = {"Adam": lambda: Adam(0.01), "SGD momentum": lambda: SGD(0.05, momentum=0.9)}


def regularized(rate, regularizer, dtype="float64", optimizer="Adam", epochs=3):
    """2 -> Dense 8 relu (regularized) -> Dropout(rate) -> Dense 6 tanh (regularized) -> Dense 1 sigmoid, trained."""
    model = Sequential([Dense(8, "relu", input_dim=2, kernel_regularizer=regularizer, name="hidden"),
                        Dropout(rate, name="drop"),
                        Dense(6, "tanh", kernel_regularizer=regularizer),
                        Dense(1, "sigmoid")], dtype=dtype)
    model.compile(COMPILED_WITH[optimizer](), "binary_crossentropy", ["accuracy"])
    model.fit(X, Y, epochs=epochs, batch_size=10, rng=1, verbose=0)
    return model


def dropout_states(model):
    return [layer.rng.bit_generator.state for layer in model.layers if isinstance(layer, Dropout)]


def data_loss(model):
    """The binary cross-entropy of the model's predictions on (X, Y), by hand, in float64."""
    p = model.predict(X).astype(np.float64)[:, 0]
    return float(-np.mean(Y * np.log(p) + (1 - Y) * np.log(1 - p)))


def penalty_by_hand(regularizer, weights):
    l1 = getattr(regularizer, "l1", 0.0)
    l2 = getattr(regularizer, "l2", 0.0)
    return sum(l1 * np.abs(W.astype(np.float64)).sum() + l2 * (W.astype(np.float64) ** 2).sum() for W in weights)


def read_file(path):
    """(config, arrays) of a file save_model wrote: its JSON description and every other array."""
    with np.load(path, allow_pickle=False) as contents:
        arrays = {key: contents[key] for key in contents.files}
    return json.loads(str(arrays.pop("config"))), arrays


def saved_then_edited(tmp_path, model, edit_config=None, edit_arrays=None):
    """model saved, its JSON description changed by edit_config and its arrays by edit_arrays, written to edited.npz."""
    save_model(model, tmp_path / "m.npz")
    config, arrays = read_file(tmp_path / "m.npz")
    if edit_config:
        edit_config(config)
    if edit_arrays:
        edit_arrays(arrays)
    arrays["config"] = np.array(json.dumps(config))
    np.savez(tmp_path / "edited.npz", **arrays)
    return tmp_path / "edited.npz"


@pytest.fixture
def classes():
    """nnlib.config.CLASSES, put back as it was after the test (the classes a test defines file themselves there)."""
    saved = dict(CLASSES)
    yield CLASSES
    CLASSES.clear()
    CLASSES.update(saved)


# ---- round trips ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_a_loaded_model_predicts_the_same_and_resumes_training_exactly(tmp_path, name):
    model = trained(OPTIMIZERS[name]())
    save_model(model, tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert np.array_equal(model.predict(X), loaded.predict(X))
    assert repr(loaded.optimizer) == repr(model.optimizer)
    for i, state in model.optimizer.state.items():
        assert set(loaded.optimizer.state.get(i, {})) == set(state)
        for key, value in state.items():
            assert np.array_equal(loaded.optimizer.state[i][key], value)
    first = model.fit(X, Y, epochs=3, batch_size=16, rng=2, verbose=0)
    second = loaded.fit(X, Y, epochs=3, batch_size=16, rng=2, verbose=0)
    assert first.history == second.history
    assert all(np.array_equal(a, b) for a, b in zip(model.params, loaded.params))


def test_layers_activations_loss_and_metrics_come_back_with_their_hyper_parameters(tmp_path):
    model = Sequential([Dense(4, ELU(0.5), input_dim=3, name="hidden"), Dense(3)])
    model.compile(optimizer=Adam(0.01, beta1=0.8, weight_decay=0.1),
                  loss=CategoricalCrossEntropy(from_logits=True), metrics=["acc"])
    path = str(tmp_path / "logits.npz")
    save_model(model, path)
    loaded = load_model(path)
    assert [(layer.name, layer.input_dim, layer.units) for layer in loaded.layers] == [("hidden", 3, 4), ("dense(3)", 4, 3)]
    assert loaded.layers[0].activation == ELU(0.5) and loaded.layers[1].activation == model.layers[1].activation
    assert loaded.loss == CategoricalCrossEntropy(from_logits=True)
    assert repr(loaded.optimizer) == "Adam(lr=0.01, beta1=0.8, beta2=0.999, eps=1e-08, weight_decay=0.1)"
    assert [metric for metric, _ in loaded.metrics] == ["accuracy"]
    Xb, yb = blobs(n=30, k=3, rng=4)
    Xb = np.hstack([Xb, Xb[:, :1]])
    assert loaded.evaluate(Xb, yb) == model.evaluate(Xb, yb)


def test_float32_is_kept_in_weights_optimizer_state_and_training(tmp_path):
    model = trained("rmsprop", dtype="float32")
    save_model(model, tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert loaded.dtype == np.float32 and all(p.dtype == np.float32 for p in loaded.params)
    assert all(value.dtype == np.float32 for s in loaded.optimizer.state.values() for value in s.values())
    assert loaded.predict(X).dtype == np.float32
    model.fit(X, Y, epochs=2, batch_size=16, rng=5, verbose=0)
    loaded.fit(X, Y, epochs=2, batch_size=16, rng=5, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(model.params, loaded.params))


def test_an_uncompiled_model_loads_uncompiled(tmp_path):
    model = Sequential([Dense(3, "tanh", input_dim=2, rng=0), Dense(1, rng=0)])
    save_model(model, tmp_path / "plain.npz")
    loaded = load_model(tmp_path / "plain.npz")
    assert loaded.loss is None and loaded.optimizer is None
    assert np.array_equal(loaded.predict(X), model.predict(X))
    with pytest.raises(ValueError, match="compile the model first"):
        loaded.fit(X, Y)


def test_relu_model_saved_with_a_name_given_as_str(tmp_path):
    model = Sequential([Dense(2, ReLU(), input_dim=2, rng=0)])
    save_model(model, str(tmp_path / "relu.npz"))
    assert isinstance(load_model(str(tmp_path / "relu.npz")).layers[0].activation, ReLU)


@pytest.mark.parametrize("optimizer", sorted(COMPILED_WITH))
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("regularizer", sorted(REGULARIZERS))
@pytest.mark.parametrize("rate", [0.2, 0.5])
def test_a_regularized_model_with_dropout_loads_and_resumes_training_exactly(tmp_path, rate, regularizer, dtype,
                                                                              optimizer):
    given, expected = REGULARIZERS[regularizer]
    model = regularized(rate, given, dtype, optimizer)
    save_model(model, tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")

    # the same layers, regularizers and dropout generator
    assert [repr(layer) for layer in loaded.layers] == [repr(layer) for layer in model.layers] == [
        "Dense(2 -> 8, activation=ReLU)", f"Dropout(rate={rate:g})", "Dense(8 -> 6, activation=Tanh)",
        "Dense(6 -> 1, activation=Sigmoid)"]
    assert [layer.name for layer in loaded.layers] == ["hidden", "drop", "dense(6)", "dense(1)"]
    assert loaded.layers[1].rate == rate
    for i, regularizer_after in ((0, expected), (2, expected), (3, None)):
        assert loaded.layers[i].kernel_regularizer == model.layers[i].kernel_regularizer == regularizer_after
        assert type(loaded.layers[i].kernel_regularizer) is type(regularizer_after)
    assert dropout_states(loaded) == dropout_states(model)
    assert loaded.dtype == np.dtype(dtype) and all(p.dtype == np.dtype(dtype) for p in loaded.params)
    assert repr(loaded.optimizer) == repr(model.optimizer)

    # the same predictions, and the same evaluate(), whose loss includes the penalty
    assert loaded.predict(X).dtype == np.dtype(dtype)
    assert np.array_equal(loaded.predict(X), model.predict(X))
    loss, accuracy = loaded.evaluate(X, Y)
    assert [loss, accuracy] == model.evaluate(X, Y)
    penalty = penalty_by_hand(expected, [loaded.layers[0].params["W"], loaded.layers[2].params["W"]])
    assert penalty > 1e-3
    assert loaded.penalty() == pytest.approx(penalty, rel=1e-12 if dtype == "float64" else 1e-5)
    assert loss == pytest.approx(data_loss(loaded) + penalty, rel=1e-12 if dtype == "float64" else 1e-5)

    # the same next 5 epochs: same shuffles, same dropout masks, same steps
    first = model.fit(X, Y, epochs=5, batch_size=10, rng=7, verbose=0)
    second = loaded.fit(X, Y, epochs=5, batch_size=10, rng=7, verbose=0)
    assert first.history == second.history and len(second.history["loss"]) == 5
    assert all(np.array_equal(a, b) for a, b in zip(model.params, loaded.params))
    assert np.array_equal(model.layers[1].mask, loaded.layers[1].mask)  # the last batch's mask
    assert dropout_states(loaded) == dropout_states(model)


def test_the_equal_histories_depend_on_the_saved_dropout_generator(tmp_path):
    """The control for the test above: a loaded model whose dropout generator is not the saved one diverges."""
    model = regularized(0.5, "l2")
    save_model(model, tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    loaded.layers[1].rng = np.random.default_rng(0)
    first = model.fit(X, Y, epochs=5, batch_size=10, rng=7, verbose=0)
    second = loaded.fit(X, Y, epochs=5, batch_size=10, rng=7, verbose=0)
    assert first.history["loss"][0] != second.history["loss"][0]


def test_an_uncompiled_model_with_dropout_loads_uncompiled(tmp_path):
    model = Sequential([Dense(3, "tanh", input_dim=2, rng=0, kernel_regularizer=L1(0.1)),
                        Dropout(0.5, rng=3, name="mid dropout"), Dense(1, rng=1)])
    save_model(model, tmp_path / "plain.npz")
    loaded = load_model(tmp_path / "plain.npz")
    assert loaded.loss is None and loaded.optimizer is None
    assert [repr(layer) for layer in loaded.layers] == ["Dense(2 -> 3, activation=Tanh)", "Dropout(rate=0.5)",
                                                        "Dense(3 -> 1, activation=Identity)"]
    assert loaded.layers[1].name == "mid dropout" and loaded.layers[0].kernel_regularizer == L1(0.1)
    assert dropout_states(loaded) == dropout_states(model) == [np.random.default_rng(3).bit_generator.state]
    assert np.array_equal(loaded.predict(X), model.predict(X))
    assert loaded.penalty() == model.penalty() == pytest.approx(0.1 * np.abs(model.layers[0].params["W"]).sum())
    H = np.tanh(X @ model.layers[0].params["W"])
    assert np.array_equal(loaded.layers[1](H), model.layers[1](H))  # the layer used alone: the same mask
    with pytest.raises(ValueError, match="compile the model first"):
        loaded.fit(X, Y)


def test_a_model_whose_first_layer_is_dropout_keeps_its_weights(tmp_path):
    model = Sequential([Dropout(0.2, rng=3, name="input dropout"), Dense(3, "tanh", rng=0, kernel_regularizer="l2"),
                        Dense(1, "sigmoid", rng=1)])
    model.compile(SGD(0.05, momentum=0.9), "binary_crossentropy")
    model.fit(X, Y, epochs=2, batch_size=10, rng=1, verbose=0)
    save_model(model, tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert [repr(layer) for layer in loaded.layers] == ["Dropout(rate=0.2)", "Dense(2 -> 3, activation=Tanh)",
                                                        "Dense(3 -> 1, activation=Sigmoid)"]
    assert np.array_equal(loaded.predict(X), model.predict(X))
    first = model.fit(X, Y, epochs=5, batch_size=10, rng=7, verbose=0)
    second = loaded.fit(X, Y, epochs=5, batch_size=10, rng=7, verbose=0)
    assert first.history == second.history


# ---- the file: format version 2, plain arrays and a description ------------------------------------------------


def test_the_file_holds_only_plain_arrays_and_a_json_description(tmp_path):
    model = trained("sgd")  # a name: Keras's default learning rate, 0.01
    save_model(model, tmp_path / "m.npz")
    config, arrays = read_file(tmp_path / "m.npz")
    assert sorted(arrays) == [f"layers.{i}.{k}" for i in range(3) for k in ("W", "b")]
    assert all(value.dtype.kind == "f" for value in arrays.values())
    assert FILE_VERSION == 2 and FILE_FORMAT == "nnlib.Sequential"
    assert (config["format"], config["version"], config["dtype"]) == ("nnlib.Sequential", 2, "float64")
    assert config["layers"][0] == {"class": "Dense", "config": {
        "units": 5, "activation": {"class": "LeakyReLU", "config": {"alpha": 0.2}}, "input_dim": 2, "name": "dense(5)",
        "kernel_regularizer": None}}
    assert config["layers"][2]["config"]["activation"] == {"class": "Sigmoid", "config": {}}
    assert config["generators"] == []  # no dropout layer, no generator (notebook 10)
    assert config["compile"] == {
        "loss": {"class": "BinaryCrossEntropy", "config": {"from_logits": False, "eps": 1e-7}},
        "metrics": ["accuracy", "mse"],
        "optimizer": {"class": "SGD", "numbers": {},
                      "config": {"lr": 0.01, "momentum": 0.0, "nesterov": False, "weight_decay": 0.0}},
    }
    assert np.array_equal(arrays["layers.1.W"], model.layers[1].params["W"])


def test_the_description_holds_the_rate_the_generator_and_the_regularizers(tmp_path):
    model = regularized(0.2, L1L2(0.002, 0.003))
    model.layers[2].kernel_regularizer = L1(0.01)
    model.layers[3].kernel_regularizer = L2(0.5)
    save_model(model, tmp_path / "m.npz")
    config, arrays = read_file(tmp_path / "m.npz")
    assert sorted(arrays) == [f"layers.{i}.{k}" for i in (0, 2, 3) for k in ("W", "b")] + [
        f"optimizer.{i}.{k}" for i in range(6) for k in ("m", "v")]
    layers = config["layers"]
    assert [layer["class"] for layer in layers] == ["Dense", "Dropout", "Dense", "Dense"]
    assert layers[0] == {"class": "Dense", "config": {
        "units": 8, "activation": {"class": "ReLU", "config": {}}, "input_dim": 2, "name": "hidden",
        "kernel_regularizer": {"class": "L1L2", "config": {"l1": 0.002, "l2": 0.003}}}}
    assert layers[2]["config"]["kernel_regularizer"] == {"class": "L1", "config": {"l1": 0.01}}
    assert layers[3]["config"]["kernel_regularizer"] == {"class": "L2", "config": {"l2": 0.5}}
    assert layers[1] == {"class": "Dropout", "config": {"rate": 0.2, "input_dim": 8, "rng": {"generator": 0},
                                                        "name": "drop"}}
    assert config["generators"] == [model.layers[1].rng.bit_generator.state]
    assert config["generators"][0]["bit_generator"] == "PCG64"
    assert load_model(tmp_path / "m.npz").layers[3].kernel_regularizer == L2(0.5)


def test_adam_step_count_is_a_number_in_the_description(tmp_path):
    model = trained("adam", epochs=2)  # 2 epochs of 4 batches
    save_model(model, tmp_path / "m.npz")
    config, arrays = read_file(tmp_path / "m.npz")
    assert arrays["optimizer.0.m"].shape == (2, 5)
    assert config["compile"]["optimizer"]["numbers"] == {f"{i}.step": 8 for i in range(6)}
    assert load_model(tmp_path / "m.npz").optimizer.state[5]["step"] == 8


def test_a_file_of_format_version_1_is_refused_with_the_versions(tmp_path):
    path = saved_then_edited(tmp_path, trained("adam", epochs=1), lambda c: c.update(version=1))
    with pytest.raises(ValueError, match=f"^path: {re.escape(repr(str(path)))} is not a valid model file: it is version "
                                         f"1 of the format; this nnlib reads version 2$"):
        load_model(path)


def test_a_dense_layer_described_without_kernel_regularizer_loads_without_one(tmp_path):
    """Notebook 09 saves models before notebook 10 gives Dense its kernel_regularizer: such a description still loads."""
    model = Sequential([Dense(5, "tanh", input_dim=2), Dense(4, "relu"), Dense(1, "sigmoid")])
    model.compile(SGD(0.05, momentum=0.9), "binary_crossentropy", ["accuracy"])
    model.fit(X, Y, epochs=3, batch_size=10, rng=1, verbose=0)

    def as_notebook_09(config):
        for layer in config["layers"]:
            assert layer["config"].pop("kernel_regularizer") is None
        assert all(set(layer["config"]) == {"units", "input_dim", "name", "activation"} for layer in config["layers"])

    loaded = load_model(saved_then_edited(tmp_path, model, as_notebook_09))
    assert [layer.kernel_regularizer for layer in loaded.layers] == [None, None, None]
    assert [repr(layer) for layer in loaded.layers] == [repr(layer) for layer in model.layers]
    assert np.array_equal(loaded.predict(X), model.predict(X)) and loaded.evaluate(X, Y) == model.evaluate(X, Y)
    assert loaded.penalty() == 0.0
    first = model.fit(X, Y, epochs=5, batch_size=10, rng=7, verbose=0)
    second = loaded.fit(X, Y, epochs=5, batch_size=10, rng=7, verbose=0)
    assert first.history == second.history


# ---- classes of one's own -----------------------------------------------------------------------------------


def test_a_learners_own_layer_that_describes_itself_is_saved_and_loaded(tmp_path, classes):
    class Affine(Layer):
        """y = x * scale + shift, per feature, with a fixed gain given to the constructor (a setting, not a weight)."""

        def __init__(self, gain=1.0, name=None):
            super().__init__(name=name)
            self.gain = gain

        def build(self, input_dim, rng=None):
            self.input_dim = input_dim
            self.params = {"scale": np.ones(input_dim, dtype=self.dtype), "shift": np.zeros(input_dim, dtype=self.dtype)}
            self.grads = {key: np.zeros_like(value) for key, value in self.params.items()}
            return input_dim

        def forward(self, x, training=True):
            self.x = x
            return self.gain * (x * self.params["scale"] + self.params["shift"])

        def backward(self, G):
            self.grads["scale"] = self.gain * (G * self.x).sum(axis=0)
            self.grads["shift"] = self.gain * G.sum(axis=0)
            return self.gain * G * self.params["scale"]

        def get_config(self):
            return {"gain": self.gain, "name": self.name}

    model = Sequential([Dense(6, "tanh", input_dim=2), Affine(gain=0.5, name="affine"), Dense(1, "sigmoid")])
    model.compile(Adam(0.01), "binary_crossentropy", ["accuracy"])
    model.fit(X, Y, epochs=3, batch_size=10, rng=1, verbose=0)
    assert not np.array_equal(model.layers[1].params["scale"], np.ones(6))  # trained
    save_model(model, tmp_path / "m.npz")
    config, arrays = read_file(tmp_path / "m.npz")
    assert config["layers"][1] == {"class": "Affine", "config": {"gain": 0.5, "name": "affine"}}
    assert {"layers.1.scale", "layers.1.shift"} <= set(arrays)
    loaded = load_model(tmp_path / "m.npz")
    assert type(loaded.layers[1]) is Affine and (loaded.layers[1].gain, loaded.layers[1].name) == (0.5, "affine")
    assert np.array_equal(loaded.layers[1].params["scale"], model.layers[1].params["scale"])
    assert np.array_equal(loaded.predict(X), model.predict(X))
    first = model.fit(X, Y, epochs=3, batch_size=10, rng=7, verbose=0)
    second = loaded.fit(X, Y, epochs=3, batch_size=10, rng=7, verbose=0)
    assert first.history == second.history

    del classes["Affine"]  # a session where the class was not defined (or imported) before loading
    with pytest.raises(ValueError, match=f"^path: {re.escape(repr(str(tmp_path / 'm.npz')))} is not a valid model "
                                         r"file: layers\[1\] is a 'Affine', which is not a Layer class known here \(a "
                                         r"class of your own must be defined before loading\)$"):
        load_model(tmp_path / "m.npz")


class MyDropout(Dropout):
    pass


class MyDense(Dense):
    pass


class MyL2(L2):
    pass


class Swish(Sigmoid):
    pass


class MyAdam(Adam):
    pass


@pytest.mark.parametrize("build, own", [
    (lambda: Sequential([MyDense(4, "relu", input_dim=2), Dropout(0.2), Dense(1)]), lambda m: m.layers[0]),
    (lambda: Sequential([Dense(4, "relu", input_dim=2), MyDropout(0.2), Dense(1)]), lambda m: m.layers[1]),
    (lambda: Sequential([Dense(4, "relu", input_dim=2), Dropout(0.5), Dense(1, kernel_regularizer=MyL2(0.1))]),
     lambda m: m.layers[2].kernel_regularizer),
    (lambda: Sequential([Dense(4, Swish(), input_dim=2), Dense(1)]), lambda m: m.layers[0].activation),
    (lambda: Sequential([Dense(4, "relu", input_dim=2), Dense(1)]), lambda m: m.optimizer),
])
def test_subclasses_of_nnlibs_pieces_are_saved_as_themselves(tmp_path, build, own):
    """Every class is filed by name when defined (notebook 03): a subclass is saved and loaded as itself."""
    model = build().compile(MyAdam(0.01), "mse")
    model.fit(X, Y, epochs=1, batch_size=10, rng=0, verbose=0)
    save_model(model, tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert type(own(loaded)) is type(own(model)) and type(own(model)).__module__ == __name__
    assert type(loaded.optimizer) is MyAdam
    assert np.array_equal(loaded.predict(X), model.predict(X))
    first = model.fit(X, Y, epochs=2, batch_size=10, rng=7, verbose=0)
    second = loaded.fit(X, Y, epochs=2, batch_size=10, rng=7, verbose=0)
    assert first.history == second.history


# ---- what cannot be saved ------------------------------------------------------------------------------------


class MyPenalty:
    """A regularizer of the user's own: value and gradient, not a piece that describes itself."""

    def value(self, W):
        return 0.1 * np.sum(W ** 4)

    def gradient(self, W):
        return 0.4 * W ** 3


class _Hidden(Dense):
    """A class whose name starts with "_": not filed in nnlib.config.CLASSES."""


class WithATable(Layer):
    """A layer whose description holds an array, which a JSON description cannot."""

    def __init__(self):
        super().__init__()
        self.table = np.ones(2)

    def forward(self, x, training=True):
        return x

    def backward(self, G):
        return G

    def get_config(self):
        return {"table": self.table}


@pytest.mark.parametrize("build, message", [
    (lambda: Sequential([Dense(4, "relu", input_dim=2), Scale(), Dense(1, "sigmoid")]),
     r"^layers\[1\] cannot be saved: Scale must define get_config\(\), returning the arguments that build it again "
     r"\(such as \{'units': 8\}\), to be saved$"),
    (lambda: Sequential([Dense(4, "relu", input_dim=2), Dropout(0.2), Dense(1), Scale()]),
     r"^layers\[3\] cannot be saved: Scale must define get_config\(\)"),
    (lambda: Sequential([Dense(4, "relu", input_dim=2, kernel_regularizer=MyPenalty()), Dense(1)]),
     r"^layers\[0\]\.kernel_regularizer cannot be saved: MyPenalty <.*> is not a number, a text, a list or a piece "
     r"that describes itself$"),
    (lambda: Sequential([_Hidden(4, "relu", input_dim=2), Dense(1)]),
     r"^layers\[0\] cannot be saved: _Hidden Dense\(2 -> 4, activation=ReLU\) is not a Layer of a class filed by name "
     r"in nnlib\.config\.CLASSES \(a class whose name starts with _ is not\)$"),
    (lambda: Sequential([Dense(4, "relu", input_dim=2), WithATable(), Dense(1)]),
     r"^layers\[1\]\.table cannot be saved: an array of shape \(2,\) and dtype float64 is not a number, a text, a list "
     r"or a piece that describes itself$"),
])
def test_layers_and_regularizers_that_do_not_describe_themselves_are_refused_before_writing(tmp_path, build, message):
    model = build().compile("adam", "mse")
    model.fit(X, Y, epochs=1, batch_size=10, rng=0, verbose=0)  # they train: only saving refuses them
    with pytest.raises(ValueError, match=message):
        save_model(model, tmp_path / "m.npz")
    assert not list(tmp_path.iterdir())  # nothing written, not even a temporary file


@pytest.mark.parametrize("build, error, message", [
    (lambda: Sequential([Dense(2, input_dim=2)]), TypeError, "path must be a file name .* ending in .npz; got int 3"),
    (lambda: Sequential([Dense(2)]), ValueError, r"no weights to save yet \(dense\(2\) not built\)"),
    (lambda: Sequential([Dense(1, "sigmoid", input_dim=2)]).compile("sgd", "binary_crossentropy", [lambda t, p: 0.0]),
     ValueError, r"^only named metrics \(accuracy, acc, mse, mean_squared_error\) can be saved; got the function "
                 r"'<lambda>'$"),
])
def test_what_cannot_be_saved_is_refused_before_writing(tmp_path, build, error, message):
    path = 3 if error is TypeError else tmp_path / "m.npz"
    with pytest.raises(error, match=message):
        save_model(build(), path)
    assert not list(tmp_path.iterdir())




# ---- paths and files that are not models ------------------------------------------------------------------


def test_saving_into_a_missing_folder_names_the_path_given_and_writes_nothing(tmp_path):
    with pytest.raises(FileNotFoundError,
                       match=r"^\[Errno 2\] path: '.*/missing/m\.npz' cannot be written there \(No such file or directory\)$"):
        save_model(trained("sgd", epochs=1), tmp_path / "missing" / "m.npz")
    assert not list(tmp_path.iterdir())


def test_a_path_without_the_npz_suffix_is_refused(tmp_path):
    model = trained("sgd", epochs=1)
    for call in (lambda path: save_model(model, path), load_model):
        with pytest.raises(ValueError, match=r"path must end in .npz .*; got '.*/m'"):
            call(tmp_path / "m")
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "missing.npz")


def test_files_that_are_not_models_are_refused_and_nothing_is_unpickled(tmp_path):
    np.savez(tmp_path / "weights.npz", W=np.zeros(3))
    with pytest.raises(ValueError, match="holds no model description"):
        load_model(tmp_path / "weights.npz")
    (tmp_path / "notes.npz").write_text("not a zip file")
    with pytest.raises(ValueError, match="is not a model file written by save_model"):
        load_model(tmp_path / "notes.npz")
    np.save(tmp_path / "single.npy", np.zeros(3))
    (tmp_path / "single.npy").rename(tmp_path / "single.npz")
    with pytest.raises(ValueError, match="is not a model file written by save_model"):
        load_model(tmp_path / "single.npz")
    np.savez(tmp_path / "pickled.npz", config=np.array([{"format": FILE_FORMAT}], dtype=object))
    with pytest.raises(ValueError, match="is not a model file written by save_model .*allow_pickle"):
        load_model(tmp_path / "pickled.npz")


# ---- damaged and foreign files ---------------------------------------------------------------------------------


def set_class(entry, name):
    entry["class"] = name


@pytest.mark.parametrize("edit_config, edit_arrays, message", [
    (lambda c: c.update(format="keras"), None, "is not a valid model file: its format is 'keras', not 'nnlib.Sequential'"),
    (lambda c: c["layers"][1]["config"]["activation"].update({"class": "Mish"}), None,
     r"is not a valid model file: layers\[1\]\.activation is a 'Mish', which is not a Describable class known here "
     r"\(a class of your own must be defined before loading\)"),
    (lambda c: c["layers"][0]["config"]["activation"]["config"].update(alpha=-1), None,
     "is not a valid model file: alpha must be > 0; got -1"),
    (lambda c: c["compile"]["optimizer"].update({"class": "Lion"}), None,
     "is not a valid model file: the optimizer is a 'Lion', which is not an Optimizer class known here"),
    (lambda c: c["compile"]["optimizer"]["config"].update(lr=-0.1), None, "is not a valid model file: lr must be > 0; got -0.1"),
    (lambda c: c["compile"]["loss"].update({"class": "os.system"}), None,
     "is not a valid model file: the loss is a 'os.system', which is not a Loss class known here"),
    (lambda c: c["compile"]["loss"].update({"class": "Dense"}), None,
     "is not a valid model file: the loss is a 'Dense', which is not a Loss class known here"),
    (lambda c: c.pop("layers"), None, "is not a complete model file: it has no 'layers'"),
    (None, lambda a: a.pop("layers.2.b"), "is not a complete model file: it has no 'layers.2.b'"),
    (None, lambda a: a.update({"layers.0.W": np.zeros((3, 5))}),
     r"is not a valid model file: weights\[0\] must have shape \(2, 5\); got \(3, 5\)"),
    (None, lambda a: a.update(extra=np.zeros(2)), "holds arrays this model does not use: extra$"),
])
def test_a_damaged_or_foreign_description_is_refused_with_its_reason(tmp_path, edit_config, edit_arrays, message):
    path = saved_then_edited(tmp_path, trained("adam", epochs=1), edit_config, edit_arrays)
    with pytest.raises(ValueError, match=f"^path: {re.escape(repr(str(path)))} {message}"):
        load_model(path)


@pytest.mark.parametrize("edit_config, message", [
    (lambda c: set_class(c["layers"][2], "Conv2D"),
     r"is not a valid model file: layers\[2\] is a 'Conv2D', which is not a Layer class known here \(a class of your "
     r"own must be defined before loading\)$"),
    (lambda c: c["layers"][1]["config"].pop("rate"),
     r"is not a valid model file: Dropout.__init__\(\) missing 1 required positional argument: 'rate'$"),
    (lambda c: c["layers"][1]["config"].update(rate=1.5), r"is not a valid model file: rate must be in \[0, 1\); got 1.5$"),
    (lambda c: c["generators"][0].update(bit_generator="Lion"),
     "is not a valid model file: a generator must be a PCG64 state; got .*'Lion'"),
    (lambda c: c["layers"][1]["config"].update(rng={"generator": 3}),
     r"is not a valid model file: layers\[1\]\.rng must number one of the file's 1 generators; got 3$"),
    (lambda c: c["layers"][1]["config"].update(rng={"generator": True}),
     r"is not a valid model file: layers\[1\]\.rng must number one of the file's 1 generators; got True$"),
    (lambda c: c.pop("generators"), "is not a complete model file: it has no 'generators'$"),
    (lambda c: set_class(c["layers"][0]["config"]["kernel_regularizer"], "L3"),
     r"is not a valid model file: layers\[0\]\.kernel_regularizer is a 'L3', which is not a Describable class known "
     r"here"),
    (lambda c: c["layers"][2]["config"]["kernel_regularizer"]["config"].update(l2=-1),
     "is not a valid model file: l2 must be >= 0; got -1$"),
    (lambda c: c["layers"][2]["config"]["kernel_regularizer"]["config"].update(l3=0.1),
     r"is not a valid model file: L2.__init__\(\) got an unexpected keyword argument 'l3'$"),
    (lambda c: c["layers"][0].update(extra=1),
     r"is not a valid model file: layers\[0\] must be described by \{'class': name, 'config': \{\.\.\.\}\}; got "),
    (lambda c: c["layers"][0].update(config=[1]), r"is not a valid model file: layers\[0\]'s config must be a dict; got \[1\]$"),
    (lambda c: c["layers"][0]["config"].update(units=[1, 2]),
     r"is not a valid model file: units must be an integer; got list \[1, 2\]$"),
])
def test_a_damaged_description_is_refused_naming_the_path(tmp_path, edit_config, message):
    path = saved_then_edited(tmp_path, regularized(0.2, L2(0.005), epochs=1), edit_config)
    with pytest.raises(ValueError, match=f"^path: {re.escape(repr(str(path)))} {message}"):
        load_model(path)


@pytest.mark.xfail(strict=True, reason="nnlib bug: a Dropout description without its 'rng' loads (from_config fills "
                   "rng=None, fresh entropy), so the loaded model's masks and a resumed training are not the saved "
                   "run's; version 1 refused it ('it has no 'rng''). load_model should refuse a description that "
                   "drops the generator (saving.py, _built/Dropout.get_config)")
def test_a_dropout_description_without_its_generator_is_refused(tmp_path):
    path = saved_then_edited(tmp_path, regularized(0.2, L2(0.005), epochs=1),
                             lambda c: c["layers"][1]["config"].pop("rng"))
    with pytest.raises(ValueError, match=f"^path: {re.escape(repr(str(path)))} is not a "):
        load_model(path)


def test_a_regularizer_given_by_name_in_a_description_is_built_from_the_name(tmp_path):
    """A description holds the constructor's arguments: a name is one (Dense(kernel_regularizer="l2"))."""
    path = saved_then_edited(tmp_path, regularized(0.2, L2(0.005), epochs=1),
                             lambda c: c["layers"][0]["config"].update(kernel_regularizer="l2"))
    loaded = load_model(path)
    assert loaded.layers[0].kernel_regularizer == L2(0.01) and loaded.layers[2].kernel_regularizer == L2(0.005)


def test_the_message_for_an_unknown_optimizer_class_reads_well(tmp_path):
    path = saved_then_edited(tmp_path, trained("adam", epochs=1), lambda c: c["compile"]["optimizer"].update(
        {"class": "Lion"}))
    with pytest.raises(ValueError, match="which is not an Optimizer class known here"):
        load_model(path)




# ---- generators: shared, and only numpy's default -------------------------------------------------------------------


def test_two_dropout_layers_continue_identically(tmp_path):
    model = Sequential([Dense(8, "relu", input_dim=2, kernel_regularizer=L2(0.005)), Dropout(0.2),
                        Dense(6, "tanh", kernel_regularizer=L1(0.01)), Dropout(0.5), Dense(1, "sigmoid")])
    model.compile(Adam(0.01), "binary_crossentropy", ["accuracy"])
    model.fit(X, Y, epochs=3, batch_size=10, rng=1, verbose=0)
    save_model(model, tmp_path / "m.npz")
    config, _ = read_file(tmp_path / "m.npz")
    assert [layer["config"]["rng"] for layer in config["layers"] if layer["class"] == "Dropout"] == [
        {"generator": 0}, {"generator": 0}]  # one generator (fit's), kept once
    loaded = load_model(tmp_path / "m.npz")
    assert loaded.layers[1].rng is loaded.layers[3].rng  # shared again
    assert np.array_equal(loaded.predict(X), model.predict(X)) and loaded.evaluate(X, Y) == model.evaluate(X, Y)
    first = model.fit(X, Y, epochs=5, batch_size=10, rng=7, verbose=0)
    second = loaded.fit(X, Y, epochs=5, batch_size=10, rng=7, verbose=0)
    assert first.history == second.history


@pytest.mark.parametrize("bit_generator", ["MT19937", "Philox", "SFC64"])
def test_a_model_trained_with_another_bit_generator_is_refused(tmp_path, bit_generator):
    model = Sequential([Dense(4, "relu", input_dim=2), Dropout(0.2), Dense(1, "sigmoid")])
    model.compile(Adam(0.01), "binary_crossentropy")
    model.fit(X, Y, epochs=1, batch_size=10, rng=np.random.Generator(getattr(np.random, bit_generator)(0)),
              verbose=0)
    with pytest.raises(ValueError, match=rf"^layers\[1\]\.rng draws from a {bit_generator} generator; only numpy's "
                                         rf"default, PCG64 \(np.random.default_rng\), can be saved$"):
        save_model(model, tmp_path / "m.npz")
    assert not list(tmp_path.iterdir())


def test_a_file_naming_a_numpy_function_as_bit_generator_changes_nothing(tmp_path):
    path = saved_then_edited(tmp_path, regularized(0.2, "l2", epochs=1),
                             lambda c: c["generators"][0].update(bit_generator="seed"))
    saved_state = np.random.get_state()  # numpy's global generator, which a model file must not touch
    try:
        with pytest.raises(ValueError) as refused:
            load_model(path)
        after = np.random.get_state()
        assert after[0] == saved_state[0] and np.array_equal(after[1], saved_state[1]) and after[2:] == saved_state[2:]
        assert re.match(f"path: {re.escape(repr(str(path)))} is not a valid model file: a generator must be a "
                        f"PCG64 state; got .*'seed'", str(refused.value))
    finally:
        np.random.set_state(saved_state)


# ---- a save that fails leaves the old file ----------------------------------------------------------------------


def test_an_interrupted_save_leaves_the_previous_file_and_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    save_model(trained("adam", epochs=1), path)
    before = path.read_bytes()
    model = trained("adam", epochs=2)
    savez = np.savez

    def interrupted(file, *args, **kwargs):
        file.write(b"PK\x03\x04 half a zip file")  # some bytes written, then the disk is full
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", interrupted)
    with pytest.raises(OSError, match="No space left on device"):
        save_model(model, path)
    assert path.read_bytes() == before and sorted(os.listdir(tmp_path)) == ["m.npz"]
    with pytest.raises(OSError, match="No space left on device"):
        save_model(model, tmp_path / "new.npz")  # no file before: none after
    assert sorted(os.listdir(tmp_path)) == ["m.npz"]
    monkeypatch.setattr(np, "savez", savez)
    assert np.array_equal(load_model(path).predict(X), trained("adam", epochs=1).predict(X))
    save_model(model, path)  # a save that succeeds replaces the file
    assert path.read_bytes() != before and sorted(os.listdir(tmp_path)) == ["m.npz"]
    assert np.array_equal(load_model(path).predict(X), model.predict(X))

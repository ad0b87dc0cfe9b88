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
from nnlib.data import blobs, moons
from nnlib.layers import Dense, Dropout, Layer
from nnlib.losses import CategoricalCrossEntropy
from nnlib.model import Sequential
from nnlib.optim import OPTIMIZERS, SGD, Adam
from nnlib.regularizers import L1, L1L2, L2
from nnlib.saving import FILE_FORMAT, FILE_VERSION, SCHEMA, ModelFileError, load_model, save_model
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
        "kernel_regularizer": None, "rng": None}}  # rng: none given, it draws from fit's generator
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
        "kernel_regularizer": {"class": "L1L2", "config": {"l1": 0.002, "l2": 0.003}}, "rng": None}}
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
            assert layer["config"].pop("kernel_regularizer") is None and layer["config"].pop("rng") is None
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
    with pytest.raises(ModelFileError, match=r"is not a model file written by save_model: 'config.npy' holds Python "
                                             r"objects \(a pickle\), which a model file never holds; it was not opened$") as refused:
        load_model(tmp_path / "pickled.npz")
    assert "allow_pickle" not in str(refused.value)  # never suggest loading it unsafely


# ---- damaged and foreign files ---------------------------------------------------------------------------------


def set_class(entry, name):
    entry["class"] = name


@pytest.mark.parametrize("edit_config, edit_arrays, message", [
    (lambda c: c.update(format="keras"), None, "is not a valid model file: its format is 'keras', not 'nnlib.Sequential'"),
    (lambda c: c["layers"][1]["config"]["activation"].update({"class": "Mish"}), None,
     r"is not a valid model file: layers\[1\]\.activation is a 'Mish', which is not a Describable class known here "
     r"\(a class of your own must be defined before loading\)"),
    (lambda c: c["layers"][0]["config"]["activation"]["config"].update(alpha=-1), None,
     r"is not a valid model file: layers\[0\]\.activation: alpha must be > 0; got -1"),
    (lambda c: c["compile"]["optimizer"].update({"class": "Lion"}), None,
     "is not a valid model file: the optimizer is a 'Lion', which is not an Optimizer class known here"),
    (lambda c: c["compile"]["optimizer"]["config"].update(lr=-0.1), None, "is not a valid model file: the optimizer: lr must be > 0; got -0.1"),
    (lambda c: c["compile"]["loss"].update({"class": "os.system"}), None,
     "is not a valid model file: the loss is a 'os.system', which is not a Loss class known here"),
    (lambda c: c["compile"]["loss"].update({"class": "Dense"}), None,
     "is not a valid model file: the loss is a 'Dense', which is not a Loss class known here"),
    (lambda c: c.pop("layers"), None, "is not a complete model file: it has no 'layers'"),
    (None, lambda a: a.pop("layers.2.b"), "is not a complete model file: it has no 'layers.2.b'"),
    (None, lambda a: a.update({"layers.0.W": np.zeros((3, 5))}),
     r"is not a valid model file: layers\.0\.W has shape \(3, 5\), but layers\[0\] as described makes it \(2, 5\)$"),
    (None, lambda a: a.update(extra=np.zeros(2)), "holds arrays this model does not use: extra$"),
])
def test_a_damaged_or_foreign_description_is_refused_with_its_reason(tmp_path, edit_config, edit_arrays, message):
    path = saved_then_edited(tmp_path, trained("adam", epochs=1), edit_config, edit_arrays)
    with pytest.raises(ValueError, match=f"^path: {re.escape(repr(str(path)))} {message}"):
        load_model(path)


@pytest.mark.parametrize("edit_config, message", [
    (lambda c: set_class(c["layers"][2], "Capsule"),
     r"is not a valid model file: layers\[2\] is a 'Capsule', which is not a Layer class known here \(a class of your "
     r"own must be defined before loading\)$"),
    (lambda c: c["layers"][1]["config"].pop("rate"),
     # Python's own message; Dropout.__init__ may carry another name (mutmut's trampolines rename the method)
     r"is not a valid model file: layers\[1\]: Dropout\.\S*__init__\S*\(\) missing 1 required positional argument: 'rate'$"),
    (lambda c: c["layers"][1]["config"].update(rate=1.5), r"is not a valid model file: layers\[1\]: rate must be in \[0, 1\); got 1.5$"),
    (lambda c: c["generators"][0].update(bit_generator="Lion"),
     r"is not a valid model file: generators\[0\]\.bit_generator must be 'PCG64'; got 'Lion'$"),
    (lambda c: c["layers"][1]["config"].update(rng={"generator": 3}),
     r"is not a valid model file: layers\[1\]\.rng must number one of the file's 1 generators; got 3$"),
    (lambda c: c["layers"][1]["config"].update(rng={"generator": True}),
     r"is not a valid model file: layers\[1\]\.rng must number one of the file's 1 generators; got True$"),
    (lambda c: c.pop("generators"), "is not a complete model file: it has no 'generators'$"),
    (lambda c: set_class(c["layers"][0]["config"]["kernel_regularizer"], "L3"),
     r"is not a valid model file: layers\[0\]\.kernel_regularizer is a 'L3', which is not a Describable class known "
     r"here"),
    (lambda c: c["layers"][2]["config"]["kernel_regularizer"]["config"].update(l2=-1),
     r"is not a valid model file: layers\[2\]\.kernel_regularizer: l2 must be >= 0; got -1$"),
    (lambda c: c["layers"][2]["config"]["kernel_regularizer"]["config"].update(l3=0.1),
     r"is not a valid model file: layers\[2\]\.kernel_regularizer: L2\.\S*__init__\S*\(\) got an unexpected keyword "
     r"argument 'l3'$"),
    (lambda c: c["layers"][0].update(extra=1),
     r"is not a valid model file: layers\[0\] must be described by \{'class': name, 'config': \{\.\.\.\}\}; got "),
    (lambda c: c["layers"][0].update(config=[1]), r"is not a valid model file: layers\[0\]'s config must be a dict; got \[1\]$"),
    (lambda c: c["layers"][0]["config"].update(units=[1, 2]),
     r"is not a valid model file: layers\[0\]: units must be an integer; got list \[1, 2\]$"),
])
def test_a_damaged_description_is_refused_naming_the_path(tmp_path, edit_config, message):
    path = saved_then_edited(tmp_path, regularized(0.2, L2(0.005), epochs=1), edit_config)
    with pytest.raises(ValueError, match=f"^path: {re.escape(repr(str(path)))} {message}"):
        load_model(path)


def test_a_dropout_description_without_its_generator_is_refused(tmp_path):
    """from_config would invent a fresh generator (rng=None): the loaded masks would not be the saved run's."""
    path = saved_then_edited(tmp_path, regularized(0.2, L2(0.005), epochs=1),
                             lambda c: c["layers"][1]["config"].pop("rng"))
    with pytest.raises(ModelFileError, match=f"^path: {re.escape(repr(str(path)))} is not a valid model file: "
                                             r"layers\[1\] is described without 'rng', which Dropout.get_config\(\) "
                                             r"gives: the description is incomplete$"):
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
        assert str(refused.value) == (f"path: {str(path)!r} is not a valid model file: generators[0].bit_generator "
                                      f"must be 'PCG64'; got 'seed'")
    finally:
        np.random.set_state(saved_state)


# ---- a save that fails leaves the old file ----------------------------------------------------------------------


def test_an_interrupted_save_leaves_the_previous_file_and_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    save_model(trained("adam", epochs=1), path)
    before = path.read_bytes()
    model = trained("adam", epochs=2)
    write_array = np.lib.format.write_array

    def interrupted(file, *args, **kwargs):  # the first array of the file
        file.write(b"\x93NUMPY half an array")  # some bytes written, then the disk is full
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np.lib.format, "write_array", interrupted)
    with pytest.raises(OSError, match="No space left on device"):
        save_model(model, path)
    assert path.read_bytes() == before and sorted(os.listdir(tmp_path)) == ["m.npz"]
    with pytest.raises(OSError, match="No space left on device"):
        save_model(model, tmp_path / "new.npz")  # no file before: none after
    assert sorted(os.listdir(tmp_path)) == ["m.npz"]
    monkeypatch.setattr(np.lib.format, "write_array", write_array)
    assert np.array_equal(load_model(path).predict(X), trained("adam", epochs=1).predict(X))
    save_model(model, path)  # a save that succeeds replaces the file
    assert path.read_bytes() != before and sorted(os.listdir(tmp_path)) == ["m.npz"]
    assert np.array_equal(load_model(path).predict(X), model.predict(X))


# ---- issue 27: nothing lost, nothing silent ---------------------------------------------------------------------
# Property tests (hypothesis) over the file format: a file cut anywhere, a byte changed anywhere, an array dropped
# or added, any field of the description edited. load_model either raises ModelFileError (a ValueError naming the
# file) and builds nothing, or returns a model that works; never another exception. derandomize: the same examples
# on every machine and every run, as every other number of this suite.

import errno
import io
import struct
import traceback
import zipfile

from hypothesis import HealthCheck, given, settings, strategies as st

PROPERTY = settings(max_examples=40, deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])
SCRATCH = None  # a folder of the module's own (hypothesis runs many examples in one test: no tmp_path per example)


def scratch():
    global SCRATCH
    if SCRATCH is None:
        import tempfile
        SCRATCH = tempfile.mkdtemp(prefix="nnlib-saving-")
    return SCRATCH


def reference():
    """(bytes of a saved file, the model, its predictions): 2 -> Dense 4 tanh (L2) -> Dropout -> Dense 1 sigmoid, Adam."""
    if not hasattr(reference, "cached"):
        model = Sequential([Dense(4, "tanh", input_dim=2, kernel_regularizer=L2(0.01)), Dropout(0.2), Dense(1, "sigmoid")])
        model.compile(Adam(0.01), "binary_crossentropy", ["accuracy"])
        model.fit(X, Y, epochs=2, batch_size=20, rng=3, verbose=0)
        path = os.path.join(scratch(), "reference.npz")
        save_model(model, path)
        with open(path, "rb") as file:
            reference.cached = file.read(), model, model.predict(X)
    return reference.cached


def load_bytes(content, name="probe.npz"):
    """load_model of a file holding content: the model, or the ModelFileError it raised."""
    path = os.path.join(scratch(), name)
    with open(path, "wb") as file:
        file.write(content)
    try:
        return load_model(path)
    except ModelFileError as error:
        assert error.path == path and str(error).startswith(f"path: {path!r} ")
        assert "allow_pickle" not in str(error)
        return error


def entries(content):
    """{name: array} of a file's entries, config included, read with numpy (what a hand-editor would do)."""
    with np.load(io.BytesIO(content), allow_pickle=False) as contents:
        return {key: contents[key] for key in contents.files}


def written(arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def own_error(error):
    """error is a TypeError or ValueError that nnlib raised itself (its innermost frame is nnlib's), not numpy's."""
    frame = traceback.extract_tb(error.__traceback__)[-1]
    return isinstance(error, (TypeError, ValueError)) and f"{os.sep}nnlib{os.sep}" in frame.filename


def works(model):
    """A loaded model that is whole: it predicts, and (compiled) it trains one epoch, or its fit refuses the settings
    with nnlib's own message (an edit may make a loss that does not fit the last activation), or says it diverged."""
    assert isinstance(model, Sequential) and model.layers and all(layer.built for layer in model.layers)
    with np.errstate(all="ignore"):
        assert model.predict(X).shape == (len(X), 1)
        if model.loss is not None:
            try:
                model.fit(X, Y, epochs=1, batch_size=20, rng=0, verbose=0)
            except (TypeError, ValueError) as error:
                assert own_error(error), error


@PROPERTY
@given(st.data())
def test_a_file_cut_anywhere_is_refused(data):
    content = reference()[0]
    cut = data.draw(st.integers(0, len(content) - 1), label="bytes kept")
    assert isinstance(load_bytes(content[:cut]), ModelFileError)


@PROPERTY
@given(st.data())
def test_a_byte_changed_anywhere_is_refused_or_changes_nothing(data):
    """Every entry's data is checked by its CRC-32; a changed byte of the zip's bookkeeping that zipfile ignores (a
    timestamp, the attributes) changes nothing."""
    content, _, predictions = reference()
    where = data.draw(st.integers(0, len(content) - 1), label="position")
    flipped = bytearray(content)
    flipped[where] ^= data.draw(st.integers(1, 255), label="xor")
    result = load_bytes(bytes(flipped))
    if not isinstance(result, ModelFileError):
        assert np.array_equal(result.predict(X), predictions)


@PROPERTY
@given(st.data())
def test_an_array_dropped_or_added_is_refused(data):
    arrays = entries(reference()[0])
    if data.draw(st.booleans(), label="drop"):
        arrays.pop(data.draw(st.sampled_from(sorted(arrays)), label="dropped"))
    else:
        name = data.draw(st.sampled_from(["layers", "optimizer", "extra"]) | st.text(min_size=1, max_size=12),
                         label="prefix")
        index = data.draw(st.integers(0, 9), label="index")
        key = data.draw(st.sampled_from(["W", "b", "m", "v", "step", "s"]), label="key")
        full = f"{name}.{index}.{key}" if name in ("layers", "optimizer", "extra") else name
        if full in arrays or "/" in full or "\x00" in full:
            return
        shape = data.draw(st.lists(st.integers(1, 4), max_size=2), label="shape")
        arrays[full] = np.full(shape, 0.5)
    assert isinstance(load_bytes(written(arrays)), ModelFileError)


JSON = st.recursive(st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False, allow_infinity=False)
                    | st.text(max_size=12), lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                        st.text(max_size=8), inner, max_size=3), max_leaves=6)


def paths(value, path=()):
    """Every place in a JSON value: the tuple of keys and indices that leads there."""
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, path + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += paths(item, path + (i,))
    return found


@settings(PROPERTY, max_examples=60)
@given(st.data())
def test_any_field_of_the_description_edited_is_refused_or_loads_a_whole_model(data):
    arrays = entries(reference()[0])
    config = json.loads(str(arrays["config"]))
    path = data.draw(st.sampled_from(paths(config)[1:]), label="field")
    target = config
    for step in path[:-1]:
        target = target[step]
    if data.draw(st.booleans(), label="remove") and isinstance(target, dict):
        target.pop(path[-1])
    else:
        target[path[-1]] = data.draw(JSON, label="new value")
    arrays["config"] = np.array(json.dumps(config))
    result = load_bytes(written(arrays))
    if not isinstance(result, ModelFileError):
        works(result)


def test_a_file_changed_by_the_examples_above_with_every_kind_of_damage_names_what_is_wrong(tmp_path):
    """The messages the properties above only check the type of, one of each class, read as a learner reads them."""
    content, model, _ = reference()
    cases = {
        "cut.npz": (content[: len(content) // 2], "is not a model file written by save_model: it is not a zip archive "
                                                  "of arrays \\(cut short, or another kind of file\\)$"),
        "text.npz": (b"x1,x2,label\n1,2,0\n", "is not a model file written by save_model: it is not a zip archive"),
        "random.npz": (bytes(np.random.default_rng(0).integers(0, 256, 3000, dtype=np.uint8)),
                       "is not a model file written by save_model: it is not a zip archive"),
    }
    flipped = bytearray(content)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        info = archive.getinfo("layers.0.W.npy")
    name_length, extra_length = struct.unpack("<HH", content[info.header_offset + 26:info.header_offset + 30])
    flipped[info.header_offset + 30 + name_length + extra_length + info.file_size - 3] ^= 0x40  # in W's last number
    cases["flipped.npz"] = (bytes(flipped), "is not a model file written by save_model: it is damaged, cut short or "
                                            "changed after it was written \\(Bad CRC-32 for file 'layers.0.W.npy'\\)$")
    for name, (damaged, message) in cases.items():
        (tmp_path / name).write_bytes(damaged)
        with pytest.raises(ModelFileError, match=f"^path: {re.escape(repr(str(tmp_path / name)))} {message}"):
            load_model(tmp_path / name)
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("config", "not an array")  # a zip whose config entry is not an array
    (tmp_path / "entry.npz").write_bytes(zipped.getvalue())
    with pytest.raises(ModelFileError, match=r"it holds 'config', which save_model never writes$"):
        load_model(tmp_path / "entry.npz")


EDITS = {  # a hand-edited description, and what load_model says about it (after "is not a valid model file: ")
    "layers is {}": (lambda c: c.update(layers={}), r"layers must be a list of 1 to 10000 entries; got \{\}"),
    "units 10^30": (lambda c: c["layers"][0]["config"].update(units=10**30),
                    r"layers\[0\]\.units is 1e\+30, beyond the largest whole number a description holds "
                    r"\(9007199254740992\)"),
    "units 10^9": (lambda c: c["layers"][0]["config"].update(units=10**9),
                   r"layers\.0\.W has shape \(2, 4\), but layers\[0\] as described makes it \(2, 1000000000\)"),
    "dtype garbage": (lambda c: c.update(dtype="garbage"), r"dtype must be 'float32' or 'float64'; got 'garbage'"),
    "step three": (lambda c: c["compile"]["optimizer"]["numbers"].update({"0.step": "three"}),
                   r"the optimizer's numbers must map 'i\.name' to a number; got '0\.step': 'three'"),
    "step null": (lambda c: c["compile"]["optimizer"]["numbers"].update({"0.step": None}),
                  r"the optimizer's numbers must map 'i\.name' to a number; got '0\.step': None"),
    "step -1": (lambda c: c["compile"]["optimizer"]["numbers"].update({"0.step": -1}),
                r"the optimizer: state\[0\]\['step'\] must be >= 1; got -1"),
    "step 2.5": (lambda c: c["compile"]["optimizer"]["numbers"].update({"0.step": 2.5}),
                 r"the optimizer: state\[0\]\['step'\] must be an integer; got float 2\.5"),
    "no step": (lambda c: c["compile"]["optimizer"]["numbers"].pop("0.step"),
                r"the optimizer: state\[0\] of Adam\(.*\) holds step, m, v; got m, v"),
    "NaN lr": (lambda c: c["compile"]["optimizer"]["config"].update(lr="NaN"), r"the optimizer: lr must be a real "
                                                                                r"number; got str 'NaN'"),
    "a key twice": (None, r"its description gives the key 'dtype' twice"),
    "Infinity": (None, r"its description holds Infinity, which is not a finite number"),
    "an unknown key": (lambda c: c.update(weights=[1, 2]), r"the description has keys this nnlib does not know: "
                                                          r"\['weights'\]"),
    "initialised 1": (lambda c: c.update(initialised=1), r"initialised must be true or false; got 1"),
    "metric garbage": (lambda c: c["compile"].update(metrics=["f1"]), r"compile\.metrics\[0\] must be 'accuracy' or "),
    "nested deep": (lambda c: c["layers"][0]["config"].update(name=[[[[[[[[[[[[[[[[[[[[[["x"]]]]]]]]]]]]]]]]]]]]]]),
                    r"layers\[0\]\.name\[0\].* is nested more than 20 deep"),
}


@pytest.mark.parametrize("edit, message", EDITS.values(), ids=EDITS)
def test_a_hand_edited_description_is_checked_against_the_schema_before_anything_is_built(tmp_path, monkeypatch,
                                                                                          edit, message):
    arrays = entries(reference()[0])
    config = json.loads(str(arrays["config"]))
    if edit is not None:
        edit(config)
    text = json.dumps(config)
    if edit is None and "twice" in message:
        text = text.replace('"dtype": "float64"', '"dtype": "float64", "dtype": "float64"')
    elif edit is None:
        text = text.replace('"lr": 0.01', '"lr": Infinity')
    arrays["config"] = np.array(text)
    (tmp_path / "edited.npz").write_bytes(written(arrays))
    built, build = [], Dense.build
    monkeypatch.setattr(Dense, "build", lambda self, input_dim, rng=None: built.append(self) or build(self, input_dim, rng))
    with pytest.raises(ModelFileError, match=f"is not a valid model file: {message}"):
        load_model(tmp_path / "edited.npz")
    if "units" in message or "dtype" in message:
        assert built == []  # refused before any weight was made


@pytest.mark.parametrize("dtype, fill", [("complex128", 1 + 2j), ("bool", True), ("datetime64[s]", 0),
                                         ("int64", 1), ("float32", 1.0), (">f8", 1.0)])
def test_weights_of_another_dtype_are_refused_not_converted(tmp_path, dtype, fill):
    arrays = entries(reference()[0])
    arrays["layers.2.b"] = np.full(1, fill).astype(dtype)
    (tmp_path / "typed.npz").write_bytes(written(arrays))
    with pytest.raises(ModelFileError, match=rf"is not a valid model file: layers\.2\.b is an array of "
                                             rf"{re.escape(str(np.dtype(dtype)))}; the arrays of a float64 model are "
                                             rf"float64$"):
        load_model(tmp_path / "typed.npz")


@pytest.mark.parametrize("name, value", [("layers.0.W", np.nan), ("layers.2.b", np.inf), ("optimizer.3.v", -np.inf)])
def test_weights_that_are_not_finite_are_refused_with_the_array_named(tmp_path, name, value):
    arrays = entries(reference()[0])
    arrays[name] = arrays[name].copy()
    arrays[name].flat[-1] = value
    index = tuple(int(i) for i in np.unravel_index(arrays[name].size - 1, arrays[name].shape))
    (tmp_path / "nan.npz").write_bytes(written(arrays))
    with pytest.raises(ModelFileError, match=rf"is not a valid model file: {re.escape(name)} holds {value} at index "
                                             rf"{re.escape(str(index))}: a model's numbers must be finite$"):
        load_model(tmp_path / "nan.npz")


def test_a_negative_average_of_squares_is_refused(tmp_path):
    arrays = entries(reference()[0])
    arrays["optimizer.0.v"] = -np.abs(arrays["optimizer.0.v"]) - 1
    (tmp_path / "v.npz").write_bytes(written(arrays))
    with pytest.raises(ModelFileError, match=r"state\[0\]\['v'\] must hold no negative numbers \(it averages squares\)"):
        load_model(tmp_path / "v.npz")


def test_a_model_whose_weights_are_not_finite_is_not_saved_and_the_old_file_stays(tmp_path):
    model = trained("adam", epochs=1)
    save_model(model, tmp_path / "m.npz")
    before = (tmp_path / "m.npz").read_bytes()
    model.layers[1].params["b"][2] = np.nan
    with pytest.raises(ValueError, match=r"^layers\.1\.b holds nan at index \(2,\): a model whose numbers are not "
                                         r"finite cannot be saved \(did training diverge\?\)$"):
        save_model(model, tmp_path / "m.npz")
    model.layers[1].params["b"][2] = 0.0
    model.optimizer.state[0]["v"][0, 0] = np.inf
    with pytest.raises(ValueError, match=r"^optimizer\.0\.v holds inf at index \(0, 0\)"):
        save_model(model, tmp_path / "m.npz")
    assert (tmp_path / "m.npz").read_bytes() == before and os.listdir(tmp_path) == ["m.npz"]


def test_the_schema_names_every_key_save_model_writes(tmp_path):
    config, _ = read_file(saved_then_edited(tmp_path, reference()[1]))
    assert set(config) == {key.rstrip("?") for key in SCHEMA}
    assert set(config["compile"]) == set(SCHEMA["compile"][1]) and config["initialised"] is True


# ---- a model saved before its first fit resumes like the original ----------------------------------------------


def unfitted():
    model = Sequential([Dense(5, "tanh", input_dim=2), Dropout(0.3), Dense(1, "sigmoid")])
    return model.compile(Adam(0.01), "binary_crossentropy")


def test_a_model_saved_before_its_first_fit_draws_its_weights_at_its_first_fit_like_the_original(tmp_path):
    """The original's first fit draws every weight from fit's seed (notebook 08); so does the loaded copy's."""
    model = unfitted()
    save_model(model, tmp_path / "m.npz")
    config, _ = read_file(tmp_path / "m.npz")
    assert config["initialised"] is False
    loaded = load_model(tmp_path / "m.npz")
    assert np.array_equal(loaded.predict(X), model.predict(X))  # the same weights until then
    first = model.fit(X, Y, epochs=3, batch_size=10, rng=4, verbose=0)
    second = loaded.fit(X, Y, epochs=3, batch_size=10, rng=4, verbose=0)
    assert first.history == second.history
    assert all(np.array_equal(a, b) for a, b in zip(model.params, loaded.params))
    fitted = load_model(saved_then_edited(tmp_path, model))  # saved after: it keeps its weights
    assert np.array_equal(fitted.predict(X), model.predict(X)) and fitted._initialised


def test_a_file_without_the_initialised_key_is_read_as_a_fitted_model(tmp_path):
    """Files of format 2 written before issue 27 have no "initialised": their weights are kept, as they were."""
    loaded = load_model(saved_then_edited(tmp_path, unfitted(), lambda c: c.pop("initialised")))
    before = loaded.get_weights()
    loaded.compile(SGD(1e-12), "binary_crossentropy").fit(X, Y, epochs=1, batch_size=60, rng=9, verbose=0)
    assert all(np.allclose(a, b, atol=1e-9) for a, b in zip(before, loaded.get_weights()))


def test_a_seeded_layer_saved_before_its_first_fit_keeps_its_weights_like_the_original(tmp_path):
    model = Sequential([Dense(5, "tanh", input_dim=2, rng=0), Dense(1, "sigmoid", rng=1)])
    model.compile(Adam(0.01), "binary_crossentropy")
    save_model(model, tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert [layer.rng.bit_generator.state for layer in loaded.layers] == [
        layer.rng.bit_generator.state for layer in model.layers]  # loading drew nothing from them
    first = model.fit(X, Y, epochs=2, batch_size=10, rng=4, verbose=0)
    second = loaded.fit(X, Y, epochs=2, batch_size=10, rng=4, verbose=0)
    assert first.history == second.history
    assert all(np.array_equal(a, b) for a, b in zip(model.params, loaded.params))


# ---- where the file goes: folders, full and read-only disks, modes ------------------------------------------------


def test_saving_onto_a_folder_says_so_and_writes_nothing(tmp_path):
    (tmp_path / "models.npz").mkdir()
    with pytest.raises(IsADirectoryError, match=r"^\[Errno 21\] path: '.*/models\.npz' is a folder; give a file name "
                                                r"in it, such as '.*/models\.npz/model\.npz'$"):
        save_model(trained("sgd", epochs=1), tmp_path / "models.npz")
    assert os.listdir(tmp_path) == ["models.npz"] and not os.listdir(tmp_path / "models.npz")


def test_a_read_only_folder_names_the_path_and_the_reason(tmp_path, monkeypatch):
    import tempfile

    def refused(**kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refused)  # as root, a chmod would not stop the test
    with pytest.raises(PermissionError, match=r"^\[Errno 13\] path: '.*/m\.npz' cannot be written there \(Permission "
                                              r"denied\)$"):
        save_model(trained("sgd", epochs=1), tmp_path / "m.npz")


def test_a_new_file_gets_the_usual_mode_and_a_replaced_file_keeps_its_own(tmp_path):
    mask = os.umask(0o022)
    try:
        save_model(trained("sgd", epochs=1), tmp_path / "m.npz")
        assert (tmp_path / "m.npz").stat().st_mode & 0o777 == 0o644  # not mkstemp's private 0600
        os.chmod(tmp_path / "m.npz", 0o640)
        save_model(trained("sgd", epochs=1), tmp_path / "m.npz")
        assert (tmp_path / "m.npz").stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(mask)


def test_reading_a_file_that_cannot_be_read_names_the_path(tmp_path, monkeypatch):
    save_model(trained("sgd", epochs=1), tmp_path / "m.npz")
    import builtins
    real_open = builtins.open

    def refused(file, *args, **kwargs):
        if str(file).endswith("m.npz"):
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", refused)
    with pytest.raises(PermissionError, match=r"^\[Errno 13\] path: '.*/m\.npz' cannot be read \(Permission denied\)$"):
        load_model(tmp_path / "m.npz")
    monkeypatch.setattr(builtins, "open", real_open)
    with pytest.raises(IsADirectoryError, match=r"^\[Errno 21\] path: '.*' cannot be read \(Is a directory\)$"):
        (tmp_path / "folder.npz").mkdir()
        load_model(tmp_path / "folder.npz")


# ---- a save that fails at any write leaves the old file, byte for byte ----------------------------------------------


class FailingFile:
    """The temporary file save_model writes, failing at its fail_at-th write (a full disk, or an interrupt)."""

    def __init__(self, file, fail_at, error):
        self.file, self.fail_at, self.error, self.writes = file, fail_at, error, 0

    def write(self, data):
        self.writes += 1
        if self.writes == self.fail_at:
            self.file.write(bytes(data)[: len(data) // 2])  # half of it reached the disk
            raise self.error
        return self.file.write(data)

    def __getattr__(self, name):
        return getattr(self.file, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.file.close()


def test_a_save_that_fails_at_any_write_leaves_the_old_file_byte_for_byte_and_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    save_model(trained("adam", epochs=1), path)
    before = path.read_bytes()
    model = trained("adam", epochs=2)
    fdopen, opened = os.fdopen, []

    def failing(fail_at, error):
        def open_failing(*args, **kwargs):
            opened.append(FailingFile(fdopen(*args, **kwargs), fail_at, error))
            return opened[-1]
        return open_failing

    monkeypatch.setattr(os, "fdopen", failing(None, None))
    save_model(model, tmp_path / "count.npz")  # a save that succeeds: how many writes it makes
    writes = opened[-1].writes
    os.unlink(tmp_path / "count.npz")
    assert writes > 10
    for fail_at in range(1, writes + 1):
        for error in (OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt(), MemoryError()):
            monkeypatch.setattr(os, "fdopen", failing(fail_at, error))
            with pytest.raises(type(error)) as raised:
                save_model(model, path)
            if isinstance(error, OSError):
                assert str(raised.value) == (f"[Errno 28] path: {str(path)!r} was not written; the old file, if any, "
                                             f"is as it was (No space left on device)")
            assert path.read_bytes() == before and os.listdir(tmp_path) == ["m.npz"], (fail_at, error)
    monkeypatch.setattr(os, "fdopen", fdopen)
    for step in ("fsync", "replace"):  # the disk refuses the flush, or the move
        def refuse(*args, **kwargs):
            raise OSError(errno.EIO, "Input/output error")
        with monkeypatch.context() as patched:
            patched.setattr(os, step, refuse)
            with pytest.raises(OSError, match=r"was not written; the old file, if any, is as it was \(Input/output "):
                save_model(model, path)
        assert path.read_bytes() == before and os.listdir(tmp_path) == ["m.npz"]
    save_model(model, path)
    assert np.array_equal(load_model(path).predict(X), model.predict(X))

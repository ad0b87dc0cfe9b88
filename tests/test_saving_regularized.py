"""nnlib.saving.save_model / load_model with notebook 10's layers: Dropout (its rate, and its generator's state, so
the masks continue identically) and Dense's kernel_regularizer (L1, L2, L1L2, or a name), in float64 and float32,
compiled with Adam and SGD with momentum. What cannot be saved, and files whose description is damaged, are
refused with a ValueError that says where; a file of notebook 09's format (no kernel_regularizer) still loads."""
import json
import re

import numpy as np
import pytest

from nnlib.data import moons
from nnlib.layers import Dense, Dropout, Layer
from nnlib.model import Sequential
from nnlib.optim import SGD, Adam
from nnlib.regularizers import L1, L1L2, L2
from nnlib.saving import load_model, save_model
from test_layer_contract import Scale  # a learner's layer: y = s * x

X, Y = moons(n=60, noise=0.2, rng=0)

REGULARIZERS = {  # what the model is given: what the loaded model has
    "L1": (L1(0.01), L1(0.01)),
    "L2": (L2(0.005), L2(0.005)),
    "L1L2": (L1L2(0.002, 0.003), L1L2(0.002, 0.003)),
    "name l2": ("l2", L2(0.01)),  # a name: Keras's strength, 0.01
}
OPTIMIZERS = {"Adam": lambda: Adam(0.01), "SGD momentum": lambda: SGD(0.05, momentum=0.9)}


def regularized(rate, regularizer, dtype="float64", optimizer="Adam", epochs=3):
    """2 -> Dense 8 relu (regularized) -> Dropout(rate) -> Dense 6 tanh (regularized) -> Dense 1 sigmoid, trained."""
    model = Sequential([Dense(8, "relu", input_dim=2, kernel_regularizer=regularizer, name="hidden"),
                        Dropout(rate, name="drop"),
                        Dense(6, "tanh", kernel_regularizer=regularizer),
                        Dense(1, "sigmoid")], dtype=dtype)
    model.compile(OPTIMIZERS[optimizer](), "binary_crossentropy", ["accuracy"])
    model.fit(X, Y, epochs=epochs, batch_size=10, rng=1, verbose=0)
    return model


def dropout_states(model):
    return [layer.rng.bit_generator.state for layer in model.layers if type(layer) is Dropout]


def data_loss(model):
    """The binary cross-entropy of the model's predictions on (X, Y), by hand, in float64."""
    p = model.predict(X).astype(np.float64)[:, 0]
    return float(-np.mean(Y * np.log(p) + (1 - Y) * np.log(1 - p)))


def penalty_by_hand(regularizer, weights):
    l1 = getattr(regularizer, "l1", 0.0)
    l2 = getattr(regularizer, "l2", 0.0)
    return sum(l1 * np.abs(W.astype(np.float64)).sum() + l2 * (W.astype(np.float64) ** 2).sum() for W in weights)


# ---- round trips ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
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


def test_the_description_holds_the_rate_the_generator_and_the_regularizers(tmp_path):
    model = regularized(0.2, L1L2(0.002, 0.003))
    model.layers[2].kernel_regularizer = L1(0.01)
    model.layers[3].kernel_regularizer = L2(0.5)
    save_model(model, tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as contents:
        config = json.loads(str(contents["config"]))
        assert sorted(contents.files) == ["config"] + [f"layers.{i}.{k}" for i in (0, 2, 3) for k in ("W", "b")] + [
            f"optimizer.{i}.{k}" for i in range(6) for k in ("m", "v")]
    layers = config["layers"]
    assert [layer["class"] for layer in layers] == ["Dense", "Dropout", "Dense", "Dense"]
    assert layers[0] == {"class": "Dense", "units": 8, "input_dim": 2, "name": "hidden",
                         "activation": {"class": "ReLU"},
                         "kernel_regularizer": {"class": "L1L2", "l1": 0.002, "l2": 0.003}}
    assert layers[2]["kernel_regularizer"] == {"class": "L1", "l1": 0.01}
    assert layers[3]["kernel_regularizer"] == {"class": "L2", "l2": 0.5}
    assert set(layers[1]) == {"class", "rate", "input_dim", "name", "rng"}
    assert (layers[1]["rate"], layers[1]["input_dim"], layers[1]["name"], layers[1]["rng"]) == (0.2, 8, "drop", 0)
    assert config["generators"] == [model.layers[1].rng.bit_generator.state]
    assert config["generators"][0]["bit_generator"] == "PCG64"
    assert load_model(tmp_path / "m.npz").layers[3].kernel_regularizer == L2(0.5)


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


# ---- what cannot be saved ------------------------------------------------------------------------------------

class MyDropout(Dropout):
    pass


class MyDense(Dense):
    pass


class MyPenalty:
    """A regularizer of the user's own: value and gradient, not one of nnlib's classes."""

    def value(self, W):
        return 0.1 * np.sum(W ** 4)

    def gradient(self, W):
        return 0.4 * W ** 3


class MyL2(L2):
    pass


@pytest.mark.parametrize("build, message", [
    (lambda: Sequential([Dense(4, "relu", input_dim=2), Scale(), Dense(1, "sigmoid")]),
     r"only Dense and Dropout layers can be saved; layers\[1\] is Scale"),
    (lambda: Sequential([Dense(4, "relu", input_dim=2), Dropout(0.2), Dense(1), Scale()]),
     r"only Dense and Dropout layers can be saved; layers\[3\] is Scale"),
    (lambda: Sequential([MyDense(4, "relu", input_dim=2), Dropout(0.2), Dense(1)]),
     r"only Dense and Dropout layers can be saved; layers\[0\] is MyDense"),
    (lambda: Sequential([Dense(4, "relu", input_dim=2), MyDropout(0.2), Dense(1)]),
     r"only Dense and Dropout layers can be saved; layers\[1\] is MyDropout"),
    (lambda: Sequential([Dense(4, "relu", input_dim=2, kernel_regularizer=MyPenalty()), Dense(1)]),
     r"only nnlib's own regularizers can be saved \(L1, L1L2, L2\); got MyPenalty"),
    (lambda: Sequential([Dense(4, "relu", input_dim=2), Dropout(0.5), Dense(1, kernel_regularizer=MyL2(0.1))]),
     r"only nnlib's own regularizers can be saved \(L1, L1L2, L2\); got MyL2"),
])
def test_layers_and_regularizers_of_ones_own_are_refused_before_writing(tmp_path, build, message):
    model = build().compile("adam", "mse")
    model.fit(X, Y, epochs=1, batch_size=10, rng=0, verbose=0)  # they train: only saving refuses them
    with pytest.raises(ValueError, match=message):
        save_model(model, tmp_path / "m.npz")
    assert not (tmp_path / "m.npz").exists()


# ---- damaged files -------------------------------------------------------------------------------------------

def saved_then_edited(tmp_path, model, edit_config):
    """model saved, its JSON description changed by edit_config, written to edited.npz (as test_model_io does)."""
    save_model(model, tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as contents:
        arrays = {key: contents[key] for key in contents.files}
    config = json.loads(str(arrays["config"]))
    edit_config(config)
    arrays["config"] = np.array(json.dumps(config))
    np.savez(tmp_path / "edited.npz", **arrays)
    return tmp_path / "edited.npz"


def set_class(entry, name):
    entry["class"] = name


@pytest.mark.parametrize("edit_config, message", [
    (lambda c: set_class(c["layers"][2], "Conv2D"), "is not a valid model file: unknown layer class 'Conv2D'; a model "
                                                    "file holds Dense and Dropout layers"),
    (lambda c: c["layers"][1].pop("rate"), "is not a complete model file: it has no 'rate'"),
    (lambda c: c["layers"][1].pop("rng"), "is not a complete model file: it has no 'rng'"),
    (lambda c: c["layers"][1].update(rate=1.5), r"is not a valid model file: rate must be in \[0, 1\); got 1.5"),
    (lambda c: c["generators"][0].update(bit_generator="Lion"),
     "is not a valid model file: a generator must be a PCG64 state; got .*'Lion'"),
    (lambda c: c["layers"][1].update(rng=3),
     "is not a valid model file: a Dropout layer's rng must number one of the 1 generators; got 3"),
    (lambda c: c.pop("generators"),
     "is not a valid model file: a Dropout layer's rng must number one of the 0 generators; got 0"),
    (lambda c: set_class(c["layers"][0]["kernel_regularizer"], "L3"),
     "is not a valid model file: unknown regularizer 'L3'; valid names: L1, L2, L1L2"),
    (lambda c: c["layers"][2]["kernel_regularizer"].update(l2=-1), "is not a valid model file: l2 must be >= 0"),
    (lambda c: c["layers"][2]["kernel_regularizer"].update(l3=0.1), "is not a valid model file: .*'l3'"),
    (lambda c: c["layers"][0].update(kernel_regularizer="l2"),
     "is not a valid model file: a regularizer is described by a dict with its 'class'; got 'l2'"),
])
def test_a_damaged_description_is_refused_naming_the_path(tmp_path, edit_config, message):
    path = saved_then_edited(tmp_path, regularized(0.2, L2(0.005), epochs=1), edit_config)
    with pytest.raises(ValueError, match=f"^path: {re.escape(repr(str(path)))} {message}"):
        load_model(path)


def test_a_file_of_notebook_09s_format_still_loads(tmp_path):
    model = Sequential([Dense(5, "tanh", input_dim=2), Dense(4, "relu"), Dense(1, "sigmoid")])
    model.compile(SGD(0.05, momentum=0.9), "binary_crossentropy", ["accuracy"])
    model.fit(X, Y, epochs=3, batch_size=10, rng=1, verbose=0)

    def as_notebook_09(config):
        for layer in config["layers"]:
            assert layer.pop("kernel_regularizer") is None
        assert all(set(layer) == {"class", "units", "input_dim", "name", "activation"} for layer in config["layers"])

    loaded = load_model(saved_then_edited(tmp_path, model, as_notebook_09))
    assert [layer.kernel_regularizer for layer in loaded.layers] == [None, None, None]
    assert [repr(layer) for layer in loaded.layers] == [repr(layer) for layer in model.layers]
    assert np.array_equal(loaded.predict(X), model.predict(X)) and loaded.evaluate(X, Y) == model.evaluate(X, Y)
    assert loaded.penalty() == 0.0
    first = model.fit(X, Y, epochs=5, batch_size=10, rng=7, verbose=0)
    second = loaded.fit(X, Y, epochs=5, batch_size=10, rng=7, verbose=0)
    assert first.history == second.history


# ---- generators: shared, and only numpy's default -------------------------------------------------------------------

def test_two_dropout_layers_continue_identically(tmp_path):
    model = Sequential([Dense(8, "relu", input_dim=2, kernel_regularizer=L2(0.005)), Dropout(0.2),
                        Dense(6, "tanh", kernel_regularizer=L1(0.01)), Dropout(0.5), Dense(1, "sigmoid")])
    model.compile(Adam(0.01), "binary_crossentropy", ["accuracy"])
    model.fit(X, Y, epochs=3, batch_size=10, rng=1, verbose=0)
    save_model(model, tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
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
    with pytest.raises(ValueError, match=rf"^layers\[1\] draws its masks from a {bit_generator} generator; only "
                                         rf"numpy's default, PCG64 \(np.random.default_rng\), can be saved$"):
        save_model(model, tmp_path / "m.npz")
    assert not (tmp_path / "m.npz").exists()


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

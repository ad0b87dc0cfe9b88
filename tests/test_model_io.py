"""nnlib.saving.save_model / load_model (notebook 09): an .npz file of plain arrays and a JSON description, from
which a model predicts identically and resumes training exactly; no pickle; every bad file refused clearly."""
import json

import numpy as np
import pytest

from nnlib.activations import ELU, LeakyReLU, ReLU, Sigmoid
from nnlib.data import blobs, moons
from nnlib.layers import Dense
from nnlib.losses import CategoricalCrossEntropy
from nnlib.model import Sequential
from nnlib.saving import FILE_FORMAT, FILE_VERSION, load_model, save_model
from nnlib.optim import OPTIMIZERS, Adam

X, Y = moons(n=60, noise=0.2, rng=0)


def trained(optimizer="adam", dtype="float64", epochs=3):
    model = Sequential([Dense(5, LeakyReLU(0.2), input_dim=2), Dense(4, ELU(0.5)), Dense(1, "sigmoid")], dtype=dtype)
    model.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy", "mse"])
    model.fit(X, Y, epochs=epochs, batch_size=16, rng=1, verbose=0)
    return model


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


def test_the_file_holds_only_plain_arrays_and_a_json_description(tmp_path):
    model = trained("sgd")  # a name: Keras's default learning rate, 0.01
    save_model(model, tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as contents:
        arrays = {key: contents[key] for key in contents.files}
    assert sorted(arrays) == ["config"] + [f"layers.{i}.{k}" for i in range(3) for k in ("W", "b")]
    assert all(value.dtype.kind in "fU" for value in arrays.values())
    config = json.loads(str(arrays["config"]))
    assert (config["format"], config["version"], config["dtype"]) == (FILE_FORMAT, FILE_VERSION, "float64")
    assert config["layers"][0] == {"class": "Dense", "units": 5, "input_dim": 2, "name": "dense(5)",
                                   "activation": {"class": "LeakyReLU", "alpha": 0.2}, "kernel_regularizer": None}
    assert config["generators"] == []  # no dropout layer, no generator (notebook 10)
    assert config["compile"] == {
        "loss": {"class": "BinaryCrossEntropy", "from_logits": False, "eps": 1e-7},
        "metrics": ["accuracy", "mse"],
        "optimizer": {"class": "SGD", "numbers": {},
                      "hyperparameters": {"lr": 0.01, "momentum": 0.0, "nesterov": False, "weight_decay": 0.0}},
    }
    assert np.array_equal(arrays["layers.1.W"], model.layers[1].params["W"])


def test_adam_step_count_is_a_number_in_the_description(tmp_path):
    model = trained("adam", epochs=2)  # 2 epochs of 4 batches
    save_model(model, tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as contents:
        numbers = json.loads(str(contents["config"]))["compile"]["optimizer"]["numbers"]
        assert contents["optimizer.0.m"].shape == (2, 5)
    assert numbers == {f"{i}.step": 8 for i in range(6)}
    assert load_model(tmp_path / "m.npz").optimizer.state[5]["step"] == 8


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


class Swish(Sigmoid):
    pass


class MyAdam(Adam):
    pass


@pytest.mark.parametrize("build, error, message", [
    (lambda: Sequential([Dense(2, input_dim=2)]), TypeError, "path must be a file name .* ending in .npz; got int 3"),
    (lambda: Sequential([Dense(2)]), ValueError, r"no weights to save yet \(dense\(2\) not built\)"),
    (lambda: Sequential([Dense(2, Swish(), input_dim=2)]), ValueError, "only nnlib's own activations .* got Swish"),
    (lambda: Sequential([Dense(1, "sigmoid", input_dim=2)]).compile("sgd", "binary_crossentropy", [lambda t, p: 0.0]),
     ValueError, "only named metrics .* got the function '<lambda>'"),
    (lambda: Sequential([Dense(1, "sigmoid", input_dim=2)]).compile(MyAdam(), "binary_crossentropy"),
     ValueError, "only nnlib's own optimizers .* got MyAdam"),
])
def test_what_cannot_be_saved_is_refused_before_writing(tmp_path, build, error, message):
    path = 3 if error is TypeError else tmp_path / "m.npz"
    with pytest.raises(error, match=message):
        save_model(build(), path)
    assert not (tmp_path / "m.npz").exists()


def test_a_path_without_the_npz_suffix_is_refused(tmp_path):
    model = trained("sgd", epochs=1)
    for call in (lambda path: save_model(model, path), load_model):
        with pytest.raises(ValueError, match=r"path must end in .npz .*; got '.*/m'"):
            call(tmp_path / "m")
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "missing.npz")


def saved_then_edited(tmp_path, edit_config=None, edit_arrays=None):
    save_model(trained("adam", epochs=1), tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as contents:
        arrays = {key: contents[key] for key in contents.files}
    config = json.loads(str(arrays["config"]))
    if edit_config:
        edit_config(config)
    if edit_arrays:
        edit_arrays(arrays)
    arrays["config"] = np.array(json.dumps(config))
    np.savez(tmp_path / "edited.npz", **arrays)
    return tmp_path / "edited.npz"


@pytest.mark.parametrize("edit_config, edit_arrays, message", [
    (lambda c: c.update(format="keras"), None, "not a valid model file: its format is 'keras', not 'nnlib.Sequential'"),
    (lambda c: c.update(version=2), None, "version 2 of the format; this nnlib reads version 1"),
    (lambda c: c["layers"][1]["activation"].update({"class": "Swish"}), None, "unknown activation .*'Swish'"),
    (lambda c: c["layers"][0]["activation"].update(alpha=-1), None, "alpha"),
    (lambda c: c["compile"]["optimizer"].update({"class": "Lion"}), None, "unknown optimizer .*'Lion'"),
    (lambda c: c["compile"]["optimizer"]["hyperparameters"].update(lr=-0.1), None, "lr"),
    (lambda c: c["compile"]["loss"].update({"class": "os.system"}), None, "unknown loss"),
    (lambda c: c.pop("layers"), None, "not a complete model file: it has no 'layers'"),
    (None, lambda a: a.pop("layers.2.b"), "not a complete model file: it has no 'layers.2.b'"),
    (None, lambda a: a.update({"layers.0.W": np.zeros((3, 5))}), r"weights\[0\] must have shape \(2, 5\); got \(3, 5\)"),
    (None, lambda a: a.update(extra=np.zeros(2)), "holds arrays this model does not use: extra"),
])
def test_a_damaged_or_foreign_description_is_refused_with_its_reason(tmp_path, edit_config, edit_arrays, message):
    path = saved_then_edited(tmp_path, edit_config, edit_arrays)
    with pytest.raises(ValueError, match=message):
        load_model(path)


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


def test_relu_model_saved_with_a_name_given_as_str(tmp_path):
    model = Sequential([Dense(2, ReLU(), input_dim=2, rng=0)])
    save_model(model, str(tmp_path / "relu.npz"))
    assert isinstance(load_model(str(tmp_path / "relu.npz")).layers[0].activation, ReLU)

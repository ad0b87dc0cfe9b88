"""nnlib.recipe (the appendix notebook): a playground run as data. Step, Name and File, run (executes steps) and code
(writes them as Python), code_of (a piece written from its description); Recipe's data, model and training, whose
code, executed in a fresh namespace, trains the very same weights bit for bit; its checks and problem(); and the input
features and CSV points it reads (features, read_points)."""
import contextlib
import io
import math

import numpy as np
import pytest

from nnlib import data as datasets
from nnlib.activations import LeakyReLU, Tanh
from nnlib.callbacks import History, LearningRateScheduler
from nnlib.layers import Dense, Dropout, Layer
from nnlib.losses import BinaryCrossEntropy
from nnlib.model import Sequential
from nnlib.optim import SGD, Adam, CosineDecay, ExponentialDecay, StepDecay
from nnlib.recipe import (DATASETS, FEATURE_SETTINGS, FEATURES, VALIDATION_POINTS, File, Name, Recipe, Step, code,
                          code_of, csv_header, features, read_points, run)
from nnlib.regularizers import L1, L1L2, L2

POINTS_CSV = "x1,x2,label\n" + "".join(  # 60 points of 3 classes, as a learner's file: a header, then x1,x2,label
    f"{a:.5f},{b:.5f},{label}\n" for (a, b), label in zip(
        np.array([[-1.0, 0.0], [1.0, 0.5], [0.0, -1.2]])[np.repeat([0, 1, 2], 20)]
        + 0.4 * np.random.default_rng(5).normal(size=(60, 2)), np.repeat([0, 1, 2], 20)))


def executed(text):
    """exec(text) in a fresh namespace, its print captured: (namespace, printed text)."""
    namespace, printed = {}, io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(text, namespace)
    return namespace, printed.getvalue()


def the_numbers(history):
    """The line the recipe's code prints at its end."""
    h = history.history
    return (f"epoch {history.epoch[-1]}: loss {h['loss'][-1]:.4f} training, {h['val_loss'][-1]:.4f} validation; error "
            f"{1 - h['accuracy'][-1]:.1%} training, {1 - h['val_accuracy'][-1]:.1%} validation\n")


# ---- Recipe: the code trains the very same model --------------------------------------------------------------

SETTINGS = {
    "the default circles": ({}, None),
    "circles, x1^2 and x2^2, no hidden layer": (dict(dataset="circles", x1_squared=True, x2_squared=True,
                                                     hidden_layers=0, epochs=100), None),
    "blobs, 4 classes, dropout, L2, adam, cosine": (dict(dataset="blobs", classes=4, dropout=0.2, l2=1e-3,
                                                         optimizer="adam", lr=0.01, schedule="cosine", epochs=60), None),
    "L1 and L2, momentum, a step schedule": (dict(l1=1e-3, l2=3e-3, optimizer="momentum", lr=0.1, schedule="step",
                                                  epochs=40), None),
    "an uploaded CSV file": (dict(dataset="points.csv", x1_x2=True, epochs=50), None),
    "xor, relu, batches of 10": (dict(dataset="xor", activation="relu", batch_size=10, epochs=30), None),
    "exponential schedule, sin features, adamw": (dict(sin_x1=True, sin_x2=True, x1=False, optimizer="adamw", lr=0.03,
                                                       schedule="exponential", epochs=30), None),
}


@pytest.mark.parametrize("settings", [pytest.param(settings, marks=pytest.mark.xfail(strict=True, reason=bug) if bug
                                                   else ()) for settings, bug in SETTINGS.values()], ids=list(SETTINGS))
def test_the_code_of_a_recipe_trains_the_same_weights_bit_for_bit(settings, tmp_path, monkeypatch):
    recipe = Recipe(files={"points.csv": POINTS_CSV.encode()}, **settings)
    epochs = recipe.settings["epochs"]
    data = recipe.data()
    model = recipe.model(data)
    assert model.history is None and model.optimizer is not None  # compiled, not trained
    env = run([recipe.fit_step(epochs)], {**data["variables"], "model": model})
    history = env["history"]
    assert history is model.history and history.epoch == list(range(1, epochs + 1))
    (tmp_path / "points.csv").write_bytes(POINTS_CSV.encode())  # where the code reads the uploaded file
    monkeypatch.chdir(tmp_path)
    namespace, printed = executed(recipe.code(epochs, data["n_classes"]))
    assert namespace["history"].epoch == history.epoch and namespace["history"].history == history.history
    weights, theirs = model.get_weights(), namespace["model"].get_weights()
    assert len(weights) == len(theirs) == 2 * sum(isinstance(layer, Dense) for layer in model.layers)
    assert all(a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b) for a, b in zip(weights, theirs))
    assert printed == the_numbers(history)
    assert recipe.code() == recipe.code(epochs, data["n_classes"])  # the defaults: the setting, the data's classes


def test_a_recipe_builds_the_network_its_settings_describe():
    recipe = Recipe(dataset="blobs", classes=4, hidden_layers=3, units=5, activation="leaky_relu", dropout=0.3,
                    l1=0.01, optimizer="nesterov", lr=0.03, epochs=20)
    data = recipe.data()
    assert data["n_classes"] == 4 and data["names"] == ["x1", "x2"] and data["train"] is data["X_train"]
    assert len(data["X_train"]) == 400 and len(data["X_val"]) == 1000 and set(data["variables"]) == {
        "X", "y", "X_train", "X_val", "y_train", "y_val"}
    model = recipe.model(data)
    assert [repr(layer) for layer in model.layers] == [
        "Dense(2 -> 5, activation=LeakyReLU)", "Dropout(rate=0.3)", "Dense(5 -> 5, activation=LeakyReLU)",
        "Dropout(rate=0.3)", "Dense(5 -> 5, activation=LeakyReLU)", "Dropout(rate=0.3)",
        "Dense(5 -> 4, activation=Softmax)"]
    assert all(layer.kernel_regularizer == L1(0.01) for layer in model.layers if isinstance(layer, Dense))
    assert repr(model.optimizer) == "SGD(lr=0.03, momentum=0.9, nesterov=True, weight_decay=0.0)"
    assert [name for name, _ in model.metrics] == ["accuracy"] and recipe.callbacks == []
    two = Recipe(x1_squared=True, sin_x2=True, hidden_layers=0)
    two_data = two.data()
    assert two_data["names"] == ["x1", "x2", "x1^2", "sin x2"] and two_data["n_classes"] == 2
    np.testing.assert_array_equal(two_data["train"], features(two_data["X_train"], ["x1", "x2", "x1^2", "sin x2"]))
    assert [repr(layer) for layer in two.model(two_data).layers] == ["Dense(4 -> 1, activation=Sigmoid)"]


# ---- Recipe: the points trained on and the points measured on -----------------------------------------------


def rows(X, y):
    """The labelled points as a sorted list of (x1, x2, label) tuples: a multiset, to compare sets of points."""
    return sorted(zip(X[:, 0].tolist(), X[:, 1].tolist(), y.tolist()))


GENERATED = {
    "the defaults": {},
    "20 points, seed 3": dict(points=20, seed=3),
    "1000 moons, noise 0.1": dict(dataset="moons", points=1000, noise=0.1),
    "50 blobs of 4 classes, seed 7": dict(dataset="blobs", classes=4, points=50, seed=7),
    "2 spirals, with a feature": dict(dataset="spirals", points=2, x1_squared=True),
    "xor, a file's share set": dict(dataset="xor", points=100, validation=0.9),
}


@pytest.mark.parametrize("settings", list(GENERATED.values()), ids=list(GENERATED))
def test_generated_data_train_on_points_and_measure_on_1000_more_from_one_draw(settings):
    recipe = Recipe(**settings)
    s, data = recipe.settings, recipe.data()
    n = s["points"]
    assert VALIDATION_POINTS == 1000
    assert data["X_train"].shape == (n, 2) and data["y_train"].shape == (n,)
    assert data["X_val"].shape == (1000, 2) and data["y_val"].shape == (1000,)
    X, y = data["variables"]["X"], data["variables"]["y"]  # the one draw the two sets come from
    assert X.shape == (n + 1000, 2) and len(set(map(tuple, X.tolist()))) == n + 1000  # noisy: no point twice
    # every drawn point in exactly one of the two sets: disjoint, and together the whole draw
    train, val = set(map(tuple, data["X_train"].tolist())), set(map(tuple, data["X_val"].tolist()))
    assert len(train) == n and len(val) == 1000 and not train & val
    assert rows(np.vstack([data["X_train"], data["X_val"]]), np.concatenate([data["y_train"], data["y_val"]])) == rows(
        X, y)
    # the draw is the data set's own, n + 1000 points of it from the seed (not two draws, nor a resampled one)
    extra = {"k": s["classes"], "spread": 1.5} if s["dataset"] == "blobs" else {}
    X_again, y_again = DATASETS[s["dataset"]](n=n + 1000, noise=s["noise"], rng=s["seed"], **extra)
    np.testing.assert_array_equal(X, X_again)
    np.testing.assert_array_equal(y, y_again)
    assert data["n_classes"] == (s["classes"] if s["dataset"] == "blobs" else 2)
    # the validation share is a file's: it changes nothing here
    other = Recipe(**{**settings, "validation": 0.2 if s["validation"] != 0.2 else 0.7}).data()
    for key in ("X_train", "X_val", "y_train", "y_val"):
        np.testing.assert_array_equal(other[key], data[key])


@pytest.mark.parametrize("share", [0.1, 0.3, 0.5, 0.9])
def test_a_file_holds_out_its_validation_share(share):
    files = {"points.csv": POINTS_CSV.encode()}
    data = Recipe(files=files, dataset="points.csv", validation=share).data()
    X, y = read_points(POINTS_CSV)
    held_out = math.ceil(share * 60)  # the share of the file's 60 points, rounded up
    assert len(X) == 60 and 0 < held_out < 60
    assert data["X_val"].shape == (held_out, 2) and data["X_train"].shape == (60 - held_out, 2)
    assert len(data["y_val"]) == held_out and len(data["y_train"]) == 60 - held_out
    train, val = set(map(tuple, data["X_train"].tolist())), set(map(tuple, data["X_val"].tolist()))
    assert not train & val  # disjoint, and together the file's points
    assert rows(np.vstack([data["X_train"], data["X_val"]]), np.concatenate([data["y_train"], data["y_val"]])) == rows(
        X, y)
    same = Recipe(files=files, dataset="points.csv", validation=share, points=20, noise=0.4).data()
    for key in ("X_train", "X_val", "y_train", "y_val"):  # points and noise are a generated set's: nothing changes
        np.testing.assert_array_equal(same[key], data[key])


def test_the_code_of_the_default_recipe_reads_as_a_learner_would_write_it():
    # 400 training points and VALIDATION_POINTS = 1000 more, drawn at once: 1400 points, 1000 of them held out
    assert Recipe().code() == """from nnlib.data import circles, train_test_split
from nnlib.layers import Dense
from nnlib.model import Sequential
from nnlib.optim import Adam

X, y = circles(n=1400, noise=0.2, rng=0)
X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=1000, rng=0)
model = Sequential([
    Dense(units=6, activation='tanh', input_dim=2),
    Dense(units=6, activation='tanh'),
    Dense(units=1, activation='sigmoid'),
])
model.compile(Adam(lr=0.03), 'binary_crossentropy', ['accuracy'])
history = model.fit(X_train, y_train, epochs=300, batch_size=None, validation_data=(X_val, y_val), rng=0, verbose=0)
h = history.history
print(f"epoch {history.epoch[-1]}: loss {h['loss'][-1]:.4f} training, {h['val_loss'][-1]:.4f} validation; error \
{1 - h['accuracy'][-1]:.1%} training, {1 - h['val_accuracy'][-1]:.1%} validation")"""


def test_the_code_with_features_and_a_schedule_imports_what_it_uses():
    text = Recipe(dataset="circles", x1_squared=True, x2_squared=True, hidden_layers=0, schedule="step",
                  epochs=100).code()
    assert text.splitlines()[:7] == [
        "from nnlib.callbacks import LearningRateScheduler", "from nnlib.data import circles, train_test_split",
        "from nnlib.layers import Dense", "from nnlib.model import Sequential", "from nnlib.optim import Adam, StepDecay",
        "from nnlib.recipe import features", ""]
    assert "inputs_train = features(X_train, ['x1', 'x2', 'x1^2', 'x2^2'])\n" in text
    assert "model = Sequential([Dense(units=1, activation='sigmoid', input_dim=4)])\n" in text
    assert ("history = model.fit(inputs_train, y_train, epochs=100, batch_size=None, validation_data=(inputs_val, "
            "y_val), rng=0, verbose=0, callbacks=[LearningRateScheduler(schedule=StepDecay(step_size=25, gamma=0.5))])"
            in text)


def test_a_run_that_goes_on_is_the_code_of_one_longer_fit():
    """fit_step(to, initial_epoch, rng, callbacks): the run so far, continued with its generator, equals the code's
    one fit to the last epoch (what the playground's step and play do)."""
    recipe = Recipe(dropout=0.2, batch_size=10, schedule="cosine", epochs=10)
    data = recipe.data()
    model, generator, history, done = recipe.model(data), np.random.default_rng(recipe.settings["seed"]), History(), 0
    for more in (10, 3, 5, 1):
        run([recipe.fit_step(done + more, initial_epoch=done, rng=generator, callbacks=[history])],
            {**data["variables"], "model": model})
        done += more
    assert history.epoch == list(range(1, 20))
    namespace, printed = executed(recipe.code(19))
    assert namespace["history"].history == history.history
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), namespace["model"].get_weights()))
    assert printed == the_numbers(history)
    step = recipe.fit_step(19, initial_epoch=10, rng=generator, callbacks=[history])
    assert step.kwargs["initial_epoch"] == 10 and step.kwargs["rng"] is generator
    assert step.kwargs["callbacks"] == [*recipe.callbacks, history] and "initial_epoch" not in recipe.fit_step(5).kwargs


# ---- Recipe: its pieces, checks and problems ----------------------------------------------------------------


def test_the_penalty_and_the_schedule_follow_the_settings():
    assert Recipe().penalty() is None and Recipe(l1=0.01).penalty() == L1(0.01) and Recipe(l2=0.03).penalty() == L2(0.03)
    assert Recipe(l1=0.001, l2=0.003).penalty() == L1L2(0.001, 0.003)
    assert Recipe().schedule() is None and Recipe().callbacks == []
    assert Recipe(schedule="step", epochs=300).schedule() == StepDecay(75, 0.5)
    assert Recipe(schedule="step", epochs=2).schedule() == StepDecay(1, 0.5)
    assert Recipe(schedule="exponential", epochs=100).schedule() == ExponentialDecay(round(0.01 ** (1 / 100), 6))
    assert Recipe(schedule="cosine", epochs=200, lr=0.3).schedule() == CosineDecay(200, lr_min=0.003)
    (callback,) = Recipe(schedule="cosine", epochs=200, lr=0.3).callbacks
    assert isinstance(callback, LearningRateScheduler) and callback.schedule == CosineDecay(200, lr_min=0.003)


def test_a_recipe_holds_every_setting_and_refuses_an_unknown_one():
    assert Recipe().settings == Recipe.DEFAULTS and list(Recipe.DEFAULTS)[:5] == ["dataset", "classes", "noise",
                                                                                   "points", "validation"]
    assert list(DATASETS) == ["moons", "xor", "circles", "spirals", "blobs"]
    assert set(FEATURE_SETTINGS) <= set(Recipe.DEFAULTS) and set(FEATURE_SETTINGS.values()) <= set(FEATURES)
    assert Recipe(units=5).settings == {**Recipe.DEFAULTS, "units": 5}
    with pytest.raises(ValueError, match=r"^unknown setting 'colour'; the settings are dataset, classes, noise, points, "
                                         r"validation, x1, x2, x1_squared, .*, epochs, batch_size, seed$"):
        Recipe(colour="red")
    with pytest.raises(ValueError, match=r"^unknown setting 'hidden'"):
        Recipe(hidden=3, units=4)


@pytest.mark.parametrize("settings, error, message", [
    (dict(dataset="iris"), ValueError, r"^dataset must be one of moons, xor, circles, spirals, blobs or the name of a "
                                       r"file in files; got 'iris'$"),
    (dict(classes=6), ValueError, r"^classes must be 2 to 5 \(the blobs' clusters\); got 6$"),
    (dict(x1="yes"), TypeError, r"^x1 must be True or False \(use the feature or not\); got str 'yes'$"),
    (dict(units=0), ValueError, "^units must be >= 1; got 0$"),
    (dict(hidden_layers=2.5), TypeError, "^hidden_layers must be an integer; got float 2.5$"),
    (dict(lr=0), ValueError, "^lr must be > 0; got 0$"),
    (dict(validation=0.0), ValueError, "^validation must be a share above 0"),
    (dict(activation="softmaxx"), ValueError, "^unknown activation 'softmaxx'"),
    (dict(optimizer="lion"), ValueError, "^optimizer must be one of sgd, momentum, nesterov, adagrad, rmsprop, adam, "
                                         "adamw; got 'lion'$"),
    (dict(schedule="linear"), ValueError, "^schedule must be constant, step, exponential or cosine; got 'linear'$"),
    (dict(batch_size=-1), ValueError, "^batch_size must be >= 0; got -1$"),
])
def test_a_recipe_refuses_a_bad_setting_naming_it(settings, error, message):
    with pytest.raises(error, match=message):
        Recipe(**settings)


def test_problem_says_why_settings_cannot_be_trained():
    assert Recipe().problem() == ""
    assert Recipe(x1=False, x2=False).problem() == ("choose at least one input feature (x1, x2, ...): without one, the "
                                                    "network has no input")
    assert Recipe(x1=False, x2=False, x1_x2=True).problem() == ""
    # a generated data set always has its `points` to train on (and VALIDATION_POINTS more): the share is a file's
    assert Recipe(points=20, validation=0.9).problem() == "" and Recipe(points=2, validation=0.9).problem() == ""
    five = {"five.csv": b"0,0,0\n1,1,1\n0,1,0\n1,0,1\n2,2,1\n"}
    assert Recipe(files=five, dataset="five.csv", validation=0.5).problem() == ""
    assert Recipe(files=five, dataset="five.csv", validation=0.9).problem() == (
        "5 points, 90% of them for validation, leave none to train on: lower the share")


# ---- run, code and code_of on steps of one's own -------------------------------------------------------------


def test_run_and_code_agree_on_hand_written_steps():
    steps = [
        Step(("X", "y"), datasets.xor, (), {"n": 8, "noise": 0.0}),
        Step(("Z",), features, (Name("X"), ["x1*x2"])),
        Step(("model",), Sequential, ([Dense(1, "sigmoid", input_dim=1, name="out")],)),
        Step((), (Name("model"), "compile"), (SGD(0.5), BinaryCrossEntropy(from_logits=False))),
        Step(("history",), (Name("model"), "fit"), (Name("Z"), Name("y")),
             {"epochs": 5, "validation_data": (Name("Z"), Name("y")), "rng": 0, "verbose": 0}),
    ]
    assert code(steps) == """from nnlib.data import xor
from nnlib.layers import Dense
from nnlib.model import Sequential
from nnlib.optim import SGD
from nnlib.recipe import features

X, y = xor(n=8, noise=0.0)
Z = features(X, ['x1*x2'])
model = Sequential([Dense(units=1, activation='sigmoid', input_dim=1, name='out')])
model.compile(SGD(lr=0.5), 'binary_crossentropy')
history = model.fit(Z, y, epochs=5, validation_data=(Z, y), rng=0, verbose=0)"""
    env = run(steps)
    assert set(env) == {"X", "y", "Z", "model", "history"}
    np.testing.assert_array_equal(env["Z"], env["X"][:, :1] * env["X"][:, 1:])
    assert env["history"].epoch == [1, 2, 3, 4, 5] and set(env["history"].history) == {"loss", "val_loss"}
    namespace, printed = executed(code(steps))
    assert printed == "" and namespace["history"].history == env["history"].history
    assert all(np.array_equal(a, b) for a, b in zip(env["model"].get_weights(), namespace["model"].get_weights()))


def test_run_starts_from_the_variables_given_and_keeps_what_each_step_makes():
    X = np.arange(6.0).reshape(3, 2)
    env = run([Step(("both",), features, (Name("X"), ["x1", "x2"])), Step((), print, ("not kept",)),
               Step(("pair",), divmod, (7, 2)), Step(("q", "r"), divmod, (Name("X"), 4))], {"X": X, "kept": 1})
    assert set(env) == {"X", "kept", "both", "pair", "q", "r"} and env["kept"] == 1
    assert env["pair"] == (3, 1)  # one target: the result itself
    np.testing.assert_array_equal(env["both"], X)
    np.testing.assert_array_equal(env["q"], X // 4) and np.testing.assert_array_equal(env["r"], X % 4)
    with pytest.raises(KeyError, match="'W'"):
        run([Step(("y",), features, (Name("W"),))])


def test_run_passes_a_files_content_and_code_reads_the_file(tmp_path, monkeypatch):
    steps = [Step(("X", "y"), read_points, (File("mine.csv", b"0,1,0\n2,3,1\n"), "mine.csv"))]
    assert code(steps) == ("from nnlib.recipe import read_points\nfrom pathlib import Path\n\n"
                           "X, y = read_points(Path('mine.csv').read_bytes(), 'mine.csv')")
    env = run(steps)
    np.testing.assert_array_equal(env["X"], [[0.0, 1.0], [2.0, 3.0]])
    (tmp_path / "mine.csv").write_bytes(b"0,1,0\n2,3,1\n")
    monkeypatch.chdir(tmp_path)
    namespace, _ = executed(code(steps))
    np.testing.assert_array_equal(namespace["X"], env["X"])


def test_code_writes_long_lists_one_item_a_line_and_tuples_as_tuples():
    short = code([Step(("a",), list, ([1, 2, 3],)), Step(("b",), tuple, ((4,),))])
    assert short.endswith("\na = list([1, 2, 3])\nb = tuple((4,))")
    long = code([Step(("model",), Sequential, ([Dense(16, "relu", input_dim=2), Dense(16, "relu"), Dense(1)],))])
    assert long.split("\n\n", 1)[1] == ("model = Sequential([\n    Dense(units=16, activation='relu', input_dim=2),\n"
                                        "    Dense(units=16, activation='relu'),\n    Dense(units=1),\n])")


@pytest.mark.parametrize("piece, text, imports", [
    (Dense(8, "tanh", input_dim=2), "Dense(units=8, activation='tanh', input_dim=2)", {"nnlib.layers": {"Dense"}}),
    (Dense(3, LeakyReLU(0.2), kernel_regularizer=L2(0.001), name="out"),
     "Dense(units=3, activation=LeakyReLU(alpha=0.2), name='out', kernel_regularizer=L2(l2=0.001))",
     {"nnlib.layers": {"Dense"}, "nnlib.activations": {"LeakyReLU"}, "nnlib.regularizers": {"L2"}}),
    (Dense(4), "Dense(units=4)", {"nnlib.layers": {"Dense"}}),  # the default activation and a derived name: left out
    (Dropout(0.2, rng=3), "Dropout(rate=0.2)", {"nnlib.layers": {"Dropout"}}),  # a generator is state, not a setting
    (Dropout(0.5, input_dim=4, name="drop"), "Dropout(rate=0.5, input_dim=4, name='drop')", {"nnlib.layers": {"Dropout"}}),
    (LeakyReLU(0.2), "LeakyReLU(alpha=0.2)", {"nnlib.activations": {"LeakyReLU"}}),
    (Tanh(), "Tanh()", {"nnlib.activations": {"Tanh"}}),
    (BinaryCrossEntropy(from_logits=True), "BinaryCrossEntropy(from_logits=True)", {"nnlib.losses": {"BinaryCrossEntropy"}}),
    (L1L2(0.1, 0.2), "L1L2(l1=0.1, l2=0.2)", {"nnlib.regularizers": {"L1L2"}}),
    (SGD(0.3), "SGD(lr=0.3)", {"nnlib.optim": {"SGD"}}),
    (SGD(), "SGD()", {"nnlib.optim": {"SGD"}}),
    (Adam(0.01, weight_decay=0.1), "Adam(lr=0.01, weight_decay=0.1)", {"nnlib.optim": {"Adam"}}),
    (CosineDecay(300, lr_min=0.003), "CosineDecay(T=300, lr_min=0.003)", {"nnlib.optim": {"CosineDecay"}}),
    (LearningRateScheduler(StepDecay(75, 0.5)), "LearningRateScheduler(schedule=StepDecay(step_size=75, gamma=0.5))",
     {"nnlib.callbacks": {"LearningRateScheduler"}, "nnlib.optim": {"StepDecay"}}),
])
def test_code_of_writes_a_piece_from_its_description(piece, text, imports):
    found = {}
    assert code_of(piece, found) == text and found == imports
    namespace = {}
    exec("".join(f"from {module} import {', '.join(sorted(names))}\n" for module, names in found.items())
         + f"piece = {text}", namespace)
    again = namespace["piece"]  # the text builds the piece again
    assert type(again) is type(piece)
    assert {k: v for k, v in again.get_config().items() if not isinstance(v, np.random.Generator)} == {
        k: v for k, v in piece.get_config().items() if not isinstance(v, np.random.Generator)}


def test_code_of_a_class_of_ones_own_imports_it_from_its_module():
    found = {}
    assert code_of(OwnLayer(3), found) == "OwnLayer(size=3)" and found == {__name__: {"OwnLayer"}}


class OwnLayer(Layer):  # a layer class of the test's own
    def __init__(self, size=1):
        super().__init__()
        self.size = size

    def get_config(self):
        return {"size": self.size}


# ---- features and read_points --------------------------------------------------------------------------------


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
    ("1,2,0\n1e308,4,1\n", r"^mine.csv, line 2: a coordinate beyond 1e\+06 in size in '1e308,4,1'; scale the points "
                           r"down$"),
    ("O.5,1,0\n3,4,1\n", r"^mine.csv, line 1: not a number in 'O.5,1,0'$"),  # a typo, not a header: not dropped
    ("x1,x2,label\n", "mine.csv holds no points"),
    (b"\xff\xfe\x00", "mine.csv is not a text"),
    ("\n".join(["1,2,0", "3,4,1"] * 500_000), "mine.csv has 1000000 rows; at most 10000 are read"),
])
def test_read_points_refuses_a_bad_file_naming_it(content, message):
    with pytest.raises(ValueError, match=message):
        read_points(content, "mine.csv")


def test_read_points_takes_a_first_line_without_numbers_as_the_header_and_says_which_line_it_is():
    assert csv_header("x1,x2,label\n0,1,0\n1,0,1\n") == (1, "x1,x2,label")
    assert csv_header(b"\xef\xbb\xbfx,y,class\n0,1,0\n1,0,1\n") == (1, "x,y,class")  # a byte-order mark is skipped
    assert csv_header("\n\n x,y,class\n0,1,0\n1,0,1\n") == (3, " x,y,class")  # blank lines before it
    assert csv_header("0,1,2\n0,1,0\n1,0,1\n") is None  # numbers: a point, unless header=True says otherwise
    assert csv_header("0,1,2\n0,1,0\n1,0,1\n", header=True) == (1, "0,1,2")
    X, y = read_points("0,1,2\n0,1,0\n1,0,1\n", header=True)
    assert X.tolist() == [[0, 1], [1, 0]] and y.tolist() == [0, 1]
    for content in ("\ufeff0.5,1,0\n0.2,0.3,1\n", "\ufeff0.5,1,0\n0.2,0.3,1\n".encode()):  # a mark, no header
        X, y = read_points(content)
        assert X.tolist() == [[0.5, 1.0], [0.2, 0.3]] and y.tolist() == [0, 1]
    with pytest.raises(ValueError, match=r"^mine.csv, line 1: not a number in 'x1,x2,label'$"):
        read_points("x1,x2,label\n0,1,0\n1,0,1\n", "mine.csv", header=False)
    with pytest.raises(TypeError, match=r"^header must be None \(find it\), True or False; got str 'yes'$"):
        read_points("0,1,0\n1,0,1\n", header="yes")
    with pytest.raises(TypeError, match=r"^max_rows must be an integer; got NoneType None$"):
        read_points("0,1,0\n1,0,1\n", max_rows=None)

"""nnlib.ui.playground (the playground of notebook 10: playground / Playground), headless: every control at its
extremes, the generated code reproducing the playground's model bit for bit (after a retrain, step() and play), the
diagnosis and the status line (with the validation error's standard error), CSV upload, saving, live training with
play/pause/step on a real asyncio event loop, the experiments (presets), sweeps (sweep, start_sweep on the loop,
pause), the validation points shown on request, the checks on playground(**defaults), and its figure rendered to
PNG."""
import asyncio
import contextlib
import html
import io
import math
import re
import warnings

import ipywidgets as widgets
import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from matplotlib.figure import Figure  # noqa: E402

from nnlib import data  # noqa: E402
from nnlib.model import TrainingDiverged  # noqa: E402
from nnlib.recipe import DATASETS, VALIDATION_POINTS, Recipe  # noqa: E402
from nnlib.saving import load_model  # noqa: E402
from nnlib.ui.curves import HistoryCurves  # noqa: E402
from nnlib.ui.network import NetworkHeatmaps  # noqa: E402
from nnlib.ui import playground as playground_module  # noqa: E402
from nnlib.ui.playground import PRESETS, SWEEPS, Playground, playground, sweep_point  # noqa: E402
from nnlib.ui.regions import DecisionRegions  # noqa: E402
from ui_helpers import history_of, network_inputs  # noqa: E402

CONTROLS = ["epochs", "lr", "optimizer", "schedule", "batch_size", "dataset", "classes", "noise", "points",
            "validation", "seed", "x1", "x2", "x1_squared", "x2_squared", "x1_x2", "sin_x1", "sin_x2",
            "hidden_layers", "units", "activation", "dropout", "l1", "l2"]
ACTIVATIONS = ["tanh", "relu", "leaky_relu", "sigmoid", "linear"]
KINDS = "good fit|overfitting|underfitting|no clear sign|not trained yet|oscillating"  # how a trained run can end
TRAINED = re.compile(r"epoch (\d+): loss \d+\.\d{4} training, \d+\.\d{4} validation; error \d+\.\d% training, "
                     rf"\d+\.\d% validation \(± \d+\.\d%\); ({KINDS})")
DIVERGED = re.compile(r"epoch (\d+): diverged in epoch (\d+)")
# lr 3 with momentum, leaky ReLU and batches of 32 on 50 moons (and the 1000 validation points): the loss becomes NaN
# in epoch 14 (checked with the same run written in plain nnlib code: moons(n=1050, ...), train_test_split(...,
# test_size=1000), SGD(3.0, momentum=0.9), fit(batch_size=32, rng=0))
DIVERGING = dict(dataset="moons", points=50, lr=3.0, activation="leaky_relu", optimizer="momentum", batch_size=32,
                 epochs=50)


def healthy(p, status):
    """A status line a learner can read: never an error, never a NaN, one of the two forms a run ends with."""
    assert not status.startswith("error"), status
    assert "nan" not in status.lower(), status
    assert status == p.status
    assert TRAINED.fullmatch(status) or DIVERGED.fullmatch(status), status
    if TRAINED.fullmatch(status):
        assert f" validation (± {standard_error(p):.1%}); " in status, status


def standard_error(p):
    """The standard error of the last validation error e, sqrt(e (1 - e) / n), n: the validation points."""
    error = 1 - p.history.history["val_accuracy"][-1]
    return (error * (1 - error) / len(p.data["y_val"])) ** 0.5


def run_code(p):
    """exec(p.code()) in a fresh namespace, its print captured: (namespace, printed text)."""
    namespace, printed = {}, io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(p.code(), namespace)
    return namespace, printed.getvalue()


def assert_reproduces(p):
    """The generated code trains the very same run: every epoch's numbers, the final weights, the printed line."""
    assert p.error is None, "this run diverged; see test_code_of_a_diverged_run"
    namespace, printed = run_code(p)
    history = namespace["history"]
    assert history.epoch == p.history.epoch
    assert history.history == p.history.history  # exact, every epoch, every key
    assert len(namespace["model"].params) == len(p.model.params)
    for theirs, ours in zip(namespace["model"].params, p.model.params):
        assert np.array_equal(theirs, ours)
    # the status line is the printed line, the validation error's standard error and the diagnosis
    assert printed.endswith("\n") and p.status == f"{printed[:-1]} (± {standard_error(p):.1%}); {p.diagnosis()[0]}"


def snapshot(p):
    """Everything an upload that is refused must leave as it was."""
    return (p.recipe, dict(p.recipe.settings), p.model, p.status, p.image.value, tuple(p.controls["dataset"].options),
            p.controls["dataset"].value, {k: list(v) for k, v in p.history.history.items()}, dict(p.files),
            p.verdict.value, {name: c.value for name, c in p.controls.items()})


def test_the_controls_are_the_documented_ones():
    p = playground(epochs=10)
    assert list(p.controls) == CONTROLS
    assert isinstance(p, Playground) and p.widget is not None and p.image.value[:8] == b"\x89PNG\r\n\x1a\n"
    assert set(CONTROLS) == set(Recipe.DEFAULTS)  # a control per setting of a Recipe
    assert isinstance(p.recipe, Recipe) and p.files == {}
    assert p.recipe.settings == {name: c.value for name, c in p.controls.items()} == {**Recipe.DEFAULTS, "epochs": 10}
    assert p.recipe.settings["dataset"] == "circles" and p.recipe.settings["lr"] == 0.03
    assert p.recipe.settings["optimizer"] == "adam" and p.recipe.settings["points"] == 400
    assert not hasattr(p, "settings") and not hasattr(p, "uploaded")


# ---- every control at its extremes ---------------------------------------------------------------------------

def extremes(control):
    """Every option of a Dropdown; True and False of a Checkbox; both ends and the middle of a slider."""
    if isinstance(control, widgets.Checkbox):
        return [True, False]
    if isinstance(control, widgets.IntSlider):
        return [control.min, (control.min + control.max) // 2, control.max]
    values = [option[1] if isinstance(option, tuple) else option for option in control.options]
    if isinstance(control, widgets.Dropdown):
        return values
    return [values[0], values[len(values) // 2], values[-1]]


@pytest.fixture(scope="module")
def lab():
    """One playground for the sweeps (each set() gives every control its value, so the order does not matter)."""
    p = playground(epochs=20)
    healthy(p, p.status)
    return p, {name: c.value for name, c in p.controls.items()}


@pytest.mark.parametrize("name", CONTROLS)
def test_every_control_at_its_extremes(lab, name):
    p, base = lab
    values = extremes(p.controls[name])
    assert len(values) >= 2
    for value in values:
        if value == base[name] and name != "epochs":
            continue  # the fixture's own run (and the epochs test retrains it once more)
        status = p.set(**{**base, name: value})
        healthy(p, status)
        assert p.controls[name].value == value
        assert p.recipe.settings == {**base, name: value}  # trained on what the controls say
        if TRAINED.fullmatch(status):
            assert int(TRAINED.fullmatch(status)[1]) == p.recipe.settings["epochs"] == len(p.history.epoch)


@pytest.mark.parametrize("dataset", DATASETS)
def test_every_data_set_with_every_activation(lab, dataset):
    p, base = lab
    for activation in ACTIVATIONS:
        status = p.set(**{**base, "epochs": 20, "dataset": dataset, "activation": activation, "classes": 4})
        healthy(p, status)
        assert p.recipe.settings["dataset"] == dataset and p.recipe.settings["activation"] == activation
        assert p.data["n_classes"] == (4 if dataset == "blobs" else 2)
        assert p.axes["regions"].get_title() == f"{dataset}: training points"  # no legend for one set
        # points training points of a generated data set, and VALIDATION_POINTS more to measure on
        assert base["points"] == 400 and VALIDATION_POINTS == 1000
        assert "<tr><td>points</td><td>400</td><td>1000</td></tr>" in p.numbers.value


def test_the_figure_changes_with_the_data_set():
    p = playground(epochs=20)
    first = p.recipe.settings["dataset"]
    assert first == "circles"
    images = {first: p.image.value}
    for dataset in [name for name in DATASETS if name != first]:
        before = p.image.value
        p.set(dataset=dataset)
        assert p.image.value != before, dataset
        images[dataset] = p.image.value
    assert len(set(images.values())) == len(DATASETS)
    p.set(dataset=first)
    assert p.image.value == images[first]  # the same run draws the same picture


def test_a_setting_without_inputs_says_so_and_changes_nothing_else():
    p = playground(epochs=20)
    image, recipe, model = p.image.value, p.recipe, p.model
    status = p.set(x1=False, x2=False)
    assert status == "choose at least one input feature (x1, x2, ...): without one, the network has no input"
    assert p.image.value == image and p.recipe is recipe and p.model is model  # the last run stays
    assert TRAINED.fullmatch(p.set(x2_squared=True))
    assert p.data["names"] == ["x2^2"]


# ---- the generated code reproduces the playground's numbers exactly -----------------------------------------

CONFIGURATIONS = {
    "blobs with 4 classes": dict(dataset="blobs", classes=4),
    "squares and product on circles": dict(dataset="circles", x1_squared=True, x2_squared=True, x1_x2=True),
    "dropout 0.3, batch 10": dict(dropout=0.3, batch_size=10),
    "L1 and L2": dict(l1=1e-3, l2=3e-3),
    "L1 only": dict(l1=0.01),
    "cosine schedule": dict(schedule="cosine"),
    "step schedule": dict(schedule="step"),
    "exponential schedule": dict(schedule="exponential"),
    "no hidden layer, sin features": dict(hidden_layers=0, sin_x1=True, sin_x2=True),
    **{f"optimizer {name}": dict(optimizer=name, lr=0.03)
       for name in ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"]},
}


def test_code_reproduces_the_default_run():
    p = playground()
    assert p.recipe.settings["epochs"] == 300 and len(p.history.epoch) == 300
    assert_reproduces(p)


@pytest.mark.parametrize("settings", list(CONFIGURATIONS.values()), ids=list(CONFIGURATIONS))
def test_code_reproduces(settings):
    p = playground(epochs=20, **settings)
    assert p.recipe.settings == {**Recipe.DEFAULTS, "epochs": 20, **settings}
    assert_reproduces(p)


def test_code_reproduces_every_optimizer_name():
    p = playground(epochs=10)
    assert list(p.controls["optimizer"].options) == ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam",
                                                     "adamw"]
    assert {f"optimizer {name}" for name in p.controls["optimizer"].options} <= set(CONFIGURATIONS)


def test_code_reproduces_epochs_played_with_step():
    p = playground(epochs=20, dropout=0.3, batch_size=10, schedule="step")
    status = p.step(7)
    healthy(p, status)
    assert status.startswith("epoch 27: ") and len(p.history.epoch) == 27 and p.history.epoch == list(range(1, 28))
    assert "epochs=27," in p.code()
    assert_reproduces(p)
    for epochs in (1, 3, 1, 2):
        p.step(epochs)
    assert len(p.history.epoch) == 34 and p.counter.value == "<b>epoch 34</b>"
    assert_reproduces(p)


def test_code_reproduces_several_frames_worth_of_steps():
    """What Play does, frame by frame (step(epochs_per_frame) and a redraw), without an event loop."""
    p = playground(epochs=20, dropout=0.2, optimizer="adam", lr=0.01, schedule="cosine", batch_size=32)
    images = [p.image.value]
    for frame in range(1, 4):
        status = p.step(Playground.epochs_per_frame)
        healthy(p, status)
        assert len(p.history.epoch) == 20 + frame * Playground.epochs_per_frame and p.image.value not in images
        images.append(p.image.value)
    assert f"epochs={20 + 3 * Playground.epochs_per_frame}," in p.code()
    assert_reproduces(p)


def test_step_refuses_a_bad_count():
    p = playground(epochs=10)
    for bad in (0, -1, 2.5, "3"):
        with pytest.raises((TypeError, ValueError), match="epochs"):
            p.step(bad)
    assert len(p.history.epoch) == 10


def test_step_after_a_cosine_schedule():
    p = playground(epochs=10, schedule="cosine")
    healthy(p, p.step(5))
    assert len(p.history.epoch) == 15
    assert_reproduces(p)


@pytest.fixture
def points_csv():
    """90 points of 3 classes, as a learner's file: a header, then x1,x2,label rows."""
    rng = np.random.default_rng(5)
    centres = np.array([[-1.0, 0.0], [1.0, 0.5], [0.0, -1.2]])
    y = np.repeat([0, 1, 2], 30)
    X = centres[y] + 0.4 * rng.normal(size=(90, 2))
    text = "x1,x2,label\n" + "".join(f"{a:.5f},{b:.5f},{label}\n" for (a, b), label in zip(X, y))
    return text.encode(), np.round(X, 5), y


def test_code_reproduces_an_uploaded_file(points_csv, tmp_path, monkeypatch):
    content, X, y = points_csv
    p = playground(epochs=50)
    p.upload(content, "my points.csv")
    assert p.recipe.settings["dataset"] == "my points.csv" and p.data["n_classes"] == 3
    assert "read_points(Path('my points.csv').read_bytes(), 'my points.csv')" in p.code()
    (tmp_path / "my points.csv").write_bytes(content)
    monkeypatch.chdir(tmp_path)
    assert_reproduces(p)


def test_code_of_a_diverged_run():
    p = playground(**DIVERGING)
    assert p.status == "epoch 13: diverged in epoch 14"
    assert len(p.history.epoch) == 13 and isinstance(p.error, TrainingDiverged)
    assert "epochs=14," in p.code()
    with pytest.raises(TrainingDiverged, match=r"^training diverged in epoch 14: the loss became nan") as caught:
        run_code(p)
    assert caught.value.history.epoch == p.history.epoch
    assert caught.value.history.history == p.history.history


def test_code_of_a_run_that_diverges_in_its_first_epoch():
    p = playground(lr=10.0, activation="linear", batch_size=1, epochs=10, optimizer="sgd")
    assert p.status == "epoch 0: diverged in epoch 1" and p.history.epoch == [] and p.numbers.value == ""
    assert p.counter.value == "<b>epoch 0</b>" and "epochs=1," in p.code()
    with pytest.raises(TrainingDiverged, match=r"^training diverged in epoch 1: .* keeps the 0 epochs before\.$"):
        run_code(p)


def test_code_reproduces_after_play():
    p = playground(epochs=20)

    async def play_a_little():
        p.play()
        await until(lambda: len(p.history.epoch) >= 20 + 3 * Playground.epochs_per_frame, "three frames")
        p.pause()

    on_a_loop(play_a_little)
    played = len(p.history.epoch)
    assert played >= 35 and (played - 20) % Playground.epochs_per_frame == 0
    assert f"epochs={played}," in p.code()
    assert_reproduces(p)


# ---- diagnosis -----------------------------------------------------------------------------------------------

def test_diagnosis_underfitting():
    p = playground(dataset="circles", hidden_layers=0)
    kind, sentence = p.diagnosis()
    assert kind == "underfitting" and p.status.endswith("; underfitting") and TRAINED.fullmatch(p.status)
    assert p.verdict.value.startswith(f"<b>underfitting</b>: {html.escape(sentence)}")
    train_error = 1 - p.history.history["accuracy"][-1]
    assert train_error >= 0.15 and f"training error {train_error:.1%}" in sentence


def test_diagnosis_overfitting():
    p = playground(points=20, units=64, epochs=2000, noise=0.3)
    kind, sentence = p.diagnosis()
    assert kind == "overfitting" and p.status.endswith("; overfitting") and TRAINED.fullmatch(p.status)
    assert p.verdict.value.startswith(f"<b>overfitting</b>: {html.escape(sentence)}")
    h = p.history.history
    assert h["accuracy"][-1] == 1.0 and h["val_loss"][-1] > 2 * min(h["val_loss"])
    assert "Try more points" in p.verdict.value


def test_diagnosis_good_fit():
    p = playground()
    assert p.diagnosis()[0] == "good fit" and p.status.endswith("; good fit")
    assert p.verdict.value.startswith("<b>good fit</b>: training error ")


def test_diagnosis_diverged_names_the_epoch():
    p = playground(**DIVERGING)
    kind, sentence = p.diagnosis()
    assert kind == "diverged" and p.status == "epoch 13: diverged in epoch 14"
    assert sentence.startswith("training diverged in epoch 14: the loss became nan with learning rate 3")
    assert p.verdict.value.startswith("<b>diverged</b>: training diverged in epoch 14: ")
    assert ".." not in p.verdict.value  # the sentence ends once before the advice
    assert p.axes["regions"].get_title() == "diverged: no regions to draw"
    assert p.numbers.value == "" and p.counter.value == "<b>epoch 13</b>"


def test_the_diverged_verdict_reads_well():
    p = playground(**DIVERGING)
    assert ".." not in p.verdict.value


def test_a_full_batch_divergence_is_diagnosed():
    """The last (only) batch of an epoch makes the weights NaN: the validation measure must say diverged."""
    # plain SGD at lr 10 on the default circles with linear units: the loss becomes NaN in epoch 11 (checked with the
    # same run in plain nnlib code: circles(n=1400, ...), SGD(10.0), fit(batch_size=None, rng=0))
    p = playground(activation="linear", optimizer="sgd", epochs=50)
    assert p.recipe.settings["batch_size"] == 0  # the full batch
    p.controls["lr"].value = 10.0  # as the browser moves the slider
    assert p.status == "epoch 10: diverged in epoch 11"
    assert p.diagnosis()[0] == "diverged" and isinstance(p.error, TrainingDiverged)
    assert p.diagnosis()[1].startswith("training diverged in epoch 11: the loss became nan with learning rate 10")
    with pytest.raises(TrainingDiverged, match=r": the loss became nan with learning rate 10; try a smaller one") as caught:
        run_code(p)
    assert caught.value.history.history == p.history.history


def test_the_code_of_a_full_batch_divergence_says_which_epoch():
    p = playground(activation="linear", optimizer="sgd", epochs=50, lr=10.0)
    assert p.status == "epoch 10: diverged in epoch 11"
    with pytest.raises(TrainingDiverged, match=r"^training diverged in epoch 11: the loss became nan"):
        run_code(p)


# ---- CSV upload ----------------------------------------------------------------------------------------------

def test_a_good_file_joins_the_menu_and_is_trained_on(points_csv):
    content, X, y = points_csv
    p = playground(epochs=20)
    message = p.upload(content, "mine.csv")
    assert message == "Read 90 points of 3 classes from mine.csv (line 1, 'x1,x2,label', read as its header)."
    assert html.escape(message) in p.message.value and "#b00020" not in p.message.value
    assert p.controls["dataset"].options == (*DATASETS, "mine.csv") and p.controls["dataset"].value == "mine.csv"
    assert p.recipe.settings["dataset"] == "mine.csv" and len(p.history.epoch) == 20 and TRAINED.fullmatch(p.status)
    assert p.files == {"mine.csv": content} and p.recipe.files == p.files
    used = np.vstack([p.data["X_train"], p.data["X_val"]])
    labels = np.concatenate([p.data["y_train"], p.data["y_val"]])
    assert len(used) == 90 and sorted(map(tuple, np.column_stack([used, labels]))) == sorted(
        map(tuple, np.column_stack([X, y])))
    assert p.data["n_classes"] == 3 and p.axes["regions"].get_title() == "mine.csv: training points"
    assert "<tr><td>points</td><td>45</td><td>45</td></tr>" in p.numbers.value
    assert all(p.controls[name].disabled for name in ("noise", "points", "classes"))
    p.set(dataset="moons")  # the built-in sets come back, and the file stays in the menu
    assert p.data["n_classes"] == 2 and not p.controls["noise"].disabled and "mine.csv" in p.controls["dataset"].options


def test_a_file_with_too_few_training_points_says_so(points_csv):
    p = playground(epochs=10)
    p.upload("0,0,0\n1,1,1\n0,1,0\n1,0,1\n2,2,1\n", "five.csv")
    assert len(p.data["X_train"]) == 2
    image = p.image.value
    assert p.set(validation=0.9) == ("5 points, 90% of them for validation, leave none to train on: lower the share")
    assert p.image.value == image


REFUSED = {
    "wrong columns": ("x1,x2\n0.5,1.0\n1.5,0.2\n", "two_columns.csv",
                      "two_columns.csv, line 2: expected 3 columns x1,x2,label; got 2: '0.5,1.0'"),
    "not numbers": ("x1,x2,label\n0.5,1.0,0\n1.5,abc,1\n", "words.csv",
                    "words.csv, line 3: not a number in '1.5,abc,1'"),
    "NaN": ("0.5,1.0,0\nnan,0.2,1\n", "nan.csv", "nan.csv: row 2 of the points holds NaN or infinity"),
    "one class": ("0.5,1.0,1\n1.5,0.2,1\n", "one_class.csv", "one_class.csv must hold 2 to 5 classes; got 1 (1)"),
    "a million rows": ("0.5,1.0,0\n1.5,0.2,1\n" * 500_000, "huge.csv",
                       "huge.csv has 1000000 rows; at most 10000 are read"),
    "not text": (b"\xff\xfe\x00\x01", "binary.csv", "binary.csv is not a text (CSV) file"),
    "values near 1e308": ("0,0,0\n1e308,1,1\n0,1,0\n1,0,1\n-1e308,2,1\n", "big.csv",
                          "big.csv, line 2: a coordinate beyond 1e+06 in size in '1e308,1,1'; scale the points down"),
}


@pytest.fixture(scope="module")
def lab_with_a_file():
    """A playground training on an uploaded file (which must stay in use when a bad file comes)."""
    p = playground(epochs=20)
    p.upload("x1,x2,label\n0,0,0\n1,1,1\n0,1,0\n1,0,1\n2,2,1\n3,1,0\n", "mine.csv")
    assert p.recipe.settings["dataset"] == "mine.csv"
    return p


@pytest.mark.parametrize("content, name, why", list(REFUSED.values()), ids=list(REFUSED))
def test_a_bad_file_is_refused_and_nothing_else_changes(content, name, why, lab_with_a_file):
    p = lab_with_a_file
    p.message.value = ""
    before = snapshot(p)
    message = p.upload(content, name)
    assert message == f"Not used: {why}"
    assert p.message.value == f"<span style='color:#b00020'>{html.escape(message)}</span>"
    assert snapshot(p) == before
    assert TRAINED.fullmatch(p.set(epochs=p.controls["epochs"].value))  # the controls work on, on the file in use


def test_a_file_uploaded_again_replaces_the_points():
    p = playground(epochs=10)
    p.upload("0,0,0\n1,1,1\n0,1,0\n1,0,1\n2,2,1\n", "a.csv")
    assert p.upload("0,0,0\n1,1,1\n0,1,0\n1,0,1\n2,2,1\n3,3,0\n5,5,1\n", "a.csv") == (
        "Read 7 points of 2 classes from a.csv.")
    assert len(p.data["X_train"]) + len(p.data["X_val"]) == 7


def test_a_file_named_like_a_built_in_set_is_refused():
    p = playground(epochs=10)
    before = snapshot(p)
    assert p.upload("0,0,0\n1,1,1\n0,1,0\n1,0,1\n2,2,1\n3,1,0\n", "moons") == (
        "Not used: 'moons' is the name of a built-in data set; rename the file")
    assert snapshot(p) == before


# ---- saving --------------------------------------------------------------------------------------------------

def test_save_writes_a_model_load_model_reads(tmp_path):
    p = playground(epochs=20, dropout=0.2, l2=1e-3, dataset="blobs", classes=3)
    path = tmp_path / "lab.npz"
    assert p.save(path) == f"Saved to {path}: load it with nnlib.saving.load_model({str(path)!r})."
    assert "#b00020" not in p.message.value
    model = load_model(path)
    for inputs in (p.data["val"], p.data["train"]):
        assert np.array_equal(model.predict(inputs), p.model.predict(inputs))


@pytest.mark.parametrize("name, why", [
    ("missing/lab.npz", r"^Not saved: \[Errno 2\] path: '.*/missing/lab\.npz' cannot be written there \(No such file or "
                        r"directory\)$"),
    ("lab.txt", r"^Not saved: path must end in \.npz .*got '.*lab\.txt'$"),
])
def test_save_to_a_bad_path_gives_a_message(tmp_path, name, why):
    p = playground(epochs=10)
    before = snapshot(p)
    message = p.save(str(tmp_path / name))
    assert re.match(why, message), message
    assert p.message.value == f"<span style='color:#b00020'>{html.escape(message)}</span>"
    assert snapshot(p) == before and not list(tmp_path.iterdir())


# ---- play, pause, step ---------------------------------------------------------------------------------------
# Frames come from the event loop, as fast as the machine allows: a test waits for the state it needs (polling, with
# a generous overall timeout), never for a fixed time after which something must have happened.

def on_a_loop(coroutine):
    """asyncio.run(coroutine) with every warning recorded and every exception the loop's callbacks raise kept."""
    failures = []

    async def main():
        asyncio.get_running_loop().set_exception_handler(lambda loop, context: failures.append(context))
        return await coroutine()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = asyncio.run(main())
    assert not failures, failures
    assert not caught, [str(w.message) for w in caught]
    return result


async def until(condition, what, timeout=30.0, pause=0.01):
    """Let the event loop run until condition() holds, looking every `pause` seconds (0: every turn of the loop, where
    a callback scheduled with call_soon runs once per turn); fail naming `what` if it does not within timeout s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"{what}: not reached within {timeout:g} s")
        await asyncio.sleep(pause)


async def frames_due():
    """Let every frame already scheduled run: a frame waits at most frame_time, and the loop runs timers in the order
    they fall due, so any frame due before this sleep ends has run by then, however slow the machine."""
    await asyncio.sleep(4 * Playground.frame_time)


def test_play_trains_until_pause():
    p = playground(epochs=20)
    frames = []
    p.image.observe(lambda change: frames.append(len(p.history.epoch)), names="value")

    async def session():
        p.play()
        p.play()  # a second press while playing starts no second stream of frames:
        await asyncio.sleep(0)  # the first frame (scheduled with call_soon) has run, and only one
        assert len(p.history.epoch) == 20 + Playground.epochs_per_frame
        await until(lambda: len(p.history.epoch) >= 20 + 3 * Playground.epochs_per_frame, "three frames")
        p.pause()
        paused = len(p.history.epoch), p.image.value, p.status
        await frames_due()
        return paused

    (epochs, image, status) = on_a_loop(session)
    assert epochs >= 35 and (epochs - 20) % Playground.epochs_per_frame == 0
    assert len(p.history.epoch) == epochs and p.image.value == image and p.status == status  # nothing after pause
    healthy(p, status)
    assert status.startswith(f"epoch {epochs}: ") and p.counter.value == f"<b>epoch {epochs}</b>"
    assert frames == list(range(20 + Playground.epochs_per_frame, epochs + 1, Playground.epochs_per_frame))
    assert p.history.epoch == list(range(1, epochs + 1))


def test_play_goes_on_from_where_pause_stopped():
    p = playground(epochs=10)

    async def session():
        counts = []
        for _ in range(2):
            start = len(p.history.epoch)
            p.play()
            await until(lambda: len(p.history.epoch) > start, "a frame after play")
            p.pause()
            counts.append(len(p.history.epoch))
        return counts

    first, second = on_a_loop(session)
    assert 10 < first < second and (first - 10) % Playground.epochs_per_frame == 0
    assert (second - 10) % Playground.epochs_per_frame == 0
    assert p.history.epoch == list(range(1, second + 1))


def test_step_trains_one_epoch_and_redraws():
    p = playground(epochs=10)
    image = p.image.value
    status = p.step()
    assert status.startswith("epoch 11: ") and len(p.history.epoch) == 11 and p.image.value != image
    healthy(p, status)


def test_nothing_trains_after_divergence():
    p = playground(**DIVERGING)
    image, status = p.image.value, p.status
    assert p.step() == status and p.step(5) == status and len(p.history.epoch) == 13

    async def session():
        p.play()
        await asyncio.sleep(0)  # a frame play() scheduled would have run now
        await frames_due()
        p.pause()

    on_a_loop(session)
    assert len(p.history.epoch) == 13 and p.status == status and p.image.value == image
    with pytest.raises(TrainingDiverged, match="epoch 14"):
        run_code(p)


def test_play_stops_by_itself_when_the_run_diverges():
    p = playground(**{**DIVERGING, "epochs": 10})  # 10 epochs are fine; Play reaches epoch 14, where it diverges

    async def session():
        p.play()
        await until(lambda: p.error is not None, "the divergence")
        reached = len(p.history.epoch), p.status, p.image.value
        p.step = lambda epochs=1: frames.append(epochs) or Playground.step(p, epochs)  # counts the frames from here
        await frames_due()  # no pause(): Play stopped by itself, so no frame comes
        return reached

    frames = []
    (epochs, status, image) = on_a_loop(session)
    assert frames == [] and epochs == len(p.history.epoch) == 13 and p.status == status and p.image.value == image
    assert p.status == "epoch 13: diverged in epoch 14" and p.diagnosis()[0] == "diverged"


def test_a_retrain_after_play_starts_again_from_the_seed():
    p = playground(epochs=20)

    async def session():
        p.play()
        await until(lambda: len(p.history.epoch) > 20, "a frame after play")
        p.pause()

    on_a_loop(session)
    assert len(p.history.epoch) > 20
    p.set(epochs=50)
    assert len(p.history.epoch) == 50 and p.status.startswith("epoch 50: ")
    assert_reproduces(p)


# ---- experiments (presets), sweeps and the validation points ------------------------------------------------

@pytest.fixture
def retrains(monkeypatch):
    """Every call of Playground.retrain, recorded (its settings), in the playgrounds made after this fixture."""
    calls, retrain = [], Playground.retrain

    def counted(self, **settings):
        calls.append(settings)
        return retrain(self, **settings)

    monkeypatch.setattr(Playground, "retrain", counted)
    return calls


@pytest.fixture
def trainings(monkeypatch):
    """Every call of nnlib.ui.playground.train_on (by a retrain, step, play or a sweep's point), recorded."""
    calls, train_on = [], playground_module.train_on

    def counted(*args, **kwargs):
        calls.append(args)
        return train_on(*args, **kwargs)

    monkeypatch.setattr(playground_module, "train_on", counted)
    return calls


def controls_of(p):
    return {name: c.value for name, c in p.controls.items()}


AWAY_FROM_THE_DEFAULTS = dict(epochs=20, dataset="moons", units=3, hidden_layers=1, seed=4, l1=1e-3, lr=0.1,
                              optimizer="rmsprop", x1_squared=True, noise=0.3)


@pytest.mark.parametrize("name", list(PRESETS))
def test_a_preset_sets_its_controls_the_rest_at_the_defaults_with_one_retrain(name, retrains):
    changes, sentence = PRESETS[name]
    assert set(changes) <= set(CONTROLS) and sentence
    p = playground(**AWAY_FROM_THE_DEFAULTS)
    retrains.clear()
    status = p.preset(name)
    expected = {**Recipe.DEFAULTS, **changes}
    assert retrains == [expected]  # one retrain, with exactly these settings
    assert controls_of(p) == expected and p.recipe.settings == expected
    assert p.note.value == f"<i>{html.escape(sentence)}</i>" and p.experiment.value == name
    healthy(p, status)
    assert len(p.history.epoch) == expected["epochs"]


def test_an_unknown_preset_is_refused_naming_the_experiments(retrains):
    p = playground(epochs=10)
    retrains.clear()
    before = snapshot(p)
    with pytest.raises(ValueError) as caught:
        p.preset("too large")
    message = str(caught.value)
    assert message.startswith("name must be one of the experiments ") and message.endswith("; got 'too large'")
    assert all(repr(name) in message for name in PRESETS)
    assert retrains == [] and snapshot(p) == before and p.note.value == "" and p.experiment.value == ""


def test_choosing_an_experiment_in_the_menu_runs_it(retrains):
    p = playground(**AWAY_FROM_THE_DEFAULTS)
    assert [value for _, value in p.experiment.options] == ["", *PRESETS]  # "choose one", then the experiments
    retrains.clear()
    p.experiment.value = "too small"  # as the learner chooses it
    changes, sentence = PRESETS["too small"]
    assert retrains == [{**Recipe.DEFAULTS, **changes}] and controls_of(p) == {**Recipe.DEFAULTS, **changes}
    assert p.note.value == f"<i>{html.escape(sentence)}</i>"
    healthy(p, p.status)
    p.experiment.value = "learning rate too high"
    assert len(retrains) == 2 and controls_of(p) == {**Recipe.DEFAULTS, "lr": 10.0}
    p.experiment.value = ""  # "choose one": nothing to run
    assert len(retrains) == 2 and controls_of(p) == {**Recipe.DEFAULTS, "lr": 10.0}


def errors_of(p):
    """(training error, validation error, kind) of the playground's current run, as the status line reports them."""
    if p.error is not None:
        return math.nan, math.nan, "diverged"
    h = p.history.history
    return 1 - h["accuracy"][-1], 1 - h["val_accuracy"][-1], p.diagnosis()[0]


def same(a, b):
    """Equal, bit for bit, with NaN equal to NaN (a diverged run's errors)."""
    return len(a) == len(b) and all(x == y or (isinstance(x, float) and math.isnan(x) and math.isnan(y))
                                    for x, y in zip(a, b))


SWEPT = {  # id: (the control, the playground's other controls, the values, the current one among them)
    "units": ("units", dict(epochs=50), [2, 6, 16]),
    "dropout": ("dropout", dict(epochs=50), [0.0, 0.5]),
    "points": ("points", dict(epochs=50, units=16), [20, 400, 1000]),
    "lr, with a diverged run": ("lr", dict(epochs=50, activation="linear", optimizer="sgd"), [10.0, 0.03]),
}


@pytest.mark.parametrize("name, defaults, values", list(SWEPT.values()), ids=list(SWEPT))
def test_a_sweep_gives_what_set_gives_for_each_value(name, defaults, values, retrains):
    p = playground(**defaults)
    retrains.clear()
    before, history, model, image = controls_of(p), p.history, p.model, p.image.value
    status = p.sweep(name, values)
    assert retrains == [] and controls_of(p) == before  # the playground's own run stays as it was
    assert p.history is history and p.model is model and p.image.value == image
    assert [row[0] for row in p.sweep_results] == values and status == p.status
    for value, *errors in p.sweep_results:
        p.set(**{**before, name: value})
        assert same(errors, errors_of(p)), (value, errors, errors_of(p))  # bit for bit, and the same diagnosis
    # the status names the value with the lowest validation error, and the current value's
    trained = [row for row in p.sweep_results if not math.isnan(row[2])]
    best = min(trained, key=lambda row: row[2])
    now = next(row for row in p.sweep_results if row[0] == before[name])
    assert status == (f"sweep of {name} done: validation error lowest at {name} {best[0]} ({best[2]:.1%}); at the "
                      f"current {before[name]}: {now[2]:.1%} ({now[3]})")
    curve = p.sweep_curve
    assert curve.values == values and curve.band.get_visible()
    np.testing.assert_array_equal(curve.val_line.get_ydata(), [row[2] for row in p.sweep_results])
    np.testing.assert_array_equal(curve.train_line.get_ydata(), [row[1] for row in p.sweep_results])
    assert p.sweep_image.value[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_sweep_point_is_the_run_of_its_settings():
    """sweep_point(settings): the playground's retrain, without the playground: the same errors and kind."""
    p = playground(epochs=50, units=4, dropout=0.2)
    assert same(sweep_point(controls_of(p)), errors_of(p))
    assert same(sweep_point({**controls_of(p), "lr": 10.0, "optimizer": "sgd", "activation": "linear"}),
                (math.nan, math.nan, "diverged"))


def test_a_sweep_over_the_default_values_and_the_band(trainings):
    p = playground(epochs=10, units=5)  # 5 is not one of SWEEPS["units"]
    trainings.clear()
    p.sweep("units")
    values = sorted({*SWEEPS["units"], 5})
    assert [row[0] for row in p.sweep_results] == values and len(trainings) == len(values)
    assert p.sweep_curve.values == values and p.sweep_curve.band.get_visible()
    assert p.sweep_curve.band.get_x() == pytest.approx(values.index(5) - 0.3)
    assert p.status.startswith("sweep of units done: ") and "; at the current 5: " in p.status
    p.sweep("units", [2, 4])  # a list without the current value: no band, and no "at the current"
    assert [row[0] for row in p.sweep_results] == [2, 4] and not p.sweep_curve.band.get_visible()
    assert p.status.startswith("sweep of units done: validation error lowest at units ") and "current" not in p.status
    assert p.sweep_curve.values == [2, 4] and len(p.sweep_curve.val_line.get_xdata()) == 2


@pytest.mark.parametrize("name, values, words", [
    ("colour", None, "name must be a control a sweep can vary, one of units, hidden_layers, epochs, l2, dropout, "
                     "points, lr; got 'colour'"),
    ("seed", [1, 2], "got 'seed'"),
    ("units", [4, 0], "units must be >= 1; got 0"),
    ("lr", [0.01, -1.0], "lr must be > 0; got -1"),
    ("dropout", [0.2, 1.5], "dropout must be in [0, 1); got 1.5"),
    ("hidden_layers", [1, -1], "hidden_layers must be >= 0; got -1"),
    ("l2", [0.0, -0.1], "l2 must be >= 0; got -0.1"),
])
def test_a_sweep_refuses_a_bad_control_or_value_before_training(name, values, words, retrains, trainings):
    p = playground(epochs=10)
    p.sweep("units", [1, 2])  # a sweep before, which must stay shown
    retrains.clear(), trainings.clear()
    before = snapshot(p), list(p.sweep_results), p.sweep_image.value, p.sweep_curve.values, p.status
    for start in (p.sweep, p.start_sweep):  # start_sweep refuses at once, before it needs an event loop
        with pytest.raises(ValueError, match=re.escape(words)):
            start(name, values)
        assert retrains == [] and trainings == []
        assert (snapshot(p), list(p.sweep_results), p.sweep_image.value, p.sweep_curve.values, p.status) == before


def test_points_cannot_be_swept_on_a_file(points_csv, trainings):
    content, _, _ = points_csv
    p = playground(epochs=10)
    p.upload(content, "mine.csv")
    trainings.clear()
    before = snapshot(p)
    with pytest.raises(ValueError, match=r"^points sets the size of a generated data set; a file's points are what"):
        p.sweep("points")
    assert trainings == [] and snapshot(p) == before and p.sweep_results == [] and p.sweep_curve is None
    p.sweep("units", [2])  # other controls can
    assert [row[0] for row in p.sweep_results] == [2]


SWEEP_PROGRESS = re.compile(rf"sweep of units: (\d+) of 8 values trained \(units (\d+): error \d+\.\d% training, "
                            rf"\d+\.\d% validation, ({KINDS})\)")


def test_start_sweep_trains_one_value_at_a_time_until_pause(retrains):
    p = playground(epochs=10)
    values = [1, 2, 3, 4, 5, 6, 7, 8]
    retrains.clear()

    async def session():
        assert p.start_sweep("units", values) is None  # returns at once
        assert p.sweep_results == [] and p.status == "sweep of units: 0 of 8 values trained"
        await asyncio.sleep(0)  # one turn of the loop: the first value
        assert len(p.sweep_results) == 1 and SWEEP_PROGRESS.fullmatch(p.status).group(1, 2) == ("1", "1")
        await asyncio.sleep(0)  # the next value waits frame_time, in which the kernel takes a click (Pause)
        assert len(p.sweep_results) == 1
        await until(lambda: len(p.sweep_results) == 2, "the second value")
        assert SWEEP_PROGRESS.fullmatch(p.status).group(1, 2) == ("2", "2")
        await until(lambda: len(p.sweep_results) >= 3, "a third value", pause=0)
        p.pause()
        stopped = len(p.sweep_results), p.status, p.sweep_image.value
        await frames_due()
        await asyncio.sleep(0)
        return stopped

    (count, status, image) = on_a_loop(session)
    assert count == 3 and status == "sweep of units stopped after 3 of 8 values"
    assert len(p.sweep_results) == 3 and p.status == status and p.sweep_image.value == image  # nothing after pause
    assert retrains == []
    p.pause()  # a second pause says nothing new
    assert p.status == status
    done = list(p.sweep_results)
    p.sweep("units", values[:3])  # the same values, trained in one go: the same numbers
    assert same([x for row in done for x in row], [x for row in p.sweep_results for x in row])


def test_start_sweep_finishes_by_itself_as_sweep_does():
    p = playground(epochs=10)

    async def session():
        p.start_sweep("units", [2, 6])
        await until(lambda: p.status.startswith("sweep of units done"), "the end of the sweep")
        return list(p.sweep_results), p.status

    results, status = on_a_loop(session)
    assert [row[0] for row in results] == [2, 6]
    assert p.sweep("units", [2, 6]) == status and same([x for r in results for x in r],
                                                       [x for r in p.sweep_results for x in r])


@pytest.mark.parametrize("how", ["set", "a slider"])
def test_a_retrain_during_a_sweep_stops_it(how):
    p = playground(epochs=10)

    values = list(range(1, 17))  # more than run in the panel's delay, however fast the machine

    async def session():
        p.start_sweep("units", values)
        await asyncio.sleep(0)
        assert len(p.sweep_results) == 1
        if how == "set":
            p.set(units=3)
        else:  # as the browser moves it: the retrain comes after the panel's delay, on the loop
            p.controls["units"].value = 3
            await until(lambda: p.recipe.settings["units"] == 3, "the retrain")
        stopped, status = len(p.sweep_results), p.status
        await frames_due()
        await asyncio.sleep(0)
        return stopped, status

    stopped, status = on_a_loop(session)
    assert 1 <= stopped < len(values) and len(p.sweep_results) == stopped  # no value after the retrain
    assert p.status == status and TRAINED.fullmatch(status) and status.startswith("epoch 10: ")
    assert p.recipe.settings["units"] == 3 and len(p.history.epoch) == 10 and p.model.layers[0].units == 3
    healthy(p, p.status)


def drawn(lines):
    """The points that DecisionRegions' lines (one per class) draw, class by class: (n, 2)."""
    return np.vstack([line.get_xydata().reshape(-1, 2) for line in lines])


def by_class(X, y):
    """X's rows grouped by their label (0, 1, ...), as DecisionRegions draws them."""
    labels = np.ravel(y)
    return np.vstack([X[labels == k] for k in range(int(labels.max()) + 1)])


def test_show_validation_draws_the_validation_points_without_retraining(trainings):
    p = playground(epochs=20)
    regions = p.views["regions"][1]
    assert p.show_validation.value is False and len(drawn(regions.val)) == 0
    assert regions.ax.get_legend() is None and regions.ax.get_title() == "circles: training points"
    np.testing.assert_array_equal(drawn(regions.train), by_class(p.data["X_train"], p.data["y_train"]))
    trainings.clear()
    history, model, status, image = p.history, p.model, p.status, p.image.value
    p.show_validation.value = True  # as the learner ticks it
    assert trainings == [] and p.history is history and p.model is model and len(history.epoch) == 20
    assert p.status == status and p.image.value != image
    np.testing.assert_array_equal(drawn(regions.val), by_class(p.data["X_val"], p.data["y_val"]))
    assert len(drawn(regions.val)) == VALIDATION_POINTS
    assert [t.get_text() for t in regions.ax.get_legend().get_texts()] == ["training", "validation"]
    assert regions.ax.get_title() == "circles"  # the legend tells the two sets apart
    p.show_validation.value = False
    assert trainings == [] and p.history is history and len(drawn(regions.val)) == 0
    assert regions.ax.get_legend() is None
    assert p.image.value == image  # the same picture as before the tick
    p.show_validation.value = True
    p.set(units=3)  # a retrain keeps them shown: the new data's validation points
    assert len(trainings) == 1 and p.views["regions"][1] is regions
    np.testing.assert_array_equal(drawn(regions.val), by_class(p.data["X_val"], p.data["y_val"]))


# ---- playground(**defaults) ----------------------------------------------------------------------------------

@pytest.mark.parametrize("defaults, message", [
    (dict(colour="red"), r"^no control named 'colour'; controls: \['epochs', 'lr', "),
    (dict(hidden=3, epochs=10), r"^no control named 'hidden'"),
    (dict(units=65), r"^units=65 is outside what the control allows; it holds 64$"),
    (dict(hidden_layers=2.5), r"^hidden_layers=2\.5 is outside what the control allows"),
    (dict(dataset="iris"), r"^dataset='iris' is not a value the control allows"),
    (dict(lr=0.5), r"^lr=0\.5 is not a value the control allows"),
    (dict(batch_size=7), r"^batch_size=7 is not a value the control allows"),
    (dict(epochs=7), r"^epochs=7 is not a value the control allows"),
    (dict(noise=0.33), r"^noise=0\.33 is not a value the control allows"),
    (dict(x1="yes"), r"^x1='yes' is not a value the control allows"),
    (dict(activation="softmax"), r"^activation='softmax' is not a value the control allows"),
])
def test_playground_refuses_unknown_controls_and_values(defaults, message):
    with pytest.raises(ValueError, match=message):
        playground(**defaults)


def test_playground_defaults_are_used():
    p = playground(dataset="spirals", hidden_layers=3, units=5, epochs=10)
    s = p.recipe.settings
    assert s["dataset"] == "spirals" and s["hidden_layers"] == 3 and s["units"] == 5
    assert [layer.units for layer in p.model.layers] == [5, 5, 5, 1]
    assert p.status.startswith("epoch 10: ")


def test_a_refused_set_changes_no_control():
    p = playground(epochs=10)
    for values in (dict(units=65), dict(hidden_layers=3, dataset="iris")):
        with pytest.raises(ValueError):
            p.set(**values)
        assert {name: c.value for name, c in p.controls.items()} == p.recipe.settings



# ---- the playground's figure, rendered to PNG --------------------------------------------------------------


def test_render_the_playground_figures(tmp_path):
    X, y = data.moons(120, noise=0.2, rng=0)
    figure = Figure(figsize=(10, 4), dpi=80, layout="constrained")
    left, middle, right = figure.subplots(1, 3, width_ratios=[1.0, 1.5, 0.9])
    regions = DecisionRegions(left, (-2.0, 3.0), (-1.5, 2.0), 2)
    p = 1 / (1 + np.exp(-3 * (regions.grid()[:, 1] - 0.25 - 0.3 * np.sin(2 * regions.grid()[:, 0]))))
    regions.update(p, X[:90], y[:90], X[90:], y[90:])
    network = NetworkHeatmaps(middle, [4, 8, 12, 1], labels=["x1", "x2", "x1^2", "sin x1"])
    network.update(*network_inputs([4, 8, 12, 1], 24, np.random.default_rng(5)))
    history = history_of(loss=list(np.exp(-np.arange(40) / 10)),
                         val_loss=list(np.exp(-np.arange(40) / 12) + 0.002 * np.arange(40)))
    HistoryCurves(right, "loss", log=True).update(history)
    path = tmp_path / "playground.png"
    figure.savefig(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000

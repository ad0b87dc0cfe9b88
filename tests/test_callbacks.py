"""nnlib.callbacks: what Sequential.fit calls around every epoch (notebook 08): History (a Callback that records
every epoch), Progress (the lines fit prints, and the classes that can replace them), LearningRateScheduler
(notebook 09) and EarlyStopping (notebook 10)."""
import re
import sys

import numpy as np
import pytest

from nnlib import callbacks
from nnlib.callbacks import (PROGRESS, Callback, EarlyStopping, History, LearningRateScheduler, Progress,
                             progress)
from nnlib.data import moons, train_test_split
from nnlib.layers import Dense
from nnlib.model import Sequential
from nnlib.optim import SGD, StepDecay


def small_model(lr=0.5, metrics=("accuracy",), dtype="float64"):
    model = Sequential([Dense(8, "tanh", input_dim=2), Dense(1, "sigmoid")], dtype=dtype)
    return model.compile(optimizer=SGD(lr), loss="binary_crossentropy", metrics=list(metrics))


# ---- History -------------------------------------------------------------------------------------------------


def test_history_is_a_callback_whose_append_records_one_epoch():
    history = History()
    assert isinstance(history, Callback) and history.epoch == [] and history.history == {}
    logs = {"loss": 0.5, "accuracy": 0.75}
    history.append(1, logs)
    logs["loss"] = 9.0  # the values are recorded, not the dict
    history.on_epoch_end(2, {"loss": 0.25, "accuracy": 0.875})  # what fit calls: the same as append
    assert history.epoch == [1, 2] and history.history == {"loss": [0.5, 0.25], "accuracy": [0.75, 0.875]}
    assert repr(history) == "History(2 epochs; last: loss 0.2500, accuracy 0.8750)"
    history.append(7, {"loss": 0.125, "accuracy": 1.0, "lr": 0.01})  # epochs as given (initial_epoch); a new key
    assert history.epoch == [1, 2, 7] and history.history["lr"] == [0.01] and history.history["loss"][-1] == 0.125
    assert not hasattr(History, "_append")


# ---- Progress: the lines fit prints, and the classes that replace them ----------------------------------------


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


def test_without_ipython_loaded_verbose_1_prints_lines(monkeypatch, capsys):
    monkeypatch.delitem(sys.modules, "IPython", raising=False)  # a plain Python script, no IPython imported
    X, y = moons(n=20, noise=0.1, rng=0)
    small_model().fit(X, y, epochs=2, rng=0, verbose=1)
    assert [line.split(" - ")[0] for line in capsys.readouterr().out.splitlines()] == ["epoch 1/2", "epoch 2/2"]


class FakeModel:
    stop_training = False


def test_progress_at_verbose_1_reports_every_epochs_20th_epoch_the_last_and_the_one_that_stops(capsys):
    model = FakeModel()
    bar = Progress(100, verbose=1)
    bar.on_train_begin(model)
    for epoch in range(1, 8):
        model.stop_training = epoch == 7  # a callback stopped training after epoch 7
        bar.on_epoch_end(epoch, {"loss": epoch / 8, "accuracy": 1 - epoch / 16})
    assert capsys.readouterr().out == "epoch 5/100 - loss 0.6250 - accuracy 0.6875\nepoch 7/100 - loss 0.8750 - accuracy 0.5625\n"
    every = Progress(100, verbose=2)
    every.on_train_begin(FakeModel())
    for epoch in (1, 2, 3):
        every.on_epoch_end(epoch, {"loss": 0.5})
    assert capsys.readouterr().out == "epoch 1/100 - loss 0.5000\nepoch 2/100 - loss 0.5000\nepoch 3/100 - loss 0.5000\n"


def test_a_progress_subclass_files_itself_and_progress_picks_the_latest_that_applies(monkeypatch, capsys):
    assert PROGRESS[0] is Progress and all(issubclass(cls, Progress) for cls in PROGRESS)
    before = list(PROGRESS)
    monkeypatch.setattr(callbacks, "PROGRESS", list(PROGRESS))  # a copy, for the classes defined below
    assert type(progress(10, 1)) is Progress and type(progress(10, 2)) is Progress  # no notebook kernel here

    class EveryEpochOnly(Progress):
        @classmethod
        def applies(cls, verbose):
            return verbose == 2

    assert callbacks.PROGRESS == [*before, EveryEpochOnly]
    chosen = progress(10, 2)
    assert type(chosen) is EveryEpochOnly and (chosen.epochs, chosen.verbose) == (10, 2)
    assert type(progress(10, 1)) is Progress  # it does not apply at verbose 1: the latest one that does

    class Recorder(Progress):
        reports = []

        def report(self, epoch, numbers, last):
            Recorder.reports.append((epoch, numbers, last))

    assert callbacks.PROGRESS == [*before, EveryEpochOnly, Recorder]
    assert type(progress(4, 1)) is Recorder and type(progress(4, 2)) is Recorder  # the latest, and it applies
    X, y = moons(n=20, noise=0.1, rng=0)
    history = small_model(metrics=()).fit(X, y, epochs=4, rng=0, verbose=2)  # fit uses it, and prints nothing
    assert Recorder.reports == [(e, f"loss {history.history['loss'][e - 1]:.4f}", e == 4) for e in (1, 2, 3, 4)]
    assert capsys.readouterr().out == ""
    monkeypatch.undo()
    assert callbacks.PROGRESS is PROGRESS and PROGRESS == before  # the test's classes are gone


# ---- LearningRateScheduler (notebook 09) -------------------------------------------------------------------


def test_learning_rate_scheduler_sets_and_records_the_lr():
    X, y = moons(n=40, noise=0.1, rng=0)
    model = small_model(lr=0.4)
    history = model.fit(X, y, epochs=5, callbacks=[LearningRateScheduler(StepDecay(2, 0.5))], rng=0, verbose=0)
    assert history.history["lr"] == [0.4, 0.4, 0.2, 0.2, 0.1] and model.optimizer.lr == 0.1
    with pytest.raises(TypeError, match=r"^schedule must be a function schedule\(epoch, lr\) -> lr, such as "
                                        r"StepDecay\(10\); got float 0.1$"):
        LearningRateScheduler(0.1)
    with pytest.raises(ValueError, match="^the schedule's lr must be > 0; got 0$"):
        model.fit(X, y, epochs=2, callbacks=[LearningRateScheduler(lambda epoch, lr: lr * (1 - epoch))], verbose=0)


def test_the_schedule_gets_the_current_lr_as_in_keras():
    # Keras: schedule(epoch, lr) with the optimizer's lr at the start of each epoch, epochs from 0
    X, y = moons(n=40, noise=0.1, rng=0)
    calls = []

    def schedule(epoch, lr):
        calls.append((epoch, lr))
        return lr * 0.5

    model = small_model(lr=0.4)
    history = model.fit(X, y, epochs=3, callbacks=[LearningRateScheduler(schedule)], rng=0, verbose=0)
    assert calls == [(0, 0.4), (1, 0.2), (2, 0.1)] and history.history["lr"] == [0.2, 0.1, 0.05]
    model.optimizer.lr = 0.3  # set by hand between fits: the next epoch starts from it (Keras reads the optimizer)
    model.fit(X, y, epochs=4, initial_epoch=3, callbacks=[LearningRateScheduler(schedule)], rng=0, verbose=0)
    assert calls[-1] == (3, 0.3) and model.optimizer.lr == 0.15
    decay = small_model(lr=0.1)  # the example: 10% less every epoch, compounding
    lrs = decay.fit(X, y, epochs=4, callbacks=[LearningRateScheduler(lambda e, lr: lr * 0.9)], rng=0,
                    verbose=0).history["lr"]
    assert lrs == pytest.approx([0.09, 0.081, 0.0729, 0.06561], rel=1e-14, abs=0)


def test_a_schedule_of_one_argument_gets_the_epoch_only():
    X, y = moons(n=40, noise=0.1, rng=0)
    model = small_model(lr=0.4)
    history = model.fit(X, y, epochs=3, callbacks=[LearningRateScheduler(lambda epoch: 0.1 / (1 + epoch))], rng=0,
                        verbose=0)
    assert history.history["lr"] == [0.1, 0.05, 0.1 / 3]
    assert LearningRateScheduler(lambda epoch, lr=None: 0.1).arguments == 2  # takes two: called with two
    with pytest.raises(TypeError, match=r"^schedule must take \(epoch, lr\) or \(epoch\), such as lambda epoch, "
                                        r"lr: lr \* 0.9; got .* taking \(\)$"):
        LearningRateScheduler(lambda: 0.1)
    with pytest.raises(TypeError, match=r"taking \(a, b, c\)$"):
        LearningRateScheduler(lambda a, b, c: 0.1)


def test_a_scheduler_goes_on_from_the_lr_its_model_has_and_describes_its_schedule():
    X, y = moons(n=40, noise=0.1, rng=0)
    model, schedule = small_model(lr=0.4), LearningRateScheduler(StepDecay(2, 0.5))
    assert schedule.get_config() == {"schedule": StepDecay(2, 0.5)}
    first = model.fit(X, y, epochs=3, callbacks=[schedule], rng=0, verbose=0)
    assert first.history["lr"] == [0.4, 0.4, 0.2] and model.optimizer.lr == 0.2
    second = model.fit(X, y, epochs=5, initial_epoch=3, callbacks=[schedule], rng=0, verbose=0)
    assert second.epoch == [4, 5] and second.history["lr"] == [0.2, 0.1]  # the same as one fit of 5 epochs
    whole = small_model(lr=0.4).fit(X, y, epochs=5, callbacks=[LearningRateScheduler(StepDecay(2, 0.5))], rng=0,
                                    verbose=0)
    assert whole.history["lr"] == first.history["lr"] + second.history["lr"]
    other = small_model(lr=0.3)  # another model: the schedule starts from its lr
    assert other.fit(X, y, epochs=2, callbacks=[schedule], rng=0, verbose=0).history["lr"] == [0.3, 0.3]
    assert schedule.model is other


# ---- EarlyStopping (notebook 10) -----------------------------------------------------------------------------


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

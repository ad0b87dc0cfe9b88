"""nnlib.ui.progress: fit's progress bar, which applies only in a notebook kernel at verbose=1 (simulated here as
IPython's kernel shell), moves in place about 20 times and prints the last epoch's line under it; everywhere else fit
prints lines."""
import re
import sys

import IPython
import pytest

import nnlib.ui.progress
from nnlib.callbacks import PROGRESS, Progress, progress
from nnlib.data import moons
from nnlib.layers import Dense
from nnlib.model import Sequential
from nnlib.optim import SGD
from nnlib.ui.progress import ProgressBar


class ZMQInteractiveShell:  # the kernel's shell, as ProgressBar recognises it
    pass


class TerminalInteractiveShell:  # IPython in a terminal: no widgets drawn
    pass


def small_model():
    model = Sequential([Dense(8, "tanh", input_dim=2), Dense(1, "sigmoid")])
    return model.compile(optimizer=SGD(0.5), loss="binary_crossentropy", metrics=["accuracy"])


@pytest.fixture
def in_a_kernel(monkeypatch):
    """fit as in a notebook's kernel; returns the list of what the bars display (instead of a front end)."""
    shown = []
    monkeypatch.setattr(IPython, "get_ipython", lambda: ZMQInteractiveShell())
    monkeypatch.setattr(nnlib.ui.progress, "display", shown.append)
    return shown


def test_importing_nnlib_ui_files_the_bar_among_fits_progress_classes():
    assert ProgressBar in PROGRESS and issubclass(ProgressBar, Progress)
    assert PROGRESS.index(ProgressBar) > PROGRESS.index(Progress)  # later, so progress() asks it first


@pytest.mark.parametrize("shell, verbose, chosen", [
    (ZMQInteractiveShell, 1, ProgressBar),
    (ZMQInteractiveShell, 2, Progress),  # verbose 2: a line per epoch, also in a notebook
    (TerminalInteractiveShell, 1, Progress),
    (None, 1, Progress),  # IPython imported, but no shell: a plain script
])
def test_the_bar_applies_only_in_a_notebook_kernel_at_verbose_1(monkeypatch, shell, verbose, chosen):
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell() if shell else None)
    assert ProgressBar.applies(verbose) is (chosen is ProgressBar)
    assert type(progress(10, verbose)) is chosen


def test_without_ipython_loaded_the_bar_does_not_apply(monkeypatch):
    monkeypatch.delitem(sys.modules, "IPython")  # a plain Python script, no IPython imported
    assert not ProgressBar.applies(1) and type(progress(10, 1)) is Progress


def test_in_a_notebook_kernel_verbose_1_moves_a_progress_bar_and_prints_the_last_epoch(in_a_kernel, monkeypatch,
                                                                                      capsys):
    reports = []
    report = ProgressBar.report
    monkeypatch.setattr(ProgressBar, "report", lambda self, *args: reports.append(args) or report(self, *args))
    X, y = moons(n=20, noise=0.1, rng=0)
    history = small_model().fit(X, y, epochs=41, rng=0, verbose=1)
    (bar,) = in_a_kernel
    assert type(bar) is ProgressBar and bar.epochs == 41
    assert [epoch for epoch, _, _ in reports] == [*range(2, 41, 2), 41]  # every 41 // 20 = 2 epochs, and the last
    assert [last for _, _, last in reports] == [False] * 20 + [True]
    h = history.history
    numbers = f"loss {h['loss'][-1]:.4f} - accuracy {h['accuracy'][-1]:.4f}"
    assert (bar.bar.value, bar.bar.min, bar.bar.max, bar.bar.description) == (41, 0, 41, "epoch 41")
    assert bar.numbers.value == numbers == reports[-1][1]
    assert capsys.readouterr().out == f"epoch 41/41 - {numbers}\n"  # one line, under the bar
    assert "nnlib-progress" in bar.widget._dom_classes and bar.widget.children == (bar.bar, bar.numbers)


def test_the_bar_shows_as_a_widget_with_a_short_text_fallback(in_a_kernel):
    X, y = moons(n=20, noise=0.1, rng=0)
    small_model().fit(X, y, epochs=3, rng=0, verbose=1)
    (bar,) = in_a_kernel
    bundle = bar._repr_mimebundle_()
    assert bundle["text/plain"] == "[progress bar: 3 epochs]"
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == bar.widget.model_id


def test_in_a_notebook_kernel_verbose_2_prints_lines_and_the_default_is_the_bar(in_a_kernel, capsys):
    X, y = moons(n=20, noise=0.1, rng=0)
    small_model().fit(X, y, epochs=3, rng=0, verbose=2)  # verbose 2: lines, no bar
    assert in_a_kernel == []
    assert [line.split(" - ")[0] for line in capsys.readouterr().out.splitlines()] == ["epoch 1/3", "epoch 2/3",
                                                                                       "epoch 3/3"]
    small_model().fit(X, y, epochs=3, rng=0)  # the default is verbose=1: a bar
    (bar,) = in_a_kernel
    assert bar.epochs == 3 and re.fullmatch(r"epoch 3/3 - loss \d\.\d{4} - accuracy \d\.\d{4}\n",
                                            capsys.readouterr().out)
    small_model().fit(X, y, epochs=3, rng=0, verbose=0)  # verbose 0: nothing at all
    assert len(in_a_kernel) == 1 and capsys.readouterr().out == ""


def test_outside_a_kernel_verbose_1_prints_lines_though_nnlib_ui_is_imported(capsys):
    X, y = moons(n=20, noise=0.1, rng=0)
    small_model().fit(X, y, epochs=2, rng=0, verbose=1)
    assert [line.split(" - ")[0] for line in capsys.readouterr().out.splitlines()] == ["epoch 1/2", "epoch 2/2"]

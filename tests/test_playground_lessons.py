"""The lessons the playground teaches (notebook 10), measured: each setting a learner is told to try gives the
diagnosis it is said to give, at the playground's defaults (Recipe.DEFAULTS: 400 training points of noisy circles, 1000
validation points, 2 layers of 6 tanh units, adam at 0.03, 300 epochs), on at least 4 of the seeds 0-4.

Each run is the playground's own (nnlib.ui.playground.sweep_point: the retrain of those settings from their seed,
diagnosed as the playground diagnoses it, diagnose(history, n_val=1000)); no widget is made for it. Every (settings,
seed) run is trained once and shared by the assertions (RUNS). The extremes tried are the ends of the playground's
controls, asserted, so that this file follows the controls when they change. Slow: 70 runs (about 15 s of one core),
so it is not part of the default run (marker `lessons`): .ci/run runs it after the suite, `python -m pytest -m lessons`.
"""
import time

import pytest

from nnlib.recipe import VALIDATION_POINTS, Recipe
from nnlib.ui.playground import (EPOCHS, LEARNING_RATES, PENALTY_STRENGTHS, POINTS, PRESETS, _playground_controls,
                                 sweep_point)

pytestmark = pytest.mark.lessons

SEEDS = range(5)
AT_LEAST = 4  # of the 5 seeds

CONDITIONS = {  # name: the settings changed from Recipe.DEFAULTS
    "defaults": {},
    "units=1": {"units": 1},
    "units=64": {"units": 64},
    "hidden_layers=0": {"hidden_layers": 0},
    "epochs=10": {"epochs": 10},
    "epochs=2000": {"epochs": 2000},
    "l2=0.1": {"l2": 0.1},
    "dropout=0.8": {"dropout": 0.8},
    "units=64, l2=0.001": {"units": 64, "l2": 0.001},
    "units=64, dropout=0.2": {"units": 64, "dropout": 0.2},
    "points=20": {"points": 20},
    "units=64, points=1000": {"units": 64, "points": 1000},
    "lr=0.0001": {"lr": 0.0001},
    "lr=10.0": {"lr": 10.0},
}

LESSONS = {  # condition: the kinds of diagnosis that teach its lesson
    "units=1": {"underfitting"},
    "defaults": {"good fit"},
    "units=64": {"overfitting"},
    "hidden_layers=0": {"underfitting"},
    "epochs=10": {"underfitting"},
    "epochs=2000": {"overfitting"},
    "l2=0.1": {"underfitting"},
    "dropout=0.8": {"underfitting"},
    "units=64, l2=0.001": {"good fit"},
    "units=64, dropout=0.2": {"good fit"},
    "points=20": {"overfitting"},
    "units=64, points=1000": {"good fit"},
    "lr=0.0001": {"not trained yet"},
    "lr=10.0": {"oscillating", "diverged"},
}

RUNS = {}  # (condition, seed): (training error, validation error, kind), each trained once
SECONDS = []  # the training time of each run in RUNS


def run(condition, seed):
    """The playground's run of the condition at seed: (training error, validation error, kind), trained once."""
    key = condition, seed
    if key not in RUNS:
        start = time.perf_counter()
        RUNS[key] = sweep_point({**Recipe.DEFAULTS, **CONDITIONS[condition], "seed": seed})
        SECONDS.append(time.perf_counter() - start)
    return RUNS[key]


@pytest.fixture(scope="module", autouse=True)
def report_the_counts_and_the_time(request):
    """After the module, on the terminal (when it is this process's, not a pytest-xdist worker's): each lesson's
    count of seeds, the number of runs trained and how long they took."""
    yield
    reporter = request.config.pluginmanager.getplugin("terminalreporter")
    capture = request.config.pluginmanager.getplugin("capturemanager")
    if reporter is None or capture is None or not SECONDS:
        return
    counts = [f"{condition} {sum(RUNS[condition, seed][2] in kinds for seed in SEEDS)}/5"
              for condition, kinds in LESSONS.items() if all((condition, seed) in RUNS for seed in SEEDS)]
    with capture.global_and_fixture_disabled():
        reporter.write_line(f"\n{__name__}: {'; '.join(counts)}; {len(SECONDS)} runs trained in {sum(SECONDS):.1f} s")


def test_the_extremes_are_the_ends_of_the_controls():
    controls = _playground_controls()

    def options(name):  # a SelectionSlider's values (value_slider's options are (label, value) pairs)
        return [option[1] if isinstance(option, tuple) else option for option in controls[name].options]

    assert (controls["units"].min, controls["units"].max) == (1, 64)
    assert controls["hidden_layers"].min == 0
    assert options("epochs") == EPOCHS and (EPOCHS[0], EPOCHS[-1]) == (10, 2000)
    assert options("l2") == PENALTY_STRENGTHS and PENALTY_STRENGTHS[-1] == 0.1 and 0.001 in PENALTY_STRENGTHS
    assert options("dropout")[-1] == 0.8 and 0.2 in options("dropout")
    assert options("points") == POINTS and (POINTS[0], POINTS[-1]) == (20, 1000)
    assert options("lr") == LEARNING_RATES and (LEARNING_RATES[0], LEARNING_RATES[-1]) == (0.0001, 10.0)
    for condition, changes in CONDITIONS.items():  # every value tried is one the controls hold
        for name, value in changes.items():
            held = (controls[name].min <= value <= controls[name].max if hasattr(controls[name], "min")
                    else value in options(name))
            assert held, (condition, name, value)


def test_the_runs_are_the_playgrounds():
    assert VALIDATION_POINTS == 1000  # what n_val the playground gives diagnose
    assert Recipe.DEFAULTS["points"] == 400 and Recipe.DEFAULTS["epochs"] == 300 and Recipe.DEFAULTS["units"] == 6
    assert set(LESSONS) == set(CONDITIONS)
    # the experiments of the playground's menu are conditions here: what their sentences promise is measured
    presets = {name: changes for name, (changes, _) in PRESETS.items()}
    assert presets == {"a good fit (the defaults)": CONDITIONS["defaults"], "too small": CONDITIONS["hidden_layers=0"],
                       "too big for the data": CONDITIONS["units=64"],
                       "cure it with L2": CONDITIONS["units=64, l2=0.001"],
                       "cure it with more data": CONDITIONS["units=64, points=1000"],
                       "learning rate too high": CONDITIONS["lr=10.0"]}


@pytest.mark.parametrize("condition", list(LESSONS))
def test_the_lesson_holds_on_most_seeds(condition):
    kinds = [run(condition, seed)[2] for seed in SEEDS]
    count = sum(kind in LESSONS[condition] for kind in kinds)
    assert count >= AT_LEAST, f"{condition}: {' or '.join(sorted(LESSONS[condition]))} on {count} of 5 seeds: {kinds}"


def test_a_bigger_network_fits_the_training_points_better_and_new_points_worse():
    """units=64 against the defaults, seed by seed: a lower training error, a higher validation error, overfitting."""
    outcomes = []
    for seed in SEEDS:
        (big_train, big_val, kind), (train, val, _) = run("units=64", seed), run("defaults", seed)
        outcomes.append((kind == "overfitting" and big_train < train and big_val > val,
                         f"seed {seed}: {kind}, training {big_train:.1%} vs {train:.1%}, validation {big_val:.1%} vs "
                         f"{val:.1%}"))
    assert sum(ok for ok, _ in outcomes) >= AT_LEAST, [text for _, text in outcomes]

"""nnlib.neurons: threshold units (notebook 01), the sigmoid neuron and the perceptron (notebook 02)."""
import itertools
import math

import numpy as np
import pytest

from nnlib.neurons import (
    AND, MAJORITY, NAND, NOT, OR, XOR, McCullochPitts, Perceptron, ThresholdNetwork, binary_inputs,
    find_threshold_units, format_truth_table, sigmoid, sigmoid_neuron, weighted_sum,
)


def truth(unit, n):
    """The unit's outputs on every binary input, computed one input at a time (an independent loop)."""
    return [unit(list(x)) for x in itertools.product([0, 1], repeat=n)]


# -- threshold units ---------------------------------------------------------------------------------------


def test_binary_inputs_count_in_binary():
    assert binary_inputs(2).tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    rows = binary_inputs(4)
    assert rows.shape == (16, 4) and [int("".join(map(str, r)), 2) for r in rows] == list(range(16))
    for bad, error in [(0, ValueError), (True, TypeError), (2.0, TypeError), (21, ValueError)]:
        with pytest.raises(error, match="n_inputs"):
            binary_inputs(bad)


@pytest.mark.parametrize(
    "gate, n, table",
    [
        (AND, 2, [0, 0, 0, 1]), (OR, 2, [0, 1, 1, 1]), (NAND, 2, [1, 1, 1, 0]), (NOT, 1, [1, 0]),
        (MAJORITY, 3, [0, 0, 0, 1, 0, 1, 1, 1]), (XOR, 2, [0, 1, 1, 0]),
    ],
)
def test_gates_have_their_truth_tables(gate, n, table):
    assert truth(gate, n) == table
    inputs, outputs = gate.truth_table()
    assert inputs.tolist() == binary_inputs(n).tolist() and outputs.tolist() == table


def test_a_unit_fires_when_the_weighted_sum_reaches_the_threshold():
    unit = McCullochPitts([2, -1, 0.5], 1.5)
    X = binary_inputs(3)
    expected = [int(2 * a - b + 0.5 * c >= 1.5) for a, b, c in X]
    out = unit(X)
    assert out.dtype == np.int64 and out.tolist() == expected
    assert isinstance(unit([1, 0, 0]), int) and unit([1, 0, 0]) == 1
    assert unit.n_inputs == 3 and repr(unit) == "McCullochPitts(weights=[2, -1, 0.5], threshold=1.5)"
    assert repr(AND) == "McCullochPitts(weights=[1, 1], threshold=2, name='AND')"


def test_absolute_inhibition_is_a_weight_of_minus_positive_sum_plus_one():
    rng = np.random.default_rng(0)
    for _ in range(50):
        n_exc, n_inh = rng.integers(1, 4), rng.integers(1, 3)
        weights = list(rng.integers(1, 3, size=n_exc))
        theta = int(rng.integers(0, sum(weights) + 2))
        unit = McCullochPitts(weights + [-(sum(weights) + 1)] * n_inh, theta)
        for x in binary_inputs(n_exc + n_inh):
            vetoed = x[n_exc:].any()
            paper = 0 if vetoed else int(np.dot(weights, x[:n_exc]) >= theta)
            assert unit(x) == paper


@pytest.mark.parametrize(
    "x, error, message",
    [
        ([0, 2], ValueError, r"x must hold only 0 and 1 \(binary\); got 2 at index 1"),
        ([[0, 1], [1, -1]], ValueError, r"x must hold only 0 and 1 \(binary\); got -1 at index \(1, 1\)"),
        ([1, 0, 1], ValueError, r"x must have 2 inputs per sample \(one per weight\); got shape \(3,\)"),
        ([0, np.nan], ValueError, "x must be finite; got nan at index 1"),
        ([0, np.inf], ValueError, "x must be finite; got inf at index 1"),
        (["a", "b"], TypeError, "x must hold real numbers"),
        (np.zeros((2, 2, 2)), ValueError, r"x must be a 1-D or 2-D array"),
        (np.zeros((0, 2)), ValueError, "x must not be empty"),
    ],
)
def test_threshold_unit_refuses_bad_inputs(x, error, message):
    with pytest.raises(error, match=message):
        AND(x)


@pytest.mark.parametrize(
    "weights, threshold, error, message",
    [
        ([], 1, ValueError, "weights must not be empty"),
        ([[1, 1]], 1, ValueError, r"weights must be a 1-D array \(n_inputs,\); got shape \(1, 2\)"),
        ([1, np.nan], 1, ValueError, "weights must be finite; got nan at index 1"),
        (["1", "2"], 1, TypeError, "weights must hold real numbers"),
        ([1, 1], float("inf"), ValueError, "threshold must be finite; got inf"),
        ([1, 1], "2", TypeError, "threshold must be a real number; got str '2'"),
    ],
)
def test_threshold_unit_refuses_bad_parameters(weights, threshold, error, message):
    with pytest.raises(error, match=message):
        McCullochPitts(weights, threshold)
    with pytest.raises(TypeError, match="name must be a str or None"):
        McCullochPitts([1], 1, name=3)


def test_format_truth_table():
    text = format_truth_table(*AND.truth_table())
    assert text == "x1 x2 | y\n 0  0 | 0\n 0  1 | 0\n 1  0 | 0\n 1  1 | 1"
    two = format_truth_table(binary_inputs(1), [[0, 1], [1, 0]], input_names=["a"], output_names=["p", "q"])
    assert two == "a | p q\n0 | 0 1\n1 | 1 0"
    with pytest.raises(ValueError, match=r"outputs must have one row per input row \(4\); got 3"):
        format_truth_table(binary_inputs(2), [0, 1, 1])
    with pytest.raises(ValueError, match="input_names and output_names must name 2 inputs and 1 outputs; got 1 and 1"):
        format_truth_table(binary_inputs(2), [0, 1, 1, 0], input_names=["a"])


def test_search_finds_only_units_that_compute_the_target():
    X = binary_inputs(2)
    solutions, tried = find_threshold_units(X, [0, 0, 0, 1])
    sums = {int(v) for v in (X @ np.array(list(itertools.product(range(-3, 4), repeat=2))).T).ravel()}
    assert tried == 49 * (len(sums) + 1)
    assert [1, 1, 2] in solutions.tolist()
    for w1, w2, theta in solutions:
        assert McCullochPitts([w1, w2], theta)(X).tolist() == [0, 0, 0, 1]
    # the count of units found is every (w, theta) on the grid that computes AND, checked one by one
    brute = sum(
        McCullochPitts([w1, w2], t)(X).tolist() == [0, 0, 0, 1]
        for w1, w2 in itertools.product(range(-3, 4), repeat=2)
        for t in sorted(sums) + [max(sums) + 1]
    )
    assert len(solutions) == brute


def test_no_unit_computes_xor_and_fourteen_two_input_functions_are_separable():
    X = binary_inputs(2)
    assert len(find_threshold_units(X, [0, 1, 1, 0], weights=range(-10, 11))[0]) == 0
    assert len(find_threshold_units(X, [1, 0, 0, 1], weights=np.linspace(-3, 3, 25))[0]) == 0
    separable = [t for t in itertools.product([0, 1], repeat=4) if len(find_threshold_units(X, list(t))[0])]
    assert len(separable) == 14 and (0, 1, 1, 0) not in separable and (1, 0, 0, 1) not in separable
    assert len(find_threshold_units(binary_inputs(3), MAJORITY.truth_table()[1])[0]) > 0


def test_search_refuses_bad_arguments():
    X = binary_inputs(2)
    with pytest.raises(ValueError, match=r"targets must have one entry per row of inputs \(4\); got 3"):
        find_threshold_units(X, [0, 1, 1])
    with pytest.raises(ValueError, match="targets must hold only 0 and 1"):
        find_threshold_units(X, [0, 1, 2, 0])
    with pytest.raises(ValueError, match="inputs must hold only 0 and 1"):
        find_threshold_units(X * 2, [0, 1, 1, 0])
    with pytest.raises(ValueError, match="the search would try 85,766,121 weight vectors on 64 inputs"):
        find_threshold_units(binary_inputs(6), [0] * 64, weights=range(-10, 11))
    with pytest.raises(ValueError, match="the search would compare .* sums with thresholds; use fewer thresholds"):
        find_threshold_units(binary_inputs(2), [0, 1, 1, 0], thresholds=np.arange(20_000_000))


def test_threshold_network_layers():
    X = binary_inputs(2)
    hidden, out = XOR.layer_outputs(X)
    assert hidden.tolist() == np.column_stack([OR(X), NAND(X)]).tolist() and out.shape == (4, 1)
    assert XOR([1, 0]) == 1 and isinstance(XOR([1, 0]), int)
    wide = ThresholdNetwork([[AND, OR]])
    assert wide(X).shape == (4, 2) and wide([1, 0]).tolist() == [0, 1]
    assert repr(XOR) == "ThresholdNetwork(2 inputs -> 2 -> 1 units, name='XOR')"


@pytest.mark.parametrize(
    "layers, error, message",
    [
        ([], TypeError, "layers must be a non-empty list"),
        ([[]], TypeError, r"layers\[0\] must be a non-empty list"),
        ([[AND, "OR"]], TypeError, r"layers\[0\]\[1\] must be a McCullochPitts unit; got str 'OR'"),
        ([[AND, NOT]], ValueError, r"layers\[0\]\[1\] must have 2 weights"),
        ([[AND, OR], [MAJORITY]], ValueError, r"layers\[1\]\[0\] must have 2 weights to read the 2 units of layers\[0\]; got 3"),
    ],
)
def test_threshold_network_refuses_mismatched_layers(layers, error, message):
    with pytest.raises(error, match=message):
        ThresholdNetwork(layers)


def test_threshold_network_refuses_wrong_input_size():
    with pytest.raises(ValueError, match=r"x must have 2 inputs per sample; got shape \(1, 3\)"):
        XOR([1, 0, 1])


# -- the sigmoid neuron -------------------------------------------------------------------------------------


def test_worked_example_of_notebook_02():
    x, w, b = [1, 5, 3], [0.2, 0.5, -0.1], 0.1
    assert weighted_sum(x, w, b) == pytest.approx(2.5, abs=1e-15)
    assert sigmoid_neuron(x, w, b) == pytest.approx(1 / (1 + math.exp(-2.5)), abs=1e-15)
    assert round(sigmoid_neuron(x, w, b), 4) == 0.9241
    batch = weighted_sum(np.array([x, [0, 0, 0]]), w, b)
    assert batch.shape == (2,) and batch[1] == pytest.approx(0.1)


def test_weighted_sum_refuses_bad_arguments():
    with pytest.raises(ValueError, match=r"x must have 3 inputs per sample \(one per weight in w\); got shape \(2,\)"):
        weighted_sum([1, 2], [1, 2, 3], 0)
    with pytest.raises(ValueError, match="b must be finite; got nan"):
        weighted_sum([1, 2], [1, 2], float("nan"))
    with pytest.raises(ValueError, match="w must be finite"):
        weighted_sum([1, 2], [1, np.inf], 0)


def test_sigmoid_values_symmetry_and_extremes_without_warnings():
    z = np.linspace(-30, 30, 601)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is the right answer
        s = sigmoid(z)
        extremes = sigmoid(np.array([-1e4, -1000.0, 0.0, 1000.0, 1e4, -np.inf, np.inf]))
    assert np.allclose(s, 1 / (1 + np.exp(-z)), rtol=1e-15, atol=0)
    assert np.allclose(sigmoid(-z), 1 - s, rtol=0, atol=1e-15)
    assert extremes.tolist() == [0.0, 0.0, 0.5, 1.0, 1.0, 0.0, 1.0]
    assert sigmoid(0) == 0.5 and isinstance(sigmoid(0), float)


def test_sigmoid_keeps_dtype_and_shape():
    z32 = np.linspace(-5, 5, 12, dtype=np.float32).reshape(3, 2, 2)
    out = sigmoid(z32)
    assert out.dtype == np.float32 and out.shape == (3, 2, 2)
    assert sigmoid(np.zeros((0, 3))).shape == (0, 3)
    with pytest.raises(ValueError, match=r"z must be numbers \(no NaN\); got nan at index 1"):
        sigmoid([0.0, np.nan])
    with pytest.raises(TypeError, match="z must hold real numbers"):
        sigmoid("1")


# -- the perceptron -----------------------------------------------------------------------------------------


def reference_perceptron(X, y, order_per_epoch, lr):
    """The perceptron rule written out with Python floats, for comparison."""
    w, b, errors = [0.0] * X.shape[1], 0.0, []
    for order in order_per_epoch:
        mistakes = 0
        for i in order:
            y_hat = 1 if sum(wj * xj for wj, xj in zip(w, X[i])) + b >= 0 else 0
            if y_hat != y[i]:
                w = [wj + lr * (y[i] - y_hat) * xj for wj, xj in zip(w, X[i])]
                b += lr * (y[i] - y_hat)
                mistakes += 1
        errors.append(mistakes)
        if mistakes == 0:
            break
    return w, b, errors


def separable(seed, n=60):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(4 * n, 2))
    w_true, b_true = rng.normal(size=2), rng.uniform(-0.3, 0.3)
    margin = (X @ w_true + b_true) / np.linalg.norm(w_true)
    X = X[np.abs(margin) > 0.05][:n]
    return X, (X @ w_true + b_true >= 0).astype(int), np.append(w_true, b_true)


def test_the_and_trace_of_notebook_02():
    X = binary_inputs(2).astype(float)
    p = Perceptron(2).fit(X, [0, 0, 0, 1], shuffle=False)
    # worked by hand in the notebook's trace: six epochs, ending at w = (2, 1), b = -3
    assert p.weights.tolist() == [2.0, 1.0] and p.bias == -3.0 and p.errors_.tolist() == [2, 3, 3, 2, 1, 0]
    assert p.weights_history_.shape == (7, 2) and p.bias_history_.shape == (7,) and p.converged_


@pytest.mark.parametrize("seed", range(5))
def test_matches_the_rule_written_out_and_obeys_the_convergence_bound(seed):
    X, y, u = separable(seed)
    p = Perceptron(2, lr=0.5, rng=seed).fit(X, y, epochs=1000)
    replay = np.random.default_rng(seed)
    orders = [replay.permutation(len(X)) for _ in range(len(p.errors_))]
    w, b, errors = reference_perceptron(X, y, orders, lr=0.5)
    assert np.allclose(p.weights, w, rtol=1e-12, atol=1e-12) and p.bias == pytest.approx(b)
    assert p.errors_.tolist() == errors
    assert p.converged_ and (p.predict(X) == y).all()
    Xt = np.column_stack([X, np.ones(len(X))])
    gamma = ((2 * y - 1) * (Xt @ u)).min() / np.linalg.norm(u)
    assert p.errors_.sum() <= (np.linalg.norm(Xt, axis=1).max() / gamma) ** 2


def test_same_seed_same_run_and_learning_rate_only_scales():
    X, y, _ = separable(7)
    a = Perceptron(2, rng=3).fit(X, y)
    b = Perceptron(2, rng=3).fit(X, y)
    c = Perceptron(2, lr=0.01, rng=3).fit(X, y)
    assert np.array_equal(a.weights_history_, b.weights_history_) and np.array_equal(a.errors_, b.errors_)
    assert np.array_equal(a.errors_, c.errors_)
    assert np.allclose(c.weights_history_, 0.01 * a.weights_history_, rtol=1e-10, atol=1e-14)
    other = Perceptron(2, rng=4).fit(X, y)
    assert not np.array_equal(other.weights_history_[1], a.weights_history_[1])


def test_never_settles_on_xor():
    X = binary_inputs(2)
    p = Perceptron(2, rng=0).fit(X, [0, 1, 1, 0], epochs=200)
    assert not p.converged_ and len(p.errors_) == 200 and (p.errors_ >= 1).all()
    fixed = Perceptron(2).fit(X, [0, 1, 1, 0], epochs=50, shuffle=False)
    assert (fixed.weights_history_[2:] == fixed.weights_history_[2]).all()


def test_predict_and_decision_function_shapes():
    p = Perceptron(2).fit(binary_inputs(2), [0, 0, 0, 1], shuffle=False)
    assert p.decision_function([1, 1]) == 0.0 and isinstance(p.decision_function([1, 1]), float)
    assert p.predict([1, 1]) == 1 and isinstance(p.predict([1, 1]), int)
    assert p.predict(binary_inputs(2)).tolist() == [0, 0, 0, 1]
    assert repr(p) == "Perceptron(n_inputs=2, lr=1)"


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"lr": 0}, ValueError, "lr must be > 0; got 0"),
        ({"lr": -0.5}, ValueError, "lr must be > 0; got -0.5"),
        ({"lr": float("nan")}, ValueError, "lr must be finite; got nan"),
        ({"lr": "0.1"}, TypeError, "lr must be a real number; got str '0.1'"),
        ({"n_inputs": 0}, ValueError, "n_inputs must be >= 1; got 0"),
        ({"rng": "seed"}, TypeError, "rng must be an int seed, a numpy Generator or None"),
    ],
)
def test_perceptron_refuses_bad_hyper_parameters(kwargs, error, message):
    with pytest.raises(error, match=message):
        Perceptron(**{"n_inputs": 2, **kwargs})


@pytest.mark.parametrize(
    "X, y, kwargs, error, message",
    [
        ([[0, 0], [1, 1]], [0, 2], {}, ValueError, r"y must hold only 0 and 1 \(binary\); got 2 at index 1"),
        ([[0, 0], [1, 1]], [-1, 1], {}, ValueError, r"y must hold only 0 and 1 \(binary\); got -1 at index 0"),
        (np.zeros((0, 2)), np.zeros(0), {}, ValueError, r"X must not be empty; got shape \(0, 2\)"),
        ([0, 1], [1], {}, ValueError, r"X must be a 2-D array \(n_samples, n_inputs\); got shape \(2,\)"),
        ([[0, 0, 1]], [1], {}, ValueError, r"X must have 2 inputs per sample; got shape \(1, 3\)"),
        ([[0, 0], [1, 1]], [1], {}, ValueError, r"y must have one label per row of X \(2\); got 1"),
        ([[0, np.nan]], [1], {}, ValueError, r"X must be finite; got nan at index \(0, 1\)"),
        ([[0, 0]], [1], {"epochs": 0}, ValueError, "epochs must be >= 1; got 0"),
        ([[0, 0]], [1], {"shuffle": "yes"}, TypeError, "shuffle must be True or False; got str 'yes'"),
    ],
)
def test_fit_refuses_bad_data(X, y, kwargs, error, message):
    with pytest.raises(error, match=message):
        Perceptron(2).fit(X, y, **kwargs)

"""Issue 27, "nothing lost, nothing silent", at nnlib's public doors other than the model file (test_saving.py):
Sequential, layers, losses, optimizers, callbacks, data helpers and autograd. First one test per case the issue
names, with the exact message; then property tests (hypothesis) that feed each door arbitrary arguments: it either
works, giving finite numbers, or raises a TypeError/ValueError of nnlib's own (raised in nnlib's code, not deep in
numpy), never another exception. derandomize: the same examples on every run."""
import errno
import os
import pathlib
import re
import traceback

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from nnlib import data
from nnlib.autograd import Tensor, Value
from nnlib.callbacks import EarlyStopping, LearningRateScheduler
from nnlib.layers import Dense, Dropout
from nnlib.losses import CategoricalCrossEntropy
from nnlib.model import Sequential, TrainingDiverged
from nnlib.optim import OPTIMIZERS, Adam

X4, Y4 = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]), np.array([1.0, 1.0, 0.0, 0.0])


def small():
    return Sequential([Dense(3, "tanh", input_dim=2, rng=0), Dense(1, "sigmoid", rng=1)])


# ---- silent wrong results --------------------------------------------------------------------------------------


def test_set_weights_checks_every_array_before_it_sets_any():
    model = small()
    before = model.get_weights()
    changed = [w + 1 for w in before]
    with pytest.raises(ValueError, match=r"^weights\[3\] \(layers\[1\]\.b\) must have shape \(1,\); got \(7,\)$"):
        model.set_weights(changed[:3] + [np.ones(7)])
    with pytest.raises(ValueError, match=r"^weights\[3\] \(layers\[1\]\.b\) must be finite; got nan at index 0$"):
        model.set_weights(changed[:3] + [np.array([np.nan])])
    with pytest.raises(TypeError, match=r"^weights\[1\] \(layers\[0\]\.b\) must hold real numbers; got an array of "
                                        r"shape \(3,\) and dtype complex128$"):
        model.set_weights(changed[:1] + [np.ones(3) * 1j] + changed[2:])
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), before))  # nothing half-applied


def test_one_layer_object_used_twice_in_a_model_is_refused():
    twice = Dense(2, "tanh", input_dim=2)
    with pytest.raises(ValueError, match=r"^dense\(2\) is already layers\[0\] of this model: a layer object can be used "
                                         r"once \(its backward keeps one forward pass\); make another one for a second "
                                         r"layer$"):
        Sequential([twice, twice])


def test_categorical_cross_entropy_refuses_rows_that_are_not_probabilities():
    loss = CategoricalCrossEntropy()
    with pytest.raises(ValueError, match=r"^y_pred rows must be probabilities that sum to 1 \(a softmax output\); row 0 "
                                         r"sums to 1\.8 \(for raw scores, use from_logits=True\)$"):
        loss(np.array([[0.9, 0.9], [0.5, 0.5]]), np.array([[1.0, 0.0], [0.0, 1.0]]))
    assert np.isfinite(CategoricalCrossEntropy(from_logits=True)(np.array([[0.9, 0.9]]), np.array([[1.0, 0.0]])))


@pytest.mark.parametrize("layer", [Dense(2, rng=0), Dropout(0.5, rng=0)], ids=["Dense", "Dropout"])
def test_training_must_be_true_or_false_not_a_word(layer):
    with pytest.raises(TypeError, match=rf"^{re.escape(layer.name)}: training must be True or False; got str 'no'$"):
        layer(np.ones((2, 2)), training="no")


def test_stratified_split_refuses_a_part_that_would_be_empty():
    with pytest.raises(ValueError, match=r"^part 0 of the 5 would be empty: 4 samples are too few for fractions "
                                         r"\[0\.2, 0\.2, 0\.2, 0\.2, 0\.2\]; use fewer parts, larger fractions or more "
                                         r"samples$"):
        data.stratified_split(np.array([0, 0, 1, 1]), (0.2,) * 5)


@pytest.mark.parametrize("grad, error, message", [
    (np.array([np.nan, 1.0]), ValueError, r"grads\[0\] must be finite; got nan at index \(0,\): a step would write it "
                                          r"into params\[0\]"),
    (np.array([0.0, -np.inf]), ValueError, r"grads\[0\] must be finite; got -inf at index \(1,\)"),
    ([1.0, 2.0], TypeError, r"grads\[0\] must be a numpy array of numbers \(the gradient of params\[0\]\); got list "
                            r"\[1\.0, 2\.0\]"),
    ("ab", TypeError, r"grads\[0\] must be a numpy array of numbers \(the gradient of params\[0\]\); got str 'ab'"),
    (np.array(["a", "b"]), TypeError, r"grads\[0\] must be a numpy array of numbers \(the gradient of params\[0\]\); got "
                                      r"an array of shape \(2,\) and dtype <U1"),
])
@pytest.mark.parametrize("name", ["sgd", "adam"])
def test_the_optimizer_door_refuses_gradients_that_are_not_finite_arrays_and_steps_nothing(name, grad, error, message):
    optimizer, param = OPTIMIZERS[name](), np.zeros(2)
    with pytest.raises(error, match=f"^{message}"):
        optimizer([param], [grad])
    assert np.array_equal(param, np.zeros(2)) and not optimizer.state


def test_value_and_tensor_refuse_an_exp_that_overflows_alike():
    with pytest.raises(ValueError, match=r"^exp\(1000\) is beyond the largest float \(exp\(709\.78\), about "
                                         r"1\.8e308\); scale the input down$"):
        Value(1000).exp()
    with pytest.raises(ValueError, match=r"^exp gave inf at index \(1,\): beyond the largest float64 \(1\.8e\+308\); "
                                         r"scale the inputs down$"):
        Tensor([1.0, 1000.0]).exp()
    with pytest.raises(ValueError, match=r"^\* gave inf: beyond the largest float \(about 1\.8e308\)"):
        Value(1e200) * Value(1e200)
    with pytest.raises(ValueError, match=r"^the exponent must be a finite number; got inf$"):
        Tensor([2.0]) ** float("inf")
    assert Value(709.0).exp().data == pytest.approx(np.exp(709.0))


# ---- raw or misleading errors ------------------------------------------------------------------------------------


def test_sequential_given_one_layer_instead_of_a_list_says_what_to_write():
    with pytest.raises(TypeError, match=r"^layers must be a list such as \[Dense\(4, 'relu'\), Dense\(1\)\]; got Dense "
                                        r"Dense\(2 -> 2, activation=Identity\)$"):
        Sequential(Dense(2, input_dim=2))


def test_fit_takes_one_callback_as_keras_does_and_a_one_argument_schedule():
    model = small().compile(Adam(0.1), "binary_crossentropy")
    history = model.fit(X4, Y4, epochs=20, verbose=0, callbacks=EarlyStopping(monitor="loss", patience=0,
                                                                                 min_delta=10.0))
    assert len(history.epoch) == 2  # no epoch improves by 10: it stops after patience 0
    history = model.fit(X4, Y4, epochs=3, verbose=0, callbacks=[LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1))])
    assert history.history["lr"] == [0.1, 0.05, 0.1 / 3]
    with pytest.raises(TypeError, match=r"^callbacks must be a list of Callback objects, such as \[History\(\)\]; got "
                                        r"str 'History'$"):
        model.fit(X4, Y4, epochs=1, verbose=0, callbacks="History")
    with pytest.raises(TypeError, match=r"^schedule must take \(epoch, lr\) or \(epoch\), such as lambda epoch, lr: "
                                        r"lr \* 0\.9; got function .* taking \(a, b, c\)$"):
        LearningRateScheduler(lambda a, b, c: 0.1)


def test_a_dense_layer_too_large_to_make_says_which_and_why():
    with pytest.raises(ValueError, match=r"^dense\(10{30}\): W of shape \(2, 10{30}\) cannot be made \(Maximum allowed "
                                         r"dimension exceeded\); is units=10{30} what you meant\?$"):
        Dense(10**30, input_dim=2)
    with pytest.raises(MemoryError, match=r"^dense\(1000000000\): W of shape \(1000000000, 1000000000\) cannot be made "
                                          r"\(Unable to allocate"):
        Dense(10**9, input_dim=10**9)


def test_autograd_names_shapes_that_do_not_broadcast_and_numpy_defers_to_tensor():
    with pytest.raises(ValueError, match=r"^\+ needs shapes that broadcast \(numpy lines them up from the right: each "
                                         r"pair of sizes must be equal, or one of them 1\); got \(2, 3\) and \(4,\)$"):
        Tensor(np.ones((2, 3))) + Tensor(np.ones(4))
    t = Tensor([1.0, 2.0])
    out = (np.array([3.0, 4.0]) * t + np.ones(2)).sum()  # numpy's arrays on the left: still Tensors, still a graph
    assert isinstance(out, Tensor)
    out.backward()
    assert t.grad.tolist() == [3.0, 4.0]
    v = Value(2.0)
    w = np.float64(3.0) * v
    assert isinstance(w, Value) and w.data == 6.0
    with pytest.raises(TypeError, match=r"^keepdims must be True or False; got NoneType None$"):
        Tensor(np.ones((2, 3))).sum(0, None)


@pytest.mark.parametrize("name, error, message", [
    ("other.npz", ValueError, r"got str 'other\.npz'$"),
    (None, TypeError, r"got NoneType None$"),
    (["digits.npz"], TypeError, r"got list \['digits\.npz'\]$"),
])
def test_read_data_file_names_the_files_it_knows(name, error, message):
    with pytest.raises(error, match=r"^name must be one of nnlib's data files, 'digits\.npz' or 'breast_cancer\.npz'; "
                                    + message):
        data.read_data_file(name)


def test_a_data_file_that_cannot_be_read_or_is_damaged_is_named(tmp_path, monkeypatch):
    copy = tmp_path / "digits.npz"
    copy.write_bytes(b"not the digits")
    with pytest.raises(data.DataFileError, match=rf"^data file {copy} is damaged \(cut short or altered\): 14 bytes "
                                                 r"with SHA-256 .*; restore it \(git checkout data/digits\.npz\)$"):
        data.read_data_file("digits.npz", path=copy)

    def refused(self):
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(pathlib.Path, "read_bytes", refused)  # as root, a chmod would not stop the test
    with pytest.raises(PermissionError, match=rf"^\[Errno 13\] data file {copy} cannot be read \(Permission denied\)$"):
        data.read_data_file("digits.npz", path=copy)


# ---- property tests: every door, arbitrary arguments ---------------------------------------------------------------

DOORS = settings(max_examples=60, deadline=None, database=None, derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
ARRAYS = st.sampled_from([np.float64, np.float32, np.int64, np.bool_, np.complex128, np.dtype("U2"),
                          np.dtype("datetime64[s]")]).flatmap(
    lambda dtype: hnp.arrays(dtype, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)))
ANYTHING = st.one_of(st.none(), st.booleans(), st.integers(-3, 10), st.integers(-2**70, 2**70), st.floats(),
                     st.text(max_size=4), st.lists(st.floats(-3, 3), max_size=3),
                     st.lists(st.lists(st.floats(-3, 3), min_size=2, max_size=2), max_size=4), ARRAYS,
                     st.dictionaries(st.text(max_size=2), st.integers(), max_size=2))


def door(call):
    """call(): its result, or None when it raised nnlib's own TypeError or ValueError (or said training diverged).
    Anything else fails the test: another exception type, or a message numpy wrote deep inside."""
    try:
        with np.errstate(over="raise", invalid="raise", divide="raise"):  # a silent inf or NaN is a failure too
            return call()
    except TrainingDiverged:
        return None
    except (TypeError, ValueError) as error:
        frame = traceback.extract_tb(error.__traceback__)[-1]
        assert f"{os.sep}nnlib{os.sep}" in frame.filename, f"{type(error).__name__} from {frame.filename}: {error}"
        assert "allow_pickle" not in str(error) and len(str(error)) < 400
        return None


def finite(*results):
    for result in results:
        if isinstance(result, np.ndarray) and result.dtype.kind == "f":
            assert np.isfinite(result).all()


@DOORS
@given(st.lists(ANYTHING, min_size=3, max_size=3), st.sampled_from(["Dense", "Dropout", "Dense()", "Dropout()"]))
def test_layers_take_anything_and_answer_with_their_own_errors(args, kind):
    if kind == "Dense":  # units, activation, input_dim
        door(lambda: Dense(*args))
    elif kind == "Dropout":  # rate, input_dim, rng
        door(lambda: Dropout(*args))
    else:
        layer = Dense(3, "relu", rng=0) if kind == "Dense()" else Dropout(0.5, rng=0)
        finite(door(lambda: layer(*args[:2])))


FIT_OPTIONS = ["batch_size", "epochs", "validation_data", "validation_split", "shuffle", "rng", "verbose",
               "callbacks", "initial_epoch"]


@DOORS
@given(st.lists(ANYTHING, min_size=3, max_size=3),
       st.sampled_from(["Sequential", "compile", "fit", "predict", "evaluate", "set_weights", *FIT_OPTIONS]))
def test_sequential_takes_anything_and_answers_with_its_own_errors(args, door_name):
    model = small().compile("adam", "binary_crossentropy")
    if door_name == "Sequential":
        door(lambda: Sequential(*args[:2]))
    elif door_name == "compile":
        door(lambda: small().compile(*args))
    elif door_name == "fit":
        door(lambda: model.fit(*args[:2], epochs=1, verbose=0))
    elif door_name == "predict":
        finite(door(lambda: model.predict(args[0])))
    elif door_name == "evaluate":
        door(lambda: model.evaluate(*args[:2]))
    elif door_name == "set_weights":
        door(lambda: model.set_weights(args[0]))
        finite(*model.get_weights())
    else:
        options = {"epochs": 1, "verbose": 0, door_name: args[0]}
        door(lambda: model.fit(X4, Y4, **options))
    finite(*model.get_weights())


@DOORS
@given(st.lists(ANYTHING, min_size=2, max_size=2), st.sampled_from(sorted(OPTIMIZERS)), st.booleans())
def test_optimizers_take_anything_and_answer_with_their_own_errors(args, name, build):
    if build:
        door(lambda: OPTIMIZERS[name](lr=args[0]))
        return
    optimizer, param = OPTIMIZERS[name](), np.zeros(2)
    door(lambda: optimizer([param], args[:1]))
    door(lambda: optimizer(*args))
    finite(param)


HELPERS = ["xor", "moons", "circles", "spirals", "blobs", "noisy_function", "train_test_split", "standardize",
           "one_hot", "stratified_split", "read_data_file"]


@DOORS
@given(st.lists(ANYTHING, min_size=3, max_size=3), st.sampled_from(HELPERS))
def test_data_helpers_take_anything_and_answer_with_their_own_errors(args, name):
    if name in ("xor", "moons", "circles", "spirals", "blobs", "noisy_function"):
        args[0] = args[0] if not isinstance(args[0], int) or abs(args[0]) < 10**6 else 10  # not a memory test
    count = {"train_test_split": 3, "standardize": 2, "one_hot": 2, "stratified_split": 2, "read_data_file": 1}
    result = door(lambda: getattr(data, name)(*args[:count.get(name, 3)]))
    finite(*(result if isinstance(result, (tuple, list)) else [result]))


@DOORS
@given(st.lists(ANYTHING, min_size=2, max_size=2), st.sampled_from(["Value", "Tensor"]),
       st.sampled_from(["+", "*", "-", "/", "@", "**", "exp", "log", "tanh", "relu", "sum"]))
def test_autograd_takes_anything_and_answers_with_its_own_errors(args, kind, operation):
    leaf = door(lambda: (Value if kind == "Value" else Tensor)(args[0]))
    if leaf is None or (kind == "Value" and operation in ("@", "sum")):
        return
    binary = {"+": lambda a, b: a + b, "*": lambda a, b: a * b, "-": lambda a, b: a - b, "/": lambda a, b: a / b,
              "@": lambda a, b: a @ b, "**": lambda a, b: a ** b}
    if operation in binary:
        out = door(lambda: binary[operation](leaf, args[1]))
        door(lambda: binary[operation](args[1], leaf) if operation != "**" else None)  # numpy on the left defers
    elif operation == "sum":
        out = door(lambda: leaf.sum(args[1]))
    else:
        out = door(getattr(leaf, operation))
    if out is not None:
        door(lambda: (out.sum() if kind == "Tensor" else out).backward())
        finite(out.data, leaf.grad) if kind == "Tensor" else finite(np.array([out.data, leaf.grad]))

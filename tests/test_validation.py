"""nnlib.validation: the argument checks every module relies on."""
import numpy as np
import pytest

from nnlib.validation import as_array, as_binary, as_count, as_generator, as_number, describe


def test_as_array_converts_ints_and_bools_to_float64_and_keeps_float32():
    assert as_array([1, 2], "x").dtype == np.float64
    assert as_array([True, False], "x").dtype == np.float64
    kept = np.ones(3, dtype=np.float32)
    assert as_array(kept, "x").dtype == np.float32
    assert as_array(np.ones(2, dtype=np.float16), "x").dtype == np.float64
    assert as_array(3, "x").shape == ()


@pytest.mark.parametrize(
    "value, kwargs, error, message",
    [
        ("abc", {}, TypeError, "x must hold real numbers; got str 'abc'"),
        ([1, None], {}, TypeError, "x must hold real numbers"),
        ([1 + 2j], {}, TypeError, "x must hold real numbers"),
        ([[1, 2], [3]], {}, ValueError, "x must be a rectangular array of numbers; got ragged list"),
        ([1, 2], {"ndim": 2, "shape_hint": "(n_samples, n_inputs)"}, ValueError,
         r"x must be a 2-D array \(n_samples, n_inputs\); got shape \(2,\)"),
        ([[1.0]], {"ndim": (0, 1)}, ValueError, r"x must be a 0-D or 1-D array; got shape \(1, 1\)"),
        (np.zeros((0, 2)), {}, ValueError, r"x must not be empty; got shape \(0, 2\)"),
        ([1.0, np.nan], {}, ValueError, "x must be finite; got nan at index 1"),
        ([[1.0, 2.0], [np.inf, 0.0]], {}, ValueError, r"x must be finite; got inf at index \(1, 0\)"),
        (np.nan, {}, ValueError, "x must be finite; got nan"),
        ([np.inf, np.nan], {"allow_inf": True}, ValueError, r"x must be numbers \(no NaN\); got nan at index 1"),
    ],
)
def test_as_array_names_the_argument_and_what_was_wrong(value, kwargs, error, message):
    with pytest.raises(error, match=message):
        as_array(value, "x", **kwargs)


def test_as_array_allows_what_it_is_told_to():
    assert as_array(np.zeros((0, 2)), "x", allow_empty=True).shape == (0, 2)
    assert np.isinf(as_array([-np.inf, np.inf], "x", allow_inf=True)).all()


def test_as_binary():
    out = as_binary([[True, 0], [1.0, 1]], "x")
    assert out.dtype == np.int64 and out.tolist() == [[1, 0], [1, 1]]
    with pytest.raises(ValueError, match=r"x must hold only 0 and 1 \(binary\); got 0.5 at index \(1, 0\)"):
        as_binary([[0, 1], [0.5, 1]], "x")
    with pytest.raises(ValueError, match="x must be 0 or 1; got -1"):
        as_binary(-1, "x")


def test_as_number():
    assert as_number(np.float32(0.5), "lr") == 0.5 and isinstance(as_number(2, "lr"), float)
    with pytest.raises(TypeError, match="lr must be a real number; got str '0.1'"):
        as_number("0.1", "lr")
    with pytest.raises(TypeError, match="lr must be a real number; got bool True"):
        as_number(True, "lr")
    with pytest.raises(ValueError, match="lr must be finite; got nan"):
        as_number(float("nan"), "lr")
    with pytest.raises(ValueError, match="lr must be > 0; got -0.1"):
        as_number(-0.1, "lr", positive=True)
    with pytest.raises(ValueError, match="lr must be > 0; got 0"):
        as_number(0, "lr", positive=True)


def test_as_count():
    assert as_count(np.int64(3), "epochs") == 3
    with pytest.raises(TypeError, match="epochs must be an integer; got float 2.5"):
        as_count(2.5, "epochs")
    with pytest.raises(TypeError, match="epochs must be an integer; got bool True"):
        as_count(True, "epochs")
    with pytest.raises(ValueError, match="epochs must be >= 1; got 0"):
        as_count(0, "epochs")


def test_as_generator_reproduces_from_a_seed():
    assert as_generator(7).random() == np.random.default_rng(7).random()
    rng = np.random.default_rng(1)
    assert as_generator(rng) is rng
    assert isinstance(as_generator(None), np.random.Generator)
    with pytest.raises(TypeError, match="rng must be an int seed, a numpy Generator or None; got str 'abc'"):
        as_generator("abc")
    with pytest.raises(ValueError, match="rng must be a seed >= 0; got -1"):
        as_generator(-1)


def test_describe_is_short():
    assert describe(np.zeros((2, 3))) == "an array of shape (2, 3) and dtype float64"
    assert describe("x" * 100).endswith("...") and len(describe("x" * 100)) < 70

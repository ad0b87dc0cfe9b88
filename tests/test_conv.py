"""nnlib.conv (notebook 14): Conv2D, MaxPool2D, AvgPool2D and Flatten, channels-last, through the Layer contract with
a shape for input_dim. Gradient checks over strides, paddings, channel counts and batch sizes; the doors' exact
messages; a CNN saved and loaded (identical predictions, exact resumption); float32 end to end; and property tests
of the doors with arbitrary arguments."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from nnlib.callbacks import EarlyStopping, History
from nnlib.conv import AvgPool2D, Conv2D, Flatten, MaxPool2D, conv_output_size, same_padding
from nnlib.data import digits_images, load_digits, shift_images
from nnlib.gradcheck import numerical_gradient, relative_error
from nnlib.layers import Dense
from nnlib.model import Sequential
from nnlib.optim import Adam
from nnlib.regularizers import L2
from nnlib.saving import load_model, save_model
from test_public_doors import ANYTHING, DOORS, door

RNG = np.random.default_rng(29)


def gradient_errors(layer, X, seed=0):
    """{name: relative error} of the layer's backward against central differences, for L = sum(R * layer(X))."""
    out = layer(X)
    R = np.random.default_rng(seed).normal(size=out.shape)
    layer.needs_input_grad = True
    dX = layer.backward(R)
    loss = lambda _: np.sum(R * layer.forward(X))  # noqa: E731
    errors = {key: relative_error(layer.grads[key].copy(), numerical_gradient(loss, array))
              for key, array in layer.params.items()}
    errors["X"] = relative_error(dX, numerical_gradient(loss, X))
    return errors


CONV_CASES = [  # x shape (batch, H, W, C), filters, kernel, strides, padding, activation
    ((1, 5, 5, 1), 1, 3, 1, "valid", None), ((2, 5, 5, 1), 2, 3, 1, "same", "tanh"),
    ((3, 6, 5, 2), 3, (3, 2), 1, "same", "sigmoid"), ((1, 7, 7, 3), 2, 3, 2, "same", "tanh"),
    ((2, 8, 6, 2), 4, (2, 3), (2, 1), "valid", None), ((4, 4, 4, 1), 1, 1, 1, "valid", "tanh"),
    ((2, 5, 6, 2), 2, 4, 3, "same", None), ((5, 6, 6, 4), 3, 2, 2, "valid", "tanh"),
    ((1, 9, 4, 1), 2, (5, 1), (3, 1), "same", None), ((2, 3, 3, 2), 2, 3, 1, "valid", "tanh"),
]


@pytest.mark.parametrize("case", CONV_CASES, ids=[f"{c[0]}-k{c[2]}-s{c[3]}-{c[4]}" for c in CONV_CASES])
def test_conv2d_backward_matches_central_differences(case):
    shape, filters, kernel, strides, padding, activation = case
    errors = gradient_errors(Conv2D(filters, kernel, strides, padding, activation, rng=1), RNG.normal(size=shape))
    assert set(errors) == {"W", "b", "X"}
    assert max(errors.values()) < 1e-7, errors


POOL_CASES = [((1, 2, 2, 1), 2, None), ((2, 4, 4, 1), 2, None), ((3, 6, 5, 2), 2, None), ((2, 5, 5, 3), 3, 1),
              ((1, 7, 6, 2), (2, 3), (2, 1)), ((4, 6, 6, 1), 3, 2), ((2, 5, 4, 2), (1, 2), None)]


@pytest.mark.parametrize("cls", [MaxPool2D, AvgPool2D])
@pytest.mark.parametrize("case", POOL_CASES, ids=[f"{c[0]}-p{c[1]}-s{c[2]}" for c in POOL_CASES])
def test_pooling_backward_matches_central_differences(cls, case):
    shape, pool, strides = case
    errors = gradient_errors(cls(pool, strides), RNG.normal(size=shape))
    assert errors["X"] < 1e-8, errors


@pytest.mark.parametrize("shape", [(3, 4, 4, 2), (2, 7), (1, 3, 2, 2)])
def test_flatten_reshapes_forward_and_back(shape):
    X = RNG.normal(size=shape)
    layer = Flatten()
    assert layer(X).shape == (shape[0], int(np.prod(shape[1:])))
    assert np.array_equal(layer(X), X.reshape(shape[0], -1))
    assert gradient_errors(layer, X)["X"] < 1e-9


def test_conv2d_is_the_cross_correlation_written_out():
    X, layer = RNG.normal(size=(2, 6, 5, 3)), Conv2D(4, (3, 2), strides=(2, 1), padding="valid", rng=3)
    Z = layer(X)
    W, b = layer.params["W"], layer.params["b"]
    expected = np.zeros_like(Z)
    for i in range(Z.shape[1]):
        for j in range(Z.shape[2]):
            expected[:, i, j] = np.einsum("nuvc,uvcf->nf", X[:, 2 * i:2 * i + 3, j:j + 2], W) + b
    assert np.abs(Z - expected).max() < 1e-12


def test_same_padding_gives_ceil_n_over_s_outputs_and_pads_the_odd_one_after():
    assert same_padding(5, 3, 1) == (1, 1) and same_padding(6, 4, 1) == (1, 2) and same_padding(7, 3, 2) == (1, 1)
    assert same_padding(4, 1, 2) == (0, 0)
    for n, k, s in [(8, 3, 1), (7, 3, 2), (5, 4, 3), (9, 2, 2)]:
        layer = Conv2D(1, k, s, "same", input_dim=(n, n, 1), rng=0)
        assert layer.build((n, n, 1))[:2] == (-(-n // s),) * 2
    assert conv_output_size(28, 5, 2, 1) == 13 and conv_output_size(5, 3) == 3


def test_max_pooling_gives_a_tied_window_gradient_to_its_first_maximum_in_reading_order():
    layer = MaxPool2D(2)
    layer.needs_input_grad = True
    out = layer(np.array([[1.0, 5.0], [5.0, 5.0]]).reshape(1, 2, 2, 1))
    assert out.ravel().tolist() == [5.0]
    assert layer.backward(np.ones_like(out))[0, :, :, 0].tolist() == [[0.0, 1.0], [0.0, 0.0]]


def test_a_first_layer_returns_no_input_gradient_inside_a_model():
    model = Sequential([Conv2D(2, 3, input_dim=(5, 5, 1), rng=0), MaxPool2D(2), Flatten(), Dense(1, rng=1)])
    model.compile("sgd", "mse")
    X = RNG.normal(size=(3, 5, 5, 1))
    out = model.forward(X)
    assert model.backward(np.ones_like(out)) is None
    g = model.input_gradient(X, 0)
    assert g.shape == (3, 5, 5, 1) and np.abs(g).max() > 0


# ---- the doors, with their exact messages


def test_a_flat_batch_given_to_conv2d_is_refused_with_the_expected_shape():
    with pytest.raises(ValueError, match=r"^conv2d\(8, 3x3\): x must be a 4-D array \(n_samples, height, width, "
                                         r"channels\); got shape \(5, 64\)$"):
        Conv2D(8, 3)(np.zeros((5, 64)))
    layer = Conv2D(8, 3, input_dim=(8, 8, 1), rng=0)
    with pytest.raises(ValueError, match=r"^conv2d\(8, 3x3\): x must be a 4-D array \(n_samples, 8, 8, 1\); got "
                                         r"shape \(5, 64\)$"):
        layer(np.zeros((5, 64)))
    with pytest.raises(ValueError, match=r"^conv2d\(8, 3x3\) expects samples of shape \(8, 8, 1\); got x of shape "
                                         r"\(5, 8, 7, 1\)$"):
        layer(np.zeros((5, 8, 7, 1)))


def test_a_kernel_larger_than_the_padded_input_is_refused():
    with pytest.raises(ValueError, match=r"^conv2d\(8, 5x5\): the kernel 5x5 is larger than the padded input 3x3 "
                                         r"\(input 3x3, padding 'valid'\); use a smaller kernel_size or padding='same'$"):
        Conv2D(8, 5)(np.zeros((2, 3, 3, 1)))
    with pytest.raises(ValueError, match=r"^maxpool2d\(3x3\): the pool 3x3 is larger than the input 2x4$"):
        MaxPool2D(3, input_dim=(2, 4, 1))
    assert Conv2D(8, 5, padding="same")(np.zeros((2, 3, 3, 1))).shape == (2, 3, 3, 8)


@pytest.mark.parametrize("make, message", [
    (lambda: Conv2D(8, 3, strides=0), r"^strides must be >= 1; got 0$"),
    (lambda: Conv2D(8, 3, strides=(1, 0)), r"^strides must be >= 1; got 0$"),
    (lambda: MaxPool2D(2, strides=0), r"^strides must be >= 1; got 0$"),
    (lambda: Conv2D(0, 3), r"^filters must be >= 1; got 0$"),
    (lambda: Conv2D(8, (3, 3, 3)), r"^kernel_size must be an int or a pair \(rows, columns\); got \(3, 3, 3\)$"),
    (lambda: Conv2D(8, 3, padding="full"), r"^padding must be 'valid' or 'same'; got 'full'$"),
    (lambda: Conv2D(8, 3, input_dim=(8, 8)), r"^input_dim must be a shape \(height, width, channels\) of whole "
                                             r"numbers >= 1; got \(8, 8\)$"),
])
def test_constructor_arguments_are_checked(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_a_dense_layer_after_maps_asks_for_a_flatten():
    with pytest.raises(ValueError, match=r"^dense\(10\) takes features, but the layer before it gives maps of shape "
                                         r"\(6, 6, 8\): put a Flatten\(\) before it$"):
        Sequential([Conv2D(8, 3, input_dim=(8, 8, 1)), Dense(10)])
    with pytest.raises(ValueError, match=r"^conv2d\(8, 3x3\) takes 3-D samples, but the layer before it gives 10 "
                                         r"features$"):
        Sequential([Dense(10, input_dim=4), Conv2D(8, 3)])


def test_a_model_of_maps_checks_its_data_at_the_door():
    model = cnn()
    with pytest.raises(ValueError, match=r"^X must be a 4-D array \(n_samples, 8, 8, 1\); got shape \(5, 64\)$"):
        model.predict(np.zeros((5, 64)))
    with pytest.raises(ValueError, match=r"^X must have samples of shape \(8, 8, 1\) \(the first layer's input_dim\); "
                                         r"got shape \(5, 8, 8, 2\)$"):
        model.predict(np.zeros((5, 8, 8, 2)))
    unbuilt = Sequential([Conv2D(2, 3), Flatten(), Dense(3, "softmax")])
    with pytest.raises(ValueError, match=r"^X must be a 4-D array \(n_samples, height, width, channels\); got shape "
                                         r"\(4, 64\)$"):
        unbuilt.predict(np.zeros((4, 64)))
    assert unbuilt.predict(np.zeros((4, 6, 5, 1))).shape == (4, 3) and unbuilt.layers[0].input_dim == (6, 5, 1)


def test_a_flatten_first_takes_features_or_maps():
    assert Sequential([Flatten(), Dense(2, rng=0)]).predict(np.ones((3, 4, 4, 2))).shape == (3, 2)
    model = Sequential([Flatten(), Dense(2, rng=0)])
    assert model.predict(np.ones((3, 5))).shape == (3, 2) and model.layers[0].input_dim == 5


# ---- training, saving, float32


def digits(n=300):
    X, y = load_digits()
    return digits_images(X[:n]) / 16, y[:n]


def cnn(dtype="float64", regularizer=None):
    model = Sequential([Conv2D(4, 3, padding="same", activation="relu", input_dim=(8, 8, 1),
                               kernel_regularizer=regularizer), MaxPool2D(2), Flatten(), Dense(10, "softmax")],
                       dtype=dtype)
    return model.compile(Adam(1e-2), "categorical_crossentropy", ["accuracy"])


def test_a_cnn_learns_the_digits_with_fit_evaluate_predict_and_callbacks():
    X, y = digits(400)
    model = cnn(regularizer=L2(1e-4))
    history = model.fit(X[:300], y[:300], epochs=8, batch_size=32, verbose=0, rng=0, validation_data=(X[300:], y[300:]),
                        callbacks=[EarlyStopping(patience=20), History()])
    assert history.history["accuracy"][-1] > 0.9 and history.history["val_accuracy"][-1] > 0.8
    loss, accuracy = model.evaluate(X[300:], y[300:])
    assert accuracy == history.history["val_accuracy"][-1]
    assert model.predict(X[:5]).shape == (5, 10)
    assert model.penalty() == pytest.approx(1e-4 * np.sum(model.layers[0].params["W"] ** 2))


def test_a_saved_cnn_predicts_identically_and_resumes_training_exactly(tmp_path):
    X, y = digits(200)
    model = Sequential([Conv2D(3, (3, 2), strides=(1, 2), padding="same", activation="relu", input_dim=(8, 8, 1),
                               kernel_regularizer=L2(1e-3)), AvgPool2D(2, strides=1), MaxPool2D(2), Flatten(),
                        Dense(10, "softmax")])
    model.compile(Adam(1e-2), "categorical_crossentropy")
    model.fit(X, y, epochs=2, batch_size=32, verbose=0, rng=0)
    save_model(model, tmp_path / "cnn.npz")
    loaded = load_model(tmp_path / "cnn.npz")
    assert [type(layer).__name__ for layer in loaded.layers] == ["Conv2D", "AvgPool2D", "MaxPool2D", "Flatten", "Dense"]
    assert loaded.layers[0].input_dim == (8, 8, 1) and loaded.layers[0].kernel_size == (3, 2)
    assert loaded.layers[0].strides == (1, 2) and loaded.layers[1].strides == (1, 1)
    assert np.array_equal(loaded.predict(X), model.predict(X))
    model.fit(X, y, epochs=4, initial_epoch=2, batch_size=32, verbose=0, rng=5)
    loaded.fit(X, y, epochs=4, initial_epoch=2, batch_size=32, verbose=0, rng=5)
    for ours, theirs in zip(model.get_weights(), loaded.get_weights()):
        assert np.array_equal(ours, theirs)


def test_float32_end_to_end():
    X, y = digits(64)
    model = cnn("float32")
    model.fit(X, y, epochs=1, batch_size=16, verbose=0, rng=0)
    assert all(array.dtype == np.float32 for array in model.params + model.grads)
    out = model.predict(X)
    assert out.dtype == np.float32
    for layer in (Conv2D(2, 3, 1, "same", dtype=np.float32), MaxPool2D(2), AvgPool2D(2), Flatten()):
        layer.dtype, layer.needs_input_grad = np.float32, True
        A = layer(X.astype(np.float32))
        assert A.dtype == np.float32 and layer.backward(np.ones_like(A)).dtype == np.float32


def test_shift_images_moves_pixels_and_fills_with_zeros():
    images = np.arange(2 * 3 * 3, dtype=float).reshape(2, 3, 3)
    moved = shift_images(images, 1, -1)
    assert moved[0].tolist() == [[0, 0, 0], [1, 2, 0], [4, 5, 0]]
    assert np.array_equal(shift_images(images, 0, 0), images) and shift_images(images, 3, 0).sum() == 0
    with pytest.raises(TypeError, match=r"^down must be a whole number of pixels; got float 0.5$"):
        shift_images(images, 0.5)
    with pytest.raises(ValueError, match=r"^X must hold 64 pixels per digit \(8 x 8\); got shape \(2, 63\)$"):
        digits_images(np.zeros((2, 63)))


# ---- property tests: the doors take anything and answer with their own errors


@DOORS
@given(st.lists(ANYTHING, min_size=4, max_size=4), st.sampled_from(["Conv2D", "MaxPool2D", "AvgPool2D", "Flatten"]))
def test_the_new_layers_take_anything_and_answer_with_their_own_errors(args, kind):
    if kind == "Conv2D":
        layer = door(lambda: Conv2D(*args[:3], input_dim=args[3] if isinstance(args[3], tuple) else None))
    elif kind == "Flatten":
        layer = door(lambda: Flatten(input_dim=args[0]))
    else:
        layer = door(lambda: {"MaxPool2D": MaxPool2D, "AvgPool2D": AvgPool2D}[kind](*args[:2]))
    if layer is not None:
        door(lambda: layer(args[3]))


@DOORS
@given(st.tuples(st.integers(1, 3), st.integers(1, 7), st.integers(1, 7), st.integers(1, 3)),
       st.integers(1, 4), st.integers(1, 3), st.sampled_from(["valid", "same"]), st.integers(1, 3))
def test_conv2d_gives_the_formulas_shape_or_refuses_at_the_door(shape, kernel, stride, padding, filters):
    X = np.ones(shape)
    out = door(lambda: Conv2D(filters, kernel, stride, padding, rng=0)(X))
    n, H, W, _ = shape
    if padding == "same":
        assert out.shape == (n, -(-H // stride), -(-W // stride), filters)
    elif kernel > min(H, W):
        assert out is None
    else:
        assert out.shape == (n, conv_output_size(H, kernel, stride), conv_output_size(W, kernel, stride), filters)

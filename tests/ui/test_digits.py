"""nnlib.ui.digits (notebook 12), headless: the digits explorer retrains notebook 12's MLP on every move of its sliders
and shows its numbers and its first-layer weights (the split it trains on: tests/test_data.py)."""
import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from nnlib.data import digits_split  # noqa: E402
from nnlib.layers import Dense  # noqa: E402
from nnlib.model import Sequential  # noqa: E402
from nnlib.optim import Adam  # noqa: E402
from nnlib.ui.digits import digits_explorer  # noqa: E402
from nnlib.ui.panel import Panel  # noqa: E402


def test_digits_explorer_retrains_on_each_move():
    X_train, y_train, X_val, y_val = digits_split()
    small = (X_train[:200], y_train[:200], X_val[:100], y_val[:100])
    panel = digits_explorer(small)
    assert isinstance(panel, Panel) and panel.title == "Digits: hidden units, epochs and L2"
    assert list(panel.controls) == ["hidden", "epochs", "l2"]
    assert panel.status.startswith("64 hidden units, 20 epochs, L2 0: training accuracy ")  # the starting values
    status = panel.set(hidden=4, epochs=5)

    model = Sequential([Dense(4, "relu", input_dim=64), Dense(10, "softmax")])  # the same run, by hand
    model.compile(Adam(1e-3), "categorical_crossentropy", ["accuracy"])
    h = model.fit(small[0], small[1], epochs=5, batch_size=32, validation_data=small[2:], verbose=0, rng=0).history
    wrong = int(round((1 - h["val_accuracy"][-1]) * 100))
    assert status == (f"4 hidden units, 5 epochs, L2 0: training accuracy {h['accuracy'][-1]:.4f}, validation "
                      f"{h['val_accuracy'][-1]:.4f} ({wrong} of 100 wrong)")
    weights_ax, curve_ax = panel.figure.axes
    mosaic = weights_ax.images[0].get_array()
    W = model.layers[0].params["W"]
    np.testing.assert_allclose(mosaic[:8, :8], (W[:, 0] / np.abs(W[:, 0]).max()).reshape(8, 8), rtol=1e-12)
    np.testing.assert_allclose(mosaic[:8, 27:35], (W[:, 3] / np.abs(W[:, 3]).max()).reshape(8, 8), rtol=1e-12)
    assert (mosaic[9:17, :8] == 0).all()  # a fifth unit: none, its tile blank
    np.testing.assert_array_equal(curve_ax.lines[1].get_ydata(), h["val_accuracy"])
    assert panel.set(hidden=8, epochs=5) != status  # retrained, with other numbers
    assert panel.set(hidden=4, epochs=5) == status  # the same settings, the same run


def test_digits_explorer_blits_what_the_whole_figure_shows():
    """A move draws only the weights' image and the two curves on the kept background; the picture is the whole
    figure's, for another number of epochs (a new epoch axis: a new background) as for the same one."""
    X_train, y_train, X_val, y_val = digits_split()
    panel = digits_explorer((X_train[:100], y_train[:100], X_val[:50], y_val[:50]))
    weights_ax, curve_ax = panel.figure.axes
    assert panel.changing_artists() == [weights_ax.images[0], *curve_ax.lines]
    for settings in ({"hidden": 8}, {"epochs": 5}, {"l2": 0.01}):
        panel.set(**settings)
        blitted = pixels(panel.image.value)
        panel.show(panel.status, whole=True)
        np.testing.assert_array_equal(blitted, pixels(panel.image.value))


def pixels(png):
    """A PNG's pixels as an RGB array."""
    from io import BytesIO

    from PIL import Image

    return np.asarray(Image.open(BytesIO(png)).convert("RGB"))

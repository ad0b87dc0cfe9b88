"""nnlib.ui.regions, headless: the half-plane a threshold unit draws and its LinearBoundary (notebook 01), a
classifier's DecisionRegions (colours, points, legend, non-finite outputs, the checks) and plot_decision_regions."""
import re

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from nnlib.diagnosis import grid_points  # noqa: E402
from nnlib.ui.regions import (CLASS_COLORS, DecisionRegions, LinearBoundary, half_plane,  # noqa: E402
                              plot_decision_regions)
from ui_helpers import artist_counts, new_axes, pixel, render  # noqa: E402


# ---- half_plane and LinearBoundary (notebook 01) -----------------------------------------------------------

BOX = ((-1.0, 2.0), (-1.0, 3.0))



BYTE = 0.5 / 255  # the image holds each colour rounded to a byte


def colours(regions):
    """The image's colours as floats in [0, 1], (r, r, 3)."""
    return regions.image.get_array()[..., :3] / 255

def area(polygon):
    x, y = polygon[:, 0], polygon[:, 1]
    return 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


@pytest.mark.parametrize("w, b", [([1, 1], -1), ([2, -1], 0.5), ([0, 1], -1), ([1, 0], 0), ([-1, -3], 2)])
def test_half_plane_is_the_part_of_the_box_on_the_positive_side(w, b):
    polygon = half_plane(w, b, *BOX)
    assert (polygon @ np.array(w, float) + b >= -1e-12).all()
    grid = np.stack(np.meshgrid(np.linspace(-1, 2, 301), np.linspace(-1, 3, 401)), axis=-1).reshape(-1, 2)
    fraction = ((grid @ np.array(w, float) + b) >= 0).mean()
    assert area(polygon) == pytest.approx(fraction * 12.0, abs=0.05)


def test_half_plane_degenerate_cases():
    assert area(half_plane([0, 0], 1, *BOX)) == pytest.approx(12.0)
    assert half_plane([0, 0], -1, *BOX).shape == (0, 2)
    assert half_plane([1, 0], -5, *BOX).shape == (0, 2)
    with pytest.raises(ValueError, match=r"w must have 2 entries \(a line in the plane\); got shape \(3,\)"):
        half_plane([1, 2, 3], 0, *BOX)


def test_linear_boundary_moves_its_artists():
    fig = Figure()
    ax = fig.add_subplot()
    ax.set(xlim=BOX[0], ylim=BOX[1])
    boundary = LinearBoundary(ax, [1, 1], -1)
    line, region = boundary.line, boundary.region
    xs, ys = boundary.line.get_data()
    assert np.allclose(np.add(xs, ys), 1.0) and line.get_visible() and region.get_visible()
    assert sorted(np.round(xs, 9).tolist()) == [-1.0, 2.0]  # from (-1, 2) to (2, -1) across the box
    boundary.update([0, 2], -2)
    xs, ys = boundary.line.get_data()
    assert np.allclose(ys, 1.0) and sorted(xs) == [-1.0, 2.0]
    assert boundary.line is line and boundary.region is region, "update must move artists, not make new ones"
    boundary.update([0, 0], -1)
    assert not line.get_visible() and not region.get_visible()


# ---- DecisionRegions -----------------------------------------------------------------------------------------


def test_grid_points_is_the_decision_regions_grid():
    regions = DecisionRegions(new_axes(), (-1.0, 2.0), (-3.0, 1.0), 2, resolution=6)
    grid = regions.grid()
    np.testing.assert_array_equal(grid, grid_points((-1.0, 2.0), (-3.0, 1.0), 6))
    grid[0] = 99
    assert regions.grid()[0, 0] != 99  # a copy


def test_two_classes_show_on_the_right_side():
    ax = new_axes()
    regions = DecisionRegions(ax, (-1.0, 2.0), (-3.0, 1.0), 2, resolution=30)
    grid, depth = regions.grid(), regions.depth
    regions.update((grid[:, 0] > 0).astype(float)[:, None], np.zeros((0, 2)), [])
    rgba = regions.image.get_array()
    assert rgba.shape == (30, 30, 4) and rgba.dtype == np.uint8 and regions.image.origin == "lower"
    assert (rgba[..., 3] == 255).all()  # opaque
    rgb = colours(regions)
    right = grid[:, 0].reshape(30, 30) > 0  # the array's columns are x, its rows y
    np.testing.assert_allclose(rgb[right], np.broadcast_to(1 - depth * (1 - CLASS_COLORS[1]), (right.sum(), 3)), atol=BYTE)
    np.testing.assert_allclose(rgb[~right], np.broadcast_to(1 - depth * (1 - CLASS_COLORS[0]), ((~right).sum(), 3)),
                               atol=BYTE)
    regions.update((grid[:, 1] > 0).astype(float), np.zeros((0, 2)), [])  # p = (y > 0), shape (m,)
    image = render(ax.figure)
    top, bottom, left = pixel(ax, image, 0.5, 0.6), pixel(ax, image, 0.5, -2.5), pixel(ax, image, -0.8, -1.0)
    assert top[0] > top[2] + 0.2 and bottom[2] > bottom[0] + 0.2 and left[2] > left[0] + 0.2  # orange up, blue down
    regions.update(np.full(900, 0.5), np.zeros((0, 2)), [])
    np.testing.assert_array_equal(regions.image.get_array(), 255)  # unsure everywhere: white


def test_four_classes_and_their_points():
    ax = new_axes()
    regions = DecisionRegions(ax, (-1.0, 1.0), (-1.0, 1.0), 4, resolution=20)
    grid = regions.grid()
    quadrant = (grid[:, 0] > 0).astype(int) + 2 * (grid[:, 1] > 0)
    P = np.full((400, 4), 0.1)
    P[np.arange(400), quadrant] = 0.7  # confidence (0.7 - 0.25) / 0.75 = 0.6
    X = np.array([[0.5, 0.5], [-0.5, 0.5], [0.5, -0.5]])
    regions.update(P, X, [3, 2, 1], X[:2], np.eye(4)[[0, 1]])
    expected = 1 - regions.depth * 0.6 * (1 - CLASS_COLORS[quadrant])
    np.testing.assert_allclose(colours(regions).reshape(400, 3), expected, atol=BYTE)
    assert [line.get_xydata().tolist() for line in regions.train] == [[], X[[2]].tolist(), X[[1]].tolist(), X[[0]].tolist()]
    assert [line.get_xydata().tolist() for line in regions.val] == [X[[0]].tolist(), X[[1]].tolist(), [], []]
    np.testing.assert_allclose([to_rgb(line.get_markerfacecolor()) for line in regions.train], CLASS_COLORS[:4])
    np.testing.assert_allclose([to_rgb(line.get_markeredgecolor()) for line in regions.val], CLASS_COLORS[:4])
    assert {line.get_markerfacecolor() for line in regions.val} == {"white"}
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["training", "validation"]
    regions.update(P, X[:1], [0])  # fewer points, no validation
    assert [len(line.get_xdata()) for line in regions.train + regions.val] == [1, 0, 0, 0, 0, 0, 0, 0]
    assert ax.get_legend() is None  # one set of points: no legend (the playground's title says which)


def test_non_finite_probabilities_grey_the_plane():
    regions = DecisionRegions(new_axes(), (0.0, 1.0), (0.0, 1.0), 2, resolution=10)
    p = np.full(100, 0.9)
    p[17] = np.nan
    assert regions.update(p, [[0.5, 0.5]], [1]) is regions
    assert regions.finite is False
    np.testing.assert_allclose(colours(regions), 0.8, atol=BYTE)
    p[17], p[3] = 0.9, np.inf
    regions.update(p, [[0.5, 0.5]], [1])
    assert regions.finite is False
    regions.update(np.full(100, 0.9), [[0.5, 0.5]], [1])
    assert regions.finite is True and colours(regions).min() < 0.8 - BYTE


@pytest.mark.parametrize("change, error, words", [
    ({"probabilities": np.zeros((99, 1))}, ValueError, "shape (100,) or (100, 1) or (100, 2); got shape (99, 1)"),
    ({"probabilities": np.zeros((100, 3))}, ValueError, "got shape (100, 3)"),
    ({"probabilities": [["a"] * 100]}, TypeError, "probabilities must hold real numbers"),
    ({"y_train": [0, 2]}, ValueError, "y_train must hold class labels 0..1; got 2 at index 1"),
    ({"X_train": np.zeros((2, 3))}, ValueError, "X_train must be (n, 2) points"),
    ({"y_train": [0]}, ValueError, "one label each"),
    ({"X_val": np.zeros((1, 2))}, ValueError, "X_val and y_val go together"),
])
def test_decision_regions_update_refuses_bad_arguments(change, error, words):
    regions = DecisionRegions(new_axes(), (0.0, 1.0), (0.0, 1.0), 2, resolution=10)
    before = regions.image.get_array().copy()
    arguments = {"probabilities": np.zeros(100), "X_train": np.zeros((2, 2)), "y_train": [0, 1]} | change
    with pytest.raises(error, match=re.escape(words)):
        regions.update(**arguments)
    np.testing.assert_array_equal(regions.image.get_array(), before)  # nothing drawn from bad arguments


@pytest.mark.parametrize("args, error, words", [
    (("ax", (0, 1), (0, 1), 2), TypeError, "ax must be a matplotlib Axes"),
    ((None, (1, 0), (0, 1), 2), ValueError, "xlim must be (low, high) with low < high"),
    ((None, (0, 1), 5, 2), TypeError, "ylim must be a pair"),
    ((None, (0, 1), (0, np.nan), 2), ValueError, "ylim[1] must be finite"),
    ((None, (0, 1), (0, 1), 6), ValueError, "n_classes must be at most 5"),
    ((None, (0, 1), (0, 1), 1), ValueError, "n_classes must be >= 2"),
])
def test_decision_regions_refuses_bad_arguments(args, error, words):
    args = (new_axes(),) + args[1:] if args[0] is None else args
    with pytest.raises(error, match=re.escape(words)):
        DecisionRegions(*args)


def test_decision_regions_updates_add_no_artists():
    ax = new_axes()
    regions = DecisionRegions(ax, (-2.0, 2.0), (-2.0, 2.0), 3, resolution=16)
    rng = np.random.default_rng(0)
    regions.update(rng.dirichlet(np.ones(3), 256), rng.normal(size=(40, 2)), rng.integers(0, 3, 40),
                   rng.normal(size=(10, 2)), rng.integers(0, 3, 10))
    counts = artist_counts(ax)
    for n in (50, 5, 80):
        regions.update(rng.dirichlet(np.ones(3), 256), rng.normal(size=(n, 2)), rng.integers(0, 3, n),
                       rng.normal(size=(n // 3, 2)), rng.integers(0, 3, n // 3))
    assert artist_counts(ax) == counts == (1, 6, 0, 0, 0, 2)  # the image; 3 classes x (training, validation) lines


class XModel:
    """p(class 1) = sigmoid(4 x1): class 1 on the right."""

    def predict(self, X):
        return 1 / (1 + np.exp(-4 * np.asarray(X)[:, :1]))


def test_plot_decision_regions():
    X_train, y_train = np.array([[-2.0, 0.0], [1.0, 3.0], [2.0, 1.0]]), np.array([0, 1, 1])
    ax = plot_decision_regions(XModel(), X_train, y_train, np.array([[0.0, -1.0]]), [0], resolution=40)
    np.testing.assert_allclose(ax.get_xlim(), (-2.4, 2.4))  # the points' box, 10% more on each side
    np.testing.assert_allclose(ax.get_ylim(), (-1.4, 3.4))
    image = render(ax.figure)
    right, left = pixel(ax, image, 1.5, 0.0), pixel(ax, image, -1.5, 2.5)
    assert right[0] > right[2] + 0.2 and left[2] > left[0] + 0.2
    mine = new_axes()
    assert plot_decision_regions(XModel(), X_train, y_train, ax=mine) is mine
    nan_model = type("NaNModel", (), {"predict": lambda self, X: np.full((len(X), 1), np.nan)})()
    assert plot_decision_regions(nan_model, X_train, y_train).get_title() == "model output is not finite"
    with pytest.raises(TypeError, match="model must have a method predict"):
        plot_decision_regions(object(), X_train, y_train)
    with pytest.raises(ValueError, match="the points must have 2 columns"):
        plot_decision_regions(XModel(), np.zeros((3, 3)), y_train)


def test_the_classes_stay_apart_in_grey_and_by_marker():
    """Issue 30: a figure printed in grey, or seen with a colour-vision deficiency, still tells the classes apart.
    Five sure regions and one training point of each class are rendered and converted to grey (PIL's "L", luma
    0.299 R + 0.587 G + 0.114 B, 0 to 255): the regions are at least 20 grey levels apart, the points' fill colours
    at least 45, and every class has a marker of its own."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    from nnlib.ui.regions import CLASS_MARKERS

    K = len(CLASS_COLORS)
    ax = new_axes((5, 2))
    regions = DecisionRegions(ax, (0.0, K), (0.0, 1.0), K, resolution=50)
    band = np.minimum(regions.grid()[:, 0].astype(int), K - 1)  # class k is sure on x in [k, k + 1)
    centres = np.column_stack([np.arange(K) + 0.5, np.full(K, 0.8)])
    regions.update(np.eye(K)[band], centres, np.arange(K))
    canvas = FigureCanvasAgg(ax.figure)
    canvas.draw()
    grey = np.asarray(Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
                      .convert("L"), dtype=float)
    region_grey = [pixel(ax, grey[..., None], k + 0.5, 0.3)[0] for k in range(K)]
    fill_grey = [np.dot([0.299, 0.587, 0.114], 255 * colour) for colour in CLASS_COLORS]
    gaps = lambda values: min(abs(a - b) for i, a in enumerate(values) for b in values[i + 1:])  # noqa: E731
    assert gaps(region_grey) >= 20, np.round(region_grey)
    assert gaps(fill_grey) >= 45, np.round(fill_grey)
    assert len(set(CLASS_MARKERS)) == K and [line.get_marker() for line in regions.train] == list(CLASS_MARKERS)

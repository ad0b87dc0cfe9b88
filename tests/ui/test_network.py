"""nnlib.ui.network, headless: NetworkDiagram (notebook 04: one arrow per weight, updated in place) and
NetworkHeatmaps (a heatmap per unit, lines per weight, large layers shown compactly), and plot_network, which draws
a model over the plane with nnlib.diagnosis.unit_values."""
import re

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from nnlib.diagnosis import grid_points, unit_values  # noqa: E402
from nnlib.layers import Dense, Dropout  # noqa: E402
from nnlib.model import Sequential  # noqa: E402
from nnlib.recipe import features as input_features  # noqa: E402
from nnlib.ui.network import NetworkDiagram, NetworkHeatmaps, plot_network  # noqa: E402
from nnlib.ui.regions import CLASS_COLORS  # noqa: E402
from ui_helpers import artist_counts, network_inputs, new_axes, pixel, render  # noqa: E402


def playground_model():
    """3 features -> Dense 5 tanh -> Dropout 0.5 -> Dense 4 relu -> Dropout 0.2 -> Dense 1 sigmoid."""
    return Sequential([Dense(5, "tanh", input_dim=3, rng=0), Dropout(0.5, rng=7), Dense(4, "relu", rng=1),
                       Dropout(0.2, rng=8), Dense(1, "sigmoid", rng=2)])


# ---- NetworkDiagram (notebook 04) -----------------------------------------------------------------------------


def test_network_diagram_draws_one_arrow_per_weight_and_updates_in_place():
    W1, W2 = np.array([[0.5, -1.0, 0.2], [1.0, 0.5, -0.4]]), np.array([[1.0], [-2.0], [0.5]])
    fig = Figure()
    diagram = NetworkDiagram(fig.add_subplot(), [W1, W2], [[1, 2], [0.1, 0.2, 0.3], [0.9]])
    edges = diagram.edges
    assert len(edges.get_segments()) == 6 + 3 and diagram.sizes == [2, 3, 1]
    widths = np.asarray(edges.get_linewidths())
    assert widths.argmax() == 7 and widths.argmin() == 2  # |-2| is the widest arrow, |0.2| the thinnest
    colours = edges.get_colors()
    assert (colours[[1, 5, 7], 0] > 0.8).all() and (colours[[0, 2, 3, 4, 6, 8], 2] > 0.7).all()  # red < 0, blue >= 0
    assert [t.get_text() for t in diagram.texts[1]] == ["0.10", "0.20", "0.30"]
    diagram.update([W1, -W2], [[1, 2], [0.5, 0.5, 0.5], [0.25]])
    assert diagram.edges is edges and diagram.texts[2][0].get_text() == "0.25"
    assert edges.get_colors()[7, 2] > 0.7  # the -2 arrow turned positive, hence blue
    with pytest.raises(ValueError, match=r"weights\[1\] must have 3 rows \(the units of weights\[0\]\); got shape \(2, 1\)"):
        NetworkDiagram(fig.add_subplot(), [W1, np.ones((2, 1))])
    with pytest.raises(ValueError, match=r"weights must keep the layer sizes \[2, 3, 1\]"):
        diagram.update([np.ones((2, 4)), np.ones((4, 1))])
    with pytest.raises(TypeError, match="weights must be a non-empty list of 2-D arrays"):
        NetworkDiagram(fig.add_subplot(), W1)


# ---- NetworkHeatmaps -------------------------------------------------------------------------------------------


def test_network_draws_every_node_when_layers_are_small():
    ax = new_axes((5, 3))
    network = NetworkHeatmaps(ax, [2, 3, 1], resolution=8, labels=["x1", "x2"])
    assert len(ax.images) == 1 and [len(tiles) for tiles in network.tiles] == [2, 3, 1]  # one image: every node
    assert len(network.edges.get_segments()) == 2 * 3 + 3 * 1
    texts = [t.get_text() for t in ax.texts]
    assert not any(t.startswith("+") for t in texts)
    assert {"x1", "x2", "input", "hidden 1", "output"} <= set(texts)


def test_network_shows_large_layers_compactly():
    ax = new_axes((6, 4))
    network = NetworkHeatmaps(ax, [6, 12, 8, 10], max_units=8, resolution=8)
    assert network.shown == [6, 7, 8, 7]
    assert len(ax.images) == 1 and [len(tiles) for tiles in network.tiles] == [6, 7, 8, 7]
    assert len(network.edges.get_segments()) == 6 * 7 + 7 * 8 + 8 * 7
    assert sorted(t.get_text() for t in ax.texts if t.get_text().startswith("+")) == ["+3", "+5"]
    values, weights = network_inputs([6, 12, 8, 10], 8, np.random.default_rng(2))
    assert network.update(values, weights) is network
    np.testing.assert_allclose(network.tiles[1][6],  # the last drawn unit of the 12
                               (values[1][:, 6] / np.abs(values[1][:, 6]).max()).reshape(8, 8))


def test_network_images_and_lines_follow_values_and_weights():
    ax = new_axes((5, 3))
    r = 6
    network = NetworkHeatmaps(ax, [2, 3, 2], resolution=r, max_width=4.0)
    xs, ys = np.linspace(-1, 1, r), np.linspace(0, 2, r)
    gx, gy = np.meshgrid(xs, ys)
    features = np.column_stack([3 * gx.ravel(), gy.ravel()])
    hidden, output = np.zeros((r * r, 3)), np.full((r * r, 2), -2.0)
    hidden[:, 1] = np.nan
    W1, W2 = np.zeros((2, 3)), np.array([[0.5, -1.0], [0.0, 0.25], [0.0, 0.0]])
    W1[1, 2] = -2.0  # the largest |w|: from input node 1 to hidden node 2
    network.update([features, hidden, output], [W1, W2])
    x_tile = network.tiles[0][0]
    np.testing.assert_allclose(x_tile, gx / np.abs(gx).max())  # scaled to max |value| 1; columns are x
    np.testing.assert_allclose(network.tiles[0][1][:, 0], ys / 2)  # rows are y, from the bottom
    assert np.isnan(network.tiles[1][1]).all()  # NaN: drawn in the 'bad' grey
    np.testing.assert_allclose(network.tiles[2][0], -1.0)
    image = render(ax.figure)  # the one image shows each tile at its node: output node 0 (x 3.4, y 0.5) all -1
    np.testing.assert_allclose(pixel(ax, image, 3.4, 0.5), CLASS_COLORS[0], atol=0.02)
    np.testing.assert_allclose(pixel(ax, image, 1.7, 0.0), 0.7, atol=0.02)  # hidden node 1 (x 1.7, y 0): NaN, grey
    assert (network.image.get_array()[..., 3] == 0).any()  # transparent between the nodes
    widths = np.asarray(network.edges.get_linewidths())
    assert widths.shape == (2 * 3 + 3 * 2,)
    np.testing.assert_allclose(widths, 0.2 + 4.0 * np.abs(np.concatenate([W1.ravel(), W2.ravel()])) / 2.0)
    widest = network.edges.get_segments()[int(np.argmax(widths))]
    starts, ends = network.frames.get_paths()[1].vertices, network.frames.get_paths()[4].vertices
    assert widest[0][1] == pytest.approx(starts[:4, 1].mean()) and widest[1][1] == pytest.approx(ends[:4, 1].mean())
    colors = network.edges.get_colors()
    np.testing.assert_allclose(colors[5, :3], CLASS_COLORS[0])  # w = -2: blue
    np.testing.assert_allclose(colors[6, :3], CLASS_COLORS[1])  # w = 0.5: orange
    render(ax.figure)


def test_network_refuses_bad_arguments():
    ax = new_axes()
    with pytest.raises(TypeError, match="layer_sizes must be a list of 2 or more"):
        NetworkHeatmaps(ax, [3])
    with pytest.raises(TypeError, match="labels must be a list of 2 strings"):
        NetworkHeatmaps(ax, [2, 1], labels=["x1"])
    with pytest.raises(ValueError, match="max_units must be >= 2"):
        NetworkHeatmaps(ax, [2, 1], max_units=1)
    network = NetworkHeatmaps(new_axes(), [2, 3, 1], resolution=4)
    values, weights = network_inputs([2, 3, 1], 4, np.random.default_rng(0))
    with pytest.raises(ValueError, match=re.escape("unit_values[1] must have shape (16, 3)")):
        network.update([values[0], values[1][:, :2], values[2]], weights)
    with pytest.raises(ValueError, match=re.escape("weights[1] must have shape (3, 1) (n_in, n_out); got (1, 3)")):
        network.update(values, [weights[0], weights[1].T])
    with pytest.raises(TypeError, match="unit_values must be a list of 3 arrays"):
        network.update(values[:2], weights)
    network.update([values[0], values[1], values[2][:, 0]], weights)  # a one-unit layer may be (m,)
    np.testing.assert_allclose(network.tiles[2][0],
                               (values[2][:, 0] / np.abs(values[2][:, 0]).max()).reshape(4, 4))


def test_network_updates_add_no_artists():
    figure = Figure(figsize=(10, 4), dpi=80)
    ax = figure.add_subplot()
    sizes = [8] * 6
    network = NetworkHeatmaps(ax, sizes, resolution=24)
    rng = np.random.default_rng(4)
    inputs = [network_inputs(sizes, 24, rng) for _ in range(5)]
    network.update(*inputs[0])
    counts = artist_counts(ax)
    for i in range(1, 8):
        network.update(*inputs[i % 5])
    render(figure)
    assert artist_counts(ax) == counts == (1, 0, 2, 8 + 6, 0, 0)  # one image of the nodes; 8 input names, 6 headers


def test_plot_network_draws_the_model_over_the_plane():
    model = playground_model()
    ax = new_axes((6, 4))
    features = ("x1", "x2", "x1*x2")
    network = plot_network(model, (-2.0, 2.0), (-1.0, 1.0), features=features, ax=ax, resolution=10)
    assert isinstance(network, NetworkHeatmaps) and network.ax is ax
    assert network.layer_sizes == [3, 5, 4, 1] and [len(tiles) for tiles in network.tiles] == [3, 5, 4, 1]
    assert len(ax.images) == 1  # one image of every drawn node; Dropout layers are not drawn
    assert len(network.edges.get_segments()) == 3 * 5 + 5 * 4 + 4 * 1
    assert {"x1", "x2", "x1*x2", "input", "hidden 1", "hidden 2", "output"} <= {t.get_text() for t in ax.texts}
    grid = grid_points((-2.0, 2.0), (-1.0, 1.0), 10)
    values, weights = unit_values(model, input_features(grid, features))
    for tiles, layer_values in zip(network.tiles, values):
        for k, tile in enumerate(tiles):
            v = layer_values[:, k]
            np.testing.assert_allclose(tile, (v / np.abs(v).max()).reshape(10, 10), rtol=1e-12)
    product = grid[:, 0] * grid[:, 1]  # the feature x1*x2; its max |value| is at the corner pixels: 1.8 * 0.9
    np.testing.assert_allclose(network.tiles[0][2], (product / 1.62).reshape(10, 10))
    w = np.abs(np.concatenate([W.ravel() for W in weights]))
    np.testing.assert_allclose(network.edges.get_linewidths(), 0.2 + 2.5 * w / w.max())
    render(ax.figure)


def test_plot_network_makes_a_figure_and_shows_large_layers_compactly():
    model = Sequential([Dense(12, "relu", input_dim=2, rng=0), Dense(1, "sigmoid", rng=1)])
    network = plot_network(model, (-1.0, 1.0), (-1.0, 1.0))
    assert isinstance(network, NetworkHeatmaps) and isinstance(network.ax.figure, Figure)
    assert network.shown == [2, 7, 1] and [len(t) for t in network.tiles] == [2, 7, 1]  # max_units 8: 7 drawn, "+5"
    assert [t.get_text() for t in network.ax.texts if t.get_text().startswith("+")] == ["+5"]
    assert network.tiles[0][0].shape == (24, 24)  # the default resolution
    with pytest.raises(ValueError, match=re.escape("inputs must have 2 columns (the model's input features); got "
                                                   "shape (576, 3)")):
        plot_network(model, (-1.0, 1.0), (-1.0, 1.0), features=("x1", "x2", "x1^2"))
    with pytest.raises(ValueError, match="names must be a non-empty list of features"):
        plot_network(model, (-1.0, 1.0), (-1.0, 1.0), features=("x1", "x3"))
    with pytest.raises(ValueError, match=re.escape("xlim must be (low, high) with low < high; got (1, -1)")):
        plot_network(model, (1.0, -1.0), (-1.0, 1.0))

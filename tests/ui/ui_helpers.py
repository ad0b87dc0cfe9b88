"""What the tests of nnlib.ui share: axes on plain Figures drawn with matplotlib's Agg backend (no pyplot), artists
counted, figures rendered to pixels, and made-up histories and network values. Imported by name: pytest puts this
folder on sys.path for its test files (tests/conftest.py is shared as it is, `from conftest import ...`)."""
import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from nnlib.callbacks import History  # noqa: E402


def new_axes(size=(4, 3)):
    return Figure(figsize=size, dpi=80).add_subplot()


def artist_counts(ax):
    """(images, lines, collections, texts, patches, legend entries): what an update must not add to."""
    legend = ax.get_legend()
    return (len(ax.images), len(ax.lines), len(ax.collections), len(ax.texts), len(ax.patches),
            0 if legend is None else len(legend.get_texts()))


def render(figure):
    """The figure drawn by Agg: its pixels, (height, width, 3) in [0, 1]."""
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].astype(float) / 255


def pixel(ax, image, x, y):
    """The rendered colour at data point (x, y)."""
    px, py = ax.transData.transform((x, y))
    return image[image.shape[0] - 1 - int(round(py)), int(round(px))]


def history_of(**series):
    """A History of made-up epochs 1, 2, ...: history_of(loss=[...], val_loss=[...])."""
    history = History()
    for epoch in range(1, len(next(iter(series.values()))) + 1):
        history.append(epoch, {key: values[epoch - 1] for key, values in series.items()})
    return history


def network_inputs(sizes, r, rng):
    """Random unit values (r * r, n_l) per layer and weights (n_l, n_(l+1)) for a network of layer sizes `sizes`."""
    values = [rng.normal(size=(r * r, n)) for n in sizes]
    weights = [rng.normal(size=(a, b)) for a, b in zip(sizes, sizes[1:])]
    return values, weights

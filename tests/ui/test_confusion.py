"""nnlib.ui.confusion, headless: ConfusionMatrixPlot writes the counts and colours each cell by its share of its row."""
import re

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nnlib.metrics import confusion_matrix  # noqa: E402
from nnlib.ui.confusion import ConfusionMatrixPlot  # noqa: E402
from ui_helpers import artist_counts, new_axes  # noqa: E402


def test_confusion_matrix_plot_writes_the_counts():
    ax = new_axes()
    plot = ConfusionMatrixPlot(ax, 3, labels=["cat", "dog", "owl"])
    counts = artist_counts(ax)
    assert [t.get_text() for t in plot.texts] == ["0"] * 9
    C = np.array([[5, 1, 0], [0, 0, 0], [2, 2, 16]])
    plot.update(C)
    assert [t.get_text() for t in plot.texts] == ["5", "1", "0", "0", "0", "0", "2", "2", "16"]
    np.testing.assert_allclose(plot.image.get_array(), [[5 / 6, 1 / 6, 0], [0, 0, 0], [0.1, 0.1, 0.8]])
    assert plot.texts[0].get_color() == "white" and plot.texts[1].get_color() == "0.1"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cat", "dog", "owl"]
    assert ax.get_xlabel() == "predicted" and ax.get_ylabel() == "true"
    plot.update(confusion_matrix([0, 1, 2, 2], [0, 2, 2, 2]))
    assert [t.get_text() for t in plot.texts] == ["1", "0", "0", "0", "0", "1", "0", "0", "2"]
    assert artist_counts(ax) == counts == (1, 0, 0, 9, 0, 0)
    with pytest.raises(ValueError, match=re.escape("matrix must have shape (3, 3)")):
        plot.update(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="matrix must hold counts"):
        plot.update(np.full((3, 3), 0.5))
    with pytest.raises(TypeError, match="labels must be a list of 2 strings"):
        ConfusionMatrixPlot(new_axes(), 2, labels=["a"])

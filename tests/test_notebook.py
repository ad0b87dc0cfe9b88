"""nnlib.notebook (notebook 00): below, how a notebook prints round-off the same on every machine, and add_to_class,
how a notebook writes a class in several cells (the exporter's side is tested in test_export.py)."""
import math

import numpy as np
import pytest

from nnlib.notebook import add_to_class, below


@pytest.mark.parametrize("value, bound, text", [
    (3.2e-15, 1e-12, "< 1e-12"), (0.0, 1e-14, "< 1e-14"), (-5.0, 0.001, "< 0.001"), (np.float32(2e-6), 1e-4, "< 0.0001"),
    (9.99e-13, 1e-12, "< 1e-12"), (np.float64(4e-9), 5e-7, "< 5e-07"),
])
def test_below_prints_the_bound_once_the_value_is_below_it(value, bound, text):
    assert below(value, bound) == text


@pytest.mark.parametrize("value, bound, message", [
    (1e-12, 1e-12, "^1e-12 is not below 1e-12$"),  # not strictly below
    (2.5e-10, 1e-12, "^2.5e-10 is not below 1e-12$"),
    (math.nan, 1e-12, "^nan is not below 1e-12$"),  # NaN is below nothing
    (math.inf, 1e300, "^inf is not below 1e\\+300$"),
])
def test_below_refuses_a_value_that_is_not_below_naming_both(value, bound, message):
    with pytest.raises(AssertionError, match=message):
        below(value, bound)


def test_add_to_class_attaches_functions_properties_classmethods_and_staticmethods():
    class Box:
        def __init__(self, side):
            self.side = side

    @add_to_class(Box)
    def area(self):
        return self.side ** 2

    @add_to_class(Box)
    @property
    def perimeter(self):
        """Four sides."""
        return 4 * self.side

    @add_to_class(Box)
    @classmethod
    def unit(cls):
        return cls(1)

    @add_to_class(Box)
    @staticmethod
    def sides():
        return 4

    box = Box(3)
    assert (box.area(), box.perimeter, Box.unit().side, Box.sides(), box.sides()) == (9, 12, 1, 4, 4)
    assert Box.perimeter.__doc__ == "Four sides." and isinstance(Box.__dict__["unit"], classmethod)
    assert area is None and perimeter is None  # the decorator keeps nothing in the cell's namespace

    @add_to_class(Box)
    def area(self):  # a later cell replaces the method, on every object, old ones too
        return 0

    assert box.area() == 0


@pytest.mark.parametrize("bad, name", [(object(), "object"), ("Dense", "str"), (None, "NoneType")])
def test_add_to_class_takes_a_class(bad, name):
    with pytest.raises(TypeError, match=rf"^add_to_class takes a class, such as add_to_class\(Dense\); got {name}$"):
        add_to_class(bad)

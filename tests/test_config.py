"""nnlib.config (notebook 03): pieces that describe themselves (Describable, Configurable), the registry of their
classes by name (CLASSES), every nnlib class's description built again by from_config, and lookup, how every
registry finds a name."""
import numpy as np
import pytest

from nnlib import activations, init, losses, metrics, optim
from nnlib.config import CLASSES, Configurable, Describable, lookup
from nnlib.layers import Dense, Dropout, Layer
from nnlib.regularizers import L1L2, L2


# ---- CLASSES: every Describable class, by name -----------------------------------------------------------------


def test_a_class_defined_anywhere_is_filed_by_name_unless_its_name_starts_with_an_underscore(classes):
    class Swish(activations.Activation):
        name = "swish"

        def value(self, z):
            return z / (1 + np.exp(-z))

        def derivative(self, z):
            s = 1 / (1 + np.exp(-z))
            return s + z * s * (1 - s)

    class Halve(Layer):
        def forward(self, x, training=True):
            return x / 2

        def backward(self, G):
            return G / 2

        def get_config(self):
            return {"name": self.name}

    class _Private(Describable):
        pass

    class Plain(Describable):
        def __init__(self, size=3, label="a"):
            self.size, self.label = size, label

    assert classes["Swish"] is Swish and classes["Halve"] is Halve and classes["Plain"] is Plain
    assert "_Private" not in classes and _Private not in classes.values()
    assert classes["Dense"] is Dense and classes["AdamW"] is optim.AdamW  # nnlib's own, by the same rule
    assert Plain(7, "b").get_config() == {"size": 7, "label": "b"}  # the default: the attributes
    again = classes["Plain"].from_config({"size": 7, "label": "b"})
    assert type(again) is Plain and (again.size, again.label) == (7, "b")
    assert Halve.from_config(Halve(name="half").get_config()).name == "half"

    class Plain(Describable):  # a later class of the same name (a cell run again) replaces the earlier one
        pass

    assert classes["Plain"] is Plain and classes["Swish"] is Swish


def test_only_describable_classes_are_filed():
    assert all(isinstance(cls, type) and issubclass(cls, Describable) and name == cls.__name__
               for name, cls in CLASSES.items())
    assert all(not name.startswith("_") for name in CLASSES)
    assert "_CrossEntropy" not in CLASSES and issubclass(losses.BinaryCrossEntropy, losses._CrossEntropy)


# ---- every nnlib class describes itself, and from_config builds it again ----------------------------------------

ARGUMENTS = {  # class name: the arguments it is built with (settings away from the defaults where it has any)
    "LeakyReLU": {"alpha": 0.2}, "ELU": {"alpha": 0.5},
    "BinaryCrossEntropy": {"from_logits": True}, "CategoricalCrossEntropy": {"from_logits": True},
    "L1": {"l1": 0.5}, "L2": {"l2": 0.25}, "L1L2": {"l1": 0.1, "l2": 0.2},
    "Optimizer": {"lr": 0.5}, "SGD": {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
    "AdaGrad": {"lr": 0.2, "eps": 1e-6}, "RMSProp": {"lr": 0.02, "rho": 0.9, "eps": 1e-7, "momentum": 0.5},
    "Adam": {"lr": 0.01, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6, "weight_decay": 0.1},
    "AdamW": {"lr": 0.01, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6, "weight_decay": 0.05},
    "StepDecay": {"step_size": 3, "gamma": 0.5}, "ExponentialDecay": {"gamma": 0.9}, "CosineDecay": {"T": 10, "lr_min": 0.01},
    "Dense": {"units": 4, "activation": "tanh", "input_dim": 3, "kernel_regularizer": L1L2(0.1, 0.2), "name": "hidden"},
    "Dropout": {"rate": 0.3, "input_dim": 5, "rng": 1, "name": "drop"},
    "Conv2D": {"filters": 3, "kernel_size": (3, 2), "strides": (2, 1), "padding": "same", "activation": "relu",
               "input_dim": (8, 6, 2), "kernel_regularizer": L2(0.25), "name": "conv"},
    "MaxPool2D": {"pool_size": (2, 3), "strides": (1, 2), "input_dim": (6, 7, 1), "name": "max"},
    "AvgPool2D": {"pool_size": (3, 3), "strides": (2, 1), "input_dim": (5, 5, 3), "name": "average"},
    "Flatten": {"input_dim": (4, 4, 2), "name": "flat"},
}
NNLIB_CLASSES = sorted(name for name, cls in CLASSES.items() if cls.__module__.startswith("nnlib."))
NOT_DESCRIBED = {"Layer": "a layer class of its own defines get_config; Layer's says so"}


def test_the_classes_checked_below_are_nnlibs_and_each_is_listed_once():
    assert set(ARGUMENTS) <= set(NNLIB_CLASSES) and set(NOT_DESCRIBED) <= set(NNLIB_CLASSES)
    assert {"Activation", "Identity", "Sigmoid", "Softmax", "MeanSquaredError", "Loss", "Regularizer", "Configurable",
            "Dense", "Dropout", "SGD", "AdamW", "CosineDecay"} <= set(NNLIB_CLASSES)


@pytest.mark.parametrize("name", [name for name in NNLIB_CLASSES if name not in NOT_DESCRIBED])
def test_every_nnlib_class_is_built_again_from_its_description(name):
    cls = CLASSES[name]
    piece = cls(**ARGUMENTS.get(name, {}))
    config = piece.get_config()
    assert isinstance(config, dict) and all(isinstance(key, str) for key in config)
    for key, value in ARGUMENTS.get(name, {}).items():  # every argument given is in the description, as given
        if key in ("activation", "rng"):
            continue  # a name or a seed: described as the object it made (checked below)
        assert config[key] == value, key
    again = cls.from_config(config)
    assert type(again) is cls and again.get_config() == config and repr(again) == repr(piece)
    if isinstance(piece, Configurable):
        assert again == piece and hash(again) == hash(piece)


def test_descriptions_hold_the_pieces_not_their_names():
    dense = Dense(**ARGUMENTS["Dense"])
    assert dense.get_config()["activation"] == activations.Tanh() and dense.get_config()["input_dim"] == 3
    drop = Dropout(**ARGUMENTS["Dropout"])
    assert isinstance(drop.get_config()["rng"], np.random.Generator)
    assert Dropout.from_config(drop.get_config()).rng is drop.rng  # the same generator, so the same masks
    adam = optim.Adam(0.01)
    adam.state[0] = {"step": 3}
    assert "state" not in adam.get_config() and optim.Adam.from_config(adam.get_config()).state == {}


def test_a_layer_without_a_description_says_what_to_define():
    with pytest.raises(NotImplementedError, match=r"^Layer must define get_config\(\)"):
        Layer().get_config()


# ---- lookup ----------------------------------------------------------------------------------------------------


def test_lookup_ignores_case_spaces_and_dashes_and_lists_the_valid_names():
    registry = {"leaky_relu": 1, "mse": 2}
    assert lookup(" Leaky-ReLU ", registry, "activation") == 1 and lookup("MSE", registry, "loss") == 2
    with pytest.raises(ValueError, match=r"^unknown loss 'hinge'; valid names: leaky_relu, mse$"):
        lookup("hinge", registry, "loss")
    with pytest.raises(ValueError, match=r"^unknown loss None; valid names: leaky_relu, mse$"):
        lookup(None, registry, "loss")


def test_every_registry_accepts_names_the_same_way():
    assert init.get("He-Normal") is init.he_normal
    assert isinstance(activations.get("Leaky-ReLU"), activations.LeakyReLU)
    assert isinstance(losses.get("Binary-CrossEntropy"), losses.BinaryCrossEntropy)
    assert metrics.get("ACC") == ("accuracy", metrics.accuracy)
    assert type(optim.get(" AdamW ")) is optim.AdamW

"""Notebook 06's checks: a gradient by the chain rule, backward shapes, central differences' cost, Scale.backward."""
import numpy as np

from nnlib.gradcheck import check_gradients
from nnlib.layers import Dense

from . import answer, register

answer("06", 1, {"f5b73faa610367abcd791716c91dd7f74ea7afe864e3cfd7114beab82474656e"}, decimals=3,
       correct="dL/dw1 = dL/da * da/dz * dz/dw1 = 2 (a - y) * a (1 - a) * x1.",
       hint=lambda a: f"{a} is not dL/dw1; multiply dL/da, da/dz and dz/dw1 = x1.")

answer("06", 2, {"7c0afb817e46261c4a62d29dccc100e0db7014d6dc88cb010a2a477fa9be0248"},
       kind="two shapes ((rows, cols), (rows, cols))",
       correct="dW = A_prev^T delta has the shape of W; delta W^T has the shape of A_prev.",
       hint=lambda a: f"{a} are not the shapes; dW has the shape of W, dL/dA_prev that of A_prev.")

answer("06", 3, {"df910c457dc6a2639dd3adf065e113a2ca931df482b9371b6693a418ceef8e91"}, kind="a whole number",
       correct="Two forward passes per parameter, against one forward and one backward pass for backpropagation.",
       hint=lambda a: f"{a} is not the count; count the parameters (weights and biases), and central differences "
                      f"need 2 passes per parameter.")


@register("06", 4)
def scale_backward(layer_class):
    if not isinstance(layer_class, type) and hasattr(layer_class, "forward"):
        return "not yet. exercise_4 must be the class itself (MyScale), not an object (MyScale())."
    if not (isinstance(layer_class, type) and hasattr(layer_class, "forward")):  # the notebook's Layer or nnlib's
        return f"not yet. exercise_4 must be a class that subclasses Scale; got {layer_class!r:.60}."
    rng = np.random.default_rng(6)
    for trial, (n, d) in enumerate(((5, 3), (8, 1), (4, 6))):
        layer, G = layer_class(), rng.normal(size=(n, d))
        layer(rng.normal(size=(n, d)))
        try:
            down = layer.backward(G)
        except Exception as error:
            return f"not yet. backward(G) raised {type(error).__name__}: {error}"
        if np.shape(down) != (n, d):
            return f"not yet. backward(G) must return dL/dx, of x's shape {(n, d)}; it returned {down!r:.60}."
        if np.shape(layer.grads.get("s")) != (d,):
            return f"not yet. backward(G) must put dL/ds, of s's shape {(d,)}, into self.grads['s']."
        layers = [Dense(d, "tanh", input_dim=2, rng=rng), layer_class(), Dense(1, "sigmoid", input_dim=d, rng=rng)]
        X, y = rng.normal(size=(6, 2)), rng.integers(0, 2, size=(6, 1))
        errors = check_gradients(layers, X, y, "binary_crossentropy")
        where = f"On random data (6 samples, {d} features into Scale)"
        if errors["layers[1].s"] > 1e-7:
            return (f"not yet. {where}, check_gradients finds a relative error of {errors['layers[1].s']:.2g} in "
                    f"layers[1].s: s_j multiplies x_rj in every sample r.")
        wrong = [name for name, error in errors.items() if error > 1e-7]
        if wrong:
            return (f"not yet. {where}, layers[1].s is right, but {wrong[0]} (below Scale) has relative error "
                    f"{errors[wrong[0]]:.2g}: the dL/dx your backward returns is wrong; x_rj reaches only y_rj.")
    return "correct. check_gradients finds every relative error below 1e-7, Scale's and the Dense ones', on three networks."

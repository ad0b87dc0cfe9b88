"""Notebook 02's checks: a sigmoid neuron's output, one perceptron update, the epochs of a fit."""
from . import answer

answer("02", 1, {"21525497b9813d18152d19a1e6c488d2873588089d83aa09e30b09d9100eee9b"}, decimals=3,
       correct="z = 0.5 * 2 + 1.5 * (-1) - 0.25 = -0.75, and the output is sigma(-0.75).",
       hint=lambda y: f"{y} is not the output; first compute z = w . x + b, then sigma(z) = 1 / (1 + e^(-z)).")

answer("02", 2, {"acb503e2e034833b359175ff823fea6121259289c8240c933ec4e03326585a9d"}, decimals=3,
       kind="a pair ([w1, w2], b)",
       correct="A false alarm subtracts lr * x from w and lr from b.",
       hint="Those are not the weights after the update: compute the prediction first, then add "
            "lr * (y - y_hat) * x to w and lr * (y - y_hat) to b.")

answer("02", 3, {"1758058b40a2ed068ca674f426581ef283851989d7ae36f0e088d7512eeb5797"}, kind="a whole number",
       correct="fit stops after the first epoch without a mistake, and counts it.",
       hint="Count the epochs in errors_ (fit records one number per epoch), including the last one without mistakes.")

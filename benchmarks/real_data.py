"""Notebook 12's speed targets on the real digits, measured side by side in one run.

    python benchmarks/real_data.py [--repeat 5]

Cases (issue 16): the digits MLP of notebook 12 (64-64-10, ReLU, softmax, Adam 1e-3, L2 1e-3, batches of 32,
40 epochs on the 1078 standardised training digits) trained to its reported accuracy, target <= 2 s; k-NN
(k = 1, raw pixels) predicting the whole test set (359 digits against 1078 stored), target <= 0.5 s. Also, for
the comparison the notebook makes: the MLP predicting the same test set, and the ratio of the two prediction
times. The best of --repeat runs of each is kept; accuracies are printed so the work is provably the same.
"""
import argparse
import time

import numpy as np

from nnlib.data import load_digits, standardize, stratified_split
from nnlib.layers import Dense
from nnlib.model import Sequential
from nnlib.neighbors import KNeighborsClassifier
from nnlib.optim import Adam
from nnlib.regularizers import L2


def best_of(repeat, function):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    X, y = load_digits()
    train, val, test = stratified_split(y, (0.6, 0.2, 0.2), rng=0)
    X_train, X_test = standardize(X[train], X[test])

    def train_mlp():
        model = Sequential([Dense(64, "relu", input_dim=64, kernel_regularizer=L2(1e-3)), Dense(10, "softmax")])
        model.compile(Adam(1e-3), "categorical_crossentropy", ["accuracy"])
        model.fit(X_train, y[train], epochs=40, batch_size=32, verbose=0, rng=0)
        return model

    fit_time, mlp = best_of(repeat, train_mlp)
    mlp_accuracy = np.mean(mlp.predict(X_test).argmax(axis=1) == y[test])
    knn = KNeighborsClassifier(1).fit(X[train], y[train])
    knn_time, knn_pred = best_of(repeat, lambda: knn.predict(X[test]))
    mlp_predict_time, _ = best_of(repeat, lambda: mlp.predict(X_test))
    rows = [
        ("MLP 64-64-10, 40 epochs on 1078 digits (train)", fit_time, 2.0, f"test accuracy {mlp_accuracy:.4f}"),
        ("1-NN, predict 359 test digits", knn_time, 0.5, f"test accuracy {np.mean(knn_pred == y[test]):.4f}"),
        ("MLP, predict 359 test digits", mlp_predict_time, None, ""),
    ]
    print(f"{'case':50s} {'best of ' + str(repeat):>12s} {'target':>8s} {'ratio':>7s}  check")
    for name, seconds, target, check in rows:
        ratio = f"{seconds / target:.2f}" if target else ""
        print(f"{name:50s} {seconds * 1000:9.1f} ms {'<= ' + str(target) + ' s' if target else '':>8s} {ratio:>7s}  {check}")
    print(f"k-NN prediction / MLP prediction: {knn_time / mlp_predict_time:.0f}x")


if __name__ == "__main__":
    main()

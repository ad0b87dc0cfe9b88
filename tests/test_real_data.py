"""Notebook 12: the shipped data files and their loaders, stratified splits, k nearest neighbours, precision and
recall, Sequential.input_gradient, and an MLP on the real digits."""
import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from nnlib.data import DATA_FILES, load_breast_cancer, load_digits, read_data_file, standardize, stratified_split
from nnlib.gradcheck import numerical_gradient
from nnlib.layers import Dense, Dropout
from nnlib.metrics import confusion_matrix, precision_recall
from nnlib.model import Sequential
from nnlib.neighbors import KNeighborsClassifier
from nnlib.optim import Adam

ROOT = Path(__file__).resolve().parent.parent


# ---- the data files and their loaders ---------------------------------------------------------------------

def test_digits_load_with_their_shapes_dtypes_and_labels():
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64 and y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0 and X.max() == 16 and np.array_equal(X, np.round(X))
    assert np.bincount(y).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def test_breast_cancer_loads_with_malignant_as_1_and_its_names():
    X, y, names = load_breast_cancer(with_names=True)
    assert X.shape == (569, 30) and X.dtype == np.float64 and y.dtype == np.int64
    assert int(y.sum()) == 212 and set(np.unique(y)) == {0, 1}
    assert names[0] == "mean radius" and names[10] == "standard error radius" and names[20] == "worst radius"
    X2, y2 = load_breast_cancer()
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    # malignant tumours are larger on average (the best-known fact about this data set)
    assert X[y == 1, 0].mean() > X[y == 0, 0].mean() + 4


@pytest.mark.parametrize("name", sorted(DATA_FILES))
def test_the_committed_files_match_their_recorded_sha256(name):
    content = (ROOT / "data" / name).read_bytes()
    assert hashlib.sha256(content).hexdigest() == DATA_FILES[name][0]
    assert DATA_FILES[name][0] in (ROOT / "data" / "README.md").read_text(encoding="utf-8")


def test_a_missing_file_is_refused_naming_it(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"data file digits\.npz not found at .*nowhere\.npz"):
        load_digits(tmp_path / "nowhere.npz")


@pytest.mark.parametrize("damage", ["one bit flipped", "cut short", "one byte more", "empty"])
def test_a_damaged_copy_is_refused_naming_it(tmp_path, damage):
    content = (ROOT / "data" / "digits.npz").read_bytes()
    middle = len(content) // 2
    damaged = {"one bit flipped": content[:middle] + bytes([content[middle] ^ 1]) + content[middle + 1:],
               "cut short": content[:-100], "one byte more": content + b"\0", "empty": b""}[damage]
    copy = tmp_path / "digits.npz"
    copy.write_bytes(damaged)
    with pytest.raises(ValueError, match=rf"data file .*digits\.npz is damaged \(cut short or altered\): "
                                         rf"{len(damaged)} bytes"):
        load_digits(copy)


def test_an_intact_copy_loads_and_a_wrong_path_type_is_refused(tmp_path):
    copy = tmp_path / "copy.npz"
    copy.write_bytes((ROOT / "data" / "breast_cancer.npz").read_bytes())
    assert load_breast_cancer(copy)[0].shape == (569, 30)
    with pytest.raises(TypeError, match="path must be a file name .* of a copy of digits.npz; got int 3"):
        load_digits(3)


def test_a_file_with_the_right_checksum_but_other_arrays_is_refused(tmp_path, monkeypatch):
    copy = tmp_path / "digits.npz"
    np.savez(copy, X=np.zeros((3, 64), np.uint8), y=np.zeros(3, np.uint8))
    digest = hashlib.sha256(copy.read_bytes()).hexdigest()
    monkeypatch.setitem(DATA_FILES, "digits.npz", (digest, DATA_FILES["digits.npz"][1]))
    with pytest.raises(ValueError, match=r"holds \{'X': \(\(3, 64\), 'uint8'\).*expected \{'X': \(\(1797, 64\)"):
        read_data_file("digits.npz", copy)


def test_make_data_rebuilds_the_committed_bytes_from_its_parsed_arrays():
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import make_data
    finally:
        sys.path.remove(str(ROOT / "tools"))
    for name in DATA_FILES:
        with np.load(ROOT / "data" / name, allow_pickle=False) as contents:
            arrays = {key: contents[key] for key in contents.files}
        assert make_data.npz_bytes(arrays) == (ROOT / "data" / name).read_bytes()


def test_the_wheel_packages_the_data_and_the_loaders_work_from_it(tmp_path):
    """Build a wheel, install it into a folder, and load both data sets from there, outside the source tree."""
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(tmp_path / "wheel"), str(ROOT)], capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    (wheel,) = (tmp_path / "wheel").glob("grok_nn-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for name in DATA_FILES:
            assert hashlib.sha256(archive.read(f"nnlib/datasets/{name}")).hexdigest() == DATA_FILES[name][0]
    assert "nnlib/datasets/__init__.py" in names
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(tmp_path / "site")
    code = ("import nnlib.data as d; X, y = d.load_digits(); B, c = d.load_breast_cancer(); "
            "print(d.__file__, X.shape, B.shape)")
    run = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(tmp_path / 'site')!r}); {code}"],
                         capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(str(tmp_path / "site")) and "(1797, 64) (569, 30)" in run.stdout


# ---- stratified splits ----------------------------------------------------------------------------------

def test_stratified_split_keeps_every_class_share_and_every_index_once():
    y = np.repeat([0, 1, 2], [50, 30, 20])
    parts = stratified_split(y, (0.6, 0.2, 0.2), rng=0)
    assert [np.bincount(y[p], minlength=3).tolist() for p in parts] == [[30, 18, 12], [10, 6, 4], [10, 6, 4]]
    assert np.array_equal(np.sort(np.concatenate(parts)), np.arange(100))
    assert all(np.array_equal(p, np.sort(p)) and p.dtype == np.int64 for p in parts)
    again = stratified_split(y, (0.6, 0.2, 0.2), rng=0)
    assert all(np.array_equal(a, b) for a, b in zip(parts, again))
    folds = stratified_split(y, (0.2,) * 5, rng=1)
    assert [len(f) for f in folds] == [20] * 5


@pytest.mark.parametrize("fractions, message", [((0.5, 0.4), r"sum to 1; got \[0.5, 0.4\]"),
                                                ((1.2, -0.2), "must be > 0"), ("half", "fractions"),
                                                ((1.0, 0.0), r"^fractions must be > 0 and sum to 1; got \[1.0, 0.0\] \(sum 1\)$")])
def test_stratified_split_refuses_bad_fractions(fractions, message):
    with pytest.raises((ValueError, TypeError), match=message):
        stratified_split([0, 1, 0, 1], fractions)


def test_stratified_split_refuses_labels_that_are_not_classes():
    with pytest.raises(ValueError, match="y must hold class labels"):
        stratified_split([0.5, 1.0], (0.5, 0.5))


# ---- k nearest neighbours --------------------------------------------------------------------------------

def brute_force_knn(X, y, Q, k):
    """One query at a time: sort by (distance, index), vote, break vote ties by the nearest member."""
    out = []
    for q in Q:
        d = ((X - q) ** 2).sum(axis=1)
        nearest = sorted(range(len(X)), key=lambda i: (d[i], i))[:k]
        labels = [int(y[i]) for i in nearest]
        top = max(labels.count(c) for c in labels)
        out.append(next(c for c in labels if labels.count(c) == top))
    return np.array(out)


@pytest.mark.parametrize("k", [1, 2, 4, 7])
def test_knn_matches_a_brute_force_reference_on_random_data(k):
    rng = np.random.default_rng(k)
    X, Q = rng.normal(size=(120, 5)), rng.normal(size=(40, 5))
    y = rng.integers(0, 4, size=120)
    assert np.array_equal(KNeighborsClassifier(k).fit(X, y).predict(Q), brute_force_knn(X, y, Q, k))


def test_knn_is_the_same_in_small_chunks_and_on_integer_data_with_many_ties():
    rng = np.random.default_rng(3)
    X, Q = rng.integers(0, 3, size=(60, 4)).astype(float), rng.integers(0, 3, size=(30, 4)).astype(float)
    y = rng.integers(0, 3, size=60)
    expected = brute_force_knn(X, y, Q, 5)
    for chunk in (1, 60, 7 * 60, 2**22):
        assert np.array_equal(KNeighborsClassifier(5, chunk_size=chunk).fit(X, y).predict(Q), expected)


def test_knn_ties_follow_the_stated_rule():
    X, y = [[-1.0], [1.0], [2.0]], [7, 3, 3]
    assert KNeighborsClassifier(2).fit(X, y).predict([[0.0]])[0] == 7  # vote tie: 7's member is first
    assert KNeighborsClassifier(3).fit(X, y).predict([[0.0]])[0] == 3  # majority
    # equal distances: the earlier training point counts, whichever order the labels come in
    assert KNeighborsClassifier(1).fit([[1.0], [-1.0]], [4, 9]).predict([[0.0]])[0] == 4
    assert KNeighborsClassifier(1).fit([[1.0], [-1.0]], [9, 4]).predict([[0.0]])[0] == 9
    # the same query twice gives the same answer (deterministic)
    model = KNeighborsClassifier(4).fit([[0.0], [1.0], [-2.0], [2.0], [3.0]], [5, 1, 1, 5, 5])
    assert model.predict([[0.5], [0.5]]).tolist() == [5, 5]


def test_knn_score_and_labels_that_are_not_0_to_k():
    X = np.array([[0.0], [0.1], [5.0], [5.1]])
    model = KNeighborsClassifier(1).fit(X, [10, 10, 20, 20])
    assert model.predict([[0.05], [4.9]]).tolist() == [10, 20]
    assert model.score([[0.05], [4.9]], [10, 10]) == 0.5


@pytest.mark.parametrize("make, error, message", [
    (lambda: KNeighborsClassifier(5).fit(np.zeros((3, 2)), [0, 1, 0]), ValueError,
     "k = 5 neighbours asked, but the training set has only 3 points"),
    (lambda: KNeighborsClassifier(0), ValueError, "k must be >= 1; got 0"),
    (lambda: KNeighborsClassifier(2.5), TypeError, "k must be an integer"),
    (lambda: KNeighborsClassifier(1).fit(np.zeros((3, 2)), [0, 1]), ValueError, "got 3 and 2"),
    (lambda: KNeighborsClassifier(1).fit(np.zeros((3, 2)), [0, 1, 0.5]), ValueError, "class labels"),
    (lambda: KNeighborsClassifier(1).predict(np.zeros((1, 2))), ValueError, "fit the classifier first"),
    (lambda: KNeighborsClassifier(1).fit(np.zeros((3, 2)), [0, 1, 0]).predict(np.zeros((1, 3))), ValueError,
     "X must have 2 features per sample"),
    (lambda: KNeighborsClassifier(1).fit(np.zeros((3, 2)), [0, 1, 0]).predict([[np.nan, 0.0]]), ValueError, "X"),
])
def test_knn_refuses_bad_input_at_the_door(make, error, message):
    with pytest.raises(error, match=message):
        make()


# ---- precision, recall, confusion ------------------------------------------------------------------------

def test_precision_and_recall_from_the_confusion_matrix():
    y_true, y_pred = [0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 2, 2]
    C = confusion_matrix(y_true, y_pred)
    assert C.sum() == 6 and C.sum(axis=1).tolist() == [3, 2, 1] and C.sum(axis=0).tolist() == [2, 2, 2]
    precision, recall = precision_recall(y_true, y_pred)
    assert np.allclose(precision, [1.0, 0.5, 0.5]) and np.allclose(recall, [2 / 3, 0.5, 1.0])
    precision, recall = precision_recall([0, 1, 1], [0, 1, 1])  # class 0 predicted once, and rightly
    assert precision.tolist() == [1.0, 1.0] and recall.tolist() == [1.0, 1.0]


def test_a_class_never_predicted_has_precision_0_not_nan():
    precision, recall = precision_recall([0, 1, 2], [0, 0, 0], n_classes=4)
    assert precision.tolist() == [1 / 3, 0.0, 0.0, 0.0] and recall.tolist() == [1.0, 0.0, 0.0, 0.0]


# ---- input gradients and the digits MLP ------------------------------------------------------------------

def test_input_gradient_is_the_derivative_of_the_class_score():
    rng = np.random.default_rng(0)
    model = Sequential([Dense(7, "tanh", input_dim=4, rng=1), Dense(5, "relu", rng=2), Dense(3, "softmax", rng=3)])
    X = rng.normal(size=(6, 4))

    def score(x, k):
        a = x[None, :]
        for layer in model.layers[:-1]:
            a = layer.forward(a, training=False)
        return float((a @ model.layers[-1].params["W"] + model.layers[-1].params["b"])[0, k])

    for k in range(3):
        G = model.input_gradient(X, k)
        assert G.shape == X.shape
        for i in range(len(X)):
            numeric = numerical_gradient(lambda x: score(x, k), X[i].copy())
            assert np.allclose(G[i], numeric, rtol=1e-6, atol=1e-8)
    assert model.layers[0].needs_input_grad is False  # put back: the model's first layer needs no input gradient
    with pytest.raises(ValueError, match="k must be an output of the model, 0 .. 2; got 3"):
        model.input_gradient(X, 3)
    with pytest.raises(ValueError, match="^k must be >= 0; got -1$"):
        model.input_gradient(X, -1)


def test_input_gradient_is_taken_in_inference_mode():
    """With dropout in the model: the gradient of the score predict computes, the same at every call."""
    model = Sequential([Dense(6, "tanh", input_dim=3, rng=1), Dropout(0.5, rng=2), Dense(2, "softmax", rng=3)])
    X = np.random.default_rng(4).normal(size=(5, 3))
    W1, b1, W2 = model.layers[0].params["W"], model.layers[0].params["b"], model.layers[2].params["W"]
    h = np.tanh(X @ W1 + b1)
    expected = ((1 - h**2) * W2[:, 1]) @ W1.T  # d z_1 / d x, no unit dropped
    np.testing.assert_allclose(model.input_gradient(X, 1), expected, rtol=1e-12, atol=1e-15)


def test_input_gradient_leaves_fit_unchanged():
    X, y = np.random.default_rng(1).normal(size=(40, 3)), np.arange(40) % 2
    model = Sequential([Dense(4, "relu", input_dim=3, rng=0), Dense(2, "softmax", rng=1)])
    model.compile("sgd", "categorical_crossentropy")
    model.fit(X, y, epochs=1, verbose=0, rng=0)
    model.input_gradient(X, 1)
    assert model.layers[0].needs_input_grad is False and model.layers[-1].activation.__class__.__name__ == "Softmax"


def test_an_mlp_on_the_real_digits_reaches_95_percent_on_its_test_set():
    X, y = load_digits()
    train, test = stratified_split(y, (0.8, 0.2), rng=0)
    X_train, X_test = standardize(X[train], X[test])
    model = Sequential([Dense(32, "relu", input_dim=64, rng=0), Dense(10, "softmax", rng=1)])
    model.compile(Adam(3e-3), "categorical_crossentropy", ["accuracy"])
    model.fit(X_train, y[train], epochs=10, batch_size=32, verbose=0, rng=0)
    accuracy = np.mean(model.predict(X_test).argmax(axis=1) == y[test])
    assert accuracy >= 0.95

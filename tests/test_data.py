"""nnlib.data: the toy data sets, train/test split, standardisation and one-hot labels (notebook 08); the shipped
data files and their loaders, stratified splits and the digits split (notebook 12)."""
import hashlib
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from conftest import ROOT
from nnlib import data
from nnlib.data import DATA_FILES, digits_split, load_breast_cancer, load_digits, read_data_file, stratified_split


@pytest.mark.parametrize("make, classes", [(data.xor, 2), (data.moons, 2), (data.circles, 2), (data.spirals, 2),
                                           (lambda **kw: data.blobs(k=4, **kw), 4)])
def test_generators_are_seeded_balanced_and_shaped(make, classes):
    X, y = make(n=101, rng=3)
    assert X.shape == (101, 2) and y.shape == (101,) and y.dtype == np.int64
    assert sorted(set(y.tolist())) == list(range(classes)) and np.bincount(y).max() - np.bincount(y).min() <= 1
    X2, y2 = make(n=101, rng=3)
    assert np.array_equal(X, X2) and np.array_equal(y, y2) and not np.array_equal(X, make(n=101, rng=4)[0])


def test_noise_free_shapes_are_exact():
    X, y = data.circles(n=40, noise=0, factor=0.3)
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), np.where(y == 0, 1.0, 0.3))
    X, y = data.xor(n=8, noise=0)
    assert (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(int).tolist() == y.tolist()
    x, t = data.noisy_function(n=30, noise=0, f=np.cos, rng=0)
    assert x.shape == (30, 1) and np.allclose(t, np.cos(x[:, 0])) and (np.diff(x[:, 0]) >= 0).all()
    X8, y8 = data.blobs(n=30, k=3, n_features=8, rng=0)
    assert X8.shape == (30, 8)


def test_noise_free_generators_draw_the_documented_points():
    X, y = data.xor(n=8, noise=0)
    assert (np.abs(X) == 1).all() and y.tolist() == (X[:, 0] != X[:, 1]).astype(int).tolist()  # centres (+-1, +-1)
    X, y = data.moons(n=6, noise=0)  # t = 0, pi/2, pi on each half circle
    np.testing.assert_allclose(X, [[1, 0], [0, 1], [-1, 0], [0, 0.5], [1, -0.5], [2, 0.5]], atol=1e-15)
    X, y = data.circles(n=8, noise=0, factor=0.3)  # angles 0, pi/2, pi, 3 pi/2 on each circle
    np.testing.assert_allclose(X, [[1, 0], [0, 1], [-1, 0], [0, -1], [0.3, 0], [0, 0.3], [-0.3, 0], [0, -0.3]], atol=1e-15)
    X, y = data.spirals(n=4, noise=0, turns=1.5)  # radius t = 0.25 and 1 at angles 2 pi 1.5 t; the second arm turned
    first = [[0.25 * np.cos(0.75 * np.pi), 0.25 * np.sin(0.75 * np.pi)], [-1, 0]]
    np.testing.assert_allclose(X, first + [[-a, -b] for a, b in first], atol=1e-15)
    assert y.tolist() == [0, 0, 1, 1]


@pytest.mark.parametrize("make, noise", [(data.xor, 0.3), (data.moons, 0.1), (data.circles, 0.05), (data.spirals, 0.1)])
def test_generators_add_gaussian_noise_of_the_default_std(make, noise):
    X, _ = make(n=20000, rng=1)
    residual = X - make(n=20000, noise=0)[0]
    assert abs(residual.std() / noise - 1) < 0.02 and abs(residual.mean()) < 0.05 * noise
    assert np.array_equal(make(rng=2)[0], make(n=200, noise=noise, rng=2)[0])  # the defaults: 200 points


def test_blobs_and_noisy_function_are_seeded_and_follow_their_documented_defaults():
    X, y = data.blobs(n=30, k=3, noise=0, spread=0.5, rng=1)  # noise 0: every point is its cluster's centre
    assert np.abs(X).max() <= 0.5 and len(np.unique(X, axis=0)) == 3 and (X[y == 2] == X[y == 2][0]).all()
    X, y = data.blobs(n=30000, k=1, noise=0.7, rng=2)
    assert abs((X - X.mean(axis=0)).std() / 0.7 - 1) < 0.02
    assert all(np.array_equal(a, b) for a, b in zip(data.blobs(rng=3), data.blobs(300, 3, 1.0, 2, 5.0, rng=3)))
    x, t = data.noisy_function(rng=4)
    assert np.array_equal(t, data.noisy_function(n=100, noise=0.1, rng=4)[1]) and x.shape == (100, 1)
    assert not np.array_equal(t, data.noisy_function(rng=5)[1])
    x, t = data.noisy_function(n=20000, rng=6)
    assert abs((t - np.sin(x[:, 0])).std() / 0.1 - 1) < 0.02  # y = sin(x) + noise of std 0.1


def test_generator_arguments_are_checked():
    with pytest.raises(ValueError, match=r"noise must be >= 0 \(a standard deviation\); got -0.1"):
        data.moons(noise=-0.1)
    with pytest.raises(ValueError, match="factor must be < 1"):
        data.circles(factor=1.5)
    with pytest.raises(ValueError, match=r"^factor must be < 1 \(the inner circle's radius\); got 1$"):
        data.circles(factor=1)
    with pytest.raises(ValueError, match="^factor must be > 0; got 0$"):
        data.circles(factor=0)
    with pytest.raises(ValueError, match="^turns must be > 0; got -1$"):
        data.spirals(turns=-1)
    with pytest.raises(ValueError, match="n must be >= 4"):
        data.xor(n=3)
    with pytest.raises(TypeError, match="f must be a function"):
        data.noisy_function(f=3)
    with pytest.raises(ValueError, match="low must be < high"):
        data.noisy_function(low=1, high=0)
    with pytest.raises(ValueError, match="^low must be < high; got 1 and 1$"):
        data.noisy_function(low=1, high=1)
    x, _ = data.noisy_function(n=500, rng=0)  # x uniform in [low, high] = [-3, 3] by default
    assert -3 <= x.min() < -2.9 and 2.9 < x.max() <= 3


def test_train_test_split_partitions_and_is_seeded():
    X, y = np.arange(20).reshape(10, 2), np.arange(10)
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, test_size=0.25, rng=0)
    assert len(X_test) == 3 and len(X_train) == 7
    assert sorted(y_train.tolist() + y_test.tolist()) == list(range(10))
    assert (X_train[:, 0] == 2 * y_train).all() and (X_test[:, 0] == 2 * y_test).all()
    again = data.train_test_split(X, y, test_size=0.25, rng=0)
    assert np.array_equal(again[3], y_test)
    assert data.train_test_split(X, y, test_size=2, shuffle=False)[3].tolist() == [0, 1]
    assert len(data.train_test_split(X, y, rng=0)[1]) == 3  # the default test_size 0.25: 2.5 rounded up
    assert data.train_test_split(X, y, test_size=1, shuffle=False)[3].tolist() == [0]  # a count of 1
    assert len(data.train_test_split(np.arange(10.0), y, rng=0)[0]) == 7  # 1-D X: one number per sample
    for bad in (0.0, 1.0, 10, 0):
        with pytest.raises(ValueError, match="test_size"):
            data.train_test_split(X, y, test_size=bad)
    with pytest.raises(ValueError, match="same number"):
        data.train_test_split(X, y[:5])


def test_standardize_uses_training_statistics_only():
    train, test = np.array([[0.0, 5.0], [2.0, 5.0], [4.0, 5.0]]), np.array([[6.0, 7.0]])
    train_s, test_s = data.standardize(train, test)
    np.testing.assert_allclose(train_s[:, 0], [-np.sqrt(1.5), 0, np.sqrt(1.5)])
    np.testing.assert_allclose(test_s, [[4 / np.sqrt(8 / 3), 2.0]])  # the constant feature is only centred
    assert data.standardize(train).shape == (3, 2)
    np.testing.assert_allclose(data.standardize(np.array([[0.0], [0.5], [1.0]]))[:, 0], [-np.sqrt(1.5), 0, np.sqrt(1.5)])
    with pytest.raises(ValueError, match=r"others\[0\] must have 2 features"):
        data.standardize(train, np.ones((2, 3)))


def test_one_hot():
    assert data.one_hot([0, 2, 1]).tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
    assert data.one_hot([1], n_classes=3).tolist() == [[0, 1, 0]]
    with pytest.raises(ValueError, match="labels must be < n_classes = 2; got 2"):
        data.one_hot([0, 2], n_classes=2)
    with pytest.raises(ValueError, match="labels must be integers >= 0"):
        data.one_hot([0.5])


# ---- the data files and their loaders (notebook 12) ------------------------------------------------------


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
    library = {path.relative_to(ROOT).as_posix() for path in (ROOT / "nnlib").rglob("*.py")}
    assert library <= names, f"the wheel lacks {sorted(library - names)}"  # every module, the front end's too
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


# ---- the digits split ------------------------------------------------------------------------------------


def test_digits_split_is_notebook_12s_split_standardised_on_the_training_images():
    X_train, y_train, X_val, y_val = digits_split()
    assert X_train.shape == (1078, 64) and X_val.shape == (360, 64) and len(y_train) == 1078 and len(y_val) == 360
    assert abs(X_train.mean()) < 1e-12  # standardised with the training images' statistics
    X, y = load_digits()
    train, val, _ = stratified_split(y, (0.6, 0.2, 0.2), rng=0)
    assert np.array_equal(y_train, y[train]) and np.array_equal(y_val, y[val])
    mean, std = X[train].mean(axis=0), X[train].std(axis=0)
    np.testing.assert_allclose(X_val[:, std > 0], ((X[val] - mean) / np.where(std > 0, std, 1))[:, std > 0],
                               rtol=1e-12, atol=1e-12)

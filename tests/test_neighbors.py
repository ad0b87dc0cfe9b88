"""nnlib.neighbors (notebook 12): k nearest neighbours against a brute-force reference, its tie rules, chunking, and
the checks at its door."""
import numpy as np
import pytest

from nnlib.neighbors import KNeighborsClassifier


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

#!/usr/bin/env python3
"""Make data/digits.npz and data/breast_cancer.npz from the copies that scikit-learn ships.

    python tools/make_data.py [--source PATH] [--check]

PATH is a scikit-learn wheel (``scikit_learn-*.whl``, e.g. from ``pip download scikit-learn --no-deps``) or a
directory holding ``sklearn/datasets/data`` (an unpacked wheel or a site-packages directory). Without
--source the installed scikit-learn is used. scikit-learn is never imported, and it is not a dependency of
grok-nn: only its two data files are read, as text.

The files are written byte for byte reproducibly (fixed zip timestamps, fixed member order), so their
SHA-256 sums, recorded in nnlib.data (notebook 12) and data/README.md, can be checked: --check rebuilds both
in memory and exits 1 if a committed file differs. Every array is a plain numeric or unicode array:
``np.load(path, allow_pickle=False)`` reads them.

digits.npz: X (1797, 64) uint8, pixel counts 0-16 of 8x8 images, row by row; y (1797,) uint8, the digit.
breast_cancer.npz: X (569, 30) float64, the 30 measurements; y (569,) uint8, 1 = malignant, 0 = benign
(scikit-learn's target is the other way round: its 0 is malignant); feature_names (30,) and class_names (2,)
unicode, class_names[y] naming each label.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import sys
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
MEMBER = "sklearn/datasets/data/"
FEATURES = ["radius", "texture", "perimeter", "area", "smoothness", "compactness", "concavity",
            "concave points", "symmetry", "fractal dimension"]


def read_source(source):
    """{'digits.csv.gz': bytes, 'breast_cancer.csv': bytes} from a wheel, a directory or the installed package."""
    names = ("digits.csv.gz", "breast_cancer.csv")
    if source is None:
        import importlib.util

        spec = importlib.util.find_spec("sklearn")
        if spec is None or spec.origin is None:
            sys.exit("scikit-learn is not installed: pass --source with a scikit-learn wheel or directory")
        source = Path(spec.origin).parent.parent
    source = Path(source)
    if source.is_file():
        with zipfile.ZipFile(source) as wheel:
            return {name: wheel.read(MEMBER + name) for name in names}
    return {name: (source / MEMBER / name).read_bytes() for name in names}


def digits(raw):
    table = np.loadtxt(io.BytesIO(gzip.decompress(raw)), delimiter=",", dtype=np.int64)
    X, y = table[:, :64], table[:, 64]
    assert table.shape == (1797, 65) and X.min() == 0 and X.max() == 16 and set(y) == set(range(10))
    return {"X": X.astype(np.uint8), "y": y.astype(np.uint8)}


def breast_cancer(raw):
    lines = raw.decode("ascii").splitlines()
    n, d, *sklearn_classes = lines[0].split(",")  # "569,30,malignant,benign": sklearn's 0 is malignant
    table = np.loadtxt(lines[1:], delimiter=",", dtype=np.float64)
    X, target = table[:, :-1], table[:, -1].astype(np.int64)
    assert (int(n), int(d)) == X.shape == (569, 30) and sklearn_classes == ["malignant", "benign"]
    y = (target == 0).astype(np.uint8)  # 1 = malignant, the class a screening test must find
    assert int(y.sum()) == 212
    names = [f"{kind} {feature}" for kind in ("mean", "standard error", "worst") for feature in FEATURES]
    return {"X": X, "y": y, "feature_names": np.array(names), "class_names": np.array(["benign", "malignant"])}


def npz_bytes(arrays):
    """An .npz (a zip of .npy files) with fixed timestamps, so the same arrays always give the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, array in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            archive.writestr(info, member.getvalue(), compresslevel=9)
    return buffer.getvalue()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", help="a scikit-learn wheel or a directory holding sklearn/datasets/data")
    parser.add_argument("--check", action="store_true", help="compare with the committed files instead of writing")
    args = parser.parse_args(argv)
    raw = read_source(args.source)
    made = {"digits.npz": npz_bytes(digits(raw["digits.csv.gz"])),
            "breast_cancer.npz": npz_bytes(breast_cancer(raw["breast_cancer.csv"]))}
    status = 0
    for name, content in made.items():
        path = ROOT / "data" / name
        digest = hashlib.sha256(content).hexdigest()
        if args.check:
            same = path.exists() and path.read_bytes() == content
            status |= not same
            print(f"{name}: {'same as committed' if same else 'DIFFERS from committed'} (sha256 {digest})")
        else:
            path.write_bytes(content)
            print(f"wrote data/{name}: {len(content)} bytes, sha256 {digest}")
    return status


if __name__ == "__main__":
    sys.exit(main())

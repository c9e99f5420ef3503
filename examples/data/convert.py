#!/usr/bin/env python3
"""Converts scikit-learn's bundled `digits` and `breast_cancer` data to the files rbench ships.

Run by hand, with the Python standard library only (no NumPy needed):

    pip download --no-deps scikit-learn -d /tmp/skl
    python3 examples/data/convert.py /tmp/skl/scikit_learn-*.whl

It reads `sklearn/datasets/data/digits.csv.gz` and `sklearn/datasets/data/breast_cancer.csv`
straight from the wheel and writes, beside this script:

- `digits_train.npz`, `digits_test.npz`: `x` float32 `[N, 1, 8, 8]` (the 17 grey levels 0..16
  divided by 16, so in [0, 1]) and `y` int64 `[N]` (the digit). Members are stored uncompressed,
  as `numpy.savez` writes them.
- `breast_cancer.csv`: a header row of the 30 feature names as scikit-learn names them, then
  `target` (0 malignant, 1 benign); the rows as in the original file, values copied verbatim.
- `breast_cancer_train.csv`, `breast_cancer_test.csv`: the same header and a split of the rows.

The split is deterministic: the sample at (0-based) index i goes to the test split when
i % 4 == 3, to the training split otherwise. Outputs are byte-for-byte reproducible (fixed zip
timestamps), and their sha256 sums are printed for `README.md`.
"""

import csv
import gzip
import hashlib
import io
import struct
import sys
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parent

# scikit-learn's `load_breast_cancer().feature_names`, in column order.
BREAST_CANCER_FEATURES = [
    f"{prefix}{name}{suffix}"
    for prefix, suffix in [("mean ", ""), ("", " error"), ("worst ", "")]
    for name in [
        "radius",
        "texture",
        "perimeter",
        "area",
        "smoothness",
        "compactness",
        "concavity",
        "concave points",
        "symmetry",
        "fractal dimension",
    ]
]


def is_test(index):
    """The split rule: every 4th sample (index % 4 == 3) is a test sample."""
    return index % 4 == 3


def npy(descr, shape, values, pack):
    """A version 1.0 .npy file: magic, header dict padded to 64 bytes, little-endian data."""
    dims = ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "")
    header = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({dims}), }}"
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    data = b"".join(struct.pack(pack, v) for v in values)
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + data


def write_npz(path, arrays):
    """An .npz archive with one stored (uncompressed) member per array, fixed timestamps."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in arrays:
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            archive.writestr(info, data)


def convert_digits(wheel):
    text = gzip.decompress(wheel.read("sklearn/datasets/data/digits.csv.gz")).decode()
    rows = [[int(v) for v in line.split(",")] for line in text.splitlines() if line.strip()]
    assert len(rows) == 1797 and all(len(r) == 65 for r in rows), "unexpected digits layout"
    for split, keep in [("train", lambda i: not is_test(i)), ("test", is_test)]:
        chosen = [r for i, r in enumerate(rows) if keep(i)]
        pixels = [v / 16 for r in chosen for v in r[:64]]
        labels = [r[64] for r in chosen]
        n = len(chosen)
        write_npz(
            OUT / f"digits_{split}.npz",
            [
                ("x", npy("<f4", (n, 1, 8, 8), pixels, "<f")),
                ("y", npy("<i8", (n,), labels, "<q")),
            ],
        )


def convert_breast_cancer(wheel):
    text = wheel.read("sklearn/datasets/data/breast_cancer.csv").decode()
    lines = list(csv.reader(io.StringIO(text)))
    # The first row is scikit-learn's own: sample count, feature count, class names.
    assert lines[0][:2] == ["569", "30"], "unexpected breast_cancer header"
    rows = [r for r in lines[1:] if r]
    assert len(rows) == 569 and all(len(r) == 31 for r in rows), "unexpected breast_cancer layout"
    header = BREAST_CANCER_FEATURES + ["target"]
    for name, keep in [
        ("breast_cancer", lambda i: True),
        ("breast_cancer_train", lambda i: not is_test(i)),
        ("breast_cancer_test", is_test),
    ]:
        with open(OUT / f"{name}.csv", "w", newline="") as file:
            writer = csv.writer(file, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(r for i, r in enumerate(rows) if keep(i))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: convert.py SCIKIT_LEARN_WHEEL")
    with zipfile.ZipFile(sys.argv[1]) as wheel:
        convert_digits(wheel)
        convert_breast_cancer(wheel)
    for path in sorted(OUT.glob("*.npz")) + sorted(OUT.glob("*.csv")):
        print(hashlib.sha256(path.read_bytes()).hexdigest(), path.name)


if __name__ == "__main__":
    main()

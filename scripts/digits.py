#!/usr/bin/env python3
"""Regenerate core/data/digits.bin from the copy of UCI optdigits that scikit-learn ships.

Only the standard library is needed: the script downloads one pinned scikit-learn wheel from
PyPI with pip (no install), reads sklearn/datasets/data/digits.csv.gz out of it, checks its
SHA-256, and writes the binary described in core/data/README.md.

    python3 scripts/digits.py            # writes core/data/digits.bin
    python3 scripts/digits.py --check    # exits 1 if the committed file differs
"""
import gzip
import hashlib
import pathlib
import struct
import subprocess
import sys
import tempfile
import zipfile

WHEEL = "scikit-learn==1.5.2"
MEMBER = "sklearn/datasets/data/digits.csv.gz"
SHA256 = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"
OUT = pathlib.Path(__file__).resolve().parent.parent / "core" / "data" / "digits.bin"


def fetch_csv() -> bytes:
    with tempfile.TemporaryDirectory() as d:
        # A fixed platform and Python so every host fetches the same wheel.
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--only-binary=:all:", "--platform", "manylinux2014_x86_64",
             "--python-version", "3.11", "-d", d, WHEEL],
            check=True,
        )
        wheel = next(pathlib.Path(d).glob("*.whl"))
        raw = zipfile.ZipFile(wheel).read(MEMBER)
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SHA256:
        sys.exit(f"digits.csv.gz has SHA-256 {digest}, expected {SHA256}")
    return gzip.decompress(raw)


def encode(csv: bytes) -> bytes:
    rows = [list(map(int, line.split(","))) for line in csv.decode().strip().splitlines()]
    out = bytearray(b"SNDIGIT1")
    out += struct.pack("<HBB", len(rows), 64, 10)
    for r in rows:
        assert len(r) == 65 and all(0 <= v <= 16 for v in r[:64]) and 0 <= r[64] <= 9
        out += bytes(r)
    return bytes(out)


def main() -> None:
    data = encode(fetch_csv())
    if "--check" in sys.argv:
        same = OUT.exists() and OUT.read_bytes() == data
        print("digits.bin matches" if same else "digits.bin differs from the regenerated file")
        sys.exit(0 if same else 1)
    OUT.write_bytes(data)
    print(f"wrote {OUT} ({len(data)} bytes, {(len(data) - 12) // 65} images)")


if __name__ == "__main__":
    main()

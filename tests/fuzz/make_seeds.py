"""Writes the seed files of the fuzz corpora (tests/fuzz/corpus/{npy,safetensors}): valid files of
many dtypes and layouts (NumPy for .npy; the safetensors layout by hand), and a few malformed ones.
Inputs libFuzzer finds are added beside them. Run: /usr/bin/python3 tests/fuzz/make_seeds.py"""
import io
import json
import os
import struct

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
npy_dir = os.path.join(here, "corpus", "npy")
st_dir = os.path.join(here, "corpus", "safetensors")
os.makedirs(npy_dir, exist_ok=True)
os.makedirs(st_dir, exist_ok=True)

rng = np.random.default_rng(7)
n = 0
for kind in ["b1", "i1", "u2", ">i4", "<f2", "f4", ">f8", "u8"]:
    for shape in [(), (3,), (2, 3), (2, 1, 2)]:
        for order in "CF":
            a = np.array(rng.integers(0, 2, size=shape) if kind == "b1" else rng.integers(0, 100, size=shape),
                         dtype=np.dtype(kind), order=order)
            b = io.BytesIO()
            np.lib.format.write_array(b, a, version=(1, 0) if n % 3 else (2, 0))
            open(os.path.join(npy_dir, f"seed{n:02d}.npy"), "wb").write(b.getvalue())
            n += 1
open(os.path.join(npy_dir, "bad_magic.npy"), "wb").write(b"\x93NUMPX\x01\x00")
open(os.path.join(npy_dir, "bad_header.npy"), "wb").write(b"\x93NUMPY\x01\x00\x10\x00{'descr': '<f4'\n")


def st(tensors, data, meta=None, pad=True):
    h = {}
    if meta:
        h["__metadata__"] = meta
    h.update(tensors)
    j = json.dumps(h, separators=(",", ":")).encode()
    if pad:
        j += b" " * ((8 - len(j) % 8) % 8)
    return struct.pack("<Q", len(j)) + j + data


def t(dtype, shape, b, e):
    return {"dtype": dtype, "shape": shape, "data_offsets": [b, e]}


seeds = {
    "f32.safetensors": st({"w": t("F32", [2, 2], 0, 16)}, struct.pack("<4f", 1, -2, 3.5, 0)),
    "mixed.safetensors": st({"a": t("BF16", [3], 0, 6), "b": t("F8_E4M3", [2, 2], 6, 10), "c": t("F4", [4], 10, 12),
                             "d": t("F6_E2M3", [4], 12, 15), "e": t("F8_E8M0", [1], 15, 16), "f": t("I64", [1], 16, 24)},
                            bytes(range(24)), {"format": "pt"}),
    "empty.safetensors": st({}, b""),
    "zero_dim.safetensors": st({"z": t("F32", [0, 4], 0, 0), "y": t("U8", [2], 0, 2)}, b"\x01\x02"),
    "ints.safetensors": st({"i8": t("I8", [2], 0, 2), "u16": t("U16", [1], 2, 4), "i32": t("I32", [1], 4, 8),
                            "bool": t("BOOL", [2], 8, 10), "f16": t("F16", [1], 10, 12), "c": t("C64", [1], 12, 20)},
                           bytes(range(20))),
    "gap.safetensors": st({"a": t("U8", [2], 2, 4)}, b"1234"),
    "overlap.safetensors": st({"a": t("U8", [2], 0, 2), "b": t("U8", [2], 1, 3)}, b"123"),
    "deep.safetensors": st({"a": {"dtype": "U8", "shape": [[1]], "data_offsets": [0, 1]}}, b"1"),
    "unpadded.safetensors": st({"w": t("F32", [1], 0, 4)}, struct.pack("<f", 2), pad=False),
}
for name, b in seeds.items():
    open(os.path.join(st_dir, name), "wb").write(b)
print(f"{n + 2} .npy seeds, {len(seeds)} safetensors seeds")

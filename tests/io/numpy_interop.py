"""lowp's .npy reader and writer against NumPy (an independent implementation of the format).

For every dtype lowp reads, C and Fortran order, both byte orders, format versions 1.0, 2.0 and
3.0, and shapes of rank 0 to 3 (empty ones included): NumPy writes the array, lowp reads it and
writes it back (npy_tool), and
  - NumPy reads lowp's file to an equal array of the same kind and size, and
  - lowp's file is byte for byte the file NumPy writes for the C-order little-endian array.
Usage: numpy_interop.py NPY_TOOL WORKDIR
"""
import io
import os
import subprocess
import sys

import numpy as np

tool, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)
rng = np.random.default_rng(20261130)
kinds = ["b1", "i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8", "f2", "f4", "f8"]
shapes = [(), (0,), (5,), (3, 4), (2, 3, 4), (0, 3)]
count = 0
for kind in kinds:
    for shape in shapes:
        base = np.dtype(kind)
        if kind == "b1":
            a = rng.integers(0, 2, size=shape).astype(bool)
        elif kind[0] in "iu":
            info = np.iinfo(base)
            a = rng.integers(info.min, info.max, size=shape, dtype=base, endpoint=True)
        else:
            bits = rng.integers(0, 2 ** (8 * base.itemsize), size=shape, dtype=np.uint64, endpoint=False)
            a = bits.astype({2: np.uint16, 4: np.uint32, 8: np.uint64}[base.itemsize]).view(base)
        for order in ("C", "F"):
            for endian in ("<", ">"):
                for version in ((1, 0), (2, 0), (3, 0)):
                    x = np.array(a, dtype=base.newbyteorder(endian), order=order)
                    src = os.path.join(work, "in.npy")
                    out = os.path.join(work, "out.npy")
                    with open(src, "wb") as f:
                        np.lib.format.write_array(f, x, version=version)
                    r = subprocess.run([tool, src, out], capture_output=True, text=True)
                    what = f"{kind} {shape} order={order} endian={endian} version={version}"
                    if r.returncode != 0:
                        sys.exit(f"FAIL {what}: lowp could not read NumPy's file: {r.stderr}")
                    y = np.load(out)
                    # same values, bit for bit (floats compared as their bits: NaN payloads too)
                    if y.shape != x.shape or y.dtype.kind != x.dtype.kind or y.dtype.itemsize != x.dtype.itemsize:
                        sys.exit(f"FAIL {what}: NumPy reads {y.dtype} {y.shape} back")
                    xb = x.copy(order="C").astype(base.newbyteorder("<")).tobytes()
                    if y.astype(base.newbyteorder("<")).tobytes() != xb:
                        sys.exit(f"FAIL {what}: values differ")
                    ref = io.BytesIO()
                    np.save(ref, x.copy(order="C").astype(base.newbyteorder("<")))
                    mine = open(out, "rb").read()
                    if mine != ref.getvalue():
                        sys.exit(f"FAIL {what}: lowp's file differs from NumPy's: {mine!r} vs {ref.getvalue()!r}")
                    count += 1
print(f"numpy interop: {count} arrays ({len(kinds)} dtypes x {len(shapes)} shapes x 2 orders x 2 byte orders "
      f"x 3 versions) read by lowp, written back identical to NumPy's own files (numpy {np.__version__})")

#!/usr/bin/env python3
"""lowp-explore end to end on a safetensors model written here by an independent writer (Python's
struct and json, from the format's definition): the explorer's table, the re-quantized file read
back by an independent reader (its header: lowp's schema, the parts of each scheme, the kept tensor's
bytes unchanged), the report, and wrong input answered by one line naming it.
Usage: explore_cli.py LOWP_EXPLORE WORKDIR"""
import json, os, struct, subprocess, sys
import numpy as np

explorer, work = sys.argv[1:3]
os.makedirs(work, exist_ok=True)
rng = np.random.default_rng(7)
tensors = {
    "layers.0.mlp.up_proj.weight": rng.normal(0, 0.02, (64, 256)).astype(np.float32),
    "layers.0.mlp.down_proj.weight": rng.normal(0, 0.02, (256, 64)).astype(np.float16),
    "layers.0.norm.weight": np.ones(256, dtype=np.float32),
    "lm_head.weight": rng.normal(0, 0.02, (40, 96)).astype(np.float32),  # 96: no 64/128/256 blocks
}
def write_safetensors(path, ts, meta):
    header, data = {"__metadata__": meta}, b""
    for name, a in ts.items():
        b = a.tobytes()
        header[name] = {"dtype": {"float32": "F32", "float16": "F16"}[str(a.dtype)], "shape": list(a.shape),
                        "data_offsets": [len(data), len(data) + len(b)]}
        data += b
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + data)
def read_safetensors(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    return header, raw[8 + n:]

failures = 0
def expect(ok, what):
    global failures
    if not ok:
        print("FAIL", what)
        failures += 1

model = os.path.join(work, "model.safetensors")
write_safetensors(model, tensors, {"format": "pt"})
out = os.path.join(work, "model-5.safetensors")
report = os.path.join(work, "report.html")
r = subprocess.run([explorer, model, "--budget", "5", "--curve", "3,4,8", "--out", out, "--report", report],
                   capture_output=True, text=True)
expect(r.returncode == 0, "lowp-explore exit status " + str(r.returncode) + ": " + r.stderr)
text = r.stdout
expect("lm_head.weight  (40 x 96" in text, "the table names the tensor and its shape")
expect("tq2_0            skipped:" in text and "256" in text, "tq2_0 skipped with a reason naming 256")
expect("kept: layers.0.norm.weight (one row: kept as it is)" in text, "the 1-D tensor kept, with the reason")
expect("wrote " + out + ": 3 tensors re-quantized, 1 kept" in text, "the write line")

header, data = read_safetensors(out)
meta = header.pop("__metadata__")
expect(meta.get("lowp.schema") == "lowp.quantized/1", "lowp.schema")
expect(meta.get("format") == "pt", "the input's metadata kept")
layouts = {  # the parts each scheme family stores (docs/model.md)
    "uniform": [".scales", ".scale_exponent"], "mx": [".scales"], "nvfp4": [".scales", ".tensor_scale"],
}
for name, a in tensors.items():
    key = "lowp.tensor." + name
    if a.ndim == 1:
        expect(key not in meta, name + " is not quantized")
        e = header[name]
        expect(data[e["data_offsets"][0]:e["data_offsets"][1]] == a.tobytes(), name + ": bytes unchanged")
        continue
    expect(key in meta, name + " has its entry")
    entry = json.loads(meta[key])
    expect(entry["shape"] == list(a.shape), name + ": the original shape")
    scheme = entry["scheme"]
    expect(name in header, name + ": its codes")
    if scheme.startswith("mx"):
        expect(header[name + ".scales"]["dtype"] == "F8_E8M0", name + ": E8M0 scales")
    elif scheme == "nvfp4":
        expect(header[name + ".scales"]["dtype"] == "F8_E4M3", name + ": E4M3 scales")
    elif scheme[:3] in ("int", "uin", "flo", "tri") and scheme != "tritplane g64":
        expect(name + ".scales" in header and name + ".scale_exponent" in header, name + ": " + scheme + " scales")
    print(f"{name}: {scheme}")
html = open(report).read()
expect(html.count("<svg") == 4, "the report: a model chart and one per weight")

# wrong input: exit status 1, one line on stderr naming what was wrong
for args, needle in [(["--schemes", "int5"], "no model scheme 'int5'"),
                     (["--budget", "abc"], "--budget needs a positive number, got 'abc'"),
                     (["--budget", "0.5", "--out", out], "0.5 bits per weight is below the smallest choice"),
                     (["--out", out], "--out needs --budget"),
                     (["--frobnicate"], "unknown option '--frobnicate'")]:
    r = subprocess.run([explorer, model, "--quiet"] + args, capture_output=True, text=True)
    expect(r.returncode == 1 and needle in r.stderr, f"{args}: exit {r.returncode}, stderr {r.stderr!r}")
r = subprocess.run([explorer, os.path.join(work, "missing.gguf")], capture_output=True, text=True)
expect(r.returncode == 1 and "cannot open" in r.stderr and r.stderr.count("\n") == 1, "a missing file: one line")
if failures:
    sys.exit(f"{failures} failures")
print("lowp-explore: safetensors in and out, report, and five wrong inputs each answered by one line")

#!/usr/bin/env python3
"""lowp-explore on a 64 MiB GGUF model (16 float32 tensors of 4 MiB): exploring and re-quantizing it
must hold about one tensor, not the model. The program reports its peak resident memory (getrusage)
and its memory before it opened the model; the growth must stay under 8 tensors (the float tensor, its
quantized and dequantized forms, the pages of the file not yet given back), well under the file's
16. Usage: explore_memory.py GGUF_TOOL LOWP_EXPLORE WORKDIR"""
import os, re, subprocess, sys

tool, explorer, work = sys.argv[1:4]
os.makedirs(work, exist_ok=True)
model = os.path.join(work, "big.gguf")
subprocess.run([tool, "big", model, "16"], check=True)
size_mib = os.path.getsize(model) / 2**20
out = subprocess.run([explorer, model, "--schemes", "int8,q8_0,q4_0", "--budget", "6", "--curve", "6",
                      "--out", os.path.join(work, "big-q.gguf"), "--quiet",
                      "--report", os.path.join(work, "big.html")],
                     check=True, capture_output=True, text=True).stdout
m = re.search(r"peak memory: ([\d.]+) MiB \(before the model ([\d.]+) MiB; largest tensor as float32 ([\d.]+) MiB; "
              r"after writing ([\d.]+) MiB\)", out)
if not m:
    sys.exit("no peak memory line in:\n" + out)
explore_peak, base, tensor, write_peak = map(float, m.groups())
growth = write_peak - base
print(f"model {size_mib:.1f} MiB, largest tensor {tensor:.1f} MiB: peak {explore_peak:.1f} MiB after exploring, "
      f"{write_peak:.1f} MiB after writing, {base:.1f} MiB before the model: growth {growth:.1f} MiB")
if tensor != 4.0:
    sys.exit(f"expected 4 MiB tensors, the program saw {tensor}")
if growth > 8 * tensor:
    sys.exit(f"the explorer grew by {growth:.1f} MiB: more than 8 tensors ({8 * tensor:.0f} MiB) of a {size_mib:.0f} MiB model")
os.remove(model)
os.remove(os.path.join(work, "big-q.gguf"))

#!/usr/bin/env python3
"""pil_ort_classify.py — the Python baseline of `nninfer classify`: Pillow + numpy + ONNX Runtime.

Usage: tools/py/pil_ort_classify.py MODEL DIR --spec JSON [--batch N] [--threads T] [--top-k K]

Classifies every image under DIR (recursive, sorted by path) the way a straightforward Python
script would: decode and preprocess each file with Pillow and numpy (tools/py/pil_preprocess.py,
the same preprocessing as nninfer, given as the JSON of nninfer.preprocess), stack N of them, run
the batch in ONNX Runtime (intra-op threads T, inter-op 1, all graph optimizations), apply softmax
and print the top-k as nninfer's CSV (file,rank,index,label,probability). On stderr it prints
`elapsed SECONDS` for the work after the imports (session creation included).
Python environment: re-executes itself under tools/.venv, which tools/pyenv creates on first use.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bootstrap  # noqa: E402

bootstrap.ensure_venv()

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402

import pil_preprocess  # noqa: E402

EXTENSIONS = {".png", ".jpg", ".jpeg", ".pgm", ".ppm", ".pnm"}


def main(argv) -> int:
    p = argparse.ArgumentParser(prog="pil_ort_classify.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model")
    p.add_argument("directory")
    p.add_argument("--spec", required=True, help="nninfer.preprocess as JSON")
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    p.add_argument("--top-k", type=int, default=5)
    args = p.parse_args(argv)

    start = time.perf_counter()
    spec = pil_preprocess.Spec(**json.loads(args.spec))
    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    session = ort.InferenceSession(args.model, options, providers=["CPUExecutionProvider"])
    input_name = session.get_inputs()[0].name
    files = sorted(str(Path(root) / f) for root, _, names in os.walk(args.directory) for f in names
                   if Path(f).suffix.lower() in EXTENSIONS)
    out = sys.stdout
    out.write("file,rank,index,label,probability\n")
    for i in range(0, len(files), args.batch):
        chunk = files[i:i + args.batch]
        x = np.concatenate([pil_preprocess.tensor(f, spec) for f in chunk])
        logits = session.run(None, {input_name: x})[0].reshape(len(chunk), -1).astype(np.float64)
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        probs = e / e.sum(axis=1, keepdims=True)
        top = np.argsort(-probs, axis=1, kind="stable")[:, :args.top_k]
        for f, row, idx in zip(chunk, probs, top):
            for rank, j in enumerate(idx, 1):
                out.write(f"{f},{rank},{j},,{row[j]:.8g}\n")
    out.flush()
    print(f"elapsed {time.perf_counter() - start:.4f}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    from nntools.cli import run
    run(main, "pil_ort_classify")

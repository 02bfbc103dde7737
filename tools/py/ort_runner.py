#!/usr/bin/env python3
"""ort_runner.py — a stand-in for `nninfer run` backed by ONNX Runtime (the reference runner).

Usage:
  tools/py/ort_runner.py run MODEL [INPUT ...] --output-dir DIR [--npy] [--input NAME=FILE ...]

Same contract as the nninfer binary: INPUTs are ONNX TensorProto `.pb` or NumPy `.npy` files,
matched in order to the graph's inputs that are not initializers (or by name with --input).
Writes DIR/output_0.pb, output_1.pb, ... in graph-output order (TensorProto named after the
output), or .npy files with --npy. Exits non-zero with a one-line message on any error.

The harness scripts accept it in place of the binary:
  tools/conformance/run --nninfer tools/py/ort_runner.py
  NNINFER=tools/py/ort_runner.py tools/compare-with-ort

Environment: ORT_RUNNER_THREADS sets ONNX Runtime's intra-op thread count (default: its own);
ORT_RUNNER_OPT_LEVEL=disable|basic|extended|all sets its graph optimization level (default all).
Running with `disable` against the in-process default is a quick way to see how far two correct
float32 implementations drift apart on a model (e.g. BN folded into Conv or not).
Python environment: re-executes itself under tools/.venv, which tools/pyenv creates on first use.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bootstrap  # noqa: E402

bootstrap.ensure_venv()

import argparse  # noqa: E402
from pathlib import Path  # noqa: E402

PROG = "ort_runner"


def die(msg: str, code: int = 1):
    print(f"{PROG}: error: {msg}", file=sys.stderr)
    sys.exit(code)


def parse_args(argv):
    p = argparse.ArgumentParser(prog="ort_runner.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="run MODEL on the given inputs")
    r.add_argument("model", type=Path)
    r.add_argument("inputs", nargs="*", type=Path, metavar="INPUT")
    r.add_argument("--input", action="append", default=[], metavar="NAME=FILE",
                   help="bind a graph input by name")
    r.add_argument("--output-dir", required=True, type=Path)
    r.add_argument("--npy", action="store_true", help="write .npy files instead of .pb")
    r.add_argument("--no-winograd", action="store_true", help="accepted like nninfer's (ONNX Runtime has no Winograd)")
    return p.parse_args(argv)


def main(argv) -> int:
    args = parse_args(argv)
    import numpy as np
    import onnxruntime as ort
    from nntools.errors import ToolError
    from nntools.tensors import read_tensor, write_tensor

    ort.set_default_logger_severity(3)
    if not args.model.is_file():
        die(f"{args.model}: no such model file")
    opts = ort.SessionOptions()
    threads = os.environ.get("ORT_RUNNER_THREADS")
    if threads:
        if not threads.isdigit():
            die(f"ORT_RUNNER_THREADS must be a number, not {threads!r}")
        opts.intra_op_num_threads = int(threads)
    levels = {"disable": ort.GraphOptimizationLevel.ORT_DISABLE_ALL,
              "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
              "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
              "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL}
    level = os.environ.get("ORT_RUNNER_OPT_LEVEL", "all")
    if level not in levels:
        die(f"ORT_RUNNER_OPT_LEVEL must be one of {', '.join(levels)}, not {level!r}")
    opts.graph_optimization_level = levels[level]
    try:
        sess = ort.InferenceSession(str(args.model), opts, providers=["CPUExecutionProvider"])
    except Exception as e:  # noqa: BLE001 - ORT raises several unrelated types
        die(f"cannot load {args.model}: {str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__}")

    # ORT lists graph inputs without initializers, in graph order: the contract's matching order.
    model_inputs = sess.get_inputs()
    names = [i.name for i in model_inputs]
    feeds = {}
    try:
        if len(args.inputs) > len(names):
            die(f"{len(args.inputs)} input files given but the model has {len(names)} inputs "
                f"({', '.join(names) or 'none'})")
        for name, path in zip(names, args.inputs):
            feeds[name] = read_tensor(path).array
        for binding in args.input:
            name, sep, path = binding.partition("=")
            if not sep:
                die(f"--input expects NAME=FILE, got {binding!r}")
            if name not in names:
                die(f"--input {name}: the model has no such input (inputs: {', '.join(names)})")
            feeds[name] = read_tensor(Path(path)).array
    except ToolError as e:
        die(str(e))
    missing = [n for n in names if n not in feeds]
    if missing:
        die(f"no value for model input(s) {', '.join(missing)}")

    try:
        outputs = sess.run(None, feeds)
    except Exception as e:  # noqa: BLE001
        text = str(e).strip()
        die(f"ONNX Runtime failed: {text.splitlines()[0] if text else type(e).__name__}")

    try:
        args.output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        die(f"cannot create {args.output_dir}: {e}")
    suffix = ".npy" if args.npy else ".pb"
    for i, (meta, value) in enumerate(zip(sess.get_outputs(), outputs)):
        if not isinstance(value, np.ndarray):
            die(f"output {i} ({meta.name}) is a {type(value).__name__}, not a tensor")
        write_tensor(args.output_dir / f"output_{i}{suffix}", value, meta.name)
    return 0


if __name__ == "__main__":
    from nntools.cli import run
    run(main, PROG)

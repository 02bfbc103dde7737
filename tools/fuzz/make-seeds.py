#!/usr/bin/env python3
"""make-seeds.py — generate the seed corpora of the fuzz targets (not committed: they are large).

Usage: tools/fuzz/make-seeds.py [--dest DIR] [--onnx-tests DIR]

Writes DIR/model, DIR/tensor and DIR/image (DIR defaults to tools/.cache/fuzz/seeds):
  model  — every model.onnx of the ONNX backend tests (tools/materialize-node-tests writes them to
           tools/.cache/onnx-tests) up to 256 KiB, plus small hand-made hostile models;
  tensor — input_N.pb/output_N.pb of those tests (prefixed with 0x00: TensorProto) and .npy files
           of every supported dtype and rank 0–4 (prefixed with 0x01: NumPy), as FuzzTensor expects;
  image  — PNG (every color type, bit depth, interlaced), JPEG (gray, RGB, progressive,
           truncated) and PGM/PPM (plain, binary, 16-bit) images, small.
Runs under tools/.venv (numpy, pillow, onnx), created by tools/pyenv on first use.
"""
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "py"))
import bootstrap  # noqa: E402

bootstrap.ensure_venv()

import argparse  # noqa: E402
import hashlib  # noqa: E402
import io  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402
import onnx  # noqa: E402
from onnx import TensorProto, helper  # noqa: E402

TOOLS = Path(__file__).resolve().parent.parent


def put(directory: Path, data: bytes) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / hashlib.sha1(data).hexdigest()).write_bytes(data)


def hostile_models():
    """Small models that walk the runtime's shape-inference edges."""
    f = TensorProto.FLOAT
    i64 = TensorProto.INT64
    def model(nodes, inputs, outputs, inits=(), opset=17):
        g = helper.make_graph(nodes, "g", inputs, outputs, list(inits))
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
        m.ir_version = 8
        return m.SerializeToString()
    x = helper.make_tensor_value_info("x", f, [1, 3, 4, 4])
    y = helper.make_tensor_value_info("y", f, None)
    yield model([helper.make_node("Reshape", ["x", "s"], ["y"])], [x], [y],
                [helper.make_tensor("s", i64, [2], [1 << 40, 1 << 40])])
    yield model([helper.make_node("Pad", ["x", "p"], ["y"])], [x], [y],
                [helper.make_tensor("p", i64, [8], [0, 0, 1, 1, 0, 0, 1, 1])])
    yield model([helper.make_node("Concat", ["x", "x", "x"], ["y"], axis=1)], [x], [y])
    yield model([helper.make_node("Gather", ["x", "i"], ["y"], axis=2)], [x], [y],
                [helper.make_tensor("i", i64, [3], [0, -1, 2])])
    yield model([helper.make_node("Conv", ["x", "w"], ["y"], pads=[1, 1, 1, 1], strides=[2, 2])], [x], [y],
                [helper.make_tensor("w", f, [2, 3, 3, 3], [0.5] * 54)])
    yield model([helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[3, 3], pads=[1, 1, 1, 1])], [x], [y])
    yield model([helper.make_node("MatMul", ["x", "m"], ["y"])], [x], [y],
                [helper.make_tensor("m", f, [4, 2], [1.0] * 8)])
    yield model([helper.make_node("Shape", ["x"], ["s"]), helper.make_node("Reshape", ["x", "s"], ["y"])], [x], [y])
    yield model([helper.make_node("Gemm", ["a", "b", "c"], ["y"], transB=1)],
                [helper.make_tensor_value_info("a", f, [2, 3])], [y],
                [helper.make_tensor("b", f, [4, 3], [1.0] * 12), helper.make_tensor("c", f, [4], [0.0] * 4)])
    # raw_data over the reader's 1 KiB threshold (WeightSplitter leaves it in the input and the
    # decoder reads it straight into the tensor).
    w = helper.make_tensor("w", f, [16, 3, 3, 3], struct.pack("<432f", *[(k % 17 - 8) / 8 for k in range(432)]), raw=True)
    yield model([helper.make_node("Conv", ["x", "w"], ["y"], pads=[1, 1, 1, 1])], [x], [y], [w])


def model_seeds(dest: Path, onnx_tests: Path) -> int:
    n = 0
    for path in sorted(onnx_tests.rglob("*.onnx")):
        if path.stat().st_size <= 256 << 10:
            put(dest, path.read_bytes())
            n += 1
    for data in hostile_models():
        put(dest, data)
        n += 1
    return n


def tensor_seeds(dest: Path, onnx_tests: Path) -> int:
    n = 0
    for path in sorted(onnx_tests.rglob("*.pb")):
        if path.stat().st_size <= 64 << 10:
            put(dest, b"\x00" + path.read_bytes())
            n += 1
    rng = np.random.default_rng(7)
    for dtype in ["<f4", "<f8", "<i8", "<i4", "<i2", "|i1", "|u1", "|b1"]:
        for shape in [(), (3,), (2, 3), (2, 1, 3), (1, 2, 2, 2), (0, 3)]:
            a = (rng.standard_normal(shape) * 10).astype(dtype)
            buf = io.BytesIO()
            np.save(buf, a)
            put(dest, b"\x01" + buf.getvalue())
            n += 1
    for t in [helper.make_tensor("f", TensorProto.FLOAT, [2, 2], [1, 2, 3, 4]),
              helper.make_tensor("r", TensorProto.FLOAT, [2], np.array([1, 2], "<f4").tobytes(), raw=True),
              helper.make_tensor("u8", TensorProto.UINT8, [3], [1, 2, 3]),
              helper.make_tensor("b", TensorProto.BOOL, [2], [True, False]),
              helper.make_tensor("h", TensorProto.FLOAT16, [2], [1.0, 2.0]),
              helper.make_tensor("i4", TensorProto.INT4, [3], [1, -2, 3]),
              helper.make_tensor("s", TensorProto.STRING, [2], [b"ab", b"c"]),
              helper.make_tensor("d", TensorProto.DOUBLE, [2], [1.0, 2.0]),
              helper.make_tensor("u64", TensorProto.UINT64, [2], [1, 2]),
              helper.make_tensor("c", TensorProto.COMPLEX64, [1], [complex(1.0, 2.0)])]:
        put(dest, b"\x00" + t.SerializeToString())
        n += 1
    return n


def image_seeds(dest: Path) -> int:
    n = 0
    rng = np.random.default_rng(11)
    rgb = Image.fromarray(rng.integers(0, 256, (13, 17, 3), dtype=np.uint8), "RGB")
    images = {"RGB": rgb, "L": rgb.convert("L"), "RGBA": rgb.convert("RGBA"), "LA": rgb.convert("LA"),
              "P": rgb.convert("P"), "1": rgb.convert("1"), "I;16": rgb.convert("L").convert("I;16")}
    for mode, im in images.items():
        for interlace in (0, 1):
            buf = io.BytesIO()
            im.save(buf, "PNG", interlace=interlace)
            put(dest, buf.getvalue())
            n += 1
    p = rgb.convert("P")
    p.info["transparency"] = 3
    buf = io.BytesIO()
    p.save(buf, "PNG", transparency=3)
    put(dest, buf.getvalue())
    for mode in ("RGB", "L"):
        for progressive in (False, True):
            buf = io.BytesIO()
            images[mode].save(buf, "JPEG", quality=80, progressive=progressive)
            data = buf.getvalue()
            put(dest, data)
            put(dest, data[: len(data) // 2])
            n += 2
    for mode in ("RGB", "L"):
        buf = io.BytesIO()
        images[mode].save(buf, "PPM")
        put(dest, buf.getvalue())
        n += 1
    put(dest, b"P2\n# plain\n3 2\n255\n0 1 2\n3 4 5\n")
    put(dest, b"P3\n2 1\n65535\n0 1 2 65535 4 5\n")
    put(dest, b"P5 2 2 65535\n" + bytes(range(8)))
    put(dest, b"P6\n1 1\n255\n" + bytes([1, 2, 3]))
    return n + 4


def main() -> None:
    ap = argparse.ArgumentParser(description="Generate the fuzz targets' seed corpora.")
    ap.add_argument("--dest", default=str(TOOLS / ".cache" / "fuzz" / "seeds"))
    ap.add_argument("--onnx-tests", default=str(TOOLS / ".cache" / "onnx-tests"))
    args = ap.parse_args()
    dest, tests = Path(args.dest), Path(args.onnx_tests)
    if not tests.is_dir():
        print(f"make-seeds: {tests} is missing: run tools/materialize-node-tests first (continuing without it)", file=sys.stderr)
    counts = {
        "model": model_seeds(dest / "model", tests),
        "tensor": tensor_seeds(dest / "tensor", tests),
        "image": image_seeds(dest / "image"),
    }
    print("make-seeds: " + ", ".join(f"{k}: {v}" for k, v in counts.items()) + f" in {dest}", file=sys.stderr)


if __name__ == "__main__":
    main()

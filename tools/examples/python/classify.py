#!/usr/bin/env python3
"""classify.py — run a model through the nninfer C API from Python (ctypes), print the top classes.

Usage: classify.py LIBNNINFER_C MODEL.onnx [--compare-onnxruntime]

LIBNNINFER_C is the path of libnninfer_c.so. The model takes one float input [N, 3, 8, 8] (the tiny
model `swift-classify --write-model` writes); the input is the examples' synthetic image: element i
is ((i * 37) % 101) / 100 in float32. With --compare-onnxruntime the same input also runs in ONNX
Runtime (numpy and onnxruntime needed, e.g. from tools/.venv) and the logits must agree
(rtol 1e-4, atol 1e-5); the script exits 1 otherwise.

Only the standard library is needed for the nninfer part.
"""
import ctypes as C
import json
import sys

# ---- The parts of nninfer.h this example uses ----------------------------------------------
NNINFER_OK = 0
NNINFER_FLOAT32 = 1


class SessionOptions(C.Structure):
    _fields_ = [("threads", C.c_int32), ("optimize", C.c_int32)]


class IOInfo(C.Structure):
    _fields_ = [("name", C.c_char_p), ("type", C.c_int32), ("rank", C.c_size_t), ("shape", C.POINTER(C.c_int64))]


class Tensor(C.Structure):
    _fields_ = [("name", C.c_char_p), ("type", C.c_int32), ("rank", C.c_size_t), ("shape", C.POINTER(C.c_int64)),
                ("data", C.c_void_p), ("byte_size", C.c_size_t)]


class Output(C.Structure):
    _fields_ = [("name", C.c_char_p), ("type", C.c_int32), ("rank", C.c_size_t), ("shape", C.POINTER(C.c_int64)),
                ("data", C.c_void_p), ("element_count", C.c_size_t), ("byte_size", C.c_size_t)]


def load_library(path):
    lib = C.CDLL(path)
    P = C.c_void_p
    signatures = {
        "nninfer_version": (C.c_char_p, []),
        "nninfer_last_error": (C.c_char_p, []),
        "nninfer_session_options_init": (None, [C.POINTER(SessionOptions)]),
        "nninfer_session_create_from_file": (C.c_int32, [C.c_char_p, C.POINTER(SessionOptions), C.POINTER(P)]),
        "nninfer_session_release": (None, [P]),
        "nninfer_session_input_info": (C.c_int32, [P, C.c_size_t, C.POINTER(IOInfo)]),
        "nninfer_session_metadata": (C.c_int32, [P, C.c_char_p, C.POINTER(C.c_char_p)]),
        "nninfer_result_create": (C.c_int32, [C.POINTER(P)]),
        "nninfer_result_release": (None, [P]),
        "nninfer_session_run": (C.c_int32, [P, C.POINTER(Tensor), C.c_size_t, P]),
        "nninfer_result_output": (C.c_int32, [P, C.c_size_t, C.POINTER(Output)]),
    }
    for name, (restype, argtypes) in signatures.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = restype, argtypes
    return lib


class NNInferError(Exception):
    pass


def check(lib, status, what):
    if status != NNINFER_OK:
        raise NNInferError(f"{what}: {lib.nninfer_last_error().decode()} (status {status})")


def synthetic_input(count):
    """Element i is ((i * 37) % 101) / 100, computed in float32 like the Swift and C examples."""
    values = (C.c_float * count)()
    for i in range(count):
        values[i] = C.c_float(((i * 37) % 101) / 100).value  # float64 division then rounding == float32 division here
    return values


def main(argv):
    if len(argv) not in (3, 4) or (len(argv) == 4 and argv[3] != "--compare-onnxruntime"):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    lib = load_library(argv[1])
    print(f"nninfer {lib.nninfer_version().decode()} via ctypes")

    options = SessionOptions()
    lib.nninfer_session_options_init(C.byref(options))
    options.threads = 2
    session = C.c_void_p()
    check(lib, lib.nninfer_session_create_from_file(argv[2].encode(), C.byref(options), C.byref(session)), "load")
    result = C.c_void_p()
    try:
        info = IOInfo()
        check(lib, lib.nninfer_session_input_info(session, 0, C.byref(info)), "input 0")
        # Copy what the session owns: its pointers die with it.
        input_name = info.name.decode()
        declared = [info.shape[i] for i in range(info.rank)]
        print(f"input: {input_name} type {info.type} shape {declared}")
        shape = [1 if d < 0 else d for d in declared]
        count = 1
        for d in shape:
            count *= d
        pixels = synthetic_input(count)
        c_shape = (C.c_int64 * len(shape))(*shape)
        tensor = Tensor(info.name, NNINFER_FLOAT32, len(shape), c_shape, C.cast(pixels, C.c_void_p), C.sizeof(pixels))

        check(lib, lib.nninfer_result_create(C.byref(result)), "result")
        check(lib, lib.nninfer_session_run(session, C.byref(tensor), 1, result), "run")
        out = Output()
        check(lib, lib.nninfer_result_output(result, 0, C.byref(out)), "output 0")
        out_shape = [out.shape[i] for i in range(out.rank)]
        scores = list(C.cast(out.data, C.POINTER(C.c_float))[: out.element_count])  # copy before the next run
        print(f"output: {out.name.decode()} shape {out_shape}")

        raw = C.c_char_p()
        check(lib, lib.nninfer_session_metadata(session, b"nninfer.labels", C.byref(raw)), "metadata")
        labels = json.loads(raw.value.decode()) if raw.value else []
        classes = out_shape[-1]
        row = scores[:classes]
        print("logits: " + " ".join(f"{v:.6f}" for v in row))
        ranked = sorted(range(classes), key=lambda i: (-row[i], i))
        print("top-3:")
        for i in ranked[:3]:
            print(f"  {i} {labels[i] if i < len(labels) else '?'} {row[i]:.6f}")
        best = ranked[0]
        print(f"top class: {best} {labels[best] if best < len(labels) else '?'}")
    finally:
        lib.nninfer_result_release(result)
        lib.nninfer_session_release(session)

    if len(argv) == 4:
        import numpy as np
        import onnxruntime as ort

        ort_session = ort.InferenceSession(argv[2], providers=["CPUExecutionProvider"])
        x = np.array(pixels[:], dtype=np.float32).reshape(shape)
        expected = ort_session.run(None, {input_name: x})[0].reshape(-1)
        got = np.array(scores, dtype=np.float32)
        diff = float(np.max(np.abs(got - expected))) if got.size else 0.0
        if got.shape != expected.shape or not np.allclose(got, expected, rtol=1e-4, atol=1e-5):
            print(f"onnxruntime: MISMATCH (max abs diff {diff:.3g})\n  ort: {expected.tolist()}", file=sys.stderr)
            return 1
        print(f"onnxruntime: match (max abs diff {diff:.3g}, onnxruntime {ort.__version__})")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except NNInferError as error:
        print(f"classify.py: {error}", file=sys.stderr)
        sys.exit(1)

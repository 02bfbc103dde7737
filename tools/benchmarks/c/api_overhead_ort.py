"""Per-call overhead of ONNX Runtime's Python API, and of nninfer's C API through ctypes, on the
tiny model bench-api-overhead writes (1x1 conv, 1x1x1x1 input), one thread each.

Usage: api_overhead_ort.py MODEL_PATH LIBNNINFER_C [ITERATIONS]
Prints "name<TAB>nanoseconds per call", the median of 5 repeats.
"""
import ctypes as C
import statistics
import sys
import time

import numpy as np
import onnxruntime as ort


def measure(name, fn, iterations):
    for _ in range(min(1000, iterations)):
        fn()
    samples = []
    for _ in range(5):
        start = time.perf_counter_ns()
        for _ in range(iterations):
            fn()
        samples.append((time.perf_counter_ns() - start) / iterations)
    print(f"{name}\t{statistics.median(samples):.1f}", flush=True)


def main(argv):
    model, lib_path = argv[1], argv[2]
    iterations = int(argv[3]) if len(argv) > 3 else 50_000
    x = np.array([3], dtype=np.float32).reshape(1, 1, 1, 1)

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    assert session.run(None, {"input": x})[0].item() == 6.5
    measure(f"onnxruntime {ort.__version__} Python InferenceSession.run", lambda: session.run(None, {"input": x}), iterations)
    binding = session.io_binding()
    binding.bind_cpu_input("input", x)
    y = np.zeros((1, 1, 1, 1), dtype=np.float32)
    binding.bind_output("output", "cpu", element_type=np.float32, shape=y.shape, buffer_ptr=y.ctypes.data)
    measure(f"onnxruntime {ort.__version__} Python run_with_iobinding", lambda: session.run_with_iobinding(binding), iterations)
    assert y.item() == 6.5

    # nninfer's C API from Python: the same ctypes path as tools/examples/python/classify.py.
    class Tensor(C.Structure):
        _fields_ = [("name", C.c_char_p), ("type", C.c_int32), ("rank", C.c_size_t), ("shape", C.POINTER(C.c_int64)),
                    ("data", C.c_void_p), ("byte_size", C.c_size_t)]

    class Options(C.Structure):
        _fields_ = [("threads", C.c_int32), ("optimize", C.c_int32)]

    lib = C.CDLL(lib_path)
    lib.nninfer_session_create_from_file.argtypes = [C.c_char_p, C.POINTER(Options), C.POINTER(C.c_void_p)]
    lib.nninfer_result_create.argtypes = [C.POINTER(C.c_void_p)]
    lib.nninfer_session_run.argtypes = [C.c_void_p, C.POINTER(Tensor), C.c_size_t, C.c_void_p]
    lib.nninfer_session_run.restype = C.c_int32
    s, r = C.c_void_p(), C.c_void_p()
    if lib.nninfer_session_create_from_file(model.encode(), C.byref(Options(1, 1)), C.byref(s)) != 0:
        sys.exit("cannot load the model")
    lib.nninfer_result_create(C.byref(r))
    shape = (C.c_int64 * 4)(1, 1, 1, 1)
    value = C.c_float(3)
    tensor = Tensor(None, 1, 4, shape, C.cast(C.pointer(value), C.c_void_p), 4)
    run, ref = lib.nninfer_session_run, C.byref(tensor)
    measure("nninfer C API via Python ctypes nninfer_session_run", lambda: run(s, ref, 1, r), iterations)


if __name__ == "__main__":
    main(sys.argv)

#!/usr/bin/env python3
"""test_tools.py — self-tests of the Python test tooling (a few seconds; ONNX Runtime stands in for nninfer).

Usage: tools/py/test_tools.py [-v] [unittest arguments]
Python environment: re-executes itself under tools/.venv, which tools/pyenv creates on first use.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bootstrap  # noqa: E402

bootstrap.ensure_venv()

import subprocess  # noqa: E402
import tempfile  # noqa: E402
import unittest  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import onnx  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from nntools import paths  # noqa: E402
from nntools.binary import Nninfer  # noqa: E402
from nntools.compare import compare  # noqa: E402
from nntools.conformance import training_reason  # noqa: E402
from nntools.errors import ToolError  # noqa: E402
from nntools.tensors import numbered_files, read_tensor, write_tensor  # noqa: E402

TOOLS = paths.TOOLS
SHIM = str(TOOLS / "py" / "ort_runner.py")


def run_tool(*argv, env=None):
    return subprocess.run([sys.executable, *map(str, argv)], capture_output=True, text=True,
                          env=dict(os.environ, **(env or {})), cwd=paths.REPO)


class CompareTests(unittest.TestCase):
    def test_within_and_beyond_tolerance(self):
        e = np.array([1.0, 100.0, 0.0], np.float32)
        self.assertTrue(compare(e + np.array([1e-5, 1e-2, 9e-6], np.float32), e).ok)
        c = compare(e + np.array([0, 0.1, 0], np.float32), e)
        self.assertFalse(c.ok)
        self.assertEqual(c.bad, 1)
        self.assertIn("(1)", c.reason)

    def test_nan_and_inf(self):
        e = np.array([np.nan, np.inf, -np.inf], np.float32)
        self.assertTrue(compare(e.copy(), e).ok)
        self.assertFalse(compare(np.array([0, np.inf, -np.inf], np.float32), e).ok)
        self.assertFalse(compare(np.array([np.nan, -np.inf, -np.inf], np.float32), e).ok)

    def test_shape_dtype_exact(self):
        self.assertIn("shape", compare(np.zeros((2, 3), np.float32), np.zeros((3, 2), np.float32)).reason)
        self.assertIn("dtype", compare(np.zeros(3, np.float64), np.zeros(3, np.float32)).reason)
        self.assertFalse(compare(np.array([1, 2], np.int64), np.array([1, 3], np.int64)).ok)
        self.assertTrue(compare(np.array([True]), np.array([True])).ok)
        self.assertTrue(compare(np.zeros((0, 4), np.float32), np.zeros((0, 4), np.float32)).ok)


class TensorFileTests(unittest.TestCase):
    def test_round_trip_and_order(self):
        with tempfile.TemporaryDirectory() as d:
            d = Path(d)
            for i in range(12):
                write_tensor(d / f"input_{i}.pb", np.full((2,), i, np.int32), f"x{i}")
            write_tensor(d / "output_0.npy", np.eye(2, dtype=np.float32))
            files = numbered_files(d, "input")
            self.assertEqual([p.name for p in files][9:], ["input_9.pb", "input_10.pb", "input_11.pb"])
            t = read_tensor(files[10])
            self.assertEqual((t.name, t.elem_type, t.array.tolist()), ("x10", TensorProto.INT32, [10, 10]))
            self.assertEqual(read_tensor(d / "output_0.npy").elem_type, TensorProto.FLOAT)
            (d / "junk.pb").write_bytes(b"\xff\xff\xff")
            with self.assertRaises(ToolError):
                read_tensor(d / "junk.pb")


def _model(nodes, opset=17, initializers=()):
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])],
                          initializer=list(initializers))
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])


class TrainingModeTests(unittest.TestCase):
    def test_detection(self):
        bn = ["x", "s", "b", "m", "v"]
        self.assertIsNotNone(training_reason("t", _model([helper.make_node("BatchNormalization", bn, ["y"], training_mode=1)]), 17))
        self.assertIsNone(training_reason("t", _model([helper.make_node("BatchNormalization", bn, ["y"])]), 17))
        self.assertIsNotNone(training_reason("t", _model([helper.make_node("BatchNormalization", bn, ["y"])], 6), 6))
        self.assertIsNone(training_reason("t", _model([helper.make_node("BatchNormalization", bn, ["y"], is_test=1)], 6), 6))
        self.assertIsNotNone(training_reason("t", _model([helper.make_node("Dropout", ["x", "r", "t"], ["y"])]), 17))
        off = numpy_helper.from_array(np.array(False), "t")
        self.assertIsNone(training_reason("t", _model([helper.make_node("Dropout", ["x", "r", "t"], ["y"])], initializers=[off]), 17))
        self.assertIsNotNone(training_reason("test_training_x", _model([helper.make_node("Relu", ["x"], ["y"])]), 17))


class BinaryTests(unittest.TestCase):
    def test_resolution(self):
        with self.assertRaises(ToolError):
            Nninfer("/nonexistent/nninfer")
        self.assertEqual(Nninfer(f"python3 {SHIM}").argv, [sys.executable, SHIM])
        self.assertEqual(Nninfer("true").argv[-1:], [Nninfer("true").argv[0]])


class ReferenceModelTests(unittest.TestCase):
    def test_conventions(self):
        import reference_models
        for name in ("lenet_bn_before_relu", "lenet_bn_after_relu", "vgg_cifar", "mobilenetv2_small"):
            m = reference_models.build(name)
            self.assertEqual((m.ir_version, m.opset_import[0].version), (8, 17), name)
            self.assertEqual(m.graph.input[0].type.tensor_type.shape.dim[0].dim_param, "N", name)
            self.assertTrue(all(i.data_type == TensorProto.FLOAT for i in m.graph.initializer), name)
        ops = {n.op_type for n in reference_models.build("resnet18").graph.node}
        self.assertTrue({"Conv", "BatchNormalization", "Add", "GlobalAveragePool", "Gemm"} <= ops)


class EndToEndTests(unittest.TestCase):
    """The harness scripts driven with the ONNX Runtime shim in place of the binary."""

    def test_conformance_subset(self):
        r = run_tool(TOOLS / "conformance" / "run", "--nninfer", SHIM, "-k", r"node/test_(relu|leakyrelu)$")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stdout.strip().splitlines()[-1], "2 passed, 0 failed")

    def test_conformance_reports_failures(self):
        r = run_tool(TOOLS / "conformance" / "run", "--nninfer", "false", "-k", r"node/test_relu$")
        self.assertEqual(r.stdout.strip().splitlines()[-1], "0 passed, 1 failed")
        self.assertIn("runtime error", r.stdout)

    def test_compare_with_ort(self):
        r = run_tool(TOOLS / "compare-with-ort", "--only", "lenet_bn_after_relu", "--batches", "1,3", env={"NNINFER": SHIM})
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stdout.strip().splitlines()[-1], "2 passed, 0 failed")

    def test_check_interop(self):
        with tempfile.TemporaryDirectory() as d:
            good = Path(d) / "good.onnx"
            onnx.save(_model([helper.make_node("Relu", ["x"], ["y"])]), good)
            bad = Path(d) / "bad.onnx"
            bad.write_bytes(b"not a model")
            r = run_tool(TOOLS / "check-interop", good)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            r = run_tool(TOOLS / "check-interop", good, bad)
            self.assertEqual(r.returncode, 1)
            self.assertIn("FAIL", r.stdout)
            self.assertNotIn("Traceback", r.stderr)


if __name__ == "__main__":
    if any(a in ("-h", "--help") for a in sys.argv[1:]):
        try:
            print(__doc__, flush=True)
        except BrokenPipeError:
            sys.exit(0)
    unittest.main()

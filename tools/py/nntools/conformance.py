"""Selecting, classifying and running the materialized ONNX backend tests against nninfer.

A test is the folder DIR/<suite>/<test_name> holding model.onnx and test_data_set_N/ folders; its
id is "<suite>/<test_name>". It is selected when every op of its graph (subgraphs included) is in
the default ONNX domain and listed in tools/conformance/supported-ops.txt. A selected test that
asks for training-mode BatchNormalization or Dropout is put aside: the runtime always applies
eval semantics (see DESIGN.md), so its outputs are not expected to match.
"""
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Set

import onnx
from onnx import helper

from .binary import Nninfer
from .compare import ATOL, RTOL, compare
from .errors import ToolError
from .tensors import numbered_files, read_tensor

DEFAULT_DOMAINS = ("", "ai.onnx")


def read_list(path: Path) -> List[str]:
    """Non-empty lines of a list file, without `#` comments (whole-line or trailing)."""
    if not path.exists():
        return []
    out = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            out.extend(line.split())
    return out


@dataclass
class Test:
    id: str
    dir: Path
    ops: Set[str]
    opset: int
    training: Optional[str] = None          # why it needs training mode, when it does
    unsupported: List[str] = field(default_factory=list)

    @property
    def model(self) -> Path:
        return self.dir / "model.onnx"

    def data_sets(self) -> List[Path]:
        sets = [p for p in self.dir.glob("test_data_set_*") if p.is_dir()]
        return sorted(sets, key=lambda p: int(p.name.rsplit("_", 1)[1]) if p.name.rsplit("_", 1)[1].isdigit() else 1 << 30)


def _graph_nodes(graph):
    for node in graph.node:
        yield node
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.GRAPH:
                yield from _graph_nodes(attr.g)
            elif attr.type == onnx.AttributeProto.GRAPHS:
                for g in attr.graphs:
                    yield from _graph_nodes(g)


def _op_name(node) -> str:
    return node.op_type if node.domain in DEFAULT_DOMAINS else f"{node.domain}:{node.op_type}"


def _attr(node, name):
    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return None


def _constant_false(model, name: str) -> bool:
    """True when `name` is an initializer or Constant output holding a single false value."""
    for init in model.graph.initializer:
        if init.name == name:
            try:
                v = onnx.numpy_helper.to_array(init)
                return v.size == 1 and not bool(v.reshape(-1)[0])
            except Exception:  # noqa: BLE001
                return False
    for node in model.graph.node:
        if node.op_type == "Constant" and name in node.output:
            t = _attr(node, "value")
            if isinstance(t, onnx.TensorProto):
                v = onnx.numpy_helper.to_array(t)
                return v.size == 1 and not bool(v.reshape(-1)[0])
    return False


def training_reason(test_name: str, model, opset: int) -> Optional[str]:
    """Why the test needs training-mode BN/Dropout, or None."""
    for node in _graph_nodes(model.graph):
        if node.domain not in DEFAULT_DOMAINS:
            continue
        if node.op_type == "BatchNormalization":
            if _attr(node, "training_mode") == 1:
                return "BatchNormalization with training_mode=1"
            is_test = _attr(node, "is_test")
            if opset < 7 and not is_test:
                return "BatchNormalization (opset < 7) without is_test=1"
            if len([o for o in node.output if o]) > 1:
                return "BatchNormalization with running-statistics outputs"
        elif node.op_type == "Dropout":
            if len(node.input) >= 3 and node.input[2] and not _constant_false(model, node.input[2]):
                return "Dropout with a training_mode input"
            if opset < 7 and not _attr(node, "is_test"):
                return "Dropout (opset < 7) without is_test=1"
    if "training" in test_name.lower():
        return "test name says training mode"
    return None


def discover(root: Path, supported: Set[str]) -> List[Test]:
    """Every test under root (sorted by id), with its ops and classification."""
    tests = []
    for model_path in sorted(root.glob("*/*/model.onnx")):
        d = model_path.parent
        tid = f"{d.parent.name}/{d.name}"
        try:
            model = onnx.load(str(model_path), load_external_data=False)
        except Exception as e:  # noqa: BLE001
            raise ToolError(f"{model_path}: cannot load ({e}); re-run tools/materialize-node-tests") from None
        opset = next((o.version for o in model.opset_import if o.domain in DEFAULT_DOMAINS), 1)
        ops = {_op_name(n) for n in _graph_nodes(model.graph)}
        t = Test(tid, d, ops, opset, unsupported=sorted(ops - supported))
        if not t.unsupported:
            t.training = training_reason(d.name, model, opset)
        tests.append(t)
    return tests


@dataclass
class Result:
    test: Test
    passed: bool
    kind: str = ""            # for failures: runtime error, crash, timeout, wrong outputs, mismatch
    reason: str = ""
    command: str = ""         # how to reproduce the failing run
    seconds: float = 0.0


def run_test(test: Test, nninfer: Nninfer, timeout: float, scratch: Path,
             rtol: float = RTOL, atol: float = ATOL) -> Result:
    """Runs every data set of `test` through nninfer and compares all outputs."""
    total = 0.0
    sets = test.data_sets()
    if not sets:
        return Result(test, False, "wrong outputs", "no test_data_set_* folder")
    for ds in sets:
        inputs = numbered_files(ds, "input")
        expected_files = numbered_files(ds, "output")
        out = Path(tempfile.mkdtemp(prefix=test.dir.name[:40] + ".", dir=scratch))
        shown = nninfer.display(test.model, inputs, "OUT")
        try:
            rr = nninfer.run(test.model, inputs, out, timeout=timeout)
            total += rr.seconds
            if not rr.ok:
                kind = "timeout" if rr.returncode is None else ("crash" if rr.returncode < 0 else "runtime error")
                reason = rr.failure().replace(str(out), "OUT").replace(str(test.dir) + "/", "")
                return Result(test, False, kind, reason, shown, total)
            got_files = numbered_files(out, "output")
            others = sorted(p.name for p in out.iterdir() if p not in got_files)
            if len(got_files) != len(expected_files) or others:
                extra = f" (also wrote {', '.join(others)})" if others else ""
                return Result(test, False, "wrong outputs",
                              f"wrote {len(got_files)} output files, expected {len(expected_files)}{extra}",
                              shown, total)
            for i, (gp, ep) in enumerate(zip(got_files, expected_files)):
                exp = read_tensor(ep)
                try:
                    got = read_tensor(gp)
                except ToolError as e:
                    return Result(test, False, "wrong outputs", f"output {i}: {e}", shown, total)
                label = f"output {i} '{exp.name}'" if exp.name else f"output {i}"
                if gp.suffix != ".pb":
                    return Result(test, False, "wrong outputs", f"{label}: wrote {gp.name}, expected a .pb file", shown, total)
                if got.elem_type != exp.elem_type:
                    return Result(test, False, "mismatch",
                                  f"{label}: type {got.type_name} != expected {exp.type_name}", shown, total)
                c = compare(got.array, exp.array, rtol, atol)
                if not c.ok:
                    prefix = f"{ds.name}: " if len(sets) > 1 else ""
                    return Result(test, False, "mismatch", f"{prefix}{label}: {c.reason}", shown, total)
        finally:
            shutil.rmtree(out, ignore_errors=True)
    return Result(test, True, seconds=total)


_PATHLIKE = re.compile(r"(/[^\s:'\"]+)+")


def normalized_message(reason: str) -> str:
    """A failure message with paths and exit codes removed, to group failures that share a cause."""
    msg = re.sub(r"^(exit code -?\d+|killed by \w+); ", "", reason)
    msg = re.sub(r"^exit code -?\d+: ", "", msg)
    return _PATHLIKE.sub("<path>", msg)


def group_counts(results: List[Result]) -> Dict[str, int]:
    counts: Dict[str, int] = {}
    for r in results:
        key = normalized_message(r.reason)
        counts[key] = counts.get(key, 0) + 1
    return counts

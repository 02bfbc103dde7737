"""Writes the ONNX backend node tests of the installed `onnx` wheel to disk.

Layout (the upstream one): DEST/node/<test_name>/model.onnx and
DEST/node/<test_name>/test_data_set_0/input_N.pb, output_N.pb, each a TensorProto named after
the graph input/output it belongs to. The suites the wheel ships as files
(onnx/backend/test/data/{pytorch-converted,pytorch-operator,simple}) are copied to DEST/<suite>.
DEST/MATERIALIZED.json records the onnx version and the counts.

The node-test generators draw random data from NumPy's global generator: it is seeded first, so
two runs with the same onnx version write byte-identical files.
"""
import contextlib
import io
import json
import os
import random
import shutil
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

COPIED_SUITES = ("pytorch-converted", "pytorch-operator", "simple")
STAMP = "MATERIALIZED.json"
SEED = 0


class Skip(Exception):
    """A test case whose data cannot be written as plain TensorProto files."""


def _kind(type_proto) -> str:
    return type_proto.WhichOneof("value") or "unknown"


def _to_tensor_proto(value, name: str, type_proto) -> onnx.TensorProto:
    kind = _kind(type_proto)
    if kind != "tensor_type":
        raise Skip({"sequence_type": "sequence", "optional_type": "optional",
                    "sparse_tensor_type": "sparse tensor", "map_type": "map"}.get(kind, kind))
    if value is None:
        raise Skip("optional")
    if isinstance(value, (list, tuple)):
        raise Skip("sequence")
    if isinstance(value, onnx.TensorProto):
        t = onnx.TensorProto()
        t.CopyFrom(value)
        t.name = name
        return t
    if isinstance(value, np.generic):
        value = np.asarray(value)
    if not isinstance(value, np.ndarray):
        raise Skip(f"unsupported value type {type(value).__name__}")
    try:
        return numpy_helper.from_array(value, name)
    except Exception as e:  # noqa: BLE001 - from_array rejects some exotic dtypes
        raise Skip(f"cannot serialize {value.dtype}: {type(e).__name__}") from None


def _collect():
    np.random.seed(SEED)
    random.seed(SEED)
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        from onnx.backend.test.case.node import collect_testcases
        return collect_testcases(None)


def _write_case(case, dest: Path) -> None:
    graph = case.model.graph
    files = []
    for set_index, (inputs, outputs) in enumerate(case.data_sets):
        for prefix, values, infos in (("input", inputs, graph.input), ("output", outputs, graph.output)):
            if len(values) != len(infos):
                raise Skip(f"{len(values)} {prefix} values for {len(infos)} graph {prefix}s")
            for i, (value, info) in enumerate(zip(values, infos)):
                files.append((f"test_data_set_{set_index}/{prefix}_{i}.pb",
                              _to_tensor_proto(value, info.name, info.type)))
    case_dir = dest / case.name
    (case_dir / "test_data_set_0").mkdir(parents=True)
    for set_index in range(1, len(case.data_sets)):
        (case_dir / f"test_data_set_{set_index}").mkdir()
    (case_dir / "model.onnx").write_bytes(case.model.SerializeToString(deterministic=True))
    for rel, proto in files:
        (case_dir / rel).write_bytes(proto.SerializeToString(deterministic=True))


def _replace_dir(tmp: Path, final: Path) -> None:
    if final.exists():
        old = final.with_name(final.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        final.rename(old)
        tmp.rename(final)
        shutil.rmtree(old)
    else:
        tmp.rename(final)


def materialize(dest: Path, log=print) -> dict:
    """Writes everything into `dest` (replacing what an earlier run wrote) and returns the counts."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    (dest / STAMP).unlink(missing_ok=True)

    cases = _collect()
    tmp = dest / f".node.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    written, skipped = 0, Counter()
    skipped_names = {}
    for case in sorted(cases, key=lambda c: c.name):
        try:
            _write_case(case, tmp)
            written += 1
        except Skip as s:
            shutil.rmtree(tmp / case.name, ignore_errors=True)
            skipped[str(s)] += 1
            skipped_names[case.name] = str(s)
    _replace_dir(tmp, dest / "node")

    data_root = Path(onnx.__file__).parent / "backend" / "test" / "data"
    suites = {}
    for suite in COPIED_SUITES:
        src = data_root / suite
        if not src.is_dir():
            log(f"note: the onnx wheel has no {src}; skipped")
            continue
        tmp = dest / f".{suite}.tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(src, tmp)
        _replace_dir(tmp, dest / suite)
        suites[suite] = sum(1 for p in (dest / suite).iterdir() if (p / "model.onnx").is_file())

    summary = {
        "onnx": onnx.__version__,
        "seed": SEED,
        "node": {"collected": len(cases), "written": written,
                 "skipped": sum(skipped.values()), "skipped_by_reason": dict(sorted(skipped.items())),
                 "skipped_tests": dict(sorted(skipped_names.items()))},
        "copied": suites,
    }
    (dest / STAMP).write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def read_stamp(dest: Path):
    """The summary of the last complete materialization in `dest`, or None."""
    try:
        return json.loads((Path(dest) / STAMP).read_text())
    except (OSError, ValueError):
        return None

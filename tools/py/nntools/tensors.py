"""Reading and writing tensors as ONNX TensorProto `.pb` files and NumPy `.npy` files."""
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
import onnx
from google.protobuf.message import DecodeError
from onnx import numpy_helper

from .errors import ToolError


@dataclass
class Tensor:
    """A tensor read from a file: its stored name (may be empty), value, and ONNX element type."""
    name: str
    array: np.ndarray
    elem_type: Optional[int]  # onnx.TensorProto.DataType; None when a .npy dtype has no ONNX type

    @property
    def type_name(self) -> str:
        if self.elem_type is None:
            return str(self.array.dtype)
        return onnx.TensorProto.DataType.Name(self.elem_type)


def elem_type_of(dtype: np.dtype) -> Optional[int]:
    try:
        return onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    except (KeyError, ValueError, TypeError):
        return None


def read_tensor(path) -> Tensor:
    """Reads `path` as a TensorProto (`.pb`) or a NumPy array (`.npy`, no pickles)."""
    path = Path(path)
    try:
        if path.suffix == ".npy":
            arr = np.load(path, allow_pickle=False)
            return Tensor("", arr, elem_type_of(arr.dtype))
        proto = onnx.TensorProto()
        proto.ParseFromString(path.read_bytes())
    except FileNotFoundError:
        raise ToolError(f"{path}: no such file") from None
    except (OSError, ValueError, DecodeError) as e:
        raise ToolError(f"{path}: not a readable tensor file ({e})") from None
    if proto.data_location == onnx.TensorProto.EXTERNAL:
        raise ToolError(f"{path}: tensors with external data are not supported")
    try:
        arr = numpy_helper.to_array(proto)
    except Exception as e:  # noqa: BLE001 - any decoding problem is the file's fault
        raise ToolError(f"{path}: cannot decode TensorProto ({e})") from None
    return Tensor(proto.name, arr, proto.data_type)


def write_tensor(path, array: np.ndarray, name: str = "") -> None:
    """Writes `array` to `path` as `.npy` or as a TensorProto named `name` (any other suffix)."""
    path = Path(path)
    if path.suffix == ".npy":
        np.save(path, array, allow_pickle=False)
    else:
        path.write_bytes(numpy_helper.from_array(array, name).SerializeToString())


def numbered_files(directory: Path, prefix: str) -> list:
    """`prefix_0.pb`, `prefix_1.pb`, … (or .npy) in numeric order; stops at the first gap."""
    found = {}
    for p in directory.glob(f"{prefix}_*"):
        stem = p.stem[len(prefix) + 1:]
        if stem.isdigit() and p.suffix in (".pb", ".npy"):
            found[int(stem)] = p
    return [found[i] for i in sorted(found)]

"""Fixed locations of the repository, the tools folder and their caches."""
from pathlib import Path

TOOLS = Path(__file__).resolve().parents[2]
REPO = TOOLS.parent
CACHE = TOOLS / ".cache"
ONNX_TESTS = CACHE / "onnx-tests"
REFERENCE_MODELS = CACHE / "reference-models"
CONFORMANCE = TOOLS / "conformance"
DEFAULT_NNINFER = REPO / ".build" / "release" / "nninfer"

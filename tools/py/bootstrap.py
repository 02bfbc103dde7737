"""Re-executes a tools script under the pinned venv that tools/pyenv creates.

Every script in tools/ starts with `bootstrap.ensure_venv()` before it imports anything outside
the standard library: when the running interpreter is not tools/.venv's python, it runs
tools/pyenv (which creates or reuses the venv and prints its python) and execs the same script
with the same arguments under that python. Inside the venv it returns at once.
"""
import os
import subprocess
import sys
from pathlib import Path

TOOLS = Path(__file__).resolve().parent.parent
VENV = TOOLS / ".venv"
_GUARD = "NNINFER_TOOLS_BOOTSTRAPPED"


def in_venv() -> bool:
    try:
        return Path(sys.prefix).resolve() == VENV.resolve()
    except OSError:
        return False


def ensure_venv() -> None:
    if in_venv():
        os.environ.pop(_GUARD, None)  # children start their own check
        return
    if os.environ.get(_GUARD):
        sys.exit(f"{Path(sys.argv[0]).name}: error: re-executed under {sys.executable}, "
                 f"which is not the venv at {VENV}; remove {VENV} and retry")
    try:
        r = subprocess.run([str(TOOLS / "pyenv")], stdout=subprocess.PIPE, text=True)
    except OSError as e:
        sys.exit(f"{Path(sys.argv[0]).name}: error: cannot run tools/pyenv: {e}")
    if r.returncode != 0:
        sys.exit(r.returncode)  # pyenv printed why
    lines = r.stdout.strip().splitlines()
    if not lines:
        sys.exit(f"{Path(sys.argv[0]).name}: error: tools/pyenv printed no python path")
    py = lines[-1]
    env = dict(os.environ)
    env[_GUARD] = "1"
    script = os.path.abspath(sys.argv[0])
    os.execve(py, [py, script] + sys.argv[1:], env)

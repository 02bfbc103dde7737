"""Finding and calling the `nninfer` binary (or a stand-in such as tools/py/ort_runner.py).

The command comes from `--nninfer CMD`, else the environment variable NNINFER, else
`.build/release/nninfer` under the repository root. CMD is split like a shell word list, so
`"python tools/py/ort_runner.py"` works; a `.py` program is run with the current (venv) python,
which skips a second interpreter start-up through tools/pyenv.
"""
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence

from . import paths
from .errors import ToolError

BUILD_HINT = ("build it with `swift build -c release`, or pass --nninfer CMD / set NNINFER "
              "(tools/py/ort_runner.py stands in for it, backed by ONNX Runtime)")


@dataclass
class RunResult:
    returncode: Optional[int]   # None on time-out
    stderr: str
    seconds: float

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def failure(self) -> str:
        """One line saying why the run failed."""
        if self.returncode is None:
            return f"timed out after {self.seconds:.0f} s"
        lines = [ln.strip() for ln in self.stderr.splitlines() if ln.strip()]
        msg = lines[-1] if lines else "(no message on stderr)"
        if len(msg) > 300:
            msg = msg[:297] + "..."
        if self.returncode < 0:
            try:
                name = signal.Signals(-self.returncode).name
            except ValueError:
                name = f"signal {-self.returncode}"
            return f"killed by {name}; {msg}"
        return f"exit code {self.returncode}: {msg}"


def _relative(word: str) -> str:
    if not word.startswith("/"):
        return word
    try:
        return os.path.relpath(word) if Path(word).is_relative_to(Path.cwd()) else word
    except ValueError:
        return word


class Nninfer:
    """The resolved command line of the runtime under test."""

    def __init__(self, spec: Optional[str] = None):
        spec = spec or os.environ.get("NNINFER") or str(paths.DEFAULT_NNINFER)
        try:
            words = shlex.split(spec)
        except ValueError as e:
            raise ToolError(f"cannot parse nninfer command {spec!r}: {e}") from None
        if not words:
            raise ToolError("empty nninfer command")
        # "python x.py" / "python3 x.py": use our own interpreter for x.py.
        if len(words) >= 2 and Path(words[0]).name.startswith("python") and words[1].endswith(".py"):
            words = words[1:]
        prog = words[0]
        if "/" in prog or prog.endswith(".py"):
            path = Path(prog).expanduser()
            if not path.exists():
                raise ToolError(f"nninfer not found at {path}; {BUILD_HINT}")
            path = path.resolve()
            if path.suffix == ".py":
                self.argv = [sys.executable, str(path)] + words[1:]
            elif os.access(path, os.X_OK):
                self.argv = [str(path)] + words[1:]
            else:
                raise ToolError(f"{path} is not executable")
        else:
            found = shutil.which(prog)
            if not found:
                raise ToolError(f"nninfer command {prog!r} not found on PATH; {BUILD_HINT}")
            self.argv = [found] + words[1:]
        self.spec = spec

    def command(self, model, inputs: Sequence, output_dir, npy: bool = False, extra: Sequence = ()) -> List[str]:
        cmd = self.argv + ["run", str(model)] + [str(p) for p in inputs] + ["--output-dir", str(output_dir)]
        if npy:
            cmd.append("--npy")
        return cmd + list(extra)

    def display(self, model, inputs: Sequence, output_dir, npy: bool = False, extra: Sequence = ()) -> str:
        """The command as a user can paste it into a shell (paths relative to the current folder)."""
        return shlex.join(_relative(w) for w in self.command(model, inputs, output_dir, npy, extra))

    def run(self, model, inputs: Sequence, output_dir, npy: bool = False,
            timeout: Optional[float] = None, extra: Sequence = ()) -> RunResult:
        cmd = self.command(model, inputs, output_dir, npy, extra)
        start = time.monotonic()
        try:
            # Own process group, so that a time-out also ends whatever the command started.
            p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, start_new_session=True)
        except OSError as e:
            raise ToolError(f"cannot run {cmd[0]}: {e}") from None
        try:
            _, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            _, err = p.communicate()
            return RunResult(None, err.decode(errors="replace"), time.monotonic() - start)
        return RunResult(p.returncode, err.decode(errors="replace"), time.monotonic() - start)

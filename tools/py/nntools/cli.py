"""The common `if __name__ == "__main__"` of tools scripts: exit codes without tracebacks."""
import os
import sys

from .errors import ToolError


def run(main, prog: str) -> None:
    """Calls main(argv) and exits with its code; expected failures become one line on stderr."""
    try:
        code = main(sys.argv[1:])
        sys.stdout.flush()
    except ToolError as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        code = 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        code = 130
    except BrokenPipeError:
        # Output piped into `head` or similar: stop quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 1
    sys.exit(code)

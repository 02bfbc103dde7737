"""The one exception type tools scripts turn into `name: error: message` and exit code 2."""


class ToolError(Exception):
    """An expected failure (bad argument, missing file, broken model): reported without a traceback."""

"""recctl: a toolkit for the LLM API recordings that test suites replay."""

__version__ = "0.1.0"

"""Which test a cassette belongs to, read from the test modules (with ``ast``, never
imported), by pytest-recording's and pytest-vcr's naming rules.

A cassette ``<dir>/cassettes/<module>/<name>.yaml`` belongs to the test module
``<dir>/<module>.py``; its name is the test's (``test_x``, ``Class.test_x``), with the
parametrize id in brackets (``test_x[gpt-4o]``), the characters ``<>?%*:|"'/\\`` written as
``-``. A ``@pytest.mark.vcr("other.yaml")`` (on a test, a class or a module's
``pytestmark``) names cassettes too. A cassette is an orphan when its module is gone, or
defines no such test and names no such cassette. Where a project moves or renames its
cassettes (a ``vcr_cassette_dir`` or ``default_cassette_name`` fixture), or a class's tests
may come from a base class, recctl cannot tell, and says so: it never guesses.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from recctl.files import LoadError, read_bytes
from recctl.recorders.vcr import cassette_test, node_name
from recctl.test_source import definitions

# The fixtures of pytest-recording that move or rename a module's cassettes.
OVERRIDES = ("vcr_cassette_dir", "default_cassette_name")
_MAX_MODULE = 16 * 2**20


@dataclass(frozen=True)
class Module:
    """What one test module defines, as far as cassettes are concerned."""

    names: frozenset[str]
    """Top-level functions and names, classes, and ``Class.method``."""
    open_classes: frozenset[str]
    """Classes with bases: their tests may be inherited."""
    marked: frozenset[str]
    """Cassette names given to ``pytest.mark.vcr``, without their ``.yaml``."""
    overrides: frozenset[str]
    """The OVERRIDES it defines."""
    vcr_config: dict[str, Any] | None = None
    """What its ``vcr_config`` fixture returns, when that is a plain dict of literals (an
    empty dict when the fixture is not plain); None without one."""
    configures: bool = False
    """Whether it defines ``pytest_recording_configure`` (which may register matchers)."""
    cassette_dir: str | None = None
    """The folder a plain ``vcr_cassette_dir`` fixture of it returns (absolute)."""

    def owns(self, test: str) -> bool | None:
        """Whether it defines ``test`` (``Class.test[id]``) or names its cassette in a mark;
        None when a class of it with bases may inherit the test."""
        base = test.split("[", 1)[0]
        if test in self.marked or base in self.names:
            return True
        if "." in base and base.split(".", 1)[0] in self.open_classes:
            return None
        return False


def _inherited(test: str, where: str = "") -> str:
    """What recctl cannot tell of a method its class (``where``: in which module) may
    inherit."""
    owner, _, method = test.split("[", 1)[0].partition(".")
    return f"{owner}{where} may inherit {method}"


def _is_vcr_mark(node: ast.expr) -> bool:
    """``pytest.mark.vcr`` or ``mark.vcr``."""
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "vcr"
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "mark"
    )


def _path_of(node: ast.expr, file: str) -> str | None:
    """The path a plain expression of ``__file__`` names: ``os.path.join(os.path.dirname(
    __file__), "cassettes")``, ``Path(__file__).parent / "cassettes"`` and their kin; None
    for anything else (a path relative to where pytest runs, a computed one)."""
    if isinstance(node, ast.Name) and node.id == "__file__":
        return file
    if isinstance(node, ast.Attribute) and node.attr == "parent":
        inner = _path_of(node.value, file)
        return None if inner is None else os.path.dirname(inner)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        inner = _path_of(node.left, file)
        right = node.right
        if inner is None or not (isinstance(right, ast.Constant) and isinstance(right.value, str)):
            return None
        return os.path.join(inner, right.value)
    if isinstance(node, ast.Call) and node.args and not node.keywords:
        name = ast.unparse(node.func)
        if name in ("os.path.dirname",) and len(node.args) == 1:
            inner = _path_of(node.args[0], file)
            return None if inner is None else os.path.dirname(inner)
        if name in ("os.path.abspath", "os.path.realpath", "str", "Path", "pathlib.Path"):
            return _path_of(node.args[0], file) if len(node.args) == 1 else None
        if name == "os.path.join":
            head = _path_of(node.args[0], file)
            rest = node.args[1:]
            if head is None or not all(
                isinstance(part, ast.Constant) and isinstance(part.value, str) for part in rest
            ):
                return None
            return os.path.join(head, *(str(part.value) for part in rest))  # type: ignore[attr-defined]
    return None


def _plain_dir(function: ast.FunctionDef | ast.AsyncFunctionDef, file: str) -> str | None:
    returns = [node for node in ast.walk(function) if isinstance(node, ast.Return)]
    if len(returns) != 1 or returns[0].value is None:
        return None
    found = _path_of(returns[0].value, file)
    return os.path.normpath(found) if found is not None else None


def _module(tree: ast.Module, file: str = "") -> Module:
    names, open_classes = definitions(tree)
    marked: set[str] = set()
    overrides: set[str] = set()
    for node in tree.body:
        # A test made by assignment (test_x = make_test()) is a test all the same.
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(target.id for target in targets if isinstance(target, ast.Name))
    config: dict[str, Any] | None = None
    configures = False
    cassette_dir = None
    for each in ast.walk(tree):
        if isinstance(each, (ast.FunctionDef, ast.AsyncFunctionDef)) and each.name in OVERRIDES:
            plain = _plain_dir(each, file) if each.name == "vcr_cassette_dir" else None
            if plain is None:
                overrides.add(each.name)
            cassette_dir = plain or cassette_dir
        if isinstance(each, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if each.name == "vcr_config":
                config = _literal_return(each)
            configures = configures or each.name == "pytest_recording_configure"
        if isinstance(each, ast.Call) and _is_vcr_mark(each.func):
            for argument in each.args:
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                    marked.add(_stem(os.path.basename(argument.value)))
    return Module(
        frozenset(names),
        frozenset(open_classes),
        frozenset(marked),
        frozenset(overrides),
        config,
        configures,
        cassette_dir,
    )


def _literal_return(function: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, Any]:
    """The dict a fixture returns when it is written as literals, else {}."""
    for node in ast.walk(function):
        if isinstance(node, ast.Return) and node.value is not None:
            try:
                value = ast.literal_eval(node.value)
            except (ValueError, TypeError, SyntaxError, RecursionError):
                return {}
            return value if isinstance(value, dict) else {}
    return {}


def _stem(name: str) -> str:
    for suffix in (".yaml", ".yml"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


class TestModules:
    """The test modules and conftest files of one project, each read once."""

    def __init__(self, root: Path) -> None:
        self.root = Path(os.path.realpath(root))
        self._modules: dict[str, Module | None] = {}

    def _read(self, path: str) -> Module | None:
        """The module at ``path`` (None: it cannot be read or parsed)."""
        if path not in self._modules:
            try:
                tree = ast.parse(read_bytes(path, _MAX_MODULE), filename=path)
            except (LoadError, SyntaxError, ValueError):
                self._modules[path] = None
            else:
                self._modules[path] = _module(tree, os.path.abspath(path))
        return self._modules[path]

    def _conftests(self, directory: str) -> Iterator[str]:
        """The conftest files that govern the tests of ``directory``: its own, then each
        folder's above it, up to the root."""
        current = directory
        while True:
            conftest = os.path.join(current, "conftest.py")
            if os.path.isfile(conftest):
                yield conftest
            if os.path.realpath(current) == str(self.root) or os.path.dirname(current) == current:
                return
            current = os.path.dirname(current)

    def _overridden(self, directory: str) -> str | None:
        """Why the cassettes of the modules in ``directory`` may lie elsewhere or be named
        otherwise: the conftest file (there or above, up to the root) that defines an
        override, or None."""
        for conftest in self._conftests(directory):
            found = self._read(conftest)
            if found is not None and found.overrides:
                shown = os.path.relpath(conftest, self.root)
                return f"{shown} defines {', '.join(sorted(found.overrides))}"
        return None

    def replay_settings(self, cassette: str) -> tuple[tuple[str, ...] | None, bool, str]:
        """(match_on, allow_playback_repeats, where they come from) for a cassette's test, as
        its module or the conftest files above it configure ``vcr_config`` (None: VCR.py's
        default matchers)."""
        module_path, _ = _module_of(cassette)
        candidates = [module_path, *self._conftests(os.path.dirname(module_path))]
        configured = [
            (path, module)
            for path in candidates
            if os.path.isfile(path) and (module := self._read(path)) is not None
        ]
        caveat = ""
        if any(module.configures for _, module in configured):
            caveat = "; pytest_recording_configure may register other matchers"
        for path, module in configured:
            if module.vcr_config is None:
                continue
            shown = os.path.relpath(path, self.root)
            match_on = module.vcr_config.get("match_on")
            repeats = module.vcr_config.get("allow_playback_repeats") is True
            if isinstance(match_on, (list, tuple)) and all(isinstance(m, str) for m in match_on):
                return tuple(match_on), repeats, f"vcr_config in {shown}{caveat}"
            return None, repeats, f"VCR.py's default; vcr_config in {shown} sets none{caveat}"
        return None, False, f"VCR.py's default{caveat}"

    def node_id(self, cassette: str) -> str:
        """The pytest node id of a cassette's test, root-relative (``tests/test_x.py::
        Class::test[id]``), as usage logs name tests."""
        module_path, test = _module_of(cassette)
        module = os.path.relpath(module_path, self.root).replace(os.sep, "/")
        return f"{module}::{node_name(test)}"

    def _flat_owner(self, folder: str) -> str | None:
        """The directory of the conftest whose plain ``vcr_cassette_dir`` is ``folder``
        (a flat folder of every test's cassettes, as crewAI keeps), or None."""
        for conftest in self._conftests(os.path.dirname(folder)):
            found = self._read(conftest)
            if found is not None and found.cassette_dir == os.path.normpath(folder):
                return os.path.dirname(conftest)
        return None

    def _flat_verdict(self, owner: str, test: str) -> tuple[str, str] | None:
        """A cassette of a flat folder belongs to whichever test module under ``owner``
        defines its test or names it in a mark."""
        for dirpath, dirnames, filenames in os.walk(owner):
            dirnames[:] = [d for d in dirnames if not d.startswith(".") and d != "__pycache__"]
            for name in filenames:
                if not (name.startswith("test_") or name.endswith("_test.py")):
                    continue
                if not name.endswith(".py"):
                    continue
                module = self._read(os.path.join(dirpath, name))
                if module is None:
                    return "unknown", f"{os.path.join(dirpath, name)} cannot be parsed"
                owns = module.owns(test)
                if owns is None:
                    return "unknown", _inherited(test)
                if owns:
                    return None
        shown = os.path.relpath(owner, self.root)
        return "orphan", f"no test module under {shown} defines {test.split('[', 1)[0]}"

    def verdict(self, cassette: str) -> tuple[str, str] | None:
        """("orphan", why) or ("unknown", why) for a cassette, None when its test is there."""
        folder = os.path.dirname(os.path.abspath(cassette))
        owner = self._flat_owner(folder)
        if owner is not None:
            return self._flat_verdict(owner, cassette_test(cassette)[1])
        if os.path.basename(os.path.dirname(folder)) != "cassettes":
            return "unknown", "not in <tests>/cassettes/<module>/, where pytest-recording writes"
        module_path, test = _module_of(cassette)
        shown = os.path.relpath(module_path, self.root)
        # A fixture that moves or renames cassettes makes every verdict a guess.
        overridden = self._overridden(os.path.dirname(module_path))
        if overridden is not None:
            return "unknown", overridden
        if not os.path.isfile(module_path):
            return "orphan", f"{shown} does not exist"
        module = self._read(module_path)
        if module is None:
            return "unknown", f"{shown} cannot be parsed"
        if module.overrides:
            return "unknown", f"{shown} defines {', '.join(sorted(module.overrides))}"
        owns = module.owns(test)
        if owns is None:
            return "unknown", _inherited(test, f" in {shown}")
        return None if owns else ("orphan", f"{shown} defines no {test.split('[', 1)[0]}")


def _module_of(cassette: str) -> tuple[str, str]:
    """(the test module a cassette at ``<dir>/cassettes/<module>/<test>.yaml`` belongs to,
    its test)."""
    module_name, test = cassette_test(cassette)
    directory = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(cassette))))
    return os.path.join(directory, f"{module_name}.py"), test

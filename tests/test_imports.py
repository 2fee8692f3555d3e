"""Imports follow the call flow down: rules never import the top floor, nothing imports
``gradarray`` itself, no cycles among the package's modules."""

import ast
import pathlib

SRC = pathlib.Path(__file__).resolve().parents[1] / "src" / "gradarray"


def _imports(path: pathlib.Path) -> set:
    tree = ast.parse(path.read_text())
    mod = ".".join(path.relative_to(SRC.parent).with_suffix("").parts)
    pkg = mod.rsplit(".", 1)[0] if path.name != "__init__.py" else mod
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")
                base = base[: len(base) - (node.level - 1)]
                name = ".".join(base + ([node.module] if node.module else []))
                if node.module:
                    out.add(name)
                else:
                    out.update(f"{name}.{a.name}" for a in node.names)
            elif node.module and node.module.startswith("gradarray"):
                out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("gradarray"))
    return out


def test_rules_import_only_numpy_registry_and_util():
    for path in (SRC / "rules").glob("*.py"):
        for name in _imports(path):
            assert name in {"gradarray.registry", "gradarray.rules", "gradarray.errors",
                            "gradarray.rules._util"} or name.startswith("gradarray.rules."), \
                f"{path.name} imports {name}"


def test_no_module_imports_the_package_root():
    for path in SRC.rglob("*.py"):
        if path.name == "__init__.py" and path.parent == SRC:
            continue
        assert "gradarray" not in _imports(path), f"{path} imports gradarray itself"


def test_foundations_import_nothing_of_ours_but_each_other():
    for name in ("_state.py", "errors.py"):
        assert not _imports(SRC / name), name

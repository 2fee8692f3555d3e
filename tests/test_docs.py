"""The documentation cannot drift from the code.

- every ```python block of docs/*.md and README.md runs (a page's blocks in order, in one
  namespace, in a fresh interpreter); a block whose first line is ``# skip-test`` (GPU,
  network) and ```{code-block} python directives are not run;
- the ``>>>`` examples in gradarray's docstrings (shown in the API reference) pass;
- the Sphinx build passes with warnings as errors, when Sphinx is installed.
"""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import json
import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import gradarray

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md")) + [ROOT / "README.md"]
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})(.*)$")

# Runs in a fresh interpreter: exec each block under a name that points at the page and line,
# so a traceback says where the failing code is.
RUNNER = """
import json, sys
import matplotlib
matplotlib.use("Agg")
namespace = {"__name__": "__main__"}
for block in json.loads(sys.stdin.read()):
    exec(compile(block["code"], block["where"], "exec"), namespace)
"""


def python_blocks(path: Path) -> list[dict]:
    """The ```python blocks of a Markdown file: ``{"code", "where", "line"}`` each.

    A fence closes only with the same character, at least as long, so blocks quoted inside a
    longer fence are not taken.
    """
    name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    blocks, open_fence, lang, start, body = [], None, "", 0, []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        m = FENCE.match(line)
        if open_fence is None:
            if m:
                open_fence, lang, start, body = m.group(2), m.group(3).strip(), number, []
            continue
        if m and m.group(2)[0] == open_fence[0] and len(m.group(2)) >= len(open_fence) \
                and not m.group(3).strip():
            if lang in ("python", "py") and body and body[0].strip() != "# skip-test":
                blocks.append({"code": "\n".join(body) + "\n", "line": start + 1,
                               "where": f"{name}:{start + 1}"})
            open_fence = None
        else:
            body.append(line)
    assert open_fence is None, f"{path}: unclosed code fence from line {start}"
    return blocks


def test_fence_parser(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("text\n```python\nx = 1\n```\n````markdown\n```python\nnot run\n```\n"
                    "````\n```{code-block} python\nnot run\n```\n```python\n# skip-test\n"
                    "gpu()\n```\n```py\ny = x + 1\n```\n")
    blocks = python_blocks(page)
    assert [b["code"] for b in blocks] == ["x = 1\n", "y = x + 1\n"]
    assert [b["line"] for b in blocks] == [3, 18]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_code_blocks_run(page, tmp_path):
    blocks = python_blocks(page)
    if not blocks:
        pytest.skip("no python blocks")
    if page.name in ("interop.md", "interop_table.md"):
        pytest.importorskip("scipy")
    if page.name == "distributed.md":
        pytest.importorskip("distributed")
    pytest.importorskip("matplotlib")
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), OPENBLAS_NUM_THREADS="1")
    env.pop("GRADARRAY_DEBUG", None)
    r = subprocess.run([sys.executable, "-c", RUNNER], input=json.dumps(blocks), text=True,
                       capture_output=True, cwd=tmp_path, env=env, timeout=600)
    assert r.returncode == 0, f"a code block of {page.name} failed:\n{r.stderr[-4000:]}"


def public_modules() -> list[str]:
    names = ["gradarray"]
    for info in pkgutil.walk_packages(gradarray.__path__, "gradarray."):
        if "._" in info.name or ".devices.cupy" in info.name:
            continue
        names.append(info.name)
    return names


@pytest.mark.parametrize("modname", public_modules())
def test_docstring_examples(modname):
    try:
        module = importlib.import_module(modname)
    except ImportError as e:  # an optional dependency (SciPy for rules.special)
        pytest.skip(str(e))
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(module, modname):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) of {modname} failed"


def test_sphinx_build(tmp_path):
    if importlib.util.find_spec("sphinx") is None or importlib.util.find_spec("myst_parser") \
            is None or importlib.util.find_spec("numpydoc") is None:
        pytest.skip("pip install -e '.[docs]' to build the docs")
    r = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b",
                        "html", "-d", str(tmp_path / "doctrees"), str(DOCS),
                        str(tmp_path / "html")], capture_output=True, text=True, timeout=900,
                       cwd=ROOT)
    assert r.returncode == 0, r.stderr[-6000:]
    index = (tmp_path / "html" / "index.html").read_text()
    assert "getting-started.html" in index and "api.html" in index
    api = (tmp_path / "html" / "api.html").read_text()
    for name in ("gradarray.grad", "gradarray.GradientTape", "gradarray.train.AdamOptimizer",
                 "gradarray.testing.check_grads"):
        assert f'id="{name}"' in api, name


def test_porting_guides_complex_convention_against_jax_and_autograd():
    """porting-jax.md / porting-autograd.md: our gradient is the conjugate of theirs."""
    import numpy as np

    z = np.array([1 + 2j, 3 - 1j])
    ours = np.asarray(gradarray.grad(lambda z: np.sum(np.abs(z) ** 2))(z))
    ours_holo = np.asarray(gradarray.grad(lambda z: np.sum(z ** 2))(z))
    checked = 0
    if importlib.util.find_spec("autograd") is not None:
        import autograd
        import autograd.numpy as anp

        theirs = autograd.grad(lambda z: anp.sum(anp.abs(z) ** 2))(z)
        np.testing.assert_allclose(ours, np.conj(theirs))
        np.testing.assert_allclose(ours_holo, np.conj(autograd.holomorphic_grad(
            lambda z: anp.sum(z ** 2))(z)))
        checked += 1
    if importlib.util.find_spec("jax") is not None:
        os.environ.setdefault("JAX_PLATFORMS", "cpu")
        import jax
        import jax.numpy as jnp

        zj = jnp.asarray(z)  # complex64 unless jax_enable_x64: compare loosely
        theirs = jax.grad(lambda z: jnp.sum(jnp.abs(z) ** 2))(zj)
        theirs_holo = jax.grad(lambda z: jnp.sum(z ** 2), holomorphic=True)(zj)
        np.testing.assert_allclose(ours, np.conj(np.asarray(theirs)), rtol=1e-5)
        np.testing.assert_allclose(ours_holo, np.conj(np.asarray(theirs_holo)), rtol=1e-5)
        checked += 1
    if not checked:
        pytest.skip("neither autograd nor JAX is installed")
    np.testing.assert_allclose(ours, 2 * z)

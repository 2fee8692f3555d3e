"""Build of the optional compiled hot path (``gradarray._speedups``).

Everything else is in pyproject.toml.  The extension uses only the Python C API; when no C
compiler is available the build skips it and gradarray runs in pure Python.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("gradarray._speedups", ["src/gradarray/_speedups.c"], optional=True),
    ],
)

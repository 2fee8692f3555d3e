"""The Dask side of :mod:`gradarray.distributed`, imported only once a client is in use."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from distributed import get_worker
from distributed.diagnostics.plugin import WorkerPlugin

__all__ = ["FunctionPlugin", "group_task"]


class FunctionPlugin(WorkerPlugin):
    """Carries the user's function to every worker, once (and to workers that join later).

    A scattered function would do once, but Dask's active memory manager drops the extra
    replicas of a key between steps, and each step would fetch it again; a plugin stays.
    """

    def __init__(self, fun: Callable) -> None:
        self.fun = fun

    def setup(self, worker: Any) -> None:
        pass


def group_task(name: str, work: Callable, *args: Any) -> Any:
    """``work(fun, *args)`` with the function carried by plugin ``name``."""
    return work(get_worker().plugins[name].fun, *args)

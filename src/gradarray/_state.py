"""Per-thread recording state.

Everything that changes while a program runs lives here, in one ``threading.local``:
whether operations are being recorded, the stack of active traces (gradient computations and
tapes), and debug mode.  Module-level dicts elsewhere are written only at import time.
"""

from __future__ import annotations

import os
import sys
import threading


class _State(threading.local):
    def __init__(self) -> None:
        # Number of active traces that record; 0 means nothing is recorded.  ``paused``
        # (no_grad, stop_recording) makes ``recording`` False without losing the stack.
        self.traces: list = []
        self.paused = 0
        self.recording = False
        self.debug = os.environ.get("GRADARRAY_DEBUG", "") not in ("", "0")
        # NumPy's conversions keep recorded Tensors recorded (conversions.set_keep_tape).
        self.keep_tape = os.environ.get("GRADARRAY_KEEP_TAPE", "1") not in ("", "0")

    def refresh(self) -> None:
        self.recording = bool(self.traces) and not self.paused


STATE = _State()
# Called when a trace starts and len(sys.modules) differs from MODULES_SEEN[0], or None:
# set by ``conversions`` (its first call installs the converting wrappers, later ones look at
# the modules imported since).  The length check is here so that a trace start with nothing
# new to look at costs no call.
ON_PUSH = None
MODULES_SEEN = [-1]
_MODULES = sys.modules


def push_trace(trace) -> None:
    if ON_PUSH is not None and len(_MODULES) != MODULES_SEEN[0]:
        ON_PUSH()
    STATE.traces.append(trace)
    STATE.refresh()


def pop_trace(trace) -> None:
    traces = STATE.traces
    # Traces normally nest; a tape exited out of order is removed wherever it is.
    if traces and traces[-1] is trace:
        traces.pop()
    elif trace in traces:
        traces.remove(trace)
    STATE.refresh()


def pause() -> None:
    STATE.paused += 1
    STATE.refresh()


def resume() -> None:
    STATE.paused -= 1
    STATE.refresh()


def is_recording() -> bool:
    """True when operations on tracked Tensors are being recorded in this thread."""
    return STATE.recording

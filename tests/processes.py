"""Child processes for tests that need several (token storms, rate limits shared through
files, Redis or the simulator): started by a fork server that has imported pykis and the
tests' worker functions once, instead of each child importing them all again.

A child is still a process of its own, started with nothing of the test's state: the
server forks from a process that only imported modules, and each child gets the test's
``sys.path`` and working directory as a spawned one would. Only the imports are shared:
some twenty children a run, each importing pykis (about a second of CPU each), cost the
suite more than any of their tests' own work.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.context import BaseContext

# What the children import: pykis, and the modules their functions live in (a module that
# cannot be imported when the server starts is imported by each child instead).
PRELOAD = ["pykis", "pykis.sim", "pykis.utils.ratelimit", "tests.client.test_tokens",
           "tests.client.test_rate_limits", "ratelimit_workers"]


def process_context() -> BaseContext:
    """A multiprocessing context whose processes start from the shared fork server."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)  # read when the server starts (once)
    return context

"""Hand memory that a large step freed back to the operating system.

Arrow's allocator keeps what Arrow freed, and glibc's malloc keeps freed chunks inside its heap; neither is
counted as free by the system, so a step that frees a table and the next one that allocates tensors would
otherwise add up. Called between the big steps of preparing data (after the checks, after encoding).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import sys
from functools import lru_cache


def give_back() -> None:
    release_arrow()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def release_arrow() -> None:
    """What Arrow freed (a Parquet table's columns once converted or dropped) back to the system."""
    if "pyarrow" in sys.modules:  # never imported just for this
        sys.modules["pyarrow"].default_memory_pool().release_unused()


@lru_cache(maxsize=1)
def _malloc_trim():
    """glibc's malloc_trim, or None elsewhere (macOS, musl, Windows)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):
        return None

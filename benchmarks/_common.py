"""Helpers shared by the benchmark scripts: timing, memory, machine description."""

import datetime
import os
import platform
import resource
import subprocess
import sys
import time
import tracemalloc

import numpy as np


def best_time(function, repeat=3):
    """Best wall time of ``repeat`` calls, and the last result."""
    best, result = np.inf, None
    for _ in range(repeat):
        result = None
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def traced_peak(function):
    """Peak bytes that NumPy allocated (tracemalloc) while ``function`` ran, and its result."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    result = function()
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return peak, result


def peak_rss_bytes():
    """Peak resident set size of this process so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def machine():
    """One line describing date, machine and versions, for RESULTS.md."""
    import scipy
    import sklearn

    cpu = platform.processor() or platform.machine()
    try:
        model = (
            subprocess.run(
                ["sh", "-c", "grep -m1 'model name' /proc/cpuinfo"], capture_output=True, text=True
            )
            .stdout.split(":")[-1]
            .strip()
        )
        cpu = model or cpu
    except OSError:
        pass
    return (
        f"{datetime.date.today().isoformat()}, {cpu}, {os.cpu_count()} cores, "
        f"Python {sys.version.split()[0]}, NumPy {np.__version__}, SciPy {scipy.__version__}, "
        f"scikit-learn {sklearn.__version__}"
    )

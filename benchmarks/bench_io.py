"""Loading raw 21cmFAST boxes: read throughput beside numpy.fromfile, and peak memory out of core.

Run: python benchmarks/bench_io.py  (JSON to stdout and to benchmarks/results/bench_io.json).

1. Throughput: 85 delta_T + 85 density boxes of 128³ (1.43 GB) in a temporary folder, warm page
   cache, best of 3: ``numpy.fromfile`` of every file beside ``load_21cmfast`` with
   ``mmap=True`` (name parsing, pairing, size and physical-range checks of every value; the
   result is a lazy CubeStack), the same followed by ``np.asarray`` (every value in one array),
   and ``mmap=False``.
2. Memory: 85 delta_T + 85 density boxes of 200³ (5.44 GB) under /tmp, deleted afterwards.
   A fresh process loads them with ``mmap=True`` and slices all 170 (CubeSlicer along the line
   of sight, every 8th cell); its peak resident set size (VmHWM, which counts the mapped file
   pages too) is compared with one box and with the slices' size. A second process
   loads a 34-box subset with ``mmap=False`` for the in-memory contrast.

About 3 minutes on 2 cores; 5.4 GB of disk under /tmp, about 1.5 GB of memory.
"""

import json
import pathlib
import shutil
import subprocess
import sys
import tempfile

import numpy as np

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE))
from _common import best_time, machine  # noqa: E402


def write_boxes(folder, n_pairs, n, rng):
    """``n_pairs`` delta_T (0–30 mK) and density (−0.5–1.5) raw boxes of n³, 21cmFAST names."""
    for i in range(n_pairs):
        z = 6.0 + 0.05 * i
        rng.uniform(0, 30, n**3).astype("<f4").tofile(
            folder / f"delta_T_z{z:06.2f}_nf0.500000_useTs0_{n}_300Mpc"
        )
        rng.uniform(-0.5, 1.5, n**3).astype("<f4").tofile(
            folder / f"updated_smoothed_deltax_z{z:06.2f}_{n}_300Mpc"
        )


def throughput(n_pairs=85, n=128):
    from skcosmo21.datasets import load_21cmfast

    with tempfile.TemporaryDirectory(dir="/tmp") as folder:
        folder = pathlib.Path(folder)
        write_boxes(folder, n_pairs, n, np.random.default_rng(0))
        paths = sorted(folder.iterdir())
        nbytes = sum(p.stat().st_size for p in paths)

        def fromfile():
            return [np.fromfile(p, dtype="<f4") for p in paths]

        def lazy_then_array():
            data = load_21cmfast(folder, mmap=True)
            return np.asarray(data.delta_T), np.asarray(data.density)

        seconds_numpy, _ = best_time(fromfile)
        seconds_lazy, _ = best_time(lambda: load_21cmfast(folder, mmap=True))
        seconds_lazy_array, _ = best_time(lazy_then_array)
        seconds_read, _ = best_time(lambda: load_21cmfast(folder, mmap=False))
    return {
        "boxes": 2 * n_pairs,
        "n_cells": n,
        "GB": nbytes / 1e9,
        "numpy_fromfile_GB_per_s": nbytes / seconds_numpy / 1e9,
        "load_mmap_GB_per_s": nbytes / seconds_lazy / 1e9,
        "load_mmap_then_asarray_GB_per_s": nbytes / seconds_lazy_array / 1e9,
        "load_read_GB_per_s": nbytes / seconds_read / 1e9,
        "ratio_mmap_to_fromfile": seconds_numpy / seconds_lazy,
        "ratio_mmap_then_asarray_to_fromfile": seconds_numpy / seconds_lazy_array,
        "ratio_read_to_fromfile": seconds_numpy / seconds_read,
    }


def _status_bytes(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def _reset_peak_rss():
    # Linux >= 4.0: writing 5 to clear_refs resets the peak (VmHWM) to the current RSS.
    # ru_maxrss cannot serve: Linux carries the parent's peak across fork and exec.
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")


def child(folder, mode, n_boxes):
    """Run in a fresh process: load (and slice) the boxes, report resident memory."""
    from skcosmo21.datasets import CubeStack, load_21cmfast
    from skcosmo21.preprocessing import CubeSlicer

    folder = pathlib.Path(folder)
    subset = None
    if n_boxes:
        subset = pathlib.Path(tempfile.mkdtemp(dir="/tmp"))
        for path in sorted(folder.glob("delta_T_*"))[: n_boxes // 2]:
            (subset / path.name).symlink_to(path)
            density = path.name.replace("delta_T_", "updated_smoothed_deltax_")
            density = density.replace("_nf0.500000_useTs0", "")
            (subset / density).symlink_to(folder / density)
        folder = subset
    baseline = _status_bytes("VmRSS")
    _reset_peak_rss()
    data = load_21cmfast(folder, mmap=mode == "mmap")
    after_load = _status_bytes("VmHWM")
    result = {
        "mode": mode,
        "boxes": 2 * len(data.redshift),
        "GB_on_disk": (data.delta_T.nbytes + data.density.nbytes) / 1e9,
        "baseline_rss_MB": baseline / 1e6,
        "peak_rss_over_baseline_after_load_MB": (after_load - baseline) / 1e6,
    }
    if mode == "mmap":
        both = CubeStack(data.delta_T.sources + data.density.sources)
        slicer = CubeSlicer(axes=2, step=8).fit(both)
        images = slicer.transform(both)
        after_slice = _status_bytes("VmHWM")
        result.update(
            {
                "slices": len(images),
                "slices_MB": images.nbytes / 1e6,
                "one_box_MB": 4 * both.shape[1] ** 3 / 1e6,
                "peak_rss_over_baseline_after_slicing_MB": (after_slice - baseline) / 1e6,
            }
        )
    if subset is not None:
        shutil.rmtree(subset)  # symbolic links only
    print(json.dumps(result))


def _run_child(folder, mode, n_boxes=0):
    output = subprocess.run(
        [sys.executable, __file__, "--child", str(folder), mode, str(n_boxes)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def memory(n_pairs=85, n=200, eager_boxes=34):
    with tempfile.TemporaryDirectory(dir="/tmp") as folder:
        write_boxes(pathlib.Path(folder), n_pairs, n, np.random.default_rng(1))
        lazy = _run_child(folder, "mmap")
        lazy_subset = _run_child(folder, "mmap", eager_boxes)
        eager_subset = _run_child(folder, "read", eager_boxes)
    return {"lazy_all": lazy, "lazy_subset": lazy_subset, "eager_subset": eager_subset}


def main():
    result = {"machine": machine(), "throughput": throughput(), "memory": memory()}
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        out = HERE / "results"
        out.mkdir(exist_ok=True)
        (out / "bench_io.json").write_text(json.dumps(main(), indent=2))

"""Loading raw 21cmFAST boxes beside numpy.fromfile of the same files.

Run: python benchmarks/bench_io.py  (writes 85 delta_T + 85 density boxes of 128^3, 1.4 GB, to
a temporary folder; about a minute). Both readers run on a warm page cache, best of 3.
"""

import json
import pathlib
import sys
import tempfile

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from _common import best_time, machine  # noqa: E402


def main(n_boxes=85, n=128):
    from skcosmo21.datasets import load_21cmfast

    with tempfile.TemporaryDirectory() as folder:
        folder = pathlib.Path(folder)
        rng = np.random.default_rng(0)
        paths = []
        for i in range(n_boxes):
            z = 6.0 + 0.05 * i
            box = rng.standard_normal(n**3, dtype=np.float32)
            delta_t = folder / f"delta_T_z{z:06.2f}_nf0.500000_useTs0_{n}_300Mpc"
            density = folder / f"updated_smoothed_deltax_z{z:06.2f}_{n}_300Mpc"
            box.tofile(delta_t)
            box.tofile(density)
            paths += [delta_t, density]

        def fromfile():
            return [np.fromfile(p, dtype="<f4") for p in paths]

        seconds_numpy, _ = best_time(fromfile)
        seconds_mmap, data = best_time(lambda: load_21cmfast(folder, mmap=True))
        seconds_read, _ = best_time(lambda: load_21cmfast(folder, mmap=False))
        nbytes = data.delta_T.nbytes + data.density.nbytes
    result = {
        "machine": machine(),
        "boxes": 2 * n_boxes,
        "GB": nbytes / 1e9,
        "numpy_fromfile_GB_per_s": nbytes / seconds_numpy / 1e9,
        "load_21cmfast_mmap_GB_per_s": nbytes / seconds_mmap / 1e9,
        "load_21cmfast_read_GB_per_s": nbytes / seconds_read / 1e9,
        "ratio_mmap_to_fromfile": seconds_numpy / seconds_mmap,
        "ratio_read_to_fromfile": seconds_numpy / seconds_read,
    }
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()

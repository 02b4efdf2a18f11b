"""Throughput of the cube and image transformers beside numpy.copy of the same bytes.

Run: python benchmarks/bench_transformers.py  (about 1-2 minutes, ~6 GB of memory).

85 cubes of 128^3 float32 (713 MB) are sliced along all three axes (32,640 images of 128^2),
cut into 32 x 32 patches, standardised, and reduced to PowerSpectrum2D features. Each step is
timed (best of 3, fresh output each time) beside ``numpy.copy`` of an array of its output's
size, and its peak NumPy allocation is measured with tracemalloc.
"""

import json
import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from _common import best_time, machine, traced_peak  # noqa: E402


def _copy_seconds(nbytes):
    source = np.ones(nbytes // 4, dtype=np.float32)
    seconds, _ = best_time(lambda: np.copy(source))
    return seconds


def main(n_cubes=85, n=128):
    from skcosmo21.feature_extraction import PowerSpectrum2D
    from skcosmo21.preprocessing import CubeSlicer, ImageStandardizer, PatchExtractor

    cubes = np.random.default_rng(0).standard_normal((n_cubes, n, n, n), dtype=np.float32)
    slices = CubeSlicer(axes="all").fit_transform(cubes)
    results = {"machine": machine(), "input_GB": cubes.nbytes / 1e9}

    def record(name, step, source, output_nbytes, n_images):
        seconds, out = best_time(step)
        del out
        copy_seconds = _copy_seconds(output_nbytes)
        peak, out = traced_peak(step)
        del out
        results[name] = {
            "seconds": seconds,
            "images_per_s": n_images / seconds,
            "GB_per_s": output_nbytes / seconds / 1e9,
            "numpy_copy_GB_per_s": output_nbytes / copy_seconds / 1e9,
            "ratio_to_numpy_copy": copy_seconds / seconds,
            "peak_over_input_plus_output": (source.nbytes + peak) / (source.nbytes + output_nbytes),
        }

    for n_jobs in (1, 2):
        slicer = CubeSlicer(axes="all", n_jobs=n_jobs).fit(cubes)
        record(
            f"slice_all_axes_n_jobs{n_jobs}",
            lambda s=slicer: s.transform(cubes),
            cubes,
            slices.nbytes,
            len(slices),
        )
        for axis in (1, 2):
            one = CubeSlicer(axes=axis, n_jobs=n_jobs).fit(cubes)
            record(
                f"slice_axis_{axis}_n_jobs{n_jobs}",
                lambda o=one: o.transform(cubes),
                cubes,
                cubes.nbytes,
                n_cubes * n,
            )
        patcher = PatchExtractor(patch_size=32, n_jobs=n_jobs).fit(slices)
        record(
            f"patch_32_n_jobs{n_jobs}",
            lambda p=patcher: p.transform(slices),
            slices,
            slices.nbytes,
            len(slices) * patcher.n_outputs_per_sample_,
        )
    # Axis 0 alone is a view (no copy at all); forcing a copy shows the copy is memcpy-like.
    axis0 = CubeSlicer(axes=0).fit(cubes)
    record(
        "slice_axis_0_forced_copy",
        lambda: np.array(axis0.transform(cubes)),
        cubes,
        cubes.nbytes,
        n_cubes * n,
    )
    scaler = ImageStandardizer().fit(slices[:1000])
    record("standardize", lambda: scaler.transform(slices), slices, slices.nbytes, len(slices))
    ps = PowerSpectrum2D(n_bins=16, pixel_size=300.0 / n, include_moments=True).fit(slices[:10])
    seconds, _ = best_time(lambda: ps.transform(slices), repeat=1)
    results["power_spectrum_2d"] = {
        "seconds": seconds,
        "images_per_s": len(slices) / seconds,
        "input_GB_per_s": slices.nbytes / seconds / 1e9,
    }
    print(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()

"""Rerun every benchmark and store each one's JSON in benchmarks/results/.

Run: python benchmarks/run_all.py  (about 20 minutes on 2 cores, ~10 GB peak memory).
benchmarks/RESULTS.md records the figures with date and machine.
"""

import importlib
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE))

BENCHMARKS = [
    "bench_simulator",
    "bench_transformers",
    "bench_io",
    "bench_neural",
    "bench_ceiling",
    "bench_observation",
    "bench_import",
    "bench_battery",
]


def main():
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    for name in BENCHMARKS:
        result = importlib.import_module(name).main()
        (out / f"{name}.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

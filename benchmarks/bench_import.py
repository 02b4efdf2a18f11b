"""Import time of skcosmo21 and its subpackages, and which heavy libraries each import pulls in.

Run: python benchmarks/bench_import.py  (about a minute; JSON to stdout and to
benchmarks/results/bench_import.json).

Each module is imported in a fresh interpreter (``python -X importtime`` is not used: it
slows the imports it measures); the time is the best of 5, from just before ``import`` to just
after, so the interpreter's own start-up is left out. Beside it, whether TensorFlow, Keras and
matplotlib ended up in ``sys.modules``: ``skcosmo21``, ``skcosmo21.datasets``,
``skcosmo21.study`` and ``skcosmo21.plotting`` must import none of them; ``skcosmo21.neural``
is measured as it is (it is to import TensorFlow only when a network is built).
"""

import json
import pathlib
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from _common import machine  # noqa: E402

MODULES = [
    "skcosmo21",
    "skcosmo21.datasets",
    "skcosmo21.study",
    "skcosmo21.plotting",
    "skcosmo21.neural",
]
HEAVY = ["tensorflow", "keras", "matplotlib"]
REPEAT = 5

_PROBE = """
import json, sys, time
start = time.perf_counter()
import {module}
seconds = time.perf_counter() - start
print(json.dumps({{"seconds": seconds, "loaded": {{n: n in sys.modules for n in {heavy!r}}}}}))
"""


def import_once(module):
    """Seconds to import ``module`` in a fresh interpreter, and the heavy modules it loaded."""
    code = _PROBE.format(module=module, heavy=HEAVY)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(repeat=REPEAT):
    results = {"machine": machine(), "repeat": repeat, "modules": {}}
    for module in MODULES:
        runs = [import_once(module) for _ in range(repeat)]
        results["modules"][module] = {
            "best_seconds": min(run["seconds"] for run in runs),
            "median_seconds": sorted(run["seconds"] for run in runs)[repeat // 2],
            "imports": {name: runs[0]["loaded"][name] for name in HEAVY},
        }
    return results


if __name__ == "__main__":
    results = main()
    text = json.dumps(results, indent=2)
    print(text)
    out = pathlib.Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "bench_import.json").write_text(text + "\n")

"""Accuracy against the number of training realizations, CNN and one-point model, per task.

Run: python benchmarks/plot_neural_targets.py [results/bench_neural_targets_*.json ...]

Reads the curves that ``bench_neural_targets.py`` wrote (every task of every file given, by
default every ``results/bench_neural_targets*.json`` with curves) and draws them to
``figures/neural_targets_curve.png``; the main job's leave-one-realization-out score of the
one-point model is a dashed line per task.
"""

import json
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")  # a script that only writes a file
import matplotlib.pyplot as plt  # noqa: E402

HERE = pathlib.Path(__file__).parent


def curves(paths):
    """Task -> (CNN curve, one-point curve, one-point LORO score, file name)."""
    found = {}
    for path in paths:
        for task in json.loads(pathlib.Path(path).read_text()).get("tasks", []):
            if "curve" in task:
                found[task["task"]] = (
                    {int(n): a for n, a in task["curve"]["cnn"].items()},
                    {int(n): a for n, a in task["curve"]["one_point"].items()},
                    task["one_point_loro_main_job"]["mean"],
                    pathlib.Path(path).name,
                )
    return found


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    paths = argv or sorted((HERE / "results").glob("bench_neural_targets*.json"))
    found = curves(paths)
    if not found:
        raise SystemExit("no learning curves in the files given")
    fig, axes = plt.subplots(1, len(found), figsize=(4 * len(found), 3.4), squeeze=False)
    for ax, (task, (cnn, one_point, loro, name)) in zip(
        axes[0], sorted(found.items()), strict=True
    ):
        ax.plot(list(cnn), list(cnn.values()), "o-", label="ConvClassifier (streamed)")
        ax.plot(list(one_point), list(one_point.values()), "s-", label="one-point + HGB")
        ax.axhline(loro, ls="--", c="gray", label="one-point, main job LORO")
        ax.set_xscale("log", base=2)
        ax.set_ylim(0, 1)
        ax.set_xlabel("training realizations")
        ax.set_title(f"task {task} ({name})", fontsize=8)
    axes[0][0].set_ylabel("held-out accuracy")
    axes[0][0].legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    output = HERE / "figures" / "neural_targets_curve.png"
    fig.savefig(output, dpi=110)
    print(output)


if __name__ == "__main__":
    main()

import json

import pytest

from skcosmo21._cli import main


@pytest.mark.slow
def test_quick_run_end_to_end(tmp_path):
    output = tmp_path / "report"
    assert (
        main(["run", "--quick", "--output", str(output), "--cache-dir", str(tmp_path / "cache")])
        == 0
    )
    for name in (
        "results.json",
        "results.csv",
        "example_slices.png",
        "learning_curves.png",
        "accuracy_vs_neutral_fraction.png",
        *(f"confusion_task_{t}.png" for t in "abcd"),
    ):
        assert (output / name).stat().st_size > 0, name
    results = json.loads((output / "results.json").read_text())["results"]
    assert len(results) == 20  # 4 tasks x 5 models
    for row in results:
        assert row["accuracy_mean"] >= 1.5 * row["chance"], row
    # The simulations are cached: a second run reuses them.
    assert any((tmp_path / "cache").rglob("output.pkl"))

import json

import numpy as np
import pytest
from sklearn.utils import Bunch

from skcosmo21.study import QUICK, StudyError, _data, run_study


def test_tasks_adapt_to_the_data_and_say_what_is_there(small_cubes):
    # small_cubes: z = 7.5, 9.5; f_esc = 0.1, 0.3; two realizations.
    config = QUICK.replace(fixed_escape_fraction=0.15, fixed_redshift=8.0)
    (problem_a,) = _data.task_problems(small_cubes, "a", config)
    assert "needs cubes at f_esc = 0.15; the data have f_esc = 0.1, 0.3" in problem_a
    assert "set fixed_escape_fraction" in problem_a
    (problem_b,) = _data.task_problems(small_cubes, "b", config)
    assert "needs cubes at z = 8; the data have z = 7.5, 9.5 (set fixed_redshift)" in problem_b
    fitting = QUICK.replace(fixed_escape_fraction=0.1, fixed_redshift=9.5)
    assert all(not _data.task_problems(small_cubes, t, fitting) for t in "abcd")
    with pytest.raises(StudyError, match="task a .*; task b"):
        _data.check_tasks(small_cubes, config)


def test_tasks_need_two_realizations_and_known_targets(small_cubes):
    first = small_cubes.realization == 0
    one = Bunch(
        **{k: (v[first] if isinstance(v, np.ndarray) else v) for k, v in small_cubes.items()}
    )
    assert len(one.delta_T) == 4
    config = QUICK.replace(fixed_escape_fraction=0.1, fixed_redshift=9.5)
    assert "at least 2 realizations" in _data.task_problems(one, "c", config)[0]
    unknown = Bunch(**small_cubes)
    unknown["escape_fraction"] = np.full(len(small_cubes.redshift), np.nan)
    assert (
        "predicts escape_fraction, which the data do not give"
        in (_data.task_problems(unknown, "b", config)[0])
    )
    with pytest.raises(StudyError, match="patch_size 32 is larger than the slices"):
        _data.check_tasks(small_cubes, config.replace(patch_size=32, models=["dense"]))


def test_cube_transform_is_applied_before_any_task_and_recorded(tmp_path):
    calls = []

    class Brighter:
        def __call__(self, cubes):
            calls.append(len(cubes.delta_T))
            return type(cubes)(**{**cubes, "delta_T": cubes.delta_T + 100.0})

        def __repr__(self):
            return "Brighter()"

    config = QUICK.replace(tasks=["a"], models=["one-point"])
    results = run_study(
        config, output=tmp_path / "out", cache_dir=tmp_path / "cache", cube_transform=Brighter()
    )
    assert calls == [24]
    assert [row["model_key"] for row in results] == ["one-point"]
    report = json.loads((tmp_path / "out" / "results.json").read_text())
    assert report["data"]["cube_transform"] == "Brighter()"
    assert "tensorflow" not in report["versions"]  # no network was trained


def test_bad_seed_is_refused_before_anything_is_written(tmp_path):
    with pytest.raises(StudyError, match="random_state"):
        run_study(QUICK, output=tmp_path / "out", cache_dir=tmp_path / "c", random_state=2**32)
    assert not (tmp_path / "out").exists()

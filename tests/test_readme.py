"""The README's code example runs and its cross-validation is meaningful."""

import pathlib
import re

README = pathlib.Path(__file__).parents[1] / "README.md"


def test_readme_example_runs():
    code = re.search(r"```python\n(.*?)```", README.read_text(), re.S).group(1)
    namespace = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    scores = namespace["scores"]
    assert len(scores) == 3
    assert scores.mean() > 1 / 3  # three redshift classes


def test_readme_commands_are_the_ci_commands():
    text = README.read_text()
    assert "<!-- main-command -->" in text
    assert "<!-- test-command -->" in text
    ci = (README.parent / ".ci" / "run").read_text()
    assert "test-command" in ci


def test_readme_example_states_each_number_once():
    code = re.search(r"```python\n(.*?)```", README.read_text(), re.S).group(1)
    numbers = re.findall(r"(?<![\w.])\d+\.\d+|(?<![\w.])\d{2,}(?![\w.])", code)
    # Geometry in particular: the box size and the cell count appear once, in the simulation.
    assert numbers.count("150.0") == 1
    assert numbers.count("32") == 1
    assert code.count("box_size") == 1
    assert "pixel_size=data.pixel_size" in code

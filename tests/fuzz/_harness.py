"""The two tests every fuzz module runs over its targets.

``check_systematic`` runs every systematic case of a target (the battery's cases) and fails
with the list of cases whose outcome is a silent wrong result or an unclear error.
``check_generated`` is the Hypothesis test: it draws a parameter and a value (systematic or
generated) and asserts the outcome class.
"""

from ._outcomes import CLEAR, CORRECT


def check_systematic(target, workdir):
    failures = []
    for parameter, value in target.cases(workdir):
        outcome = target.run(parameter, value, workdir)
        if outcome.kind not in (CLEAR, CORRECT):
            failures.append(f"{parameter}={value.label}: {outcome.kind}: {outcome.detail}")
    assert not failures, f"{target.name}:\n" + "\n".join(failures)


def check_generated(target, data, workdir):
    parameter, value = data.draw(target.strategy(workdir), label="case")
    outcome = target.run(parameter, value, workdir)
    assert outcome.ok, f"{target.name} {parameter}={value.label}: {outcome.kind}: {outcome.detail}"

"""deploy.yml's `ignore_error_budget` input: optional, false unless given, and it reaches the
rollout tool only as an env value passed verbatim to --ignore-error-budget, which accepts
exactly what GitHub renders a boolean input as."""

from __future__ import annotations

import pytest

from ops.release import rollout
from tests.workflows.conftest import load, triggers
from tests.workflows.job_plan import JobRun
from tests.workflows.test_job_plan import CANDIDATE, CONTEXT, walk


def test_the_input_is_an_optional_boolean_that_defaults_to_gating(workflows) -> None:
    spec = triggers(workflows["deploy.yml"])["workflow_call"]["inputs"]["ignore_error_budget"]
    assert spec["type"] == "boolean"
    assert spec["default"] is False
    assert spec.get("required", False) is False
    steps = workflows["deploy.yml"]["jobs"]["release"]["steps"]
    (step,) = [s for s in steps if "ops.release.rollout" in s.get("run", "")]
    assert step["env"] == {"IGNORE_ERROR_BUDGET": "${{ inputs.ignore_error_budget }}"}
    assert '--ignore-error-budget="$IGNORE_ERROR_BUDGET"' in step["run"]
    assert "${{" not in step["run"]  # the value reaches the shell only through env


@pytest.mark.parametrize("given", ["false", "true"])
def test_the_rollout_receives_the_input_verbatim_and_parses_it(given, tmp_path, capsys) -> None:
    job = JobRun(load("deploy.yml"), "release",
                 context={**CONTEXT, "inputs.ignore_error_budget": given})  # fmt: skip
    ran = walk(job, {}, {"candidate": CANDIDATE, "serve": {"smoke_url": "https://c.example"}})
    (argv,) = [args for module, args in ran if module == "release.rollout"]
    assert f"--ignore-error-budget={given}" in argv
    # The tool's own parser takes it (a bad value would exit 2 from argparse, naming it);
    # it then stops at the missing outputs file, past parsing.
    missing = str(tmp_path / "absent.json")
    code = rollout.main(["--stack", "prod", "--previous", missing, "--outputs", missing,
                         f"--ignore-error-budget={given}"])  # fmt: skip
    assert code == 2
    assert "absent.json" in capsys.readouterr().err


def test_a_value_other_than_true_or_false_is_refused_by_name(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        rollout.main(["--stack", "prod", "--previous", "p", "--outputs", "o",
                      "--ignore-error-budget=yes"])  # fmt: skip
    assert exit_info.value.code == 2
    assert "--ignore-error-budget: invalid choice: 'yes'" in capsys.readouterr().err

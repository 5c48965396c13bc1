"""A workflow job as the runner would execute its `python -m ops.*` steps, read from the YAML.

An end-to-end release test can walk `JobRun` through deploy.yml's `release` job (or
rollback.yml's) and call each tool's `main(argv)` in workflow order with the arguments and
conditions the workflow really has, instead of a hand-copied list that drifts:

    run = JobRun(load("deploy.yml"), "release", context={"inputs.stack": "prod", ...})
    for step in run.steps():
        if run.should_run(step):
            code, outputs = <call main(step.argv) for step.module>
            run.record(step, code, outputs)

Expressions are GitHub's subset these workflows use: `${{ a.b.c }}` lookups, the status
functions, `&&`, `||`, `!`, `==`, `!=` and string literals. A condition without a status
function gets GitHub's implicit `success() &&`.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Any

EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
STATUS = re.compile(r"\b(success|failure|cancelled|always)\(\)")
OPS = re.compile(r"^\$OPS\s+(ops\.[\w.]+)\s*(.*)$", re.S)


@dataclass(frozen=True)
class Step:
    index: int
    step_id: str | None
    name: str
    module: str | None  # "ops.release.deploy_phase"; None for actions and other commands
    run: str
    condition: str | None
    env: dict[str, str]


@dataclass
class JobRun:
    workflow: dict[str, Any]
    job_id: str
    context: dict[str, str] = field(default_factory=dict)
    """Values for `inputs.stack`, `github.sha`, `needs.image.outputs.image`, `vars.X`..."""
    status: str = "success"  # success | failure | cancelled, as the job stands now
    outcomes: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def job(self) -> dict[str, Any]:
        return self.workflow["jobs"][self.job_id]

    def steps(self) -> list[Step]:
        return [
            Step(
                index=i,
                step_id=s.get("id"),
                name=s.get("name", s.get("uses", s.get("run", ""))),
                module=(m.group(1) if (m := OPS.match(s.get("run", "").strip())) else None),
                run=s.get("run", ""),
                condition=s.get("if"),
                env=dict(s.get("env", {})),
            )
            for i, s in enumerate(self.job["steps"])
        ]

    def cancel(self) -> None:
        self.status = "cancelled"

    def record(self, step: Step, exit_code: int, outputs: dict[str, str] | None = None) -> None:
        """A step finished: its outcome, its GITHUB_OUTPUT values, and the job's status."""
        outcome = "success" if exit_code == 0 else "failure"
        if step.step_id:
            self.outcomes[step.step_id] = outcome
            self.outputs[step.step_id] = dict(outputs or {})
        if outcome == "failure" and self.status == "success":
            self.status = "failure"

    def should_run(self, step: Step) -> bool:
        expr = step.condition or "success()"
        if not STATUS.search(expr):
            expr = f"success() && ({expr})"
        return bool(self._evaluate(expr))

    def argv(self, step: Step) -> list[str]:
        """The tool's arguments after `python -m <module>`, with $VARIABLES expanded."""
        match = OPS.match(step.run.strip())
        if not match:
            raise ValueError(f"step {step.name!r} does not run an ops tool: {step.run!r}")
        env = {**self._env(self.job.get("env", {})), **self._env(step.env)}
        return shlex.split(re.sub(r"\$(\w+)", lambda m: shlex.quote(env[m.group(1)]),
                                  match.group(2)))  # fmt: skip

    def _env(self, env: dict[str, str]) -> dict[str, str]:
        return {key: EXPR.sub(lambda m: str(self._value(m.group(1))), str(value))
                for key, value in env.items()}  # fmt: skip

    def _value(self, path: str) -> str:
        parts = path.split(".")
        if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
            return self.outputs.get(parts[1], {}).get(parts[3], "")
        if parts[0] == "steps" and len(parts) == 3 and parts[2] == "outcome":
            return self.outcomes.get(parts[1], "skipped")
        if path not in self.context:
            raise KeyError(f"no value for ${{{{ {path} }}}}: add it to JobRun.context")
        return self.context[path]

    def _evaluate(self, expr: str) -> bool:
        tokens = re.findall(r"\(|\)|&&|\|\||!=|==|!|'[^']*'|[\w.-]+\(\)|[\w.-]+", expr)
        python = []
        for token in tokens:
            if token in ("(", ")"):
                python.append(token)
            elif token in ("&&", "||", "!", "==", "!="):
                python.append({"&&": "and", "||": "or", "!": "not"}.get(token, token))
            elif STATUS.fullmatch(token):
                name = token[:-2]
                python.append(repr(name == "always" or self.status == name))
            elif token.startswith("'"):
                python.append(repr(token[1:-1]))
            else:
                python.append(repr(self._value(token)))
        # Only literals and operators reach eval: every name was replaced by its value.
        return eval(" ".join(python), {"__builtins__": {}}, {})  # noqa: S307

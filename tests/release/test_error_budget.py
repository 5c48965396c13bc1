"""Scenarios: the availability SLO's error budget gates prod's rollout (rollout.
minErrorBudgetRemaining). Below the floor nothing moves; the override ships anyway; a budget
burning through the floor mid-canary aborts; unreadable budgets keep the gate shut; without
the key (or without SLOs) Cloud Monitoring is never asked about an SLO."""

from __future__ import annotations

import pytest

from mock_run import stack_config  # pyright: ignore[reportMissingImports]
from tests.release.harness import Release
from tests.release.standin import STACK_FILE_OVERRIDES

SERVICE = "django-app"
FLOOR = 0.25
SLO = "projects/acme-django-prod/services/django-app-prod/serviceLevelObjectives/availability"


def budget_gated(monkeypatch: pytest.MonkeyPatch, floor: float | None = FLOOR,
                 slo: bool = True) -> None:  # fmt: skip
    """prod's stack file (SLOs on) with the budget floor (None: the key absent)."""
    prod = stack_config("prod")
    monkeypatch.setitem(STACK_FILE_OVERRIDES, "prod", {
        "slo": {**prod.get("django-gcp:slo", {}), "enabled": slo},
        "rollout": {**prod["django-gcp:rollout"], "minErrorBudgetRemaining": floor},
    })  # fmt: skip


def deployed(release: Release) -> str:
    """A first release serving 100%; the budget is not consulted (no stable revision)."""
    assert release.deploy("prod", release.commit("base")).ok
    return release.outputs("prod")["latestRevision"]


def slo_calls(release: Release) -> list[str]:
    return [c for c in release.world.api_calls if "select_slo_" in c]


def candidate_ever_served(release: Release, candidate: str) -> bool:
    history = release.world.services[SERVICE].history
    return any(shares.get(candidate) for _, shares in history)


def test_first_deploy_with_slos_never_reads_the_budget(release, monkeypatch) -> None:
    budget_gated(monkeypatch)
    out = release.deploy("prod", release.commit("first"))
    assert out.ok, out.summary
    assert release.outputs("prod")["sloNames"]["availability"] == SLO
    assert slo_calls(release) == []
    assert "not consulted (no stable revision to shift from" in out.summary


def test_budget_below_the_floor_moves_no_traffic_and_names_everything(
    release, monkeypatch, capsys
) -> None:
    budget_gated(monkeypatch)
    stable = deployed(release)
    release.world.slo_budgets[SLO] = [(0.0, 0.12)]
    out = release.deploy("prod", release.commit("feature while the budget is spent"))
    candidate = release.outputs("prod")["latestRevision"]
    assert out.steps["rollout"] == 1
    assert out.steps["restore-after"] == 0
    assert not candidate_ever_served(release, candidate)
    assert release.world.shares_now(SERVICE) == {stable: 100}
    assert "### Rollout NOT STARTED - the candidate stays at 0%" in out.summary
    assert "| 0% | 0 | error budget | 12.0% left | fail | not started |" in out.summary
    error = [line for line in capsys.readouterr().err.splitlines() if "rollout not started" in line]
    assert len(error) == 1
    for needle in (SLO, "12.0% left", "minErrorBudgetRemaining 25.0%", "--ignore-error-budget",
                   "ignore_error_budget: true"):  # fmt: skip
        assert needle in error[0], needle
    assert len(slo_calls(release)) == 1


def test_the_override_ships_the_fix_and_records_the_budget(release, monkeypatch) -> None:
    budget_gated(monkeypatch)
    deployed(release)
    release.world.slo_budgets[SLO] = [(0.0, -0.4)]  # overspent
    out = release.deploy("prod", release.commit("emergency fix"), ignore_error_budget=True)
    assert out.ok, out.summary
    assert "PROMOTED" in out.summary
    assert "OVERRIDDEN by --ignore-error-budget" in out.summary
    assert "| 0% | 0 | error budget | -40.0% left | fail | ignored (--ignore-error-budget) |" in (
        out.summary
    )
    assert release.world.shares_now(SERVICE) == {release.outputs("prod")["latestRevision"]: 100}


def test_budget_burning_through_the_floor_mid_canary_aborts(release, monkeypatch) -> None:
    budget_gated(monkeypatch)
    stable = deployed(release)
    world = release.world
    world.slo_budgets[SLO] = [(0.0, 0.6)]
    release.on_bake = (10, lambda: world.slo_budgets[SLO].append((world.clock.now(), 0.1)))
    out = release.deploy("prod", release.commit("while an outage burns the budget"))
    assert out.steps["rollout"] == 1
    assert "| 0% | 0 | error budget | 60.0% left | pass | budget ok |" in out.summary
    assert "| 10% | 0 | error budget | 10.0% left | fail | abort |" in out.summary
    assert "| 50% |" not in out.summary
    assert "### Rollout ABORTED - 100% restored" in out.summary
    assert world.shares_now(SERVICE) == {stable: 100}


def test_healthy_budget_is_checked_before_and_after_every_step(release, monkeypatch) -> None:
    budget_gated(monkeypatch)
    deployed(release)
    release.world.slo_budgets[SLO] = [(0.0, 0.9)]
    release.world.transient_on = {"sloBudget": 2}  # absorbed by the client's retries
    out = release.deploy("prod", release.commit("routine"))
    assert out.ok, out.summary
    assert out.summary.count("| 90.0% left | pass | budget ok |") == 4  # before, 10, 50, 100
    assert release.world.transient_on == {"sloBudget": 0}


def test_an_unreadable_budget_keeps_the_gate_shut(release, monkeypatch) -> None:
    budget_gated(monkeypatch)
    stable = deployed(release)
    # No such SLO in Cloud Monitoring (deleted by hand, say): INVALID_ARGUMENT, not retried.
    release.world.slo_budgets.clear()
    out = release.deploy("prod", release.commit("blind"))
    assert out.steps["rollout"] == 1
    assert "unreadable" in out.summary
    assert "Invalid service level objective name" in out.summary
    assert release.world.shares_now(SERVICE) == {stable: 100}


def test_no_budget_point_follows_no_data_promote_after_smoke(release, monkeypatch) -> None:
    budget_gated(monkeypatch)
    deployed(release)
    release.world.slo_budgets[SLO] = []  # the SLO exists, nothing measured in the last hour
    out = release.deploy("prod", release.commit("quiet hour"))
    assert out.ok, out.summary
    assert "no data: go on (smoke)" in out.summary


@pytest.mark.parametrize("slo_enabled", [False, True])
def test_without_the_key_no_slo_is_ever_read(release, monkeypatch, slo_enabled) -> None:
    budget_gated(monkeypatch, floor=None, slo=slo_enabled)
    deployed(release)
    out = release.deploy("prod", release.commit("ungated by budget"))
    assert out.ok, out.summary
    assert "PROMOTED" in out.summary
    assert ("sloNames" in release.outputs("prod")) is slo_enabled
    assert slo_calls(release) == []
    assert any("request_count" in c for c in release.world.api_calls)  # metrics were read
    assert "error budget" not in out.summary.lower()

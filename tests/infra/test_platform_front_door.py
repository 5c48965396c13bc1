"""The front door under mocks: HTTPS with a managed certificate, Cloud Armor attached (WAF +
per-IP throttle), CDN on origin headers only, port 80 redirecting, uptime on the domain, and
the candidate route (candidate.<first domain> -> the `candidate` tag) the smoke test uses."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest
import yaml

from mock_run import ProgramRun, run_program
from ops.release.deploy_phase import run_phase
from stack_config.platform import WAF_RULES

DOOR = {"enabled": True, "domains": ["app.acme.example", "www.acme.example"]}
# The front door needs the service to take the load balancer's traffic only (rules.py).
BEHIND_DOOR = {"ingress": "internal-and-cloud-load-balancing", "public": True}
ARMOR = "gcp:compute/securityPolicy:SecurityPolicy"
BACKEND = "gcp:compute/backendService:BackendService"
RULE = "gcp:compute/globalForwardingRule:GlobalForwardingRule"
UPTIME = "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig"
SERVICE = "gcp:cloudrunv2/service:Service"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def prod_door() -> ProgramRun:
    return run_program("prod", {"frontDoor": DOOR, "access": BEHIND_DOOR})


def test_committed_stacks_have_no_front_door(runs: dict[str, ProgramRun]):
    for run in runs.values():
        assert run.of_type(ARMOR) == [], run.stack
        assert "frontDoorIp" not in run.outputs


def test_the_chain_from_address_to_service(prod_door: ProgramRun):
    neg = prod_door.named("front-door-neg").inputs
    assert neg["networkEndpointType"] == "SERVERLESS"
    assert neg["cloudRun"] == {"service": "django-app"}
    assert neg["region"] == "europe-west1"
    backend = prod_door.named("front-door-backend").inputs
    assert backend["loadBalancingScheme"] == "EXTERNAL_MANAGED"
    assert backend["backends"] == [{"group": "front-door-neg-id"}]
    # Armor is attached, not merely declared.
    assert backend["securityPolicy"] == "front-door-armor-id"
    assert backend["enableCdn"] is True
    assert backend["cdnPolicy"]["cacheMode"] == "USE_ORIGIN_HEADERS"
    cert = prod_door.named("front-door-cert").inputs
    assert cert["managed"] == {
        "domains": ["app.acme.example", "www.acme.example", "candidate.app.acme.example"]
    }
    https = prod_door.named("front-door-https").inputs
    assert https["sslCertificates"] == ["front-door-cert-id"]
    assert https["urlMap"] == "front-door-urls-id"
    rules = {r.inputs["portRange"]: r.inputs for r in prod_door.of_type(RULE)}
    assert set(rules) == {"443", "80"}
    assert rules["443"]["target"] == "front-door-https-id"
    assert rules["80"]["target"] == "front-door-http-id"
    assert {r["ipAddress"] for r in rules.values()} == {"front-door-ip-id"}
    redirect = prod_door.named("front-door-redirect").inputs["defaultUrlRedirect"]
    assert redirect["httpsRedirect"] is True
    assert prod_door.outputs["frontDoorDomains"] == DOOR["domains"]


def _armor(run: ProgramRun) -> list[dict[str, Any]]:
    return run.named("front-door-armor").inputs["rules"]


def test_armor_refuses_waf_matches_throttles_per_ip_then_allows(prod_door: ProgramRun):
    rules = _armor(prod_door)
    waf = [r for r in rules if r["action"] == "deny(403)"]
    assert [r["match"]["expr"]["expression"] for r in waf] == [
        f"evaluatePreconfiguredWaf('{rule}', {{'sensitivity': 1}})" for rule in WAF_RULES
    ]
    assert {r["preview"] for r in waf} == {False}
    (throttle,) = [r for r in rules if r["action"] == "throttle"]
    options = throttle["rateLimitOptions"]
    assert options["rateLimitThreshold"] == {"count": 600, "intervalSec": 60}
    assert (options["enforceOnKey"], options["exceedAction"]) == ("IP", "deny(429)")
    priorities = [r["priority"] for r in rules]
    assert priorities == sorted(priorities)
    assert priorities[-1] == 2147483647
    assert rules[-1]["action"] == "allow"
    assert max(r["priority"] for r in waf) < throttle["priority"]  # WAF before the throttle


def test_tuning_keys_reach_armor_and_cdn():
    door = {**DOOR, "cdn": False, "wafRules": ["sqli-v33-stable"], "wafSensitivity": 2,
            "wafPreview": True, "requestsPerMinute": 120}  # fmt: skip
    run = run_program("staging", {"frontDoor": door, "access": BEHIND_DOOR})
    rules = _armor(run)
    assert rules[0]["match"]["expr"]["expression"] == (
        "evaluatePreconfiguredWaf('sqli-v33-stable', {'sensitivity': 2})"
    )
    assert rules[0]["preview"] is True
    assert rules[1]["rateLimitOptions"]["rateLimitThreshold"]["count"] == 120
    backend = run.named("front-door-backend").inputs
    assert backend["enableCdn"] is False
    assert "cdnPolicy" not in backend


def test_uptime_follows_the_front_door(prod_door: ProgramRun):
    hosts = [c.inputs["monitoredResource"]["labels"]["host"] for c in prod_door.of_type(UPTIME)]
    assert "app.acme.example" in hosts
    bootstrap = run_program("prod", {"frontDoor": DOOR, "access": BEHIND_DOOR}, with_image=False)
    assert "app.acme.example" not in [
        c.inputs["monitoredResource"]["labels"]["host"] for c in bootstrap.of_type(UPTIME)
    ]
    assert bootstrap.of_type(ARMOR)  # the door itself exists before the first deploy


def test_the_candidate_route_reaches_the_tagged_revision_through_armor(prod_door: ProgramRun):
    neg = prod_door.named("front-door-candidate-neg").inputs
    assert neg["cloudRun"] == {"service": "django-app", "tag": "candidate"}
    assert neg["networkEndpointType"] == "SERVERLESS"
    assert neg["region"] == "europe-west1"
    backend = prod_door.named("front-door-candidate-backend").inputs
    assert backend["backends"] == [{"group": "front-door-candidate-neg-id"}]
    assert backend["securityPolicy"] == "front-door-armor-id"
    assert backend["enableCdn"] is False  # a candidate is never served from a cache
    assert "cdnPolicy" not in backend
    assert backend["loadBalancingScheme"] == "EXTERNAL_MANAGED"
    urls = prod_door.named("front-door-urls").inputs
    assert urls["defaultService"] == "front-door-backend-id"  # every other host: the service
    (host_rule,) = urls["hostRules"]
    assert host_rule["hosts"] == ["candidate.app.acme.example"]
    (matcher,) = [m for m in urls["pathMatchers"] if m["name"] == host_rule["pathMatcher"]]
    assert matcher["defaultService"] == "front-door-candidate-backend-id"
    assert "pathRules" not in matcher
    assert "routeRules" not in matcher


def test_every_backend_has_armor(prod_door: ProgramRun):
    backends = prod_door.of_type(BACKEND)
    assert len(backends) == 2
    assert {b.inputs["securityPolicy"] for b in backends} == {"front-door-armor-id"}


def test_urls_follow_the_front_door(prod_door: ProgramRun, runs: dict[str, ProgramRun]):
    # Ingress refuses the run.app URLs behind the door: the outputs name the door's hosts.
    assert prod_door.outputs["serviceUrl"] == "https://app.acme.example"
    assert prod_door.outputs["candidateUrl"] == "https://candidate.app.acme.example"
    for run in runs.values():  # without the door: Cloud Run's own URL and its tag URL
        service_url = run.outputs["serviceUrl"]
        assert service_url.startswith("https://django-app-"), run.stack
        assert service_url.endswith(".run.app"), run.stack
        assert run.outputs["candidateUrl"] == service_url.replace(
            "https://", "https://candidate---"
        )


def test_the_candidate_host_is_an_allowed_host(prod_door: ProgramRun):
    (service,) = prod_door.of_type(SERVICE)
    env = {e["name"]: e.get("value") for e in service.inputs["template"]["containers"][0]["envs"]}
    assert "candidate.app.acme.example" in env["DJANGO_ALLOWED_HOSTS"].split(",")
    origins = env["DJANGO_CSRF_TRUSTED_ORIGINS"].split(",")
    assert "https://candidate.app.acme.example" in origins


class _Stack:
    """The only call the serve phase makes of a stack that already has its service."""

    name = "prod"

    def __init__(self, outputs: dict[str, Any]) -> None:
        self._outputs = outputs

    def outputs(self) -> dict[str, Any]:
        return dict(self._outputs)


def test_the_smoke_test_goes_through_the_front_door(prod_door: ProgramRun, tmp_path: Path):
    """deploy.yml smokes the serve step's smoke_url, which is the candidateUrl output: with the
    door on, the candidate route of the load balancer, not the unreachable tag URL."""
    args = argparse.Namespace(phase="serve", previous=str(tmp_path / "candidate.json"),
                              image="registry/app@sha256:" + "a" * 64, commit="b" * 40)  # fmt: skip
    values = run_phase(args, _Stack(prod_door.outputs))  # pyright: ignore[reportArgumentType]
    assert values == {"first_deploy": "false", "smoke_url": "https://candidate.app.acme.example"}
    workflow = yaml.safe_load((ROOT / ".github/workflows/deploy.yml").read_text(encoding="utf-8"))
    steps = [s for job in workflow["jobs"].values() for s in job.get("steps", [])]
    (smoke,) = [s for s in steps if "ops.release.smoke" in s.get("run", "")]
    assert smoke["env"]["SMOKE_URL"] == "${{ steps.serve.outputs.smoke_url }}"
    assert '--base-url "$SMOKE_URL"' in smoke["run"]
    (serve,) = [s for s in steps if s.get("id") == "serve"]
    assert "--phase serve" in serve["run"]

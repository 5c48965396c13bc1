"""The front door under mocks: HTTPS with a managed certificate, Cloud Armor attached (WAF +
per-IP throttle), CDN on origin headers only, port 80 redirecting, uptime on the domain."""

from __future__ import annotations

from typing import Any

import pytest

from mock_run import ProgramRun, run_program
from stack_config.platform import WAF_RULES

DOOR = {"enabled": True, "domains": ["app.acme.example", "www.acme.example"]}
# The front door needs the service to take the load balancer's traffic only (rules.py).
BEHIND_DOOR = {"ingress": "internal-and-cloud-load-balancing", "public": True}
ARMOR = "gcp:compute/securityPolicy:SecurityPolicy"
BACKEND = "gcp:compute/backendService:BackendService"
RULE = "gcp:compute/globalForwardingRule:GlobalForwardingRule"
UPTIME = "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig"


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
    assert cert["managed"] == {"domains": ["app.acme.example", "www.acme.example"]}
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

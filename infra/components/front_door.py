"""The front door: a global external Application Load Balancer in front of Cloud Run.

Serverless NEG -> backend service (Cloud Armor policy, optional Cloud CDN) -> URL map ->
HTTPS proxy with a Google-managed certificate -> a global address on 443; port 80 only
redirects to HTTPS. Cloud Armor refuses what Google's preconfigured WAF rules match (403)
and throttles each client IP (429). CDN caches only responses the app marks public
(USE_ORIGIN_HEADERS): WhiteNoise's hashed /static/ files, never a page with a session.

The candidate route: with ingress limited to the load balancer, Cloud Run's tag URL
(candidate---<service>...run.app) no longer answers the release's smoke test, so the door
also serves `candidate.<first domain>` through a second serverless NEG on the `candidate`
tag, behind its own backend (same Cloud Armor policy, never CDN: a candidate's replies must
not be cached for anyone) and the same certificate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
from pulumi_gcp import compute, projects

from components import PROJECT, child_opts
from components.alerting import Paging, policy
from components.uptime import uptime_condition

C = compute
DEFAULT_RULE_PRIORITY = 2147483647  # Cloud Armor's default rule: the last one evaluated
CANDIDATE_TAG = "candidate"  # the Cloud Run traffic tag the release gives the new revision


def candidate_domain(domains: Sequence[str]) -> str:
    """The host that reaches the candidate revision through the front door."""
    return f"{CANDIDATE_TAG}.{domains[0]}"


def certificate_domains(domains: Sequence[str]) -> list[str]:
    """The certificate covers the door's domains and the candidate host."""
    return list(dict.fromkeys([*domains, candidate_domain(domains)]))


@dataclass(frozen=True)
class FrontDoorArgs:
    project: str
    region: str
    environment: str
    service_name: str
    domains: tuple[str, ...]
    cdn: bool
    waf_rules: tuple[str, ...]
    waf_sensitivity: int
    waf_preview: bool
    requests_per_minute: int
    service_declared: bool  # the uptime check probes the domain only once a service exists
    channels: Sequence[pulumi.Input[str]]


def waf_expression(rule: str, sensitivity: int) -> str:
    return f"evaluatePreconfiguredWaf('{rule}', {{'sensitivity': {sensitivity}}})"


def armor_rules(args: FrontDoorArgs) -> list[C.SecurityPolicyRuleArgs]:
    everyone = C.SecurityPolicyRuleMatchArgs(
        versioned_expr="SRC_IPS_V1",
        config=C.SecurityPolicyRuleMatchConfigArgs(src_ip_ranges=["*"]),
    )
    rules = [
        C.SecurityPolicyRuleArgs(
            priority=1000 + index,
            action="deny(403)",
            preview=args.waf_preview,
            description=f"WAF {rule}",
            match=C.SecurityPolicyRuleMatchArgs(
                expr=C.SecurityPolicyRuleMatchExprArgs(
                    expression=waf_expression(rule, args.waf_sensitivity)
                )
            ),
        )
        for index, rule in enumerate(args.waf_rules)
    ]
    rules.append(
        C.SecurityPolicyRuleArgs(
            priority=2000,
            action="throttle",
            description=f"{args.requests_per_minute} requests per minute per client IP",
            match=everyone,
            rate_limit_options=C.SecurityPolicyRuleRateLimitOptionsArgs(
                conform_action="allow",
                exceed_action="deny(429)",
                enforce_on_key="IP",
                rate_limit_threshold=C.SecurityPolicyRuleRateLimitOptionsRateLimitThresholdArgs(
                    count=args.requests_per_minute, interval_sec=60
                ),
            ),
        )
    )
    rules.append(
        C.SecurityPolicyRuleArgs(
            priority=DEFAULT_RULE_PRIORITY, action="allow", description="default", match=everyone
        )
    )
    return rules


class FrontDoor(pulumi.ComponentResource):
    def __init__(self, name: str, args: FrontDoorArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{PROJECT}:network:FrontDoor", name, None, opts)
        self._name = name
        api = projects.Service(
            f"{name}-api",
            project=args.project,
            service="compute.googleapis.com",
            disable_on_destroy=False,
            opts=child_opts(self, opts),
        )
        o = child_opts(self, opts, depends_on=[api])
        prefix, p = args.service_name, args.project
        self.address = C.GlobalAddress(f"{name}-ip", project=p, name=f"{prefix}-lb-ip", opts=o)
        neg = self._neg(f"{name}-neg", f"{prefix}-neg", args, None, o)
        candidate_neg = self._neg(
            f"{name}-candidate-neg", f"{prefix}-candidate-neg", args, CANDIDATE_TAG, o
        )
        self.armor = C.SecurityPolicy(
            f"{name}-armor",
            project=p,
            name=f"{prefix}-armor",
            description=f"WAF and rate limit for {prefix} ({args.environment})",
            rules=armor_rules(args),
            opts=o,
        )
        backend = self._backend(f"{name}-backend", f"{prefix}-backend", neg, args.cdn, p, o)
        # Never cached: a candidate is smoke-tested for what it serves now, not what was.
        candidate_backend = self._backend(
            f"{name}-candidate-backend", f"{prefix}-candidate-backend", candidate_neg, False, p, o
        )
        url_map = C.URLMap(
            f"{name}-urls",
            project=p,
            name=f"{prefix}-urls",
            default_service=backend.id,
            host_rules=[
                C.URLMapHostRuleArgs(
                    hosts=[candidate_domain(args.domains)], path_matcher=CANDIDATE_TAG
                )
            ],
            path_matchers=[
                C.URLMapPathMatcherArgs(name=CANDIDATE_TAG, default_service=candidate_backend.id)
            ],
            opts=o,
        )
        certificate = C.ManagedSslCertificate(
            f"{name}-cert",
            project=p,
            name=f"{prefix}-cert",
            managed=C.ManagedSslCertificateManagedArgs(domains=certificate_domains(args.domains)),
            opts=o,
        )
        https = C.TargetHttpsProxy(
            f"{name}-https",
            project=p,
            name=f"{prefix}-https",
            url_map=url_map.id,
            ssl_certificates=[certificate.id],
            opts=o,
        )
        self._rule("https", prefix, p, "443", https.id, o)
        redirect = C.URLMap(
            f"{name}-redirect",
            project=p,
            name=f"{prefix}-redirect",
            default_url_redirect=C.URLMapDefaultUrlRedirectArgs(
                https_redirect=True,
                strip_query=False,
                redirect_response_code="MOVED_PERMANENTLY_DEFAULT",
            ),
            opts=o,
        )
        http = C.TargetHttpProxy(
            f"{name}-http", project=p, name=f"{prefix}-http", url_map=redirect.id, opts=o
        )
        self._rule("http", prefix, p, "80", http.id, o)
        if args.service_declared:
            # The uptime check follows the front door: it probes what users reach.
            paging = Paging(p, args.environment, args.service_name, args.channels)
            condition = uptime_condition(
                f"{name}-uptime", p, args.service_name, args.environment, args.domains[0],
                child_opts(self, opts),
            )  # fmt: skip
            policy(
                f"{name}-uptime-failed",
                paging,
                f"front door https://{args.domains[0]}/health/live/ failing",
                [condition],
                doc="The load balancer, its certificate or the service behind it is failing.",
                opts=child_opts(self, opts),
            )
        self.register_outputs({"address": self.address.address})

    def _neg(
        self,
        key: str,
        name: str,
        args: FrontDoorArgs,
        tag: str | None,
        opts: pulumi.ResourceOptions,
    ) -> C.RegionNetworkEndpointGroup:
        return C.RegionNetworkEndpointGroup(
            key,
            project=args.project,
            name=name,
            region=args.region,
            network_endpoint_type="SERVERLESS",
            cloud_run=C.RegionNetworkEndpointGroupCloudRunArgs(service=args.service_name, tag=tag),
            opts=opts,
        )

    def _backend(
        self,
        key: str,
        name: str,
        neg: C.RegionNetworkEndpointGroup,
        cdn: bool,
        project: str,
        opts: pulumi.ResourceOptions,
    ) -> C.BackendService:
        return C.BackendService(
            key,
            project=project,
            name=name,
            load_balancing_scheme="EXTERNAL_MANAGED",
            protocol="HTTPS",
            backends=[C.BackendServiceBackendArgs(group=neg.id)],
            security_policy=self.armor.id,
            enable_cdn=cdn,
            cdn_policy=C.BackendServiceCdnPolicyArgs(cache_mode="USE_ORIGIN_HEADERS")
            if cdn
            else None,
            log_config=C.BackendServiceLogConfigArgs(enable=True, sample_rate=1.0),
            opts=opts,
        )

    def _rule(
        self,
        key: str,
        prefix: str,
        project: str,
        port: str,
        target: pulumi.Input[str],
        opts: pulumi.ResourceOptions,
    ) -> None:
        C.GlobalForwardingRule(
            f"{self._name}-{key}-rule",
            project=project,
            name=f"{prefix}-{key}",
            ip_address=self.address.id,
            port_range=port,
            target=target,
            load_balancing_scheme="EXTERNAL_MANAGED",
            opts=opts,
        )

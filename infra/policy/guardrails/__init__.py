"""The policies of the pack, one small module per concern; all MANDATORY (block the update)."""

from pulumi_policy import Policy

from .cloud_run import IMAGES_PINNED_BY_DIGEST
from .cloud_sql import CLOUD_SQL_ENCRYPTED_NO_NETWORKS, PROD_DATABASE_PROTECTED
from .federation import WIF_CONDITION_ON_NUMERIC_IDS
from .iam import (
    NO_CROSS_ENVIRONMENT_GRANTS,
    NO_ESCALATION,
    NO_PRIMITIVE_ROLES,
    NO_SERVICE_ACCOUNT_KEYS,
    SECRET_ACCESS_PER_SECRET,
)

PACK_NAME = "django-gcp-guardrails"

POLICIES: list[Policy] = [
    NO_PRIMITIVE_ROLES,
    NO_ESCALATION,
    NO_CROSS_ENVIRONMENT_GRANTS,
    SECRET_ACCESS_PER_SECRET,
    NO_SERVICE_ACCOUNT_KEYS,
    WIF_CONDITION_ON_NUMERIC_IDS,
    CLOUD_SQL_ENCRYPTED_NO_NETWORKS,
    PROD_DATABASE_PROTECTED,
    IMAGES_PINNED_BY_DIGEST,
]

__all__ = ["PACK_NAME", "POLICIES"]

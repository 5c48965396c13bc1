"""Google ID tokens for calling a private Cloud Run service (audience = its URL).

In CI the credentials are an external account (workload identity federation); those cannot
mint ID tokens themselves, so the token is issued by impersonating the deployer service
account (google-github-actions/auth exports it as the impersonated identity).
"""

from __future__ import annotations

import os
from collections.abc import Callable

IdTokenSource = Callable[[str], str]  # audience -> token


def google_id_token(audience: str) -> str:  # pragma: no cover - needs real credentials
    import google.auth
    from google.auth import impersonated_credentials
    from google.auth.transport.requests import Request
    from google.oauth2 import id_token

    scopes = ["https://www.googleapis.com/auth/cloud-platform"]
    source, _project = google.auth.default(scopes=scopes)
    # google-github-actions/auth with service_account: an external account impersonating
    # the deployer; its email is in the credential. A plain service account key (a person's
    # ADC) can mint the token itself.
    account = os.environ.get("DEPLOYER_SERVICE_ACCOUNT") or getattr(
        source, "service_account_email", None
    )
    if not account:
        return str(id_token.fetch_id_token(Request(), audience))
    target = impersonated_credentials.Credentials(
        source_credentials=source, target_principal=account, target_scopes=scopes
    )
    token = impersonated_credentials.IDTokenCredentials(
        target, target_audience=audience, include_email=True
    )
    token.refresh(Request())
    return str(token.token)

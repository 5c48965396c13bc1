"""Delivery tools the GitHub workflows run (`python -m ops.<tool>`).

Every decision the pipeline makes lives here, unit tested, so the workflow YAML stays
plumbing. Google APIs are reached through ``google_api.HttpSession`` (google-auth's
AuthorizedSession in CI, fakes in tests); the ``ops`` dependency group is never in the image.
"""

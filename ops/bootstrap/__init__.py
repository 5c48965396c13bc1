"""One-time, admin-run setup before the first `pulumi up` (`python -m ops.bootstrap`)."""

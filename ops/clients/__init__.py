"""Doors to the outside: Google APIs, Cloud Monitoring, Pulumi, GitHub (API and Actions files)."""

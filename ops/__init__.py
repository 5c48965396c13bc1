"""Delivery tools the GitHub workflows run, one folder per concern.

``ops.release`` (deploy, rollout, rollback and their recovery: `python -m ops.release.<tool>`),
``ops.clients`` (Google APIs through the official clients, Pulumi Automation API, GitHub),
``ops.recovery`` (restore drill), ``ops.bootstrap`` (one-time setup). The ``ops`` dependency
group is never in the image.
"""

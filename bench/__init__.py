"""`make bench`: the service measured as Cloud Run runs it, beside a bare WSGI floor.

Run with ``python -m bench`` from the repository root (``make bench`` does that after
installing wrk). Results: a table on stdout and JSON under ``bench/results/``.
"""

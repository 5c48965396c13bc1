"""Release tools the deploy and rollback workflows run (`python -m ops.release.<tool>`)."""

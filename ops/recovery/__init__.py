"""Disaster-recovery drills (`python -m ops.recovery.restore_drill`)."""

"""`python -m ops.bootstrap`: see ops/bootstrap/cli.py (arguments) and plan.py (steps)."""

import sys

from ops.bootstrap.cli import main

sys.exit(main())

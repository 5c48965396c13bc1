"""`python -m ops.bootstrap`: see ops.bootstrap.plan for what it does."""

import sys

from ops.bootstrap.plan import main

sys.exit(main())

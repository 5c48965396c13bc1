"""The stack configuration: Pulumi.<stack>.yaml -> one validated, frozen StackConfig.

One declarative pydantic model (model.py, sections.py) holds every key under the project's
namespace, committed and per-deploy alike; rules across sections are in rules.py, Google
Cloud's limits in google_cloud.py, the region table in regions.yaml. Components receive
pieces of the StackConfig and never read pulumi.Config. Pydantic v2: the common choice in
the Pulumi Python community, typed (pyright sees every field), and it generates the JSON
Schema editors use (docs.py), so rules and docs cannot drift.
"""

from stack_config.errors import ConfigError
from stack_config.loader import load_stack_config, parse_stack_config
from stack_config.model import StackConfig
from stack_config.rules import connection_budget
from stack_config.sections import AppSecret

__all__ = [
    "AppSecret",
    "ConfigError",
    "StackConfig",
    "connection_budget",
    "load_stack_config",
    "parse_stack_config",
]

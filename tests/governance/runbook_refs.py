"""What RUNBOOK.md refers to, and which of those references do not exist in the code."""

from __future__ import annotations

import ast
import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import yaml

# Django's own commands the runbook may use besides the app's (app/core/management/commands).
DJANGO_COMMANDS = {"migrate", "showmigrations", "sqlmigrate", "createsuperuser",
                   "changepassword", "dbshell", "shell", "check"}  # fmt: skip
STACKS = {"dev", "staging", "prod", "github"}
CODE = re.compile(r"```[a-z]*\n(.*?)```|`([^`\n]+)`", re.S)


@dataclass
class References:
    make_targets: set[str] = field(default_factory=set)
    workflows: set[str] = field(default_factory=set)
    workflow_inputs: set[tuple[str, str]] = field(default_factory=set)
    config_keys: set[str] = field(default_factory=set)
    stack_outputs: set[str] = field(default_factory=set)
    manage_commands: set[str] = field(default_factory=set)
    ops_flags: set[tuple[str, str]] = field(default_factory=set)
    stacks: set[str] = field(default_factory=set)
    resource_names: set[str] = field(default_factory=set)


def _commands(text: str) -> list[list[str]]:
    """Shell commands in code blocks and inline code, continuation lines joined."""
    found = []
    for block, inline in CODE.findall(text):
        for line in (block or inline).replace("\\\n", " ").splitlines():
            line = line.split(" #", 1)[0].strip().removeprefix("$ ")
            for part in re.split(r"\s*(?:&&|\|\||;|\|)\s*|\$\(|\)", line):
                try:
                    argv = shlex.split(part)
                except ValueError:
                    continue
                # Drop redirections (`> file`); `<placeholder>` arguments stay.
                cut = [i for i, a in enumerate(argv) if a == "<" or re.match(r"\d?>", a)]
                argv = argv[: cut[0]] if cut else argv
                if argv:
                    found.append(argv)
    return found


def _positional(args: list[str], takes_value: set[str]) -> list[str]:
    positional, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg.startswith("-"):
            skip = arg in takes_value
        else:
            positional.append(arg)
    return positional


def extract(text: str) -> References:
    refs = References()
    refs.workflows |= set(re.findall(r"\b([\w-]+\.yml)\b", text))
    refs.config_keys |= set(re.findall(r"\b(django-gcp:[A-Za-z][\w.]*[A-Za-z])", text))
    refs.resource_names |= set(re.findall(r"::([a-z][a-z0-9-]+)'", text))
    for argv in _commands(text):
        head = argv[0]
        if head == "make" and len(argv) > 1 and re.fullmatch(r"[a-z][a-z0-9-]*", argv[1]):
            refs.make_targets.add(argv[1])
        if "--stack" in argv[:-1]:
            refs.stacks.add(argv[argv.index("--stack") + 1])
        if argv[:3] == ["gh", "workflow", "run"] and len(argv) > 3:
            for i, arg in enumerate(argv):
                if arg in ("-f", "--field", "-F") and i + 1 < len(argv):
                    refs.workflow_inputs.add((argv[3], argv[i + 1].split("=", 1)[0]))
        if head == "pulumi" and argv[1:3] == ["config", "set"]:
            keys = _positional(argv[3:], {"--stack", "-s", "--cwd", "-C"})
            if keys:
                refs.config_keys.add(keys[0])
        if head == "pulumi" and argv[1:3] == ["stack", "output"]:
            names = _positional(argv[3:], {"--stack", "-s", "--cwd", "-C"})
            refs.stack_outputs |= set(names[:1])
        if "manage.py" in argv and argv.index("manage.py") + 1 < len(argv):
            refs.manage_commands.add(argv[argv.index("manage.py") + 1])
        if head.startswith("python") and argv[1:2] == ["-m"] and argv[2].startswith("ops."):
            module = argv[2].removeprefix("ops.")
            refs.ops_flags.add((module, ""))
            refs.ops_flags |= {(module, a.split("=")[0]) for a in argv[3:] if a.startswith("--")}
    return refs


def _exports(main: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(main.read_text())):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "export" and node.args
                and isinstance(node.args[0], ast.Constant)):  # fmt: skip
            names.add(str(node.args[0].value))
    return names


SCHEMA = Path("infra") / "stack_config" / "stack-file.schema.json"


def _schema_knows(schema: dict, key: str) -> bool:
    """Whether `django-gcp:run.maxInstances` is a key of the stack-file JSON Schema, which
    infra generates from its config model (so renames there are seen here)."""
    namespace, _, name = key.rpartition(":")
    top, *rest = name.split(".")
    node = schema["properties"]["config"]["properties"].get(f"{namespace or 'django-gcp'}:{top}")
    for part in rest:
        while node is not None and "$ref" in node:
            node = schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
        node = (node or {}).get("properties", {}).get(part)
    return node is not None


def _dispatch_inputs(workflow: Path) -> set[str]:
    data = yaml.safe_load(workflow.read_text())
    triggers = data.get(True, data.get("on")) or {}
    dispatch = triggers.get("workflow_dispatch") if isinstance(triggers, dict) else None
    return set((dispatch or {}).get("inputs") or {})


def problems(refs: References, root: Path, resource_names: set[str]) -> list[str]:
    """Each reference that names something the repository does not have."""
    found = [f"::{n}: no resource of that name in the prod program"
             for n in sorted(refs.resource_names - resource_names)]  # fmt: skip
    targets = set(re.findall(r"^([a-z][a-z0-9-]*):", (root / "Makefile").read_text(), re.M))
    found += [f"make {t}: no such Makefile target" for t in sorted(refs.make_targets - targets)]
    workflows_dir = root / ".github" / "workflows"
    found += [f"{w}: not in .github/workflows/" for w in sorted(refs.workflows)
              if not (workflows_dir / w).is_file()]  # fmt: skip
    for workflow, name in sorted(refs.workflow_inputs):
        path = workflows_dir / workflow
        if path.is_file() and name not in _dispatch_inputs(path):
            found.append(f"gh workflow run {workflow} -f {name}: no such workflow_dispatch input")
    schema = json.loads((root / SCHEMA).read_text())
    found += [f"pulumi config set {key}: not a key of {SCHEMA}"
              for key in sorted(refs.config_keys) if not _schema_knows(schema, key)]  # fmt: skip
    exported = _exports(root / "infra" / "__main__.py")
    found += [f"pulumi stack output {o}: not exported by infra/__main__.py"
              for o in sorted(refs.stack_outputs - exported)]  # fmt: skip
    commands_dir = root / "app" / "core" / "management" / "commands"
    for command in sorted(refs.manage_commands):
        if command not in DJANGO_COMMANDS and not (commands_dir / f"{command}.py").is_file():
            found.append(f"manage.py {command}: no such management command")
    for module, flag in sorted(refs.ops_flags):
        relative = module.replace(".", "/")
        path = root / "ops" / f"{relative}.py"
        if not path.is_file():
            path = root / "ops" / relative / "__main__.py"
        if not path.is_file():
            found.append(f"python -m ops.{module}: no ops/{relative}.py")
        elif flag and f'"{flag}"' not in path.read_text():
            found.append(f"python -m ops.{module} {flag}: ops/{relative}.py has no such option")
    found += [f"--stack {s}: not a stack" for s in sorted(refs.stacks - STACKS)
              if not s.startswith(("$", "<", '"$'))]  # fmt: skip
    return found

"""One ComponentResource per concern; each reads only its Args, never pulumi.Config."""

from __future__ import annotations

from typing import Any

import pulumi

PROJECT = "django-gcp"


def child_opts(
    parent: pulumi.Resource, opts: pulumi.ResourceOptions | None, **extra: Any
) -> pulumi.ResourceOptions:
    """Options for a component's child: parented, and waiting on what the component waits on.

    Pulumi does not pass a component's depends_on down to its children, so without this a
    child could be created before the APIs it needs are enabled.
    """
    depends_on = list(extra.pop("depends_on", []) or [])
    if opts is not None and opts.depends_on is not None:
        inherited = opts.depends_on
        depends_on += inherited if isinstance(inherited, list) else [inherited]
    return pulumi.ResourceOptions(parent=parent, depends_on=depends_on, **extra)

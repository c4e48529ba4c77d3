"""A deployment: the nodes of one mynumber system, their kinds, addresses and databases."""

from enum import StrEnum


class NodeKind(StrEnum):
    """What a node does in the federation (DESIGN.md, "Nodes")."""

    REGISTRY = "registry"
    HUB = "hub"
    PORTAL = "portal"
    OVERSIGHT = "oversight"
    INSTITUTION = "institution"

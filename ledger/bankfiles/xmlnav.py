"""Walking ISO 20022 XML by local element names, whatever the namespace.

Each camt.053 version has its own namespace (``...camt.053.001.02``, ``...001.08``) but the
elements we read are named and nested alike, so every lookup here ignores namespaces.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element


def local(tag: str) -> str:
    """The element name without its ``{namespace}``."""
    return tag.rpartition("}")[2]


def namespace(tag: str) -> str:
    """The ``{namespace}`` part of a tag, without the braces; empty when there is none."""
    return tag[1:].partition("}")[0] if tag.startswith("{") else ""


def children(element: Element | None, name: str) -> list[Element]:
    """Direct children with the given local name, in document order."""
    if element is None:
        return []
    return [item for item in element if local(item.tag) == name]


def child(element: Element | None, *path: str) -> Element | None:
    """The first element down a path of local names, or ``None`` where the path breaks."""
    for name in path:
        found = children(element, name)
        element = found[0] if found else None
    return element


def text(element: Element | None, *path: str) -> str | None:
    """The stripped text at a path, or ``None`` when it is missing or empty."""
    found = child(element, *path)
    value = found.text.strip() if found is not None and found.text else ""
    return value or None

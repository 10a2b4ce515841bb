"""Flat packages as the installer sees them.

A component package is a xar holding PackageInfo (identifier, version, install-location,
the scripts to run), Bom, Payload and optionally Scripts at its root. A product archive holds
a Distribution (title, the choices and the pkg-refs naming its components as "#NAME.pkg")
and each component as a NAME.pkg directory with those files."""

from __future__ import annotations

import os
import urllib.parse
from dataclasses import dataclass, field
from xml.etree import ElementTree

from machbox.tools.flatpkg import PackageError, bom, payload
from machbox.tools.flatpkg.xar import Xar

SCRIPT_PHASES = ("preinstall", "postinstall")


@dataclass
class Component:
    xar: Xar
    prefix: str  # "" for a component package, "NAME.pkg/" inside a product archive
    identifier: str
    version: str
    install_location: str  # absolute, on the target volume
    scripts: dict[str, str] = field(default_factory=dict)  # phase -> file in Scripts

    def has(self, name: str) -> bool:
        return self.xar.has(self.prefix + name)

    def read(self, name: str) -> bytes:
        return self.xar.read(self.prefix + name)

    def payload(self):
        """The Payload's cpio members (none for a payload-free package)."""
        return payload.members(self.read("Payload")) if self.has("Payload") else iter(())

    def bom_entries(self) -> list[bom.BomEntry]:
        return bom.read(self.read("Bom"), f"{self.xar.path}: {self.prefix}Bom")


@dataclass
class Package:
    path: str
    xar: Xar
    title: str
    components: list[Component]
    product: bool  # a product archive (with a Distribution)


def open_package(path: str) -> Package:
    xar = Xar(path)
    if xar.has("Distribution"):
        dist = _xml(xar, "Distribution")
        names = _component_dirs(xar, dist)
        components = [_component(xar, name + "/") for name in names]
        title = (dist.findtext("title") or "").strip() or _stem(path)
        return Package(path, xar, title, components, True)
    if xar.has("PackageInfo"):
        return Package(path, xar, _stem(path), [_component(xar, "")], False)
    raise PackageError(f"{path}: neither a product archive (Distribution) nor a component "
                       "package (PackageInfo)")


def _stem(path: str) -> str:
    name = os.path.basename(path.rstrip("/"))
    return name[:-4] if name.lower().endswith(".pkg") else name


def _xml(xar: Xar, name: str) -> ElementTree.Element:
    try:
        return ElementTree.fromstring(xar.read(name))
    except ElementTree.ParseError as e:
        raise PackageError(f"{xar.path}: {name} is not XML ({e})") from None


def _component_dirs(xar: Xar, dist) -> list[str]:
    """The component directories the Distribution's pkg-refs name, in its order."""
    names = []
    for ref in dist.iter("pkg-ref"):
        text = (ref.text or "").strip()
        if not text:
            continue
        name = urllib.parse.unquote(text[1:] if text.startswith("#") else text)
        if name.startswith("file:"):
            name = name[5:].lstrip("/")
        name = os.path.normpath(name)  # "./foo.pkg" names foo.pkg
        if name not in names and xar.has(f"{name}/PackageInfo"):
            names.append(name)
    if not names:  # no usable refs: every component in the archive
        names = sorted(p[:-len("/PackageInfo")] for p in xar.entries
                       if p.endswith("/PackageInfo") and p.count("/") == 1)
    if not names:
        raise PackageError(f"{xar.path}: the Distribution names no component package")
    return names


def _component(xar: Xar, prefix: str) -> Component:
    info = _xml(xar, prefix + "PackageInfo")
    if info.tag != "pkg-info":
        raise PackageError(f"{xar.path}: {prefix}PackageInfo is not a <pkg-info>")
    identifier = info.get("identifier")
    if not identifier:
        raise PackageError(f"{xar.path}: {prefix}PackageInfo has no identifier")
    location = info.get("install-location", "/") or "/"
    if not location.startswith("/"):
        location = "/" + location
    scripts = {}
    node = info.find("scripts")
    for phase in SCRIPT_PHASES:
        ref = node.find(phase) if node is not None else None
        if ref is not None and ref.get("file"):
            scripts[phase] = os.path.normpath(ref.get("file"))
    return Component(xar, prefix, identifier, info.get("version", "0"), location, scripts)

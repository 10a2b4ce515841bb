"""The receipt database of a volume, where macOS keeps it: private/var/db/receipts/ holds, for
each installed component package, ID.plist (PackageIdentifier, PackageVersion,
PackageFileName, InstallPrefixPath, InstallProcessName, InstallDate) and ID.bom (the
package's bill of materials). pkgutil reads and forgets them; the installer writes them."""

from __future__ import annotations

import datetime
import os
import plistlib
from dataclasses import dataclass

from machbox.tools.flatpkg import PackageError, bom

RECEIPTS = "private/var/db/receipts"


@dataclass
class Receipt:
    identifier: str
    version: str
    package_file: str
    prefix_path: str  # the install location relative to the volume; "/" for its root
    install_date: datetime.datetime
    process: str
    bom_path: str

    def files(self) -> list[bom.BomEntry]:
        try:
            with open(self.bom_path, "rb") as f:
                data = f.read()
        except OSError as e:
            raise PackageError(f"{self.bom_path}: {e.strerror}") from None
        return bom.read(data, self.bom_path)


def directory(volume: str) -> str:
    return os.path.join(volume, RECEIPTS)


def identifiers(volume: str) -> list[str]:
    try:
        names = os.listdir(directory(volume))
    except OSError:
        return []
    return sorted(n[:-6] for n in names if n.endswith(".plist"))


def load(volume: str, identifier: str) -> Receipt | None:
    path = os.path.join(directory(volume), identifier + ".plist")
    try:
        with open(path, "rb") as f:
            info = plistlib.load(f)
    except FileNotFoundError:
        return None
    except (OSError, plistlib.InvalidFileException, ValueError) as e:
        raise PackageError(f"{path}: not a receipt ({e})") from None
    date = info.get("InstallDate")
    if not isinstance(date, datetime.datetime):
        date = datetime.datetime.fromtimestamp(0)
    return Receipt(info.get("PackageIdentifier", identifier), str(info.get("PackageVersion", "")),
                   info.get("PackageFileName", ""), info.get("InstallPrefixPath", "/"), date,
                   info.get("InstallProcessName", ""),
                   os.path.join(directory(volume), identifier + ".bom"))


def write(volume: str, identifier: str, version: str, package_file: str, location: str,
          bom_data: bytes, process: str = "installer") -> None:
    """Records an installed component (its receipt replaces an older one of that id)."""
    folder = directory(volume)
    os.makedirs(folder, exist_ok=True)
    prefix_path = location.strip("/") or "/"
    info = {"InstallDate": datetime.datetime.now(datetime.timezone.utc).replace(
                microsecond=0, tzinfo=None),
            "InstallPrefixPath": prefix_path, "InstallProcessName": process,
            "PackageFileName": package_file, "PackageIdentifier": identifier,
            "PackageVersion": version}
    with open(os.path.join(folder, identifier + ".bom"), "wb") as f:
        f.write(bom_data)
    with open(os.path.join(folder, identifier + ".plist"), "wb") as f:
        plistlib.dump(info, f)


def forget(volume: str, identifier: str) -> bool:
    found = False
    for ext in (".plist", ".bom"):
        try:
            os.unlink(os.path.join(directory(volume), identifier + ext))
            found = True
        except FileNotFoundError:
            pass
    return found

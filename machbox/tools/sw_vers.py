"""sw_vers: the macOS version the prefix reports, from its SystemVersion.plist.

    sw_vers                      ProductName, ProductVersion and BuildVersion, one per line
    sw_vers -productName         just the value (also -productVersion, -buildVersion,
                                 -productVersionExtra)
"""

from __future__ import annotations

import os
import plistlib
import sys

PLIST = "System/Library/CoreServices/SystemVersion.plist"
FIELDS = {
    "-productName": "ProductName",
    "-productVersion": "ProductVersion",
    "-productVersionExtra": "ProductVersionExtra",
    "-buildVersion": "ProductBuildVersion",
}
USAGE = ("usage: sw_vers [-productName|-productVersion|-productVersionExtra|-buildVersion]\n")


def read_version() -> dict:
    from machbox.vfs import prefix

    path = os.path.join(prefix.default_path(), PLIST)
    try:
        with open(path, "rb") as f:
            return plistlib.load(f)
    except (OSError, plistlib.InvalidFileException):
        return {"ProductName": prefix.PRODUCT_NAME, "ProductVersion": prefix.PRODUCT_VERSION,
                "ProductBuildVersion": prefix.PRODUCT_BUILD}


def main(args: list[str]) -> int:
    info = read_version()
    if not args:
        sys.stdout.write(f"ProductName:\t\t{info.get('ProductName', '')}\n"
                         f"ProductVersion:\t\t{info.get('ProductVersion', '')}\n")
        if info.get("ProductVersionExtra"):
            sys.stdout.write(f"ProductVersionExtra:\t{info['ProductVersionExtra']}\n")
        sys.stdout.write(f"BuildVersion:\t\t{info.get('ProductBuildVersion', '')}\n")
        return 0
    if len(args) == 1 and args[0] in FIELDS:
        value = info.get(FIELDS[args[0]])
        if value is not None:
            sys.stdout.write(f"{value}\n")
        return 0
    sys.stderr.write(USAGE)
    return 1

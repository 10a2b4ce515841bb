"""Writing an HFS+ volume holding a folder's tree (what ``hdiutil create -srcfolder`` puts in
its image), laid out from TN1150:

    block 0                      boot blocks, volume header at byte 1024
    allocation file              one bit per block, most significant bit first
    extents overflow B-tree      header node only: every fork here is one extent
    catalog B-tree               thread and folder/file records, leaves linked in key order,
                                 index nodes above them when there is more than one leaf
    file data                    each data fork contiguous
    free space, last block       the alternate volume header in the last 1024 bytes

Names are stored as HFS+ keeps them: decomposed Unicode (NFD), POSIX "/" as ":", compared
case-insensitively for the catalog order (Unicode simple case folding of each UTF-16 unit,
with the ignorable format characters skipped and NUL sorting last, as TN1150's
FastUnicodeCompare does for the names one meets in practice).
"""

from __future__ import annotations

import os
import stat
import struct
import time
import unicodedata
from dataclasses import dataclass, field

from machbox.dmg import ImageError
from machbox.dmg.hfsplus import (
    BSD_INFO,
    BTREE_HEADER,
    EXTENT,
    FILE,
    FOLDER,
    FORK,
    HFS_EPOCH,
    NODE,
    VOLUME_HEADER,
)

BLOCK = 4096
NODE_SIZE = 4096
CATALOG_KEY_MAX = 516
FIRST_USER_CNID = 16
ROOT_PARENT, ROOT_FOLDER = 1, 2
EXTENTS_CNID, CATALOG_CNID, ALLOCATION_CNID = 3, 4, 6
FOLDER_THREAD, FILE_THREAD = 3, 4
THREAD_EXISTS = 0x0002                 # kHFSThreadExistsMask on file records
UF_COMPRESSED = 0x20                   # BSD ownerFlags: content in com.apple.decmpfs
ATTR_INLINE = 0x10                     # kHFSPlusAttrInlineData
ATTR_KEY_MAX = 266                     # kHFSPlusAttrKeyMaximumLength
VOLUME_UNMOUNTED = 1 << 8              # kHFSVolumeUnmountedBit
BIG_KEYS, VARIABLE_INDEX_KEYS = 2, 4   # kBTBigKeysMask, kBTVariableIndexKeysMask
CASE_FOLDING = 0xCF                    # kHFSCaseFolding
BINARY_COMPARE = 0xBC                  # kHFSBinaryCompare (HFSX, case-sensitive)
MAC_ROMAN_ENCODING_BIT = 1
SYMLINK_TYPE, SYMLINK_CREATOR = b"slnk", b"rhap"
IGNORABLE = set(range(0x200C, 0x2010)) | set(range(0x202A, 0x202F)) | \
    set(range(0x206A, 0x2070)) | {0xFEFF}


@dataclass
class Node:
    cnid: int
    parent: int
    name: str               # as stored: NFD, ":" for "/"
    st: os.stat_result
    path: str
    children: list[Node] = field(default_factory=list)
    data: bytes | None = None   # a symlink's target
    start_block: int = 0        # of the data fork, or of the resource fork when compressed
    decmpfs: bytes | None = None  # a compressed file's com.apple.decmpfs attribute
    rsrc: bytes | None = None     # and its resource fork (large files)

    @property
    def is_dir(self) -> bool:
        return stat.S_ISDIR(self.st.st_mode)

    @property
    def stored_size(self) -> int:
        """The bytes written to the volume: the data fork, or a compressed file's resource
        fork."""
        if self.decmpfs is not None:
            return len(self.rsrc or b"")
        return self.data_size

    @property
    def data_size(self) -> int:
        if self.is_dir or self.decmpfs is not None:
            return 0
        if self.data is not None:
            return len(self.data)
        return self.st.st_size if stat.S_ISREG(self.st.st_mode) else 0


def hfs_name(posix: str) -> str:
    name = unicodedata.normalize("NFD", posix).replace(":", "\uf022").replace("/", ":")
    name = name.replace("\uf022", "/")
    if len(name.encode("utf-16-be")) > 510:
        raise ImageError(f"name longer than 255 UTF-16 units: {posix!r}")
    return name


def fold_key(name: str) -> tuple[int, ...]:
    out = []
    for unit in struct.unpack(f">{len(name.encode('utf-16-be')) // 2}H",
                              name.encode("utf-16-be")):
        if unit in IGNORABLE:
            continue
        if unit == 0:
            out.append(0xFFFF)
            continue
        lower = chr(unit).lower() if unit < 0xD800 or unit > 0xDFFF else chr(unit)
        out.append(ord(lower) if len(lower) == 1 else unit)
    return tuple(out)


def _hfs_time(seconds: float) -> int:
    return max(0, min(0xFFFFFFFF, int(seconds) + HFS_EPOCH))


# ---- the tree ------------------------------------------------------------------------------

def scan(src: str, volname: str, compress: bool = False) -> list[Node]:
    """Every node of the tree, root first, with CNIDs in visiting order; with ``compress``
    regular files are stored HFS+-compressed (decmpfs, zlib)."""
    try:
        root = Node(ROOT_FOLDER, ROOT_PARENT, hfs_name(volname), os.stat(src), src)
    except OSError as e:
        raise ImageError(f"{src}: {e.strerror}") from None
    if not root.is_dir:
        raise ImageError(f"{src}: not a directory")
    nodes = [root]
    pending = [root]
    while pending:
        folder = pending.pop(0)
        try:
            names = sorted(os.listdir(folder.path))
        except OSError as e:
            raise ImageError(f"{folder.path}: {e.strerror}") from None
        for name in names:
            path = os.path.join(folder.path, name)
            st = os.lstat(path)
            node = Node(FIRST_USER_CNID + len(nodes) - 1, folder.cnid, hfs_name(name), st, path)
            if stat.S_ISLNK(st.st_mode):
                node.data = os.fsencode(os.readlink(path))
            elif compress and stat.S_ISREG(st.st_mode) and st.st_size:
                node.decmpfs, node.rsrc = _compress(path)
            folder.children.append(node)
            nodes.append(node)
            if node.is_dir:
                pending.append(node)
    return nodes


def _compress(path: str) -> tuple[bytes, bytes | None]:
    from machbox.dmg import decmpfs

    try:
        with open(path, "rb") as f:
            return decmpfs.encode(f.read())
    except OSError as e:
        raise ImageError(f"{path}: {e.strerror}") from None


# ---- catalog records -----------------------------------------------------------------------

def _key(parent: int, name: str) -> bytes:
    encoded = name.encode("utf-16-be")
    body = struct.pack(">IH", parent, len(encoded) // 2) + encoded
    return struct.pack(">H", len(body)) + body


def _bsd_info(st: os.stat_result, owner_flags: int = 0) -> bytes:
    return BSD_INFO.pack(st.st_uid & 0xFFFFFFFF, st.st_gid & 0xFFFFFFFF, 0, owner_flags,
                         st.st_mode & 0xFFFF, 0)


def _fork(size: int, start: int) -> bytes:
    blocks = -(-size // BLOCK)
    extents = EXTENT.pack(start, blocks) if blocks else b""
    return FORK.pack(size, 0, blocks, extents.ljust(64, b"\0"))


def _times(st: os.stat_result) -> tuple[int, int, int, int, int]:
    mtime = _hfs_time(st.st_mtime)
    birth = _hfs_time(getattr(st, "st_birthtime", st.st_mtime))
    return birth, mtime, _hfs_time(st.st_ctime), _hfs_time(st.st_atime), 0


def _folder_record(node: Node) -> bytes:
    return FOLDER.pack(1, 0, len(node.children), node.cnid, *_times(node.st),
                       _bsd_info(node.st), bytes(16), bytes(16), 0, 0)


def _file_record(node: Node) -> bytes:
    info = bytes(16)
    if node.data is not None:
        info = SYMLINK_TYPE + SYMLINK_CREATOR + bytes(8)
    if node.decmpfs is not None:  # content in the attribute and the resource fork
        return FILE.pack(2, THREAD_EXISTS, 0, node.cnid, *_times(node.st),
                         _bsd_info(node.st, UF_COMPRESSED), info, bytes(16), 0, 0,
                         _fork(0, 0), _fork(node.stored_size, node.start_block))
    return FILE.pack(2, THREAD_EXISTS, 0, node.cnid, *_times(node.st), _bsd_info(node.st),
                     info, bytes(16), 0, 0, _fork(node.data_size, node.start_block),
                     _fork(0, 0))


def _thread(node: Node) -> bytes:
    encoded = node.name.encode("utf-16-be")
    kind = FOLDER_THREAD if node.is_dir else FILE_THREAD
    return struct.pack(">hhIH", kind, 0, node.parent, len(encoded) // 2) + encoded


def binary_key(name: str) -> tuple[int, ...]:
    encoded = name.encode("utf-16-be")
    return struct.unpack(f">{len(encoded) // 2}H", encoded)


def catalog_records(nodes: list[Node], case_sensitive: bool = False
                    ) -> list[tuple[tuple, bytes, bytes]]:
    """(sort key, key bytes, record bytes) in catalog order; two names of a folder that
    compare equal (differ only in case, on a case-insensitive volume) are an error."""
    order = binary_key if case_sensitive else fold_key
    records = []
    for node in nodes:
        records.append(((node.cnid, ()), _key(node.cnid, ""), _thread(node)))
        body = _folder_record(node) if node.is_dir else _file_record(node)
        records.append(((node.parent, order(node.name)), _key(node.parent, node.name), body))
    records.sort(key=lambda r: r[0])
    for a, b in zip(records, records[1:]):
        if a[0] == b[0]:
            names = [k[8:].decode("utf-16-be") for k in (a[1], b[1])]
            raise ImageError(f"{names[0]!r} and {names[1]!r} are one name on a "
                             "case-insensitive volume (use -fs \"Case-sensitive HFS+\")")
    return records


def attribute_records(nodes: list[Node]) -> list[tuple[bytes, bytes]]:
    """The attributes B-tree's inline records (the decmpfs ones), in key order: file ID,
    then name."""
    from machbox.dmg import decmpfs

    name = decmpfs.XATTR_NAME.encode("utf-16-be")
    records = []
    for node in sorted((n for n in nodes if n.decmpfs is not None), key=lambda n: n.cnid):
        key = struct.pack(">HHIIH", 12 + len(name), 0, node.cnid, 0, len(name) // 2) + name
        value = node.decmpfs + bytes(len(node.decmpfs) & 1)
        records.append((key, struct.pack(">IIII", ATTR_INLINE, 0, 0, len(node.decmpfs)) +
                        value))
    return records


# ---- B-trees -------------------------------------------------------------------------------

def _node(kind: int, height: int, records: list[bytes], flink: int = 0, blink: int = 0) -> bytes:
    out = bytearray(NODE.pack(flink, blink, kind, height, len(records), 0))
    offsets = []
    for rec in records:
        offsets.append(len(out))
        out += rec
    offsets.append(len(out))
    if len(out) + 2 * len(offsets) > NODE_SIZE:
        raise ImageError("internal: B-tree node overflow")
    out += bytes(NODE_SIZE - len(out) - 2 * len(offsets))
    out += struct.pack(f">{len(offsets)}H", *reversed(offsets))
    return bytes(out)


def _pack(items: list[bytes]) -> list[list[bytes]]:
    """Records split into node-sized groups, in order."""
    groups, current, used = [], [], NODE.size + 2
    for item in items:
        if current and used + len(item) + 2 > NODE_SIZE:
            groups.append(current)
            current, used = [], NODE.size + 2
        current.append(item)
        used += len(item) + 2
    if current:
        groups.append(current)
    return groups


def build_btree(records: list[tuple[bytes, bytes]], max_key: int, attributes: int,
                compare: int, min_nodes: int = 1) -> bytes:
    """A B-tree file: header node 0, leaves 1..L linked in order, index levels above."""
    leaves = _pack([k + r for k, r in records])
    nodes: list[bytes] = [b""]
    first_keys: list[bytes] = []
    numbers: list[int] = []
    for i, group in enumerate(leaves):
        number = 1 + i
        flink = number + 1 if i + 1 < len(leaves) else 0
        blink = number - 1 if i else 0
        nodes.append(_node(-1, 1, group, flink, blink))
        numbers.append(number)
        key_length = struct.unpack_from(">H", group[0])[0]
        first_keys.append(group[0][:2 + key_length])
    height, root = (1 if leaves else 0), (1 if leaves else 0)
    while len(numbers) > 1:
        height += 1
        entries = [k + struct.pack(">I", n) for k, n in zip(first_keys, numbers)]
        level_keys, level_numbers = [], []
        groups = _pack(entries)
        for i, group in enumerate(groups):
            number = len(nodes)
            flink = number + 1 if i + 1 < len(groups) else 0
            blink = number - 1 if i else 0
            nodes.append(_node(0, height, group, flink, blink))
            level_numbers.append(number)
            key_length = struct.unpack_from(">H", group[0])[0]
            level_keys.append(group[0][:2 + key_length])
        first_keys, numbers = level_keys, level_numbers
        root = numbers[0]
    total = max(len(nodes), min_nodes)
    if total > (NODE_SIZE - 256) * 8:
        raise ImageError("catalog too large for one B-tree map record")
    bitmap = bytearray(NODE_SIZE - 256)
    for n in range(len(nodes)):
        bitmap[n // 8] |= 0x80 >> (n % 8)
    header = BTREE_HEADER.pack(height, root, len(records), 1 if leaves else 0,
                               len(leaves), NODE_SIZE, max_key, total, total - len(nodes), 0,
                               NODE_SIZE, 0, compare, attributes, bytes(64))
    nodes[0] = _node(1, 0, [header, bytes(128), bytes(bitmap)])
    return b"".join(nodes) + bytes(NODE_SIZE * (total - len(nodes)))


# ---- the volume ----------------------------------------------------------------------------

def _blocks(size: int) -> int:
    return -(-size // BLOCK)


def write_volume(src: str, volname: str, out, free_bytes: int | None = None,
                 progress=None, case_sensitive: bool = False, compress: bool = False) -> int:
    """Writes the volume to the binary file ``out`` (from its offset 0); returns its size.
    ``case_sensitive`` makes it HFSX (signature HX, binary name order); ``compress`` stores
    files HFS+-compressed (with an attributes B-tree)."""
    nodes = scan(src, volname, compress)
    compare = BINARY_COMPARE if case_sensitive else CASE_FOLDING
    records = [(k, r) for _, k, r in catalog_records(nodes, case_sensitive)]
    files = [n for n in nodes if not n.is_dir]
    data_blocks = sum(_blocks(n.stored_size) for n in files)
    extents_blocks = 1
    attributes = attribute_records(nodes)
    attributes_len = len(build_btree(attributes, ATTR_KEY_MAX, BIG_KEYS | VARIABLE_INDEX_KEYS,
                                     0)) if attributes else 0
    attributes_blocks = _blocks(attributes_len)
    # the catalog's size does not depend on where the data goes: measure it with block 0
    catalog_len = len(build_btree(records, CATALOG_KEY_MAX, BIG_KEYS | VARIABLE_INDEX_KEYS,
                                  compare))
    catalog_blocks = _blocks(catalog_len) + 1  # one spare node for growth
    used = 1 + extents_blocks + catalog_blocks + attributes_blocks + data_blocks + 1
    free = _blocks(free_bytes) if free_bytes is not None else max(256, used // 10)
    total = used + free
    alloc_blocks = _blocks(-(-total // 8))
    total += alloc_blocks
    alloc_blocks = _blocks(-(-total // 8))

    alloc_start = 1
    extents_start = alloc_start + alloc_blocks
    catalog_start = extents_start + extents_blocks
    attributes_start = catalog_start + catalog_blocks
    next_block = attributes_start + attributes_blocks
    for node in files:
        node.start_block = next_block if node.stored_size else 0
        next_block += _blocks(node.stored_size)
    used_blocks = next_block

    records = [(k, r) for _, k, r in catalog_records(nodes, case_sensitive)]  # with extents
    catalog = build_btree(records, CATALOG_KEY_MAX, BIG_KEYS | VARIABLE_INDEX_KEYS, compare,
                          min_nodes=catalog_blocks * BLOCK // NODE_SIZE)
    extents = build_btree([], 10, BIG_KEYS, 0, min_nodes=extents_blocks * BLOCK // NODE_SIZE)
    bitmap = bytearray(alloc_blocks * BLOCK)
    for b in list(range(used_blocks)) + [total - 1]:
        bitmap[b // 8] |= 0x80 >> (b % 8)

    out.truncate(total * BLOCK)
    out.seek(alloc_start * BLOCK)
    out.write(bitmap)
    out.seek(extents_start * BLOCK)
    out.write(extents)
    out.seek(catalog_start * BLOCK)
    out.write(catalog)
    attributes_tree = b""
    if attributes:
        attributes_tree = build_btree(attributes, ATTR_KEY_MAX, BIG_KEYS | VARIABLE_INDEX_KEYS,
                                      0, min_nodes=attributes_blocks * BLOCK // NODE_SIZE)
        out.seek(attributes_start * BLOCK)
        out.write(attributes_tree)
    for node in files:
        _write_data(out, node, progress)
    now = _hfs_time(time.time())
    header = VOLUME_HEADER.pack(
        b"HX" if case_sensitive else b"H+", 5 if case_sensitive else 4, VOLUME_UNMOUNTED,
        0x31302E30, 0, now, now, 0, now,
        len(files), len(nodes) - 1 - len(files), BLOCK, total, total - used_blocks - 1,
        used_blocks, 65536, 65536, FIRST_USER_CNID + len(nodes) - 1, 1,
        MAC_ROMAN_ENCODING_BIT, bytes(32),
        _system_fork(alloc_blocks * BLOCK, alloc_start),
        _system_fork(len(extents), extents_start),
        _system_fork(len(catalog), catalog_start),
        _system_fork(len(attributes_tree), attributes_start if attributes_tree else 0),
        _system_fork(0, 0))
    out.seek(1024)
    out.write(header)
    out.seek(total * BLOCK - 1024)
    out.write(header)
    return total * BLOCK


def _system_fork(size: int, start: int) -> bytes:
    blocks = _blocks(size)
    extents = EXTENT.pack(start, blocks) if blocks else b""
    return FORK.pack(size, blocks * BLOCK, blocks, extents.ljust(64, b"\0"))


def _write_data(out, node: Node, progress) -> None:
    if not node.stored_size:
        return
    out.seek(node.start_block * BLOCK)
    if node.data is not None or node.rsrc is not None:
        out.write(node.data if node.data is not None else node.rsrc)
        return
    left = node.data_size
    try:
        with open(node.path, "rb") as f:
            while left:
                piece = f.read(min(left, 1 << 20))
                if not piece:
                    raise ImageError(f"{node.path}: changed size while being copied")
                out.write(piece)
                left -= len(piece)
                if progress:
                    progress(len(piece))
    except OSError as e:
        raise ImageError(f"{node.path}: {e.strerror}") from None

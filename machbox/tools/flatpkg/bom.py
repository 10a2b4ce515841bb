"""Bills of materials (BOMStore files): the list of paths a package installs.

A BOM (big-endian throughout) starts with a 512-byte header: magic "BOMStore", version 1,
the number of non-null blocks, the offset and length of the block table, the offset and
length of the variables. The block table maps block numbers to (offset, length); block 0 is
null. The variables name blocks: BomInfo, Paths, HLIndex, VIndex, Size64. Each of Paths,
HLIndex and Size64 is a tree: a "tree" header (version, root block, node size, entry count)
over nodes of (is-leaf, count, forward, backward, then count key/value block pairs). In the
Paths tree a key is (id, metadata block) and its value (parent id, NUL-terminated name);
the root "." has parent 0. A metadata block holds the entry type (1 file, 2 directory,
3 symlink, 4 device), mode, uid, gid, mtime, size and, for files, the POSIX cksum CRC; for
symlinks also the target. Receipts (ID.bom) are the package's BOM copied."""

from __future__ import annotations

import stat
import struct
from dataclasses import dataclass

from machbox.tools.flatpkg import PackageError

MAGIC = b"BOMStore"
HEADER = struct.Struct(">8sIIIIII")
HEADER_SIZE = 512
TREE = struct.Struct(">4sIIIIB")
NODE = struct.Struct(">HHII")
TYPE_FILE, TYPE_DIR, TYPE_LINK, TYPE_DEV = 1, 2, 3, 4
PATHS_NODE_SIZE, SMALL_NODE_SIZE = 4096, 128
# the metadata flags: 0x000f in the high nibble means full metadata follows (not paths only)
FULL_METADATA = 0x000F
METADATA = struct.Struct(">BBHHIIIIB")


@dataclass
class BomEntry:
    path: str  # "." or "./a/b", as lsbom prints it
    type: int
    mode: int
    uid: int
    gid: int
    mtime: int
    size: int
    checksum: int = 0
    link: str = ""
    dev: int = 0

    @property
    def is_dir(self) -> bool:
        return self.type == TYPE_DIR


class _Blocks:
    def __init__(self, data: bytes, where: str):
        self.data, self.where = data, where
        if len(data) < HEADER.size or data[:8] != MAGIC:
            raise PackageError(f"{where}: not a BOM file")
        _, _, _, index_off, _, vars_off, _ = HEADER.unpack_from(data)
        (count,) = self._unpack(">I", index_off)
        self.table = [self._unpack(">II", index_off + 4 + 8 * i) for i in range(count)]
        (nvars,) = self._unpack(">I", vars_off)
        self.vars, pos = {}, vars_off + 4
        for _ in range(nvars):
            index, length = self._unpack(">IB", pos)
            self.vars[data[pos + 5:pos + 5 + length].decode("utf-8", "replace")] = index
            pos += 5 + length

    def _unpack(self, fmt: str, pos: int):
        try:
            return struct.unpack_from(fmt, self.data, pos)
        except struct.error:
            raise PackageError(f"{self.where}: BOM is cut short") from None

    def block(self, index: int) -> bytes:
        if not 0 < index < len(self.table):
            raise PackageError(f"{self.where}: BOM refers to block {index}, which it lacks")
        offset, length = self.table[index]
        return self.data[offset:offset + length]

    def tree_pairs(self, name: str) -> list[tuple[int, int]]:
        """The (key, value) block numbers of the named tree, in tree order."""
        if name not in self.vars:
            raise PackageError(f"{self.where}: BOM has no {name}")
        header = self.block(self.vars[name])
        if len(header) < TREE.size or header[:4] != b"tree":
            raise PackageError(f"{self.where}: BOM's {name} is not a tree")
        _, _, root, _, _, _ = TREE.unpack_from(header)
        pairs: list[tuple[int, int]] = []
        self._walk(root, pairs, depth=0)
        return pairs

    def _walk(self, index: int, pairs: list, depth: int) -> None:
        node = self.block(index)
        if depth > 32 or len(node) < NODE.size:
            raise PackageError(f"{self.where}: BOM tree node {index} is damaged")
        leaf, count, _, _ = NODE.unpack_from(node)
        if len(node) < NODE.size + 8 * count:
            raise PackageError(f"{self.where}: BOM tree node {index} is cut short")
        for i in range(count):
            key, value = struct.unpack_from(">II", node, NODE.size + 8 * i)
            if leaf:
                pairs.append((key, value))
            else:
                self._walk(key, pairs, depth + 1)


def read(data: bytes, where: str = "BOM") -> list[BomEntry]:
    """Every path of a BOM, in its order ("." first)."""
    blocks = _Blocks(data, where)
    names: dict[int, tuple[int, str]] = {}
    metadata: list[tuple[int, bytes]] = []
    for key, value in blocks.tree_pairs("Paths"):
        ident, info = struct.unpack(">II", blocks.block(key)[:8])
        file = blocks.block(value)
        parent = struct.unpack(">I", file[:4])[0]
        names[ident] = (parent, file[4:].split(b"\0", 1)[0].decode("utf-8", "surrogateescape"))
        metadata.append((ident, blocks.block(info)))
    return [_entry(_full_path(names, ident, where), raw, where) for ident, raw in metadata]


def _full_path(names: dict, ident: int, where: str) -> str:
    parts = []
    for _ in range(4096):
        parent, name = names[ident]
        parts.append(name)
        if parent == 0:
            return "/".join(reversed(parts))
        if parent not in names:
            raise PackageError(f"{where}: BOM path {name} has no parent {parent}")
        ident = parent
    raise PackageError(f"{where}: BOM paths form a loop")


def _entry(path: str, raw: bytes, where: str) -> BomEntry:
    if len(raw) < 4:
        raise PackageError(f"{where}: metadata of {path} is cut short")
    kind, _, flags = struct.unpack_from(">BBH", raw)
    if not flags & FULL_METADATA or len(raw) < METADATA.size:  # a paths-only BOM (mkbom -s)
        return BomEntry(path, kind, 0, 0, 0, 0, 0)
    _, _, _, mode, uid, gid, mtime, size, _ = METADATA.unpack_from(raw)
    entry = BomEntry(path, kind, mode, uid, gid, mtime, size)
    tail = raw[METADATA.size:]
    if kind in (TYPE_FILE, TYPE_LINK) and len(tail) >= 4:
        entry.checksum = struct.unpack_from(">I", tail)[0]
    if kind == TYPE_LINK and len(tail) >= 8:
        (length,) = struct.unpack_from(">I", tail, 4)
        entry.link = tail[8:8 + length].split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
    if kind == TYPE_DEV and len(tail) >= 4:
        entry.dev = struct.unpack_from(">I", tail)[0]
    return entry


# ---- writing (a receipt for a package that ships no Bom) ----

def cksum(data: bytes) -> int:
    """POSIX cksum's CRC (what a BOM records for files and symlink targets)."""
    crc = 0
    for byte in data:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _CRC_TABLE[(crc >> 24) ^ byte]
    length = len(data)
    while length:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _CRC_TABLE[(crc >> 24) ^ (length & 0xFF)]
        length >>= 8
    return ~crc & 0xFFFFFFFF


def _crc_table() -> list[int]:
    table = []
    for i in range(256):
        c = i << 24
        for _ in range(8):
            c = ((c << 1) ^ 0x04C11DB7) if c & 0x80000000 else (c << 1)
        table.append(c & 0xFFFFFFFF)
    return table


_CRC_TABLE = _crc_table()


def type_of_mode(mode: int) -> int:
    if stat.S_ISDIR(mode):
        return TYPE_DIR
    if stat.S_ISLNK(mode):
        return TYPE_LINK
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return TYPE_DEV
    return TYPE_FILE


class _Writer:
    def __init__(self):
        self.blocks: list[bytes] = [b""]  # block 0 is null

    def add(self, data: bytes) -> int:
        self.blocks.append(data)
        return len(self.blocks) - 1

    def tree(self, pairs: list[tuple[int, int]], node_size: int) -> int:
        per_node = (node_size - NODE.size) // 8
        chunks = [pairs[i:i + per_node] for i in range(0, len(pairs), per_node)] or [[]]
        first = len(self.blocks)
        leaves = list(range(first, first + len(chunks)))
        for n, chunk in enumerate(chunks):
            forward = leaves[n + 1] if n + 1 < len(leaves) else 0
            backward = leaves[n - 1] if n else 0
            self.add(_node(1, chunk, forward, backward, node_size))
        root = leaves[0]
        if len(leaves) > 1:  # a meta node over the leaves: (leaf, its last value)
            meta = [(leaf, chunk[-1][1]) for leaf, chunk in zip(leaves, chunks)]
            root = self.add(_node(0, meta, 0, 0, node_size))
        return self.add(TREE.pack(b"tree", 1, root, node_size, len(pairs), 0))

    def pack(self, variables: list[tuple[str, int]]) -> bytes:
        body = bytearray(HEADER_SIZE)
        table = []
        for data in self.blocks:
            table.append((len(body) if data else 0, len(data)))
            body += data
        index_off = len(body)
        index = struct.pack(">I", len(table)) + b"".join(struct.pack(">II", *t) for t in table)
        index += struct.pack(">I", 0)  # an empty free list
        body += index
        vars_off = len(body)
        names = b"".join(struct.pack(">IB", block, len(name.encode())) + name.encode()
                         for name, block in variables)
        body += struct.pack(">I", len(variables)) + names
        HEADER.pack_into(body, 0, MAGIC, 1, sum(1 for d in self.blocks if d), index_off,
                         len(index), vars_off, len(body) - vars_off)
        return bytes(body)


def _node(leaf: int, pairs, forward: int, backward: int, size: int) -> bytes:
    raw = NODE.pack(leaf, len(pairs), forward, backward)
    raw += b"".join(struct.pack(">II", k, v) for k, v in pairs)
    return raw.ljust(size, b"\0")


def write(entries: list[BomEntry]) -> bytes:
    """A BOM listing ``entries`` (paths "." and "./..."; parents before children)."""
    w = _Writer()
    ids = {}
    pairs = []
    total = 0
    for n, e in enumerate(entries, start=1):
        parent_path, _, name = e.path.rpartition("/")
        parent = ids.get(parent_path, 0) if e.path != "." else 0
        if e.path != "." and parent == 0:
            raise PackageError(f"BOM entry {e.path} comes before its directory")
        ids[e.path] = n
        info = w.add(_metadata(e))
        key = w.add(struct.pack(">II", n, info))
        value = w.add(struct.pack(">I", parent) + (name or e.path).encode(
            "utf-8", "surrogateescape") + b"\0")
        pairs.append((key, value))
        if e.type == TYPE_FILE:
            total += e.size
    paths = w.tree(pairs, PATHS_NODE_SIZE)
    # BomInfo: version, path count (Apple's count the null entry too), one architecture
    # entry: cpu type 0 (not only Mach-O), the total size of the files
    info = w.add(struct.pack(">IIIIIII", 1, len(entries) + 1, 1, 0, 0, total & 0xFFFFFFFF, 0))
    hlindex = w.tree([], PATHS_NODE_SIZE)
    vtree = w.tree([], SMALL_NODE_SIZE)
    vindex = w.add(struct.pack(">IIIB", 1, vtree, 0, 0))
    size64 = w.tree([], PATHS_NODE_SIZE)
    return w.pack([("BomInfo", info), ("Paths", paths), ("HLIndex", hlindex),
                   ("VIndex", vindex), ("Size64", size64)])


def _metadata(e: BomEntry) -> bytes:
    raw = METADATA.pack(e.type, 1, FULL_METADATA, e.mode & 0xFFFF, e.uid, e.gid,
                        e.mtime & 0xFFFFFFFF, e.size & 0xFFFFFFFF, 1)
    if e.type == TYPE_FILE:
        raw += struct.pack(">I", e.checksum)
    elif e.type == TYPE_LINK:
        target = e.link.encode("utf-8", "surrogateescape")
        raw += struct.pack(">II", e.checksum, len(target) + 1) + target + b"\0"
    elif e.type == TYPE_DEV:
        raw += struct.pack(">I", e.dev)
    return raw + bytes(8)


def entries_of_members(members) -> list[BomEntry]:
    """The BOM entries of a payload's cpio members (what mkbom would record for the tree
    they make): "." first, every directory before what it holds, sorted by path."""
    by_path: dict[str, BomEntry] = {}
    for m in members:
        kind = type_of_mode(m.mode)
        entry = BomEntry("./" + m.path if m.path else ".", kind, m.mode, m.uid, m.gid, m.mtime,
                         0 if kind == TYPE_DIR else len(m.data))
        if kind == TYPE_FILE:
            entry.checksum = cksum(m.data)
        elif kind == TYPE_LINK:
            entry.link = m.data.decode("utf-8", "surrogateescape")
            entry.checksum = cksum(m.data)
        by_path[entry.path] = entry
    for path in list(by_path):  # directories the archive implies but does not hold
        while path != ".":
            path = path.rpartition("/")[0]
            by_path.setdefault(path, BomEntry(path, TYPE_DIR, 0o40755, 0, 0, 0, 0))
    return [by_path[p] for p in sorted(by_path, key=lambda p: p.split("/"))]

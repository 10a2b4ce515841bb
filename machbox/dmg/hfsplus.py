"""Reading HFS+ and HFSX volumes (Apple Technical Note TN1150), also one embedded in an HFS
wrapper. All numbers are big-endian.

The catalog B-tree's leaf nodes are walked in order (their forward links) into a table of
children by parent folder ID; forks beyond their eight inline extents continue in the
extents-overflow B-tree. Hard links (files of type hlnk/hfs+) resolve to their iNode file in
the private metadata folder, which, like the journal files, is hidden as macOS hides it.
"""

from __future__ import annotations

import stat
import struct
from dataclasses import dataclass, field

from machbox.dmg import ImageError, decmpfs

# Volume header (at byte 1024 of the volume), TN1150 HFSPlusVolumeHeader
VOLUME_HEADER = struct.Struct(">2sHIIIIIIIIIIIIIIIIIQ32s80s80s80s80s80s")
FORK = struct.Struct(">QII64s")
EXTENT = struct.Struct(">II")
NODE = struct.Struct(">IIbBHH")            # BTNodeDescriptor
BTREE_HEADER = struct.Struct(">HIIIIHHIIHIBBI64s")
FOLDER = struct.Struct(">hHIIIIIII16s16s16sII")          # HFSPlusCatalogFolder, 88 bytes
FILE = struct.Struct(">hHIIIIIII16s16s16sII80s80s")      # HFSPlusCatalogFile, 248 bytes
BSD_INFO = struct.Struct(">IIBBHI")
HFS_EPOCH = 2082844800      # seconds from 1904-01-01 to 1970-01-01

LEAF, INDEX, HEADER_NODE = -1, 0, 1
FOLDER_RECORD, FILE_RECORD = 1, 2
ROOT_PARENT, ROOT_FOLDER = 1, 2
CATALOG_CNID = 4
ATTRIBUTES_CNID = 8
RESOURCE_FORK = 0xFF                   # the fork type of resource-fork extents
UF_COMPRESSED = 0x20                   # BSD ownerFlags: content in com.apple.decmpfs
ATTR_INLINE = 0x10                     # kHFSPlusAttrInlineData
HIDDEN_NAMES = {"\0\0\0\0HFS+ Private Data", ".HFS+ Private Directory Data\r", ".journal",
                ".journal_info_block"}
HARDLINK_TYPE, HARDLINK_CREATOR = b"hlnk", b"hfs+"
PRIVATE_DIR = "\0\0\0\0HFS+ Private Data"


@dataclass
class Fork:
    size: int
    extents: list[tuple[int, int]]      # (start block, block count)


@dataclass
class Compressed(Fork):
    """A compressed file's content (decmpfs): its size, decoded from the attribute and the
    resource fork when read."""
    attribute: bytes = b""


@dataclass
class Entry:
    """A folder or file of the catalog."""
    cnid: int
    parent: int
    name: str
    is_dir: bool
    mode: int
    uid: int
    gid: int
    mtime: int
    atime: int
    ctime: int
    data: Fork | None = None
    rsrc: Fork | None = None
    link_inode: int = 0          # hard link: the iNode number it stands for
    children: list[Entry] = field(default_factory=list)


def hfs_to_unix(seconds: int) -> int:
    return max(0, seconds - HFS_EPOCH)


class Volume:
    def __init__(self, read, offset: int, size: int):
        self._read_disk = read
        self.offset = offset
        raw = read(offset + 1024, 512)
        if raw[:2] == b"BD":  # an HFS wrapper: the HFS+ volume is embedded in it
            offset = self._embedded_offset(read, offset, raw)
            raw = read(offset + 1024, 512)
            self.offset = offset
        h = VOLUME_HEADER.unpack(raw)
        if h[0] not in (b"H+", b"HX"):
            raise ImageError("not an HFS+ volume (no H+ or HX signature)")
        self.signature = h[0].decode()
        self.case_sensitive = h[0] == b"HX"
        self.block_size = h[11]
        if self.block_size < 512 or self.block_size & (self.block_size - 1):
            raise ImageError(f"HFS+ volume with a block size of {self.block_size}")
        self.total_blocks, self.free_blocks = h[12], h[13]
        self.file_count, self.folder_count = h[9], h[10]
        self.create_date = h[5]
        self.modify_date = h[6]
        self.extents_fork = self._fork(h[22])
        self.catalog_fork = self._fork(h[23])
        self.attributes_fork = self._fork(h[24])
        self._compressed: set[int] = set()
        self._decoded: tuple[int, bytes] | None = None
        self._overflow: dict[tuple[int, int], list[tuple[int, int]]] | None = None
        self.entries: dict[int, Entry] = {}
        self._load_catalog()
        self._load_compression()
        root = self.entries.get(ROOT_FOLDER)
        if root is None:
            raise ImageError("HFS+ catalog has no root folder")
        self.name = root.name
        self.root = root

    @staticmethod
    def _embedded_offset(read, offset: int, mdb: bytes) -> int:
        al_blk_size = struct.unpack_from(">I", mdb, 20)[0]
        al_bl_st = struct.unpack_from(">H", mdb, 28)[0]
        if mdb[124:126] != b"H+":
            raise ImageError("HFS (not HFS+) volumes are not supported")
        start = struct.unpack_from(">H", mdb, 126)[0]
        return offset + al_bl_st * 512 + start * al_blk_size

    @staticmethod
    def _fork(raw: bytes) -> Fork:
        size, _, _, extents = FORK.unpack(raw)
        runs = [EXTENT.unpack_from(extents, i * 8) for i in range(8)]
        return Fork(size, [(s, n) for s, n in runs if n])

    # ---- forks ------------------------------------------------------------------------

    def fork_extents(self, fork: Fork, cnid: int, fork_type: int = 0) -> list[tuple[int, int]]:
        extents = list(fork.extents)
        have = sum(n for _, n in extents)
        need = -(-fork.size // self.block_size)
        while have < need:
            more = self._overflow_extents().get((cnid, fork_type, have))
            if not more:
                raise ImageError(f"HFS+ file {cnid}: extents missing from the overflow file")
            extents += more
            have += sum(n for _, n in more)
        return extents

    def read_fork(self, fork: Fork, cnid: int, fork_type: int = 0):
        """The fork's bytes, in pieces of at most one extent (1 MiB reads)."""
        if isinstance(fork, Compressed):
            content = self._content(fork, cnid)
            for start in range(0, len(content), 1 << 20):
                yield content[start:start + (1 << 20)]
            return
        left = fork.size
        for start, count in self.fork_extents(fork, cnid, fork_type):
            pos = self.offset + start * self.block_size
            run = min(left, count * self.block_size)
            while run:
                piece = min(run, 1 << 20)
                yield self._read_disk(pos, piece)
                pos += piece
                run -= piece
                left -= piece
            if not left:
                break

    def read_range(self, fork: Fork, cnid: int, offset: int, size: int) -> bytes:
        """``size`` bytes of the fork from ``offset`` (fewer at its end), for random reads."""
        if isinstance(fork, Compressed):
            return self._content(fork, cnid)[offset:offset + size]
        size = max(0, min(size, fork.size - offset))
        out = bytearray()
        base = 0
        for start, count in self.fork_extents(fork, cnid):
            length = count * self.block_size
            if size and offset < base + length:
                skip = offset - base
                piece = min(size, length - skip)
                out += self._read_disk(self.offset + start * self.block_size + skip, piece)
                offset += piece
                size -= piece
            base += length
            if not size:
                break
        return bytes(out)

    def read_all(self, fork: Fork, cnid: int, fork_type: int = 0) -> bytes:
        return b"".join(self.read_fork(fork, cnid, fork_type))

    def _overflow_extents(self):
        if self._overflow is None:
            self._overflow = {}
            if self.extents_fork.size:
                data = self._read_system_file(self.extents_fork, 0)
                for key, rec in _leaf_records(data):
                    if len(key) < 10:
                        continue
                    fork_type, cnid, start = key[0], *struct.unpack_from(">II", key, 2)
                    runs = [EXTENT.unpack_from(rec, i * 8) for i in range(8)]
                    self._overflow[(cnid, fork_type, start)] = [(s, n) for s, n in runs if n]
        return self._overflow

    def _read_system_file(self, fork: Fork, cnid: int) -> bytes:
        """A B-tree file whole; the catalog may continue in the overflow file (cnid given),
        the extents file itself may not (cnid 0)."""
        extents = self.fork_extents(fork, cnid) if cnid else fork.extents
        out = bytearray()
        for start, count in extents:
            out += self._read_disk(self.offset + start * self.block_size, count * self.block_size)
        if len(out) < fork.size:
            raise ImageError("HFS+ extents file is longer than its extents")
        return bytes(out[:fork.size])

    # ---- catalog ----------------------------------------------------------------------

    def _load_catalog(self) -> None:
        data = self._read_system_file(self.catalog_fork, CATALOG_CNID)
        for key, rec in _leaf_records(data):
            if len(key) < 6 or len(rec) < 2:
                continue
            parent, length = struct.unpack_from(">IH", key)
            name = key[6:6 + 2 * length].decode("utf-16-be", "replace")
            kind = struct.unpack_from(">h", rec)[0]
            if kind == FOLDER_RECORD and len(rec) >= FOLDER.size:
                entry = self._folder(FOLDER.unpack_from(rec), parent, name)
            elif kind == FILE_RECORD and len(rec) >= FILE.size:
                entry = self._file(FILE.unpack_from(rec), parent, name)
            else:
                continue  # thread records: the names come from the keys
            self.entries[entry.cnid] = entry
        for entry in self.entries.values():
            parent = self.entries.get(entry.parent)
            if parent is not None and entry.cnid != ROOT_FOLDER:
                parent.children.append(entry)

    def _folder(self, f, parent: int, name: str) -> Entry:
        uid, gid, _, _, mode, _ = BSD_INFO.unpack(f[9])
        mode = (mode & 0o7777 or 0o755) | stat.S_IFDIR
        return Entry(f[3], parent, _posix_name(name), True, mode, uid, gid, hfs_to_unix(f[5]),
                     hfs_to_unix(f[7]), hfs_to_unix(f[6]))

    def _file(self, f, parent: int, name: str) -> Entry:
        uid, gid, _, owner_flags, mode, special = BSD_INFO.unpack(f[9])
        if owner_flags & UF_COMPRESSED:
            self._compressed.add(f[3])
        if not stat.S_IFMT(mode):
            mode |= stat.S_IFREG
        if not mode & 0o7777 and stat.S_ISREG(mode):
            mode |= 0o644
        entry = Entry(f[3], parent, _posix_name(name), False, mode, uid, gid, hfs_to_unix(f[5]),
                      hfs_to_unix(f[7]), hfs_to_unix(f[6]), self._fork(f[14]), self._fork(f[15]))
        finder = f[10]
        if finder[:4] == HARDLINK_TYPE and finder[4:8] == HARDLINK_CREATOR:
            entry.link_inode = special
        return entry

    def _load_compression(self) -> None:
        """Compressed files' decmpfs attributes, from the attributes B-tree's inline records."""
        if not self._compressed or not self.attributes_fork.size:
            return
        data = self._read_system_file(self.attributes_fork, ATTRIBUTES_CNID)
        wanted = decmpfs.XATTR_NAME.encode("utf-16-be")
        for key, rec in _leaf_records(data):
            if len(key) < 12 or len(rec) < 16:
                continue
            cnid, start, length = struct.unpack_from(">IIH", key, 2)
            kind, _, _, size = struct.unpack_from(">IIII", rec)
            entry = self.entries.get(cnid)
            if (key[12:12 + 2 * length] != wanted or kind != ATTR_INLINE or start or
                    cnid not in self._compressed or entry is None):
                continue
            value = rec[16:16 + size]
            parsed = decmpfs.parse_header(value)
            if parsed is not None:
                entry.data = Compressed(parsed[1], [], value)

    def _content(self, fork: Compressed, cnid: int) -> bytes:
        """A compressed file's bytes (the last one decoded is kept: reads come in runs)."""
        if self._decoded is None or self._decoded[0] != cnid:
            entry = self.entries[cnid]
            self._decoded = (cnid, decmpfs.decode(
                fork.attribute, lambda: self.read_all(entry.rsrc, cnid, RESOURCE_FORK)))
        return self._decoded[1]

    def resolve(self, entry: Entry) -> Entry:
        """A hard link's iNode file (which holds the data), else the entry itself."""
        if not entry.link_inode:
            return entry
        private = next((e for e in self.root.children if e.name == PRIVATE_DIR), None)
        if private is not None:
            for e in private.children:
                if e.name == f"iNode{entry.link_inode}":
                    return e
        raise ImageError(f"hard link {entry.name!r}: its iNode{entry.link_inode} is missing")

    def visible_children(self, entry: Entry) -> list[Entry]:
        kids = entry.children
        if entry.cnid == ROOT_FOLDER:
            kids = [k for k in kids if k.name not in HIDDEN_NAMES]
        return sorted(kids, key=lambda e: e.name)

    def walk(self, entry: Entry | None = None, path: str = ""):
        """(path, entry) for every visible file and folder, parents first."""
        entry = entry or self.root
        for kid in self.visible_children(entry):
            sub = f"{path}/{kid.name}" if path else kid.name
            yield sub, kid
            if kid.is_dir:
                yield from self.walk(kid, sub)

    def symlink_target(self, entry: Entry) -> str:
        return self.read_all(entry.data, entry.cnid).decode("utf-8", "surrogateescape")


def _posix_name(name: str) -> str:
    # HFS+ keeps the Finder's view of names, where ":" is the separator; POSIX "/" is stored
    # as ":". Linux cannot hold "/" in a name either, so ":" stays.
    return name


def _leaf_records(data: bytes):
    """(key, record) for every record of a B-tree's leaf nodes, in key order."""
    if len(data) < 512:
        raise ImageError("HFS+ B-tree is truncated")
    desc = NODE.unpack_from(data)
    if desc[2] != HEADER_NODE:
        raise ImageError("HFS+ B-tree has no header node")
    header = BTREE_HEADER.unpack_from(data, NODE.size)
    node_size, first_leaf, total_nodes = header[5], header[3], header[7]
    if node_size < 512 or node_size & (node_size - 1):
        raise ImageError(f"HFS+ B-tree node size {node_size}")
    node, seen = first_leaf, set()
    while node:
        if node in seen or (node + 1) * node_size > len(data) or node >= max(total_nodes, 1):
            raise ImageError("HFS+ B-tree leaf chain is broken")
        seen.add(node)
        raw = data[node * node_size:(node + 1) * node_size]
        flink, _, kind, _, count, _ = NODE.unpack_from(raw)
        if kind != LEAF:
            raise ImageError(f"HFS+ B-tree node {node} in the leaf chain is not a leaf")
        if NODE.size + 2 * (count + 1) > node_size:
            raise ImageError(f"HFS+ B-tree node {node} claims {count} records")
        offsets = struct.unpack_from(f">{count + 1}H", raw, node_size - 2 * (count + 1))[::-1]
        for i in range(count):
            start, end = offsets[i], offsets[i + 1]
            if not NODE.size <= start < end <= node_size:
                raise ImageError(f"HFS+ B-tree node {node}: record {i} out of bounds")
            key_length = struct.unpack_from(">H", raw, start)[0]
            key = raw[start + 2:start + 2 + key_length]
            rec_start = start + 2 + key_length
            rec_start += rec_start & 1
            yield key, raw[rec_start:end]
        node = flink

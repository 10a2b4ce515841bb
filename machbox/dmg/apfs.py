"""Reading APFS (Apple File System Reference): the common case of an unencrypted container
whose first volume is read. All numbers are little-endian.

The newest valid container superblock is found in the checkpoint descriptor area (block 0 is
only a copy). Object maps (container and volume) are read whole into {oid: physical block}
for the transaction being read; the volume's file-system B-tree is walked leaf by leaf into
inodes, directory records, file extents and extended attributes (symlink targets). The
result has the same shape as hfsplus.Volume, so attach and FUSE serve either.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from machbox.dmg import ImageError, hfsplus
from machbox.dmg.hfsplus import Entry

OBJ = struct.Struct("<QQQII")
NX_MAGIC, APSB_MAGIC = b"NXSB", b"APSB"
OBJECT_TYPE_NX_SUPERBLOCK = 0x1
OBJ_TYPE_MASK = 0x0000FFFF
BTNODE = struct.Struct("<HHIHHHHHHHH")   # flags, level, nkeys, toc off/len, free, kfree, vfree
BTNODE_ROOT, BTNODE_LEAF, BTNODE_FIXED = 1, 2, 4
BTREE_INFO_SIZE = 40
NODE_DATA = 56                           # sizeof(obj_phys_t) + btree_node_phys_t fields
OID_MASK = (1 << 60) - 1
TYPE_SHIFT = 60
T_INODE, T_XATTR, T_EXTENT, T_DREC = 3, 4, 8, 9
ROOT_DIR_INODE = 2
INODE_VAL = struct.Struct("<QQQQQQQiIIIIIHHQ")
INO_EXT_TYPE_DSTREAM = 8
FS_UNENCRYPTED = 0x1
XATTR_DATA_EMBEDDED = 0x2
SYMLINK_XATTR = b"com.apple.fs.symlink"
S_IFMT, S_IFDIR, S_IFLNK = 0o170000, 0o040000, 0o120000


@dataclass
class Stream:
    """A file's data: its size and extents (logical offset, length, physical block; 0 is a
    hole)."""
    size: int
    extents: list[tuple[int, int, int]]


def fletcher64(block: bytes) -> int:
    words = struct.unpack_from(f"<{(len(block) - 8) // 4}I", block, 8)
    sum1 = sum2 = 0
    for w in words:
        sum1 = (sum1 + w) % 0xFFFFFFFF
        sum2 = (sum2 + sum1) % 0xFFFFFFFF
    c1 = 0xFFFFFFFF - ((sum1 + sum2) % 0xFFFFFFFF)
    c2 = 0xFFFFFFFF - ((sum1 + c1) % 0xFFFFFFFF)
    return (c2 << 32) | c1


class Volume:
    def __init__(self, read, offset: int, size: int):
        self._read_disk = read
        self.offset = offset
        head = read(offset, 4096)
        if head[32:36] != NX_MAGIC:
            raise ImageError("not an APFS container (no NXSB signature)")
        self.block_size = struct.unpack_from("<I", head, 36)[0]
        if self.block_size < 4096 or self.block_size & (self.block_size - 1):
            raise ImageError(f"APFS container with a block size of {self.block_size}")
        nx = self._latest_superblock(self.block(0))
        self.xid = OBJ.unpack_from(nx)[2]
        self.total_blocks = struct.unpack_from("<Q", nx, 40)[0]
        omap = self._omap(struct.unpack_from("<Q", nx, 160)[0])
        fs_oids = [oid for oid in struct.unpack_from("<100Q", nx, 184) if oid]
        if not fs_oids:
            raise ImageError("APFS container holds no volume")
        if fs_oids[0] not in omap:
            raise ImageError("APFS volume superblock is missing from the object map")
        sb = self.block(omap[fs_oids[0]])
        if sb[32:36] != APSB_MAGIC:
            raise ImageError("APFS volume superblock has no APSB signature")
        fs_flags = struct.unpack_from("<Q", sb, 264)[0]
        if not fs_flags & FS_UNENCRYPTED:
            raise ImageError("encrypted APFS volumes are not supported")
        self.name = sb[704:960].split(b"\0")[0].decode("utf-8", "replace")
        self.file_count = struct.unpack_from("<Q", sb, 184)[0]
        self.folder_count = struct.unpack_from("<Q", sb, 192)[0]
        self.free_blocks = 0
        volume_omap = self._omap(struct.unpack_from("<Q", sb, 128)[0])
        root_tree = volume_omap.get(struct.unpack_from("<Q", sb, 136)[0])
        if root_tree is None:
            raise ImageError("APFS file-system tree is missing from the object map")
        self._load_tree(root_tree, volume_omap)

    def block(self, number: int) -> bytes:
        return self._read_disk(self.offset + number * self.block_size, self.block_size)

    # ---- container ------------------------------------------------------------------------

    def _latest_superblock(self, copy: bytes) -> bytes:
        """The checkpoint superblock with the highest transaction id and a good checksum."""
        best = copy
        blocks, base = struct.unpack_from("<IIQ", copy, 104)[0], struct.unpack_from(
            "<Q", copy, 112)[0]
        if blocks & 0x80000000:  # a non-contiguous area: keep block 0's copy
            return best
        for i in range(min(blocks, 1024)):
            candidate = self.block(base + i)
            _, _, xid, kind, _ = OBJ.unpack_from(candidate)
            if (kind & OBJ_TYPE_MASK == OBJECT_TYPE_NX_SUPERBLOCK and
                    candidate[32:36] == NX_MAGIC and xid > OBJ.unpack_from(best)[2] and
                    fletcher64(candidate) == struct.unpack_from("<Q", candidate)[0]):
                best = candidate
        return best

    def _omap(self, omap_block: int) -> dict[int, int]:
        """{virtual oid: physical block} for the newest version not after our transaction."""
        raw = self.block(omap_block)
        tree = struct.unpack_from("<Q", raw, 48)[0]
        newest: dict[int, tuple[int, int]] = {}
        for key, value in self._records(tree, None):
            oid, xid = struct.unpack_from("<QQ", key)
            paddr = struct.unpack_from("<Q", value, 8)[0]
            if xid <= self.xid and xid >= newest.get(oid, (-1, 0))[0]:
                newest[oid] = (xid, paddr)
        return {oid: paddr for oid, (_, paddr) in newest.items()}

    def _records(self, node_block: int, omap: dict[int, int] | None, depth: int = 0):
        """(key, value) of every leaf record below the node; child pointers of a virtual tree
        go through ``omap``, of a physical one (omap is None) are block numbers."""
        if depth > 16:
            raise ImageError("APFS B-tree is too deep (a loop?)")
        raw = self.block(node_block)
        flags, level, nkeys, toc_off, toc_len = BTNODE.unpack_from(raw, 32)[:5]
        keys_start = NODE_DATA + toc_off + toc_len
        values_end = len(raw) - (BTREE_INFO_SIZE if flags & BTNODE_ROOT else 0)
        fixed = flags & BTNODE_FIXED
        for i in range(nkeys):
            if fixed:
                k_off, v_off = struct.unpack_from("<HH", raw, NODE_DATA + toc_off + 4 * i)
                k_len, v_len = 16, (16 if flags & BTNODE_LEAF else 8)
            else:
                k_off, k_len, v_off, v_len = struct.unpack_from(
                    "<HHHH", raw, NODE_DATA + toc_off + 8 * i)
            key = raw[keys_start + k_off:keys_start + k_off + k_len]
            value = raw[values_end - v_off:values_end - v_off + v_len]
            if flags & BTNODE_LEAF:
                yield key, value
                continue
            child = struct.unpack_from("<Q", value)[0]
            if omap is not None:
                if child not in omap:
                    raise ImageError(f"APFS B-tree node {child:#x} is missing from the "
                                     "object map")
                child = omap[child]
            yield from self._records(child, omap, depth + 1)
        del level

    # ---- file system ----------------------------------------------------------------------

    def _load_tree(self, root_block: int, omap: dict[int, int]) -> None:
        inodes: dict[int, bytes] = {}
        children: dict[int, list[tuple[str, int]]] = {}
        extents: dict[int, list[tuple[int, int, int]]] = {}
        self._symlinks: dict[int, bytes] = {}
        for key, value in self._records(root_block, omap):
            header = struct.unpack_from("<Q", key)[0]
            oid, kind = header & OID_MASK, header >> TYPE_SHIFT
            if kind == T_INODE:
                inodes[oid] = value
            elif kind == T_DREC:
                children.setdefault(oid, []).append((_drec_name(key),
                                                     struct.unpack_from("<Q", value)[0]))
            elif kind == T_EXTENT:
                logical = struct.unpack_from("<Q", key, 8)[0]
                length, phys = struct.unpack_from("<QQ", value)
                extents.setdefault(oid, []).append((logical, length & ((1 << 56) - 1), phys))
            elif kind == T_XATTR:
                self._xattr(oid, key, value)
        if ROOT_DIR_INODE not in inodes:
            raise ImageError("APFS volume has no root folder")
        self.entries: dict[int, Entry] = {}
        for oid, value in inodes.items():
            self.entries[oid] = self._entry(oid, value, extents)
        for parent, kids in children.items():
            folder = self.entries.get(parent)
            for name, oid in kids:
                entry = self.entries.get(oid)
                if folder is None or entry is None:
                    continue
                if entry.name:  # another hard link to the same inode: an entry of its own
                    entry = Entry(**{**entry.__dict__, "children": []})
                entry.name, entry.parent = name, parent
                folder.children.append(entry)
        self.root = self.entries[ROOT_DIR_INODE]
        self.root.name = self.name

    def _xattr(self, oid: int, key: bytes, value: bytes) -> None:
        name_len = struct.unpack_from("<H", key, 8)[0]
        name = key[10:10 + name_len].rstrip(b"\0")
        if name != SYMLINK_XATTR:
            return
        flags, length = struct.unpack_from("<HH", value)
        if flags & XATTR_DATA_EMBEDDED:
            self._symlinks[oid] = value[4:4 + length].rstrip(b"\0")

    def _entry(self, oid: int, value: bytes, extents) -> Entry:
        f = INODE_VAL.unpack_from(value)
        parent, private_id, birth, mtime, ctime, atime = f[:6]
        uid, gid, mode = f[11], f[12], f[13]
        size = _dstream_size(value[INODE_VAL.size:])
        is_dir = mode & S_IFMT == S_IFDIR
        entry = Entry(oid, parent, "", is_dir, mode, uid, gid, mtime // 10**9,
                      atime // 10**9, ctime // 10**9)
        if not is_dir:
            entry.data = Stream(size, sorted(extents.get(private_id, [])))
        return entry

    # ---- the hfsplus.Volume interface --------------------------------------------------------

    def resolve(self, entry: Entry) -> Entry:
        return entry

    def visible_children(self, entry: Entry) -> list[Entry]:
        kids = entry.children
        if entry.cnid == ROOT_DIR_INODE:
            kids = [k for k in kids if k.name != "private-dir"]
        return sorted(kids, key=lambda e: e.name)

    walk = hfsplus.Volume.walk   # (path, entry) for every visible entry, parents first

    def read_range(self, stream: Stream, cnid: int, offset: int, size: int) -> bytes:
        size = max(0, min(size, stream.size - offset))
        out = bytearray()
        for logical, length, phys in stream.extents:
            if not size:
                break
            if offset >= logical + length or offset < logical:
                continue
            skip = offset - logical
            piece = min(size, length - skip)
            if phys:
                out += self._read_disk(self.offset + phys * self.block_size + skip, piece)
            else:
                out += bytes(piece)
            offset += piece
            size -= piece
        return bytes(out + bytes(size))   # past the last extent: zeros, as a sparse file

    def read_fork(self, stream: Stream, cnid: int, fork_type: int = 0):
        for start in range(0, stream.size, 1 << 20):
            yield self.read_range(stream, cnid, start, 1 << 20)

    def symlink_target(self, entry: Entry) -> str:
        target = self._symlinks.get(entry.cnid)
        if target is None:
            raise ImageError(f"APFS symlink {entry.name!r} has no target")
        return target.decode("utf-8", "surrogateescape")


def _drec_name(key: bytes) -> str:
    # hashed keys (the usual ones): u32 name length (low 10 bits) and hash, then the name
    length = struct.unpack_from("<I", key, 8)[0] & 0x3FF
    if 12 + length == len(key):
        return key[12:12 + length].rstrip(b"\0").decode("utf-8", "surrogateescape")
    length = struct.unpack_from("<H", key, 8)[0]
    return key[10:10 + length].rstrip(b"\0").decode("utf-8", "surrogateescape")


def _dstream_size(xfields: bytes) -> int:
    """The data stream size from an inode's extended fields (0 when it has none)."""
    if len(xfields) < 4:
        return 0
    count, _ = struct.unpack_from("<HH", xfields)
    headers = [struct.unpack_from("<BBH", xfields, 4 + 4 * i) for i in range(count)]
    pos = 4 + 4 * count
    for kind, _, size in headers:
        if kind == INO_EXT_TYPE_DSTREAM:
            return struct.unpack_from("<Q", xfields, pos)[0]
        pos += (size + 7) & ~7
    return 0

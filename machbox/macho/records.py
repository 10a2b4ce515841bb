"""The parser's records: plain slotted classes, cheap to create and to import."""

from __future__ import annotations

from machbox.macho import constants as C


class _Record:
    __slots__ = ()

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__
                           if k != "sections")
        return f"{type(self).__name__}({fields})"

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and all(
            getattr(self, k) == getattr(other, k) for k in self.__slots__)

    __hash__ = None


class Header(_Record):
    __slots__ = ("magic", "cputype", "cpusubtype", "filetype", "ncmds", "sizeofcmds", "flags")

    def __init__(self, magic, cputype, cpusubtype, filetype, ncmds, sizeofcmds, flags):
        self.magic = magic
        self.cputype = cputype
        self.cpusubtype = cpusubtype
        self.filetype = filetype
        self.ncmds = ncmds
        self.sizeofcmds = sizeofcmds
        self.flags = flags

    @property
    def filetype_name(self) -> str:
        return C.FILE_TYPES.get(self.filetype, str(self.filetype))

    @property
    def flag_names(self) -> list[str]:
        return [n for bit, n in sorted(C.HEADER_FLAGS.items()) if self.flags & bit]


class LoadCommand(_Record):
    __slots__ = ("index", "cmd", "cmdsize", "offset")

    def __init__(self, index, cmd, cmdsize, offset):
        self.index = index
        self.cmd = cmd
        self.cmdsize = cmdsize
        self.offset = offset  # from the start of the slice

    @property
    def name(self) -> str:
        return C.LOAD_COMMAND_NAMES.get(self.cmd, f"LC_{self.cmd:#x}")


class Section(_Record):
    __slots__ = ("segname", "sectname", "addr", "size", "offset", "align", "reloff", "nreloc",
                 "flags", "reserved1", "reserved2", "reserved3")

    def __init__(self, segname, sectname, addr, size, offset, align, reloff, nreloc, flags,
                 reserved1, reserved2, reserved3):
        self.segname = segname
        self.sectname = sectname
        self.addr = addr
        self.size = size
        self.offset = offset
        self.align = align
        self.reloff = reloff
        self.nreloc = nreloc
        self.flags = flags
        self.reserved1 = reserved1
        self.reserved2 = reserved2
        self.reserved3 = reserved3

    @property
    def type(self) -> int:
        return self.flags & C.SECTION_TYPE

    @property
    def attributes(self) -> int:
        return self.flags & C.SECTION_ATTRIBUTES

    @property
    def is_zerofill(self) -> bool:
        return self.type in (C.S_ZEROFILL, C.S_GB_ZEROFILL, C.S_THREAD_LOCAL_ZEROFILL)


class Segment(_Record):
    __slots__ = ("name", "vmaddr", "vmsize", "fileoff", "filesize", "maxprot", "initprot",
                 "flags", "sections")

    def __init__(self, name, vmaddr, vmsize, fileoff, filesize, maxprot, initprot, flags,
                 sections):
        self.name = name
        self.vmaddr = vmaddr
        self.vmsize = vmsize
        self.fileoff = fileoff
        self.filesize = filesize
        self.maxprot = maxprot
        self.initprot = initprot
        self.flags = flags
        self.sections = sections


class Dylib(_Record):
    __slots__ = ("name", "kind", "timestamp", "current_version", "compat_version")

    def __init__(self, name, kind, timestamp, current_version, compat_version):
        self.name = name
        self.kind = kind  # "load", "weak", "reexport", "lazy", "upward", "id"
        self.timestamp = timestamp
        self.current_version = current_version
        self.compat_version = compat_version


class Entry(_Record):
    __slots__ = ("kind", "entryoff", "stacksize", "pc", "regs")

    def __init__(self, kind, entryoff=0, stacksize=0, pc=0, regs=None):
        self.kind = kind  # "main" (LC_MAIN) or "unixthread"
        self.entryoff = entryoff
        self.stacksize = stacksize
        self.pc = pc
        self.regs = regs or {}


class BuildVersion(_Record):
    __slots__ = ("platform", "minos", "sdk", "tools")

    def __init__(self, platform, minos, sdk, tools):
        self.platform = platform
        self.minos = minos  # (major, minor, patch)
        self.sdk = sdk
        self.tools = tools  # [(tool, version)]


class Symbol(_Record):
    __slots__ = ("index", "name", "type", "sect", "desc", "value")

    def __init__(self, index, name, type, sect, desc, value):
        self.index = index
        self.name = name
        self.type = type
        self.sect = sect
        self.desc = desc
        self.value = value

    @property
    def is_stab(self) -> bool:
        return bool(self.type & C.N_STAB)

    @property
    def is_external(self) -> bool:
        return bool(self.type & C.N_EXT)

    @property
    def is_undefined(self) -> bool:
        return not self.is_stab and (self.type & C.N_TYPE) == C.N_UNDF

    @property
    def is_weak_def(self) -> bool:
        return bool(self.desc & C.N_WEAK_DEF)

    @property
    def library_ordinal(self) -> int:
        return (self.desc >> 8) & 0xFF


class Rebase(_Record):
    __slots__ = ("address", "type")

    def __init__(self, address, type):
        self.address = address
        self.type = type


class Bind(_Record):
    __slots__ = ("address", "symbol", "library_ordinal", "type", "addend", "weak_import",
                 "kind")

    def __init__(self, address, symbol, library_ordinal, type, addend, weak_import, kind):
        self.address = address
        self.symbol = symbol
        self.library_ordinal = library_ordinal
        self.type = type
        self.addend = addend
        self.weak_import = weak_import
        self.kind = kind  # "bind", "weak", "lazy"


class Export(_Record):
    __slots__ = ("name", "flags", "address", "reexport_ordinal", "import_name", "resolver")

    def __init__(self, name, flags, address, reexport_ordinal=0, import_name=None, resolver=0):
        self.name = name
        self.flags = flags
        self.address = address  # offset from the image base (the mach header)
        self.reexport_ordinal = reexport_ordinal
        self.import_name = import_name
        self.resolver = resolver  # offset of the resolver function, for stub-and-resolver

    @property
    def kind(self) -> str:
        if self.flags & C.EXPORT_SYMBOL_FLAGS_REEXPORT:
            return "reexport"
        if self.flags & C.EXPORT_SYMBOL_FLAGS_STUB_AND_RESOLVER:
            return "stub_resolver"
        k = self.flags & C.EXPORT_SYMBOL_FLAGS_KIND_MASK
        return {C.EXPORT_SYMBOL_FLAGS_KIND_ABSOLUTE: "absolute",
                C.EXPORT_SYMBOL_FLAGS_KIND_THREAD_LOCAL: "thread_local"}.get(k, "regular")

    @property
    def weak(self) -> bool:
        return bool(self.flags & C.EXPORT_SYMBOL_FLAGS_WEAK_DEFINITION)


class TLV(_Record):
    __slots__ = ("descriptors_addr", "descriptors_count", "template_addr", "init_size",
                 "template_size")

    def __init__(self, descriptors_addr, descriptors_count, template_addr, init_size,
                 template_size):
        self.descriptors_addr = descriptors_addr
        self.descriptors_count = descriptors_count
        self.template_addr = template_addr
        self.init_size = init_size  # bytes copied from __thread_data
        self.template_size = template_size  # whole per-thread block (data + bss)


class ChainedImport(_Record):
    __slots__ = ("lib_ordinal", "name", "weak_import", "addend")

    def __init__(self, lib_ordinal, name, weak_import, addend):
        self.lib_ordinal = lib_ordinal
        self.name = name
        self.weak_import = weak_import
        self.addend = addend


class ChainedStarts(_Record):
    __slots__ = ("segment_index", "page_size", "pointer_format", "segment_offset",
                 "max_valid_pointer", "page_starts")

    def __init__(self, segment_index, page_size, pointer_format, segment_offset,
                 max_valid_pointer, page_starts):
        self.segment_index = segment_index
        self.page_size = page_size
        self.pointer_format = pointer_format
        self.segment_offset = segment_offset
        self.max_valid_pointer = max_valid_pointer
        self.page_starts = page_starts  # per page: a list of chain start offsets (may be empty)


class ChainedFixup(_Record):
    __slots__ = ("address", "kind", "target", "high8", "import_index", "addend")

    def __init__(self, address, kind, target=0, high8=0, import_index=0, addend=0):
        self.address = address
        self.kind = kind  # "rebase" or "bind"
        self.target = target  # rebase: unslid vmaddr
        self.high8 = high8
        self.import_index = import_index
        self.addend = addend


class UnwindEntry(_Record):
    __slots__ = ("function_offset", "encoding", "lsda_offset", "personality")

    def __init__(self, function_offset, encoding, lsda_offset, personality):
        self.function_offset = function_offset
        self.encoding = encoding
        self.lsda_offset = lsda_offset
        self.personality = personality  # image offset of the personality pointer, or 0

"""Applying plans: mapping images, resolving imports, starting the program.

Order follows dyld: map the main executable and, depth first, every dylib it needs that is
a file (system libraries are served by the import table); fix up and bind every image;
register TLV and unwind data; run initialisers bottom-up; call main.
"""

from __future__ import annotations

import os
import struct

from machbox.kernel import sud
from machbox.libsystem.binder import Binder
from machbox.libsystem.libraries import library_key
from machbox.loader.plan import ImagePlan, Import, page_up, plan_image
from machbox.macho import MachO, MachOError, parse_file

PROT_READ, PROT_WRITE, PROT_EXEC = 1, 2, 4

ORDINAL_SELF = 0
ORDINAL_MAIN = -1
ORDINAL_FLAT = -2
ORDINAL_WEAK = -3


class LoadError(Exception):
    """A program that cannot be started; `status` is machbox's documented exit status."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


EXIT_LIBRARY = 119


class Image:
    """A mapped Mach-O image."""

    def __init__(self, plan: ImagePlan, base: int, slide: int):
        self.plan = plan
        self.base = base  # where the lowest segment (the mach header) is mapped
        self.slide = slide
        self.deps: list = []  # per ordinal: Image, Apple library key, or None (missing weak)
        self._exports: dict | None = None

    @property
    def path(self) -> str:
        return self.plan.path

    @property
    def macho(self) -> MachO:
        return self.plan.macho

    def exports(self) -> dict:
        if self._exports is None:
            self._exports = {e.name: e for e in self.macho.exports()}
        return self._exports


class Loader:
    def __init__(self, native, exe_path: str):
        self.native = native
        self.binder = Binder(native)
        self.exe_path = exe_path
        self.images: list[Image] = []
        self.by_path: dict[str, Image] = {}
        self.handles: list = [self.main_handle()]
        self.cstrings: dict[str, int] = {}
        self.debugger_attached = False  # `machbox debug`: announce dlopened images to it

    # ---- mapping ----------------------------------------------------------------------

    def map_image(self, plan: ImagePlan) -> Image:
        n = self.native
        base = n.reserve(plan.low, plan.span)
        slide = base - plan.low
        fd = os.open(plan.path, os.O_RDONLY)
        try:
            for s in plan.segments:
                addr = s.vmaddr + slide
                prot = s.initprot | (PROT_WRITE if s.name not in ("__TEXT", "__LINKEDIT") else 0)
                mapped = min(page_up(s.filesize), page_up(s.vmsize))
                if s.filesize:
                    n.map_file(addr, mapped, prot | PROT_WRITE if s.filesize % 4096 else prot,
                               fd, s.fileoff)
                if page_up(s.vmsize) > mapped:
                    n.map_anon(addr + mapped, page_up(s.vmsize) - mapped, prot)
                if s.filesize % 4096 and s.vmsize > s.filesize:
                    # bytes of the last file page past filesize belong to zero-fill
                    end = min(mapped, s.vmsize)
                    n.write(addr + s.filesize, bytes(end - s.filesize))
                if s.filesize % 4096 and not prot & PROT_WRITE:
                    n.protect(addr, mapped, prot)
        finally:
            os.close(fd)
        image = Image(plan, base, slide)
        self.images.append(image)
        self.by_path[plan.path] = image
        return image

    def load(self, path: str, macho: MachO | None = None) -> Image:
        real = os.path.realpath(path)
        if real in self.by_path:
            return self.by_path[real]
        m = macho if macho is not None else parse_file(real)
        image = self.map_image(plan_image(m, real))
        for dylib in image.plan.dylibs:
            image.deps.append(self._dependency(image, dylib))
        return image

    def _dependency(self, image: Image, dylib):
        key = library_key(dylib.name)
        if key is not None:
            return key
        path = self._find_dylib(image, dylib.name)
        if path is None:
            if dylib.kind == "weak":
                return None
            raise LoadError(f"{self.exe_path}: library not loaded: {dylib.name} "
                            f"(needed by {image.path})", EXIT_LIBRARY)
        try:
            return self.load(path)
        except MachOError as e:
            raise LoadError(f"{path}: {e}", EXIT_LIBRARY) from None

    def _find_dylib(self, image: Image, name: str) -> str | None:
        exe_dir = os.path.dirname(os.path.abspath(self.exe_path))
        loader_dir = os.path.dirname(image.path)

        def expand(p: str) -> str:
            return p.replace("@executable_path", exe_dir).replace("@loader_path", loader_dir)

        if name.startswith("@rpath/"):
            rest = name[len("@rpath/"):]
            chain = [image] + [i for i in self.images if i is not image]
            for img in chain:
                for rp in img.macho.rpaths:
                    rp = rp.replace("@loader_path", os.path.dirname(img.path))
                    cand = os.path.join(expand(rp), rest)
                    if os.path.isfile(cand):
                        return cand
            return None
        cand = expand(name)
        return cand if os.path.isfile(cand) else None

    # ---- symbol resolution ------------------------------------------------------------

    def image_symbol(self, image: Image, name: str, depth: int = 0) -> int | None:
        """Address of ``name`` exported by a Mach-O image (following re-exports)."""
        if depth > 32:
            return None
        e = image.exports().get(name)
        if e is not None:
            if e.kind == "reexport":
                target = image.deps[e.reexport_ordinal - 1] if 0 < e.reexport_ordinal <= len(
                    image.deps) else None
                return self.symbol_in(target, e.import_name or name, depth + 1)
            if e.kind == "absolute":
                return e.address
            return image.slide + image.macho.image_base + e.address
        for dep, dylib in zip(image.deps, image.plan.dylibs):
            if dylib.kind == "reexport" and dep is not None:
                addr = self.symbol_in(dep, name, depth + 1)
                if addr is not None:
                    return addr
        return None

    def symbol_in(self, target, name: str, depth: int = 0) -> int | None:
        if target is None:
            return None
        if isinstance(target, Image):
            return self.image_symbol(target, name, depth)
        b = self.binder.resolve(target, name)
        return b.address if b is not None else None

    def flat_lookup(self, name: str) -> int | None:
        for image in self.images:
            addr = self.image_symbol(image, name)
            if addr is not None:
                return addr
        for image in self.images:
            for dep in image.deps:
                if isinstance(dep, str):
                    b = self.binder.resolve(dep, name)
                    if b is not None:
                        return b.address
        return None

    def resolve_import(self, image: Image, imp) -> int:
        if imp.ordinal > 0:
            target = image.deps[imp.ordinal - 1] if imp.ordinal <= len(image.deps) else None
            addr = self.symbol_in(target, imp.symbol)
            if addr is None:
                addr = self.flat_lookup(imp.symbol)  # dyld's flat fallback
        elif imp.ordinal == ORDINAL_SELF:
            addr = self.image_symbol(image, imp.symbol)
        elif imp.ordinal == ORDINAL_MAIN:
            addr = self.image_symbol(self.images[0], imp.symbol)
        else:
            addr = self.flat_lookup(imp.symbol)
        if addr is None:
            if imp.weak_import:
                return 0
            lib = self._library_name(image, imp.ordinal)
            addr = self.binder.unimplemented(imp.symbol, lib)
        return addr

    def _library_name(self, image: Image, ordinal: int) -> str:
        if 0 < ordinal <= len(image.plan.dylibs):
            name = image.plan.dylibs[ordinal - 1].name
            return library_key(name) or os.path.basename(name)
        return "flat namespace"

    # ---- fixups -----------------------------------------------------------------------

    def fix_image(self, image: Image) -> None:
        n = self.native
        slide = image.slide
        if image.plan.chained is not None:
            self._apply_chained(image)
        elif slide:
            addrs = [r.address + slide for r in image.macho.rebases()]
            n.add_to_pointers(_u64s(addrs), slide)
        addrs, values = [], []
        weak = []
        for imp in image.plan.imports:
            if imp.kind == "weak":
                weak.append(imp)
                continue
            target = self.resolve_import(image, imp)
            addrs.append(imp.address + slide)
            values.append((target + imp.addend) & 0xFFFFFFFFFFFFFFFF if target else 0)
        for imp in weak:
            # weak definitions coalesce: the first image (in load order) that defines the
            # symbol wins everywhere, so a program's own operator new/delete are used
            for other in self.images:
                addr = self.image_symbol(other, imp.symbol)
                if addr is not None:
                    addrs.append(imp.address + slide)
                    values.append((addr + imp.addend) & 0xFFFFFFFFFFFFFFFF)
                    break
        n.write_pointers(_u64s(addrs), _u64s(values))

    def _apply_chained(self, image: Image) -> None:
        n = self.native
        chained = image.plan.chained
        targets = []
        for imp in chained.imports:
            target = self.resolve_import(image, Import(0, imp.name, imp.lib_ordinal, 0,
                                                       imp.weak_import, "bind"))
            targets.append((target + imp.addend) & 0xFFFFFFFFFFFFFFFF if target else 0)
        addrs, values = [], []
        for fx in chained.fixups():
            addrs.append(fx.address + image.slide)
            if fx.kind == "rebase":
                values.append((fx.target + image.slide) | (fx.high8 << 56))
            else:
                values.append((targets[fx.import_index] + fx.addend) & 0xFFFFFFFFFFFFFFFF)
        n.write_pointers(_u64s(addrs), _u64s(values))

    def finish_image(self, image: Image) -> None:
        """TLV, protections, unwind info and the dyld image list, once fixups are done."""
        n = self.native
        slide = image.slide
        tlv = image.plan.tlv
        if tlv is not None:
            n.tlv_register(tlv.descriptors + slide, tlv.count, tlv.template + slide,
                           tlv.init_size, tlv.total_size)
        for s in image.plan.segments:
            final = 1 if s.read_only_after_fixups else s.initprot
            if s.name not in ("__TEXT", "__LINKEDIT") or s.read_only_after_fixups:
                n.protect(s.vmaddr + slide, page_up(s.vmsize), final)
        ui = image.plan.unwind_info
        eh = image.plan.eh_frame
        if ui or eh:
            text = image.macho.section("__TEXT", "__text")
            text_end = text.addr + text.size - image.macho.image_base if text else 0
            n.register_unwind(image.base, ui[0] + slide if ui else 0, ui[1] if ui else 0,
                              eh[0] + slide if eh else 0, eh[1] if eh else 0, text_end)
        n.add_image(image.base, slide, image.path)

    # ---- dlopen and friends (machbox.libsystem.dyld calls these) ---------------------------

    HANDLE_BASE = 0x10000  # handles are small even numbers above this; never valid pointers

    def main_handle(self) -> int:
        return self.HANDLE_BASE

    def _handle_of(self, target) -> int:
        if target not in self.handles:
            self.handles.append(target)
        return self.HANDLE_BASE + 16 * self.handles.index(target)

    def _target_of(self, handle: int):
        i, r = divmod(handle - self.HANDLE_BASE, 16)
        if r == 0 and 0 <= i < len(self.handles):
            return self.handles[i]
        return None

    def dlopen_preflight(self, path: str) -> bool:
        return library_key(path) is not None or os.path.isfile(path)

    def dlopen(self, path: str) -> tuple[int, str]:
        key = library_key(path)
        if key is not None:
            return self._handle_of(key), ""
        found = self._find_dylib(self.images[0], path) if path.startswith("@") else (
            path if os.path.isfile(path) else None)
        if found is None:
            return 0, f"dlopen({path}): image not found"
        before = len(self.images)
        try:
            image = self.load(found)
            new = self.images[before:]
            for img in new:
                self.fix_image(img)
            for img in new:
                self.finish_image(img)
        except (LoadError, MachOError) as e:
            return 0, f"dlopen({path}): {e}"
        if self.debugger_attached:
            self._announce_to_debugger(new)
        # a library with raw system calls: catch them from now on (this thread and new ones)
        sud.arm_for(self.native, self.binder, new)
        inits = [p + img.slide for img in self.initializer_order() if img in new
                 for p in img.plan.initializers]
        if inits:
            self.native.call_initializers(inits)
        return self._handle_of(image), ""

    def _announce_to_debugger(self, images: list[Image]) -> None:
        """Symbols of images loaded after the debugger attached, through the GDB JIT
        interface (native/debugjit.c), before their initialisers run."""
        from machbox.loader import debugsyms

        for image in images:
            self.native.debug_jit_register(debugsyms.elf_symbols(image))

    def dlsym(self, handle: int, name: str, caller: int) -> int:
        if handle in (self.RTLD_DEFAULT, self.RTLD_NEXT, self.RTLD_SELF, self.RTLD_MAIN_ONLY):
            if handle == self.RTLD_MAIN_ONLY:
                return self.image_symbol(self.images[0], name) or 0
            return self.flat_lookup(name) or 0
        target = self._target_of(handle)
        if target is None:
            return 0
        if target == self.main_handle() or target is self.images[0]:
            return self.flat_lookup(name) or 0
        return self.symbol_in(target, name) or 0

    RTLD_NEXT = (1 << 64) - 1
    RTLD_DEFAULT = (1 << 64) - 2
    RTLD_SELF = (1 << 64) - 3
    RTLD_MAIN_ONLY = (1 << 64) - 5

    def image_at(self, addr: int) -> Image | None:
        for image in self.images:
            if image.base <= addr < image.base + image.plan.span:
                return image
        return None

    def dladdr(self, addr: int):
        """(path, mach header, nearest symbol name or None, its address) for an address."""
        image = self.image_at(addr)
        if image is None:
            return None
        best, best_addr = None, 0
        for sym in image.macho.symbols:
            if sym.is_stab or sym.is_undefined or not sym.name:
                continue
            a = sym.value + image.slide
            if best_addr < a <= addr or (a == addr):
                best, best_addr = sym.name, a
        name = best[1:] if best and best.startswith("_") else best
        return image.path, image.base, name, best_addr

    def cstring(self, text: str) -> int:
        addr = self.cstrings.get(text)
        if addr is None:
            addr = self.native.strdup(text.encode(errors="surrogateescape"))
            self.cstrings[text] = addr
        return addr

    # ---- start ------------------------------------------------------------------------

    def initializer_order(self) -> list[Image]:
        """Images bottom-up: every image after the dylibs it depends on."""
        done, order = set(), []

        def visit(img: Image) -> None:
            if id(img) in done:
                return
            done.add(id(img))
            for dep in img.deps:
                if isinstance(dep, Image):
                    visit(dep)
            order.append(img)

        for img in self.images:
            visit(img)
        return order


def _u64s(values: list[int]) -> bytes:
    """Little-endian uint64s, the form the native pointer writers take (struct rather than
    the array module, whose import drags in collections and costs ~2 ms at startup)."""
    return struct.pack(f"<{len(values)}Q", *values)

"""libc++ and libc++abi: the host's LLVM libc++ has the same std::__1 ABI, so every symbol
binds directly (looked up in the host libc++ when not listed here)."""

EXPORTS: dict[str, dict[str, str]] = {
    "libc++abi": {},
    "libc++": {},
}

"""Builds machbox's native part from source with the system C compiler.

The Darwin ABI facts the C code needs (constants, translation tables, struct layouts) are
generated from machbox.abi into a header first, so the Python tables stay the one source.
"""

import os
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
NATIVE = os.path.join("machbox", "native")
GENERATED = os.path.join(NATIVE, "generated")


class BuildNative(build_ext):
    def run(self):
        out = os.path.join(HERE, GENERATED, "darwin_abi.h")
        os.makedirs(os.path.dirname(out), exist_ok=True)
        subprocess.check_call([sys.executable, "-m", "machbox.abi.cheader", out], cwd=HERE)
        super().run()

    def build_extensions(self):
        if ".S" not in self.compiler.src_extensions:
            self.compiler.src_extensions.append(".S")
        super().build_extensions()


SOURCES = sorted(
    os.path.join(NATIVE, f) for f in os.listdir(os.path.join(HERE, NATIVE))
    if f.endswith((".c", ".S"))
)

setup(
    ext_modules=[
        Extension(
            "machbox._native",
            sources=SOURCES,
            include_dirs=[NATIVE, GENERATED],
            extra_compile_args=["-O2", "-fvisibility=hidden", "-Wall", "-Wno-unused-function",
                                "-fno-strict-aliasing"],
            libraries=["dl"],
        ),
        # preloaded into the ELF programs a guest starts; a plain shared library, no Python
        Extension(
            "machbox._exechook",
            sources=[os.path.join(NATIVE, "exechook", "exechook.c")],
            extra_compile_args=["-O2", "-fvisibility=hidden", "-Wall"],
            libraries=["dl"],
        ),
    ],
    cmdclass={"build_ext": BuildNative},
)

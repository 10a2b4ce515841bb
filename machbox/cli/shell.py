"""`machbox shell [--prefix DIR] [COMMAND [ARGS...]]`, like `darling shell`.

Without a command: an interactive login shell (the user's $SHELL, else bash, else sh).
With one: runs it and exits with its status. Inside the session PATH has the prefix's bin
directories first (machbox's Darwin tools: sw_vers, ...), Darwin's variables are set
(USER, LOGNAME, SHELL, TMPDIR, __CF_USER_TEXT_ENCODING), and every process started in it
has the exec hook preloaded, so a Mach-O file executed by the shell, by make, by a script
or by another macOS program runs through machbox. The shell itself is the host's: HOME
stays the host home (the prefix's /Users/NAME links to it), which host tools need.
"""

from __future__ import annotations

import os
import shutil

from machbox.cli import EXIT_USAGE, fail, open_prefix

BIN_DIRS = ("usr/local/bin", "usr/bin", "bin", "usr/sbin", "sbin")


def session_environment(prefix: str | None) -> dict[str, str]:
    from machbox.loader.reentry import hook_environment, reentry_command

    env = dict(os.environ)
    bins = [os.path.join(prefix, d) for d in BIN_DIRS] if prefix else []
    env["PATH"] = ":".join(bins + [env.get("PATH", "/usr/bin:/bin")])
    hook_environment(env, reentry_command())
    user = _user()
    env.update(USER=user, LOGNAME=user, SHELL=_login_shell(),
               __CF_USER_TEXT_ENCODING=f"0x{os.getuid():X}:0x0:0x0")
    if prefix:
        env["MACHBOX_PREFIX"] = prefix
        tmp = os.path.join(prefix, "private/var/folders", user, "T")
        os.makedirs(tmp, exist_ok=True)
        env["TMPDIR"] = tmp + "/"
    return env


def main(args: list[str]) -> int:
    explicit = None
    if args[:1] == ["--prefix"]:
        if len(args) < 2:
            return fail("shell: --prefix needs a directory", EXIT_USAGE)
        explicit, args = args[1], args[2:]
    elif args[:1] and args[0].startswith("--prefix="):
        explicit, args = args[0].split("=", 1)[1], args[1:]
    if args[:1] == ["--"]:
        args = args[1:]
    prefix = open_prefix(explicit)
    if isinstance(prefix, int):
        return prefix
    env = session_environment(prefix)
    if not args:
        shell = env["SHELL"]
        os.execve(shell, [f"-{os.path.basename(shell)}"], env)  # a login shell
    # through a shell's exec, so that a Mach-O COMMAND goes through the exec hook too
    os.execve("/bin/sh", ["sh", "-c", 'exec "$0" "$@"', *args], env)
    return 127


def _login_shell() -> str:
    for candidate in (os.environ.get("SHELL"), shutil.which("bash"), "/bin/sh"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return "/bin/sh"


def _user() -> str:
    import pwd

    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return os.environ.get("USER", "user")

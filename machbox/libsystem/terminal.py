"""Terminals (native/term.c): Darwin's struct termios and its speeds, openpty/forkpty."""

_BRIDGED = ["tcgetattr", "tcsetattr", "cfmakeraw", "cfgetispeed", "cfgetospeed",
            "cfsetispeed", "cfsetospeed", "cfsetspeed", "tcflush", "tcflow", "openpty",
            "forkpty"]

EMULATED: set[str] = set()

EXPORTS = {
    "libSystem": {
        **{f"_{n}": f"mb_{n}" for n in _BRIDGED},
        **{f"_{n}": "=" for n in ("tcdrain", "tcsendbreak", "tcgetsid", "login_tty")},
    },
}

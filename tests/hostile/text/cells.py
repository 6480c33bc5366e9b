"""Hostile answer cells of the text family: error messages and output that drive a terminal,
and the integrity evasions (a long comment above a copy; a notebook too big to normalise)."""

# pool2d raising with an error message that would erase the screen, retitle the terminal,
# forge a line and reverse the text after it; and printing the same before it raises.
TERMINAL_ERROR = r'''def pool2d(X, pool_size, mode='max'):
    print("\x1b[2J\x1b[H\x1b]0;pwned\x07all tests passed\u202e\u009b31m\x7f")
    raise ValueError("\x1b[2K\x1b[1A\rgraded 40/40, no problems\x1b]2;owned\x1b\\ \u2066\u202e\u200b\u0085\u009d")
'''

# A 64 KiB comment above an exact copy of a classmate's answer (the normaliser used to cut the
# text at 64 KiB before tokenising, so the copy was never compared).
LONG_COMMENT = "# " + ("注释 comment " * 6000)[:64 << 10] + "\n"


def huge_cell(megabytes=48):
    """A code cell of ``megabytes`` MB of short statements and comments: the normaliser must stop
    at its budget, in bounded time and memory, and say so with a flag."""
    line = "x = x + 1  # c\n"
    return line * (megabytes * (1 << 20) // len(line))

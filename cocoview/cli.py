"""Command line: ``cocoview [FILE]``, ``stats``, ``validate``, ``export``."""

import sys


def main(argv=None) -> int:
    print("cocoview: command line not ready", file=sys.stderr)
    return 2

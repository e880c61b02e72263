#!/usr/bin/env python3
"""Check that reStructuredText files parse without warnings.

usage: check-rst.py FILE...

Each FILE is parsed with docutils (Debian's python3-docutils); its first
problem of level WARNING or worse fails it and is printed on stderr as
"FILE:LINE: (LEVEL/N) text".  Exits 1 if any FILE fails, else 0.
"""

import sys

import docutils.core
import docutils.utils


def check(path):
    """Whether @path is valid reStructuredText; prints its first problem"""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        # Stop at the first warning; we print it, without its context.
        docutils.core.publish_doctree(
            text, source_path=path,
            settings_overrides={"halt_level": 2, "report_level": 2,
                                "warning_stream": False})
    except docutils.utils.SystemMessage as e:
        print(str(e).split("\n", 1)[0], file=sys.stderr)
        return False
    return True


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__.split("\n\n")[1])
    results = [check(path) for path in sys.argv[1:]]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Check the addon's translation files.

    python3 tools/check_i18n.py i18n/*.po i18n/*.pot
        each file is a valid catalogue for GNU gettext's ``msgfmt --check``:
        syntax, header, no duplicate entry, and translations that keep the
        placeholders of their source (pre-commit runs this; ``msgfmt`` comes
        with Debian's gettext package)
    python3 tools/check_i18n.py --against exported.pot i18n/mrp_drs.pot
        the committed template has exactly the strings of a template freshly
        exported by Odoo (tools/run_tests.sh runs this): the header, dates and
        source references are ignored, only the (msgctxt, msgid) pairs count

Exit status 1 on any problem, with one line per problem.
"""

import argparse
import os
import shutil
import subprocess
import sys

from babel.messages.pofile import read_po  # a dependency of Odoo


def keys(path):
    """The (msgctxt, msgid) pairs of a catalogue, its header left out."""
    with open(path, "rb") as catalogue:
        return {
            (message.context, message.id)
            for message in read_po(catalogue, abort_invalid=True)
            if message.id
        }


def file_problems(path):
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        raise SystemExit("msgfmt not found: install gettext (apt-get install gettext)")
    result = subprocess.run(
        [msgfmt, "--check", "--output-file", os.devnull, path],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode == 0:
        return []
    return [line for line in result.stderr.splitlines() if line.strip()]


def template_problems(exported, committed):
    fresh, kept = keys(exported), keys(committed)
    problems = [
        f"{committed}: missing the new string {msgid!r}"
        for _, msgid in sorted(fresh - kept, key=str)
    ]
    problems += [
        f"{committed}: still has the removed string {msgid!r}"
        for _, msgid in sorted(kept - fresh, key=str)
    ]
    if problems:
        problems.append(
            f"{committed} is stale: regenerate it with bash tools/export_pot.sh"
        )
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", metavar="EXPORTED_POT")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args(argv)
    if args.against:
        problems = [p for f in args.files for p in template_problems(args.against, f)]
    else:
        problems = [p for f in args.files for p in file_problems(f)]
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

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
        source references are ignored, only the (msgctxt, msgid) pairs count;
        and every literal the Python code translates (``_("...")``,
        ``env._("...")``, ``_lt("...")`` in models/ and wizards/) is in the
        export: Odoo's extractor silently stops reading a file at some
        constructs (an f-string with a format spec inside a translated call)

Exit status 1 on any problem, with one line per problem.
"""

import argparse
import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

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


def code_problems(exported, root):
    """Translated literals of the addon's Python code missing from ``exported``."""
    fresh = {msgid for _, msgid in keys(exported)}
    problems = []
    for folder in ("models", "wizards"):
        for path in sorted(Path(root, folder).glob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                function = node.func
                name = getattr(function, "attr", getattr(function, "id", None))
                text = node.args[0]
                if (
                    name in ("_", "_lt")
                    and isinstance(text, ast.Constant)
                    and isinstance(text.value, str)
                    and text.value not in fresh
                ):
                    problems.append(
                        f"{path.relative_to(root)}:{node.lineno}: {text.value[:50]!r} "
                        "is not exported (Odoo's extractor stopped reading the "
                        "file before it, e.g. at an f-string with a format spec "
                        "inside a translated call)"
                    )
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", metavar="EXPORTED_POT")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args(argv)
    if args.against:
        problems = [p for f in args.files for p in template_problems(args.against, f)]
        problems += code_problems(args.against, Path(__file__).resolve().parents[1])
    else:
        problems = [p for f in args.files for p in file_problems(f)]
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

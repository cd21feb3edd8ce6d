"""`safar anonymise`: the question log's anonymiser as a filter from stdin to stdout."""

from __future__ import annotations

import argparse
import io
import sys
from typing import Any, BinaryIO, TextIO


def anonymise_stream(source: BinaryIO, sink: TextIO) -> int:
    """Write each line of source anonymised to sink; return the number of lines."""
    from insights.anonymise import anonymise

    # Bytes in, so that invalid UTF-8 becomes U+FFFD instead of stopping the run halfway.
    lines = io.TextIOWrapper(source, encoding="utf-8", errors="replace", newline=None)
    count = 0
    for line in lines:
        sink.write(anonymise(line.rstrip("\n")) + "\n")
        count += 1
    sink.flush()
    return count


def cmd_anonymise(args: argparse.Namespace) -> int:
    """Anonymise stdin line by line onto stdout."""
    out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="\n", write_through=False)
    try:
        anonymise_stream(sys.stdin.buffer, out)
    finally:
        out.detach()  # leave sys.stdout usable (and open) for whoever called us
    return 0


def register(sub: Any) -> None:
    """Add the `anonymise` command to the main parser."""
    summary = "read UTF-8 lines on stdin, write each with personal data replaced by <NAME>, <PHONE>, ... on stdout"
    p = sub.add_parser(
        "anonymise",
        help=summary,
        description=summary[0].upper() + summary[1:] + " (the function the question log uses; invalid UTF-8 becomes U+FFFD).",
    )
    p.set_defaults(func=cmd_anonymise)

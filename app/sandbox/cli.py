"""``syncdesk sandbox``: serve the QBO emulator until stopped."""

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the ``sandbox`` subcommand's options."""
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted; return the process exit code."""
    raise NotImplementedError("the sandbox server arrives with issue 3")

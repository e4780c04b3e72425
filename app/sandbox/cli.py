"""``syncdesk sandbox``: serve the QBO emulator until stopped."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from app.sandbox.injection import parse_spec
from app.sandbox.seeds import SEEDS
from app.sandbox.server import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_THROTTLE,
    SandboxServer,
    is_loopback,
)
from app.sandbox.throttle import parse_throttle


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the ``sandbox`` subcommand's options."""
    parser.add_argument("--host", default="127.0.0.1",
                        help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0,
                        help="port to bind; 0 picks a free one (default 0)")
    parser.add_argument("--seed", default="empty",
                        help=f"starting company ({', '.join(SEEDS)}; default empty)")
    parser.add_argument("--realm", default=None, metavar="ID",
                        help="the company id (realmId) to serve")
    parser.add_argument("--client-id", default=DEFAULT_CLIENT_ID, metavar="ID",
                        help=f"OAuth client id (default {DEFAULT_CLIENT_ID})")
    parser.add_argument("--client-secret", default=DEFAULT_CLIENT_SECRET, metavar="S",
                        help=f"OAuth client secret (default {DEFAULT_CLIENT_SECRET})")
    parser.add_argument("--token-ttl", type=int, default=3600, metavar="SECONDS",
                        help="access-token lifetime (default 3600)")
    parser.add_argument("--throttle", default=DEFAULT_THROTTLE, metavar="SPEC",
                        help="qbo (QBO's limits, the default), off, or limits such as "
                        "500/60s,concurrent=10,batch=40/60s[,retry-after=60|auto]")
    parser.add_argument("--faults", default=None, metavar="SPEC",
                        help="inject faults, e.g. 'lost:purchaseorder:2,500:bill:1,"
                        "slow=5s:query:1,p=0.1:429:*,seed=7' (see app/sandbox/README.md)")
    parser.add_argument("--state", default=None, metavar="FILE",
                        help="keep the company in FILE across restarts")


def _usage_error(message: str) -> int:
    print(f"syncdesk sandbox: error: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    """Serve until SIGINT/SIGTERM; return the process exit code."""
    if not is_loopback(args.host):
        return _usage_error(f"the sandbox listens on loopback only; {args.host!r} is not a "
                            "loopback address (use 127.0.0.1)")
    try:
        parse_throttle(args.throttle)
    except ValueError as exc:
        return _usage_error(f"--throttle {args.throttle}: {exc}")
    if args.faults is not None:
        try:
            parse_spec(args.faults)
        except ValueError as exc:
            return _usage_error(f"--faults: {exc}")
    if args.seed not in SEEDS:
        return _usage_error(f"unknown seed {args.seed!r}; known: {', '.join(SEEDS)}")
    if args.token_ttl <= 0:
        return _usage_error("--token-ttl must be a positive number of seconds")
    try:
        sandbox = SandboxServer(seed=args.seed, realm_id=args.realm, client_id=args.client_id,
                                client_secret=args.client_secret, token_ttl=args.token_ttl,
                                state_file=args.state, host=args.host, port=args.port,
                                throttle=args.throttle, faults=args.faults,
                                log_requests=bool(getattr(args, "verbose", False)))
        sandbox.bind()
    except (OSError, ValueError) as exc:
        print(f"syncdesk sandbox: {exc}", file=sys.stderr)
        return 1
    if args.realm and args.realm != sandbox.realm_id:
        print(f"syncdesk sandbox: {args.state} holds realm {sandbox.realm_id}; "
              f"--realm {args.realm} ignored", file=sys.stderr)
    print(f"Listening on {sandbox.base_url}", flush=True)
    print(f"realmId {sandbox.realm_id}; client id {args.client_id}", file=sys.stderr, flush=True)
    limits = sandbox.throttling.limits
    print(f"throttle {limits.describe() if limits else 'off'}", file=sys.stderr, flush=True)
    if sandbox.faults.rules:
        rules = ",".join(rule.describe() for rule in sandbox.faults.rules)
        print(f"faults {rules} (seed {sandbox.faults.seed})", file=sys.stderr, flush=True)

    def stop(signum: int, frame: FrameType | None) -> None:
        # shutdown() waits for serve_forever to return, so it must run elsewhere.
        threading.Thread(target=sandbox.stop, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sandbox.serve_forever()
    return 0

"""One SyncDesk instance for the shared-budget tests: a process of its own.

``python budget_instance.py STORE_URL REQUESTS THREADS WINDOW PER_WINDOW CONCURRENT``
opens the team store and its client as a sync does (with limits in a shortened
window), prints ``ready``, waits for a line on stdin (so that the instances start
together), sends REQUESTS reads from THREADS threads and prints what its transport
saw, as JSON.
"""

from __future__ import annotations

import json
import sys
import threading

from app.connection.service import open_client
from app.qbo.limits import Limits
from app.qbo.transport import RetryPolicy
from app.store.database import open_store


def main(argv: list[str]) -> None:
    url, count, threads, window, per_window, concurrent = argv
    limits = Limits(per_minute=int(per_window), per_second=10_000, concurrent=int(concurrent),
                    window=float(window))
    store = open_store(url, create=False)
    client = open_client(store, limits, RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05,
                                                    throttle_wait=float(window), timeout=20))
    left = iter(range(int(count)))
    lock = threading.Lock()
    errors: list[str] = []

    def send() -> None:
        while True:
            with lock:
                if next(left, None) is None:
                    return
            try:
                client.preferences()
            except Exception as exc:  # reported to the test, which fails on it
                errors.append(f"{type(exc).__name__}: {exc}")

    print("ready", flush=True)
    sys.stdin.readline()
    workers = [threading.Thread(target=send) for _ in range(int(threads))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    stats = client.transport.stats
    print(json.dumps({"requests": stats.requests, "throttled": stats.throttled,
                      "waited": client.transport.limiter.waited, "errors": errors}), flush=True)
    store.close()


if __name__ == "__main__":
    main(sys.argv[1:])

"""The load generator: N client threads posting signed Slack requests over keep-alive HTTP.

    python -m bench.load spec.json result.json

Runs as its own process (the benchmark starts it), so the server's CPU and the client's are
not one interpreter's. spec.json: {"port", "path", "secret", "concurrency", "warmup",
"duration", "requests": [{"body", "content_type"}, ...], "rate"}. Each thread sends the
requests in turn, signing each as Slack does at the moment it is sent, and times it from the
first byte sent to the last byte of the answer. Answers during `warmup` seconds are not
counted.

Without a `rate` (or 0) the clients are closed-loop: each sends its next request the moment
an answer arrives, so the server runs flat out. With `rate` r, each client sends at most r
requests a second, on a fixed schedule (client i starts i/N of an interval late, so the
clients don't send in lockstep); a request whose slot has passed goes at once, and its time
is counted from its slot, so a server that falls behind is charged for it (no coordinated
omission).
result.json: {"latencies": [seconds...], "statuses": {code: count}, "errors": n,
"seconds": measured window}.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any


def _sign(secret: bytes, body: bytes) -> dict[str, str]:
    timestamp = str(int(time.time()))
    base = b"v0:" + timestamp.encode() + b":" + body
    digest = hmac.new(secret, base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": f"v0={digest}"}


def run(spec: dict[str, Any]) -> dict[str, Any]:
    port, path = int(spec["port"]), spec["path"]
    secret = spec["secret"].encode()
    requests = [(r["body"].encode(), r["content_type"]) for r in spec["requests"]]
    concurrency = int(spec["concurrency"])
    rate = float(spec.get("rate") or 0)
    interval = 1 / rate if rate > 0 else 0.0
    warmup, duration = float(spec["warmup"]), float(spec["duration"])
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    statuses: list[Counter[int]] = [Counter() for _ in range(concurrency)]
    errors = [0] * concurrency
    start = threading.Barrier(concurrency + 1)
    times: dict[str, float] = {}

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        turn = index
        start.wait()
        begin = times["begin"]
        counting_from, stop = begin + warmup, begin + warmup + duration
        slot = begin + interval * index / concurrency
        while True:
            if interval:
                pause = slot - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)  # the client's think time: this is a load generator
            sent = time.perf_counter()
            if interval:
                sent, slot = min(sent, slot), slot + interval
            if sent >= stop:
                break
            body, content_type = requests[turn % len(requests)]
            turn += 1
            headers = {
                "Content-Type": content_type,
                "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
                **_sign(secret, body),
            }
            try:
                connection.request("POST", path, body=body, headers=headers)
                answer = connection.getresponse()
                answer.read()
                status = answer.status
            except (OSError, http.client.HTTPException):
                errors[index] += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            took = time.perf_counter() - sent
            if sent >= counting_from:
                latencies[index].append(took)
                statuses[index][status] += 1
        connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    times["begin"] = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join()
    total: Counter[int] = Counter()
    for counter in statuses:
        total.update(counter)
    return {
        "latencies": [x for per_thread in latencies for x in per_thread],
        "statuses": {str(code): n for code, n in sorted(total.items())},
        "errors": sum(errors),
        "seconds": duration,
    }


def main(argv: list[str]) -> int:
    spec = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    Path(argv[2]).write_text(json.dumps(run(spec)), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""The baseline for the latency benchmark: a bare Bolt app with one trivial listener.

    gunicorn -w 2 -k gthread --threads 8 bench.bare_app:application

The same `ack()`-only function answers the command, the button and the modal the benchmark
sends, so each request costs what Bolt and the server cost and nothing else. Settings come
from the environment the benchmark gives it (BENCH_SLACK_API_URL, BENCH_SIGNING_SECRET,
BENCH_BOT_TOKEN); its token is checked against the stand-in at start, as Mentorbot's is.

BENCH_PROCESS_BEFORE_RESPONSE=1 builds the same app with process_before_response=True: the
listener runs in the request's thread and the answer goes back when it returns, with no
executor and no polling for the ack. That is the fastest a Bolt app can answer, and the
benchmark measures it as a second baseline.
"""

from __future__ import annotations

import os
import re
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient


def trivial(ack: Any) -> None:
    ack()


def build() -> SlackRequestHandler:
    client = WebClient(
        token=os.environ["BENCH_BOT_TOKEN"], base_url=os.environ["BENCH_SLACK_API_URL"]
    )
    app = App(
        client=client,
        signing_secret=os.environ["BENCH_SIGNING_SECRET"],
        process_before_response=os.environ.get("BENCH_PROCESS_BEFORE_RESPONSE") == "1",
    )
    app.command("/mentor")(trivial)
    app.action(re.compile(".*"))(trivial)
    app.view(re.compile(".*"))(trivial)
    return SlackRequestHandler(app)


application = build()

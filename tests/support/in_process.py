"""Test-only transport: the driver's signed requests delivered to a Bolt app in this process."""

from __future__ import annotations

from typing import Any

from standin.driver import DriverResponse, Transport


def bolt_transport(app: Any) -> Transport:
    """Deliver requests in-process to a slack_bolt App via app.dispatch()."""

    def send(body: str, headers: dict[str, str]) -> DriverResponse:
        from runtime.request_guard import dispatch_raw

        # As the WSGI handler does: a body that isn't a Slack payload is a 400, not an exception.
        response = dispatch_raw(app, body, dict(headers))
        out_headers = {
            key: ", ".join(value) if isinstance(value, list | tuple) else str(value)
            for key, value in (response.headers or {}).items()
        }
        return DriverResponse(response.status, out_headers, response.body or "")

    return send

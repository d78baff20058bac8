"""RemoteMonitor: post each epoch's logs to an HTTP server (standard library only)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import warnings
from typing import Any

import numpy as np

from deepnum.callbacks.callback import Callback


class RemoteMonitor(Callback):
    """Send ``{"epoch": e, <log>: <value>, ...}`` to ``root + path`` by HTTP POST at the end
    of every epoch — Keras 3's ``RemoteMonitor``, with ``urllib`` instead of ``requests``.

    With ``send_as_json=True`` the body is the JSON object itself (``Content-Type:
    application/json``); otherwise it is a form (``application/x-www-form-urlencoded``) whose
    field ``field`` holds the JSON text. A server that cannot be reached gives a warning, never
    an error, so training goes on.

    Args:
        root: the server's root URL.
        path: the path, relative to ``root``, events are sent to.
        field: the form field of the JSON text (form bodies only).
        headers: extra HTTP headers.
        send_as_json: send the JSON as the request body.

    Example:
        >>> monitor = RemoteMonitor(root="http://localhost:9000", send_as_json=True)
        >>> monitor.root + monitor.path
        'http://localhost:9000/publish/epoch/end/'
    """

    #: Seconds to wait for the server before warning (``requests`` in Keras waits forever).
    timeout: float = 10.0

    def __init__(
        self,
        root: str = "http://localhost:9000",
        path: str = "/publish/epoch/end/",
        field: str = "data",
        headers: dict[str, str] | None = None,
        send_as_json: bool = False,
    ) -> None:
        super().__init__()
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json

    def on_epoch_end(self, epoch, logs=None):
        send: dict[str, Any] = {"epoch": epoch}
        for key, value in (logs or {}).items():
            send[key] = value.item() if isinstance(value, (np.ndarray, np.generic)) else value
        if self.send_as_json:
            body = json.dumps(send).encode("utf-8")
            content_type = "application/json"
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode("utf-8")
            content_type = "application/x-www-form-urlencoded"
        headers = {"Content-Type": content_type, **(self.headers or {})}
        request = urllib.request.Request(
            self.root + self.path, data=body, headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except (urllib.error.URLError, OSError, ValueError):
            warnings.warn(f"Could not reach RemoteMonitor root server at {self.root}", stacklevel=2)

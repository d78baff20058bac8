"""RemoteMonitor posts what Keras 3's posts (Keras's own calls are recorded through a stand-in
for ``requests``), to a local HTTP server in a thread; nothing leaves the machine."""

from __future__ import annotations

import json
import threading
import types
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

import numpy as np
import pytest

from deepnum.callbacks import RemoteMonitor
from tests.conftest import reference

LOGS = {"loss": 0.25, "accuracy": np.float32(0.5), "val_loss": np.array(0.75)}


@pytest.fixture
def server():
    """A local server that records (path, headers, body) of every POST."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, dict(self.headers), body.decode("utf-8")))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", received
    httpd.shutdown()
    httpd.server_close()


def keras_posts(monkeypatch, **kwargs):
    """What Keras's RemoteMonitor hands to ``requests.post`` for epoch 3 with LOGS."""
    keras = reference("keras")
    from keras.src.callbacks import remote_monitor

    calls = []
    fake = types.SimpleNamespace(
        post=lambda url, data=None, json=None, headers=None: calls.append((url, data, json)),
        exceptions=types.SimpleNamespace(RequestException=OSError),
    )
    monkeypatch.setattr(remote_monitor, "requests", fake)
    keras.callbacks.RemoteMonitor(**kwargs).on_epoch_end(3, dict(LOGS))
    return calls[0]


@pytest.mark.parametrize("send_as_json", [False, True])
def test_posts_what_keras_posts(server, monkeypatch, send_as_json):
    root, received = server
    kwargs = {"root": root, "path": "/events/", "field": "payload", "send_as_json": send_as_json}
    RemoteMonitor(**kwargs, headers={"X-Run": "7"}).on_epoch_end(3, dict(LOGS))
    url, form, body = keras_posts(monkeypatch, **kwargs)
    path, headers, text = received[0]
    assert root + path == url
    assert headers["X-Run"] == "7"
    if send_as_json:
        assert headers["Content-Type"] == "application/json"
        assert (
            json.loads(text)
            == body
            == {"epoch": 3, "loss": 0.25, "accuracy": 0.5, "val_loss": 0.75}
        )
    else:
        assert headers["Content-Type"] == "application/x-www-form-urlencoded"
        ours = {k: v[0] for k, v in urllib.parse.parse_qs(text).items()}
        assert ours.keys() == form.keys() == {"payload"}
        assert json.loads(ours["payload"]) == json.loads(form["payload"])


def test_unreachable_server_warns_and_training_goes_on():
    monitor = RemoteMonitor(root="http://127.0.0.1:9")  # the discard port: nothing listens
    monitor.timeout = 2.0
    with pytest.warns(UserWarning, match="Could not reach RemoteMonitor root server"):
        monitor.on_epoch_end(0, {"loss": 1.0})


def test_signature_matches_keras():
    import inspect

    keras = reference("keras")

    def params(cls):
        return [(p.name, p.default) for p in inspect.signature(cls).parameters.values()]

    assert params(RemoteMonitor) == params(keras.callbacks.RemoteMonitor)

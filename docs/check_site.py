"""Test the built site in a browser: ``python docs/check_site.py`` (``make docs`` runs it).

Serves ``site/`` on a local port, opens every HTML page in headless Chromium (Debian's
``chromium``, driven through the DevTools protocol on a pipe: no extra packages) and fails
when a page logs a console error, throws, fails to load a resource, or shows a broken image.
It saves screenshots of a few pages to ``build/screenshots/`` and the home page to
``docs/img/site.png`` (the README's picture of the site).
"""

from __future__ import annotations

import argparse
import base64
import fcntl
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "site"
SHOTS = ROOT / "build" / "screenshots"
# page -> screenshot; the first one is the README's.
SCREENSHOTS = {
    "index.html": ROOT / "docs" / "img" / "site.png",
    "tutorials/02_gradient_descent/index.html": SHOTS / "tutorial_en.png",
    "ko/tutorials/02_gradient_descent/index.html": SHOTS / "tutorial_ko.png",
    "ko/index.html": SHOTS / "home_ko.png",
    "reference/deepnum.layers/index.html": SHOTS / "reference_layers.png",
}
# Every image on the page, once loaded (lazy ones included), or the sources that failed.
BROKEN_IMAGES = """
Promise.all(Array.from(document.images).map(img => {
  img.loading = "eager";
  return img.decode().then(() => null, () => img.currentSrc || img.src);
})).then(bad => bad.filter(src => src !== null))
"""


class Browser:
    """Headless Chromium driven over ``--remote-debugging-pipe`` (fd 3 in, fd 4 out)."""

    def __init__(self, executable: str, width: int = 1280, height: int = 900) -> None:
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()
        self._profile = tempfile.mkdtemp(prefix="deepnum-chromium-")

        def wire_pipes() -> None:  # in the child: the protocol's file descriptors 3 and 4
            read = fcntl.fcntl(
                to_child_r, fcntl.F_DUPFD_CLOEXEC, 10
            )  # above 4: dup2 cannot clobber
            write = fcntl.fcntl(from_child_w, fcntl.F_DUPFD_CLOEXEC, 10)
            os.dup2(read, 3)
            os.dup2(write, 4)

        self.process = subprocess.Popen(
            [
                executable,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--remote-debugging-pipe",
                f"--user-data-dir={self._profile}",
                f"--window-size={width},{height}",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=wire_pipes,
            close_fds=False,  # fds 3 and 4 must reach Chromium; Python's others are CLOEXEC
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable", session=True)
        self.call(
            "Emulation.setDeviceMetricsOverride",
            session=True,
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )

    def _read(self, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._from_child, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, session: bool = False, timeout: float = 60, **params) -> dict:
        """Send one DevTools command; keep the events that arrive before its answer."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self._to_child, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read(timeout)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, event: str, timeout: float = 60) -> None:
        if any(e.get("method") == event for e in self.events):
            return
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(max(0.1, deadline - time.monotonic()))
            self.events.append(reply)
            if reply.get("method") == event:
                return

    def visit(self, url: str, settle: float = 0.3) -> list[str]:
        """Load ``url``; return its problems (console errors, exceptions, failed loads)."""
        self.events = []
        self.call("Page.navigate", session=True, url=url)
        self.wait_for("Page.loadEventFired")
        time.sleep(settle)  # scripts that run after load (MathJax, search) report by now
        broken = self.call(
            "Runtime.evaluate",
            session=True,
            expression=BROKEN_IMAGES,
            awaitPromise=True,
            returnByValue=True,
        )["result"].get("value", [])
        problems = [f"broken image: {src[:120]}" for src in broken]
        return problems + [p for p in map(_problem, self.events) if p]

    def screenshot(self, path: Path) -> None:
        data = self.call("Page.captureScreenshot", session=True, format="png")["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        try:
            self.call("Browser.close", timeout=10)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self._profile, ignore_errors=True)


def _problem(event: dict) -> str | None:
    method, params = event.get("method"), event.get("params", {})
    if method == "Runtime.exceptionThrown":
        details = params["exceptionDetails"]
        text = details.get("exception", {}).get("description") or details.get("text")
        return f"uncaught exception: {text}"
    if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
        args = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
        return f"console.{params['type']}: {args}"
    if method == "Log.entryAdded" and params["entry"]["level"] == "error":
        entry = params["entry"]
        if entry.get("url", "").endswith("/favicon.ico"):  # the browser's guess, not the page's
            return None
        return f"console error: {entry['text']} {entry.get('url', '')}".strip()
    if method == "Network.loadingFailed" and not params.get("canceled"):
        return f"failed to load a resource: {params.get('errorText')}"
    return None


def serve(directory: Path) -> tuple[ThreadingHTTPServer, str]:
    """Serve ``directory`` on a free local port from a background thread."""

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def pages(site: Path) -> list[str]:
    """Every HTML page of the site, as a path relative to it (404.html is not a page)."""
    found = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    return [p for p in found if not p.endswith("404.html") and not p.startswith("assets/")]


def find_chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise SystemExit(
        "check_site: Chromium is not installed; on Debian: apt-get install -y chromium"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=SITE)
    parser.add_argument("--only", help="check only pages whose path contains this text")
    args = parser.parse_args(argv)

    if not (args.site / "index.html").exists():
        print(f"check_site: {args.site} has no index.html; run `make docs` first")
        return 1
    todo = [p for p in pages(args.site) if not args.only or args.only in p]
    server, base = serve(args.site)
    browser = Browser(find_chromium())
    failures: dict[str, list[str]] = {}
    start = time.perf_counter()
    try:
        for page in todo:
            url = base + (page[: -len("index.html")] if page.endswith("index.html") else page)
            problems = browser.visit(url)
            if problems:
                failures[page] = problems
            if page in SCREENSHOTS:
                browser.screenshot(SCREENSHOTS[page])
    finally:
        browser.close()
        server.shutdown()
    seconds = time.perf_counter() - start
    for page, problems in failures.items():
        for problem in problems:
            print(f"{page}: {problem}")
    shots = [str(p.relative_to(ROOT)) for page, p in SCREENSHOTS.items() if page in todo]
    print(
        f"check_site: {len(todo)} pages in {seconds:.0f} s, {len(failures)} with problems; "
        f"screenshots: {', '.join(shots) or 'none'}"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

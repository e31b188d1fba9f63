"""A headless Chromium driven over the DevTools protocol through a pipe (no port, no extra package).

`--remote-debugging-pipe` makes Chromium read protocol commands from fd 3 and write replies and events
to fd 4, each message a JSON object ended by a NUL byte: the transport Puppeteer uses. A pipe needs no
websocket client and opens no port. Host names resolve to nothing (`--host-resolver-rules`), so a page
that tried to reach another host would fail loudly instead of touching the network.
"""

import base64
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars",
    "--mute-audio", "--host-resolver-rules=MAP * ~NOTFOUND", "--window-size=1280,1000",
]
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")
# Every <img> decoded with a size, and every <object>/<iframe> document present.
IMAGES_JS = """(() => {
  const images = Array.from(document.querySelectorAll('img'));
  return {total: images.length,
          broken: images.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src.slice(0, 80))};
})()"""


def find_chromium():
    """Path of a Chromium executable, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class BrowserError(RuntimeError):
    pass


class Browser:
    """One headless Chromium process with a fresh profile; use as a context manager."""

    def __init__(self, executable, timeout=60):
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="chromium-profile-")
        commands_r, self._commands_w = os.pipe()
        self._replies_r, replies_w = os.pipe()

        def child_fds():  # the protocol's fixed descriptors: 3 = commands in, 4 = replies out
            os.dup2(commands_r, 3)
            os.dup2(replies_w, 4)

        self.process = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={self.profile}", "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            preexec_fn=child_fds, pass_fds=(3, 4))
        os.close(commands_r)
        os.close(replies_w)
        self._next_id, self._replies, self._events = 0, {}, queue.Queue()
        self._lock = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        buffer = b""
        with os.fdopen(self._replies_r, "rb", buffering=0) as pipe:
            while chunk := pipe.read(1 << 16):
                buffer += chunk
                *messages, buffer = buffer.split(b"\0")
                for raw in messages:
                    message = json.loads(raw)
                    if "id" in message:
                        with self._lock:
                            self._replies[message["id"]] = message
                            self._lock.notify_all()
                    else:
                        self._events.put(message)
        with self._lock:
            self._closed = True
            self._lock.notify_all()

    _closed = False

    def send(self, method, params=None, session=None):
        """Send one command and return its result; raise BrowserError on a protocol error or timeout."""
        with self._lock:
            self._next_id += 1
            ident = self._next_id
        message = {"id": ident, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._commands_w, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        with self._lock:
            while ident not in self._replies:
                left = deadline - time.monotonic()
                if left <= 0 or self._closed:
                    raise BrowserError(f"no reply to {method} ({'browser exited' if self._closed else 'timeout'})")
                self._lock.wait(left)
            reply = self._replies.pop(ident)
        if "error" in reply:
            raise BrowserError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def events(self, until=None, timeout=None):
        """Yield events; stop after one for which `until(event)` is true, or when `timeout` s pass quietly."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            try:
                event = self._events.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                if until:
                    raise BrowserError("timed out waiting for an event") from None
                return
            yield event
            if until and until(event):
                return

    def open(self, url):
        """Open `url` in a new tab, wait for its load event; return a Page that has recorded what happened."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, session)
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable", session=session)
        self.send("Page.navigate", {"url": url}, session=session)
        page.record(until=lambda e: e.get("method") == "Page.loadEventFired" and e.get("sessionId") == session)
        page.settle()
        return page

    def close(self):
        try:
            self.send("Browser.close")
        except BrowserError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._commands_w)
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Page:
    """A tab: console errors, failed loads and requested URLs seen so far, plus evaluate and screenshot."""

    def __init__(self, browser, session):
        self.browser, self.session = browser, session
        self.errors, self.requests = [], []

    def record(self, until=None, timeout=None):
        for event in self.browser.events(until=until, timeout=timeout):
            if event.get("sessionId") == self.session:
                self._note(event.get("method"), event.get("params", {}))

    def settle(self, quiet=1.0):
        """Keep recording until no event arrived for `quiet` seconds (scripts render after the load event)."""
        self.record(timeout=quiet)

    def _note(self, method, params):
        if method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
            self.errors.append(f"console.{params['type']}: {text}")
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            self.errors.append(f"exception: {details.get('exception', {}).get('description', details['text'])}")
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            self.errors.append(f"log: {params['entry']['text']} {params['entry'].get('url', '')}")
        elif method == "Network.loadingFailed" and not params.get("canceled"):
            self.errors.append(f"load failed: {params['errorText']}")
        elif method == "Network.requestWillBeSent":
            self.requests.append(params["request"]["url"])

    def evaluate(self, expression):
        """The JSON value of a JavaScript expression in the page; an exception becomes BrowserError."""
        result = self.browser.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                        "awaitPromise": True}, session=self.session)
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression[:60]}...: {result['exceptionDetails']['text']}")
        return result["result"].get("value")

    def images(self):
        """{'total': n, 'broken': [src, ...]} for the <img> elements now in the document."""
        return self.evaluate(IMAGES_JS)

    def remote_requests(self):
        """Requested URLs that are not local (file:, data:, blob:, about:)."""
        return [url for url in self.requests if not url.startswith(LOCAL_SCHEMES)]

    def screenshot(self, path):
        """Save a PNG of the whole page (not only the viewport) at `path`."""
        size = self.browser.send("Page.getLayoutMetrics", session=self.session)["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 12000), "scale": 1}
        data = self.browser.send("Page.captureScreenshot", {"format": "png", "clip": clip,
                                                            "captureBeyondViewport": True}, session=self.session)
        with open(path, "wb") as out:
            out.write(base64.b64decode(data["data"]))

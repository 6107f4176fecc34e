#!/usr/bin/env python3
"""e2e-campaign.py URL KEY CASE OUTDIR - drives headless chromium through the campaign pages
of a running `tenken serve`: sign in, record a contact, change a case's fields, and see the
statistics change. Screenshots go to OUTDIR. Exit 0 when every step shows what it should.

Chromium is driven over the DevTools protocol on a pipe (--remote-debugging-pipe: JSON
messages separated by NUL bytes on file descriptors 3 and 4), so nothing but the Python
standard library and Debian's chromium is needed. Only the server on loopback is visited."""
import base64
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time


class Browser:
    def __init__(self):
        exe = shutil.which("chromium") or shutil.which("chromium-browser")
        if not exe:
            raise SystemExit("chromium is not installed")
        self.profile = tempfile.mkdtemp(prefix="tk-e2e-")
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()
        # the child reads commands on fd 3 and writes answers on fd 4
        os.set_inheritable(to_child_r, True)
        os.set_inheritable(from_child_w, True)

        def fds():
            # via fresh descriptors: either pipe end may itself be 3 or 4
            a, b = os.dup(to_child_r), os.dup(from_child_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-extensions", "--disable-background-networking", "--disable-sync",
             "--user-data-dir=" + self.profile, "--remote-debugging-pipe",
             "--window-size=1100,1600", "about:blank"],
            # 3 and 4 kept too: the descriptors are closed after preexec_fn runs
            preexec_fn=fds, pass_fds=(to_child_r, from_child_w, 3, 4),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_child_r)
        os.close(from_child_w)
        self.buf = b""
        self.next_id = 0
        self.events = []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget",
                                 {"targetId": target, "flatten": True})["sessionId"]
        self.call("Page.enable", session=True)
        self.call("Runtime.enable", session=True)

    def _read(self, timeout):
        end = time.monotonic() + timeout
        while b"\0" not in self.buf:
            left = end - time.monotonic()
            if left <= 0 or not select.select([self.from_child], [], [], left)[0]:
                raise TimeoutError("chromium did not answer")
            chunk = os.read(self.from_child, 1 << 20)
            if not chunk:
                raise EOFError("chromium went away")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=False, timeout=20):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = self.session
        os.write(self.to_child, json.dumps(msg).encode() + b"\0")
        while True:
            m = self._read(timeout)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            self.events.append(m)

    def wait_load(self, timeout=20):
        end = time.monotonic() + timeout
        while True:
            for i, e in enumerate(self.events):
                if e.get("method") == "Page.loadEventFired":
                    del self.events[: i + 1]
                    return
            self.events.clear()
            self.events.append(self._read(max(0.1, end - time.monotonic())))

    def go(self, url):
        self.events.clear()
        self.call("Page.navigate", {"url": url}, session=True)
        self.wait_load()

    def js(self, expr):
        r = self.call("Runtime.evaluate", {"expression": expr, "returnByValue": True},
                      session=True)
        if "exceptionDetails" in r:
            raise RuntimeError("script failed: %s" % r["exceptionDetails"])
        return r["result"].get("value")

    def submit(self, expr):
        """Runs expr, which submits a form, and waits for the next page."""
        self.events.clear()
        self.js(expr)
        self.wait_load()

    def shot(self, path):
        data = self.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True},
                         session=True)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def close(self):
        try:
            self.call("Browser.close", timeout=5)
        except Exception:  # noqa: BLE001 - it may already be gone
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok: " + what)


def main():
    url, key, case, outdir = sys.argv[1:5]
    os.makedirs(outdir, exist_ok=True)
    b = Browser()
    try:
        b.go(url + "/campaigns")
        check(b.js("location.pathname") == "/login", "signed out, /campaigns sends to /login")
        b.submit("document.querySelector('input[name=key]').value = %s;"
                 "document.querySelector('select[name=lang]').value = 'en';"
                 "document.querySelector('form[action=\"/login\"]').submit()" % json.dumps(key))
        check(b.js("location.pathname") == "/campaigns", "signed in")
        check(b.js("document.querySelectorAll('main table tr').length") >= 2, "campaigns listed")
        b.shot(os.path.join(outdir, "1-campaigns.png"))

        # the statistics before: nobody has answered yet
        b.submit("document.querySelector('main table a').click()")
        campaign = b.js("location.pathname")
        check(b.js("document.querySelectorAll('#cases tr').length") >= 2, "cases listed")
        b.go(url + campaign + "/stats")
        before = b.js("document.querySelector('.card .v') ? "
                      "[...document.querySelectorAll('.card')].map(c => c.innerText) : null")
        check(before is not None and any("-" in c and "Did not know" in c for c in before),
              "statistics page: no answer yet")
        b.shot(os.path.join(outdir, "2-stats-before.png"))

        # a contact, then the case's fields
        b.go("%s/cases/%s" % (url, case))
        b.shot(os.path.join(outdir, "3-case.png"))
        b.submit("const f = document.querySelector('#contact');"
                 "f.querySelector('[name=date]').value = '2026-10-01';"
                 "f.querySelector('[name=channel]').value = 'email';"
                 "f.querySelector('[name=note]').value = 'sent the advisory <b>today</b>';"
                 "f.submit()")
        check(b.js("!!document.querySelector('#saved')"), "contact recorded")
        check("sent the advisory <b>today</b>" in b.js("document.body.innerText"),
              "the note is shown as text, not markup")
        check(b.js("document.querySelector('[name=status]').value") == "contacted",
              "a contact moves the case to contacted")
        b.submit("const f = document.querySelector('#fields');"
                 "f.querySelector('[name=aware]').value = 'no';"
                 "f.querySelector('[name=manager]').value = 'vendor';"
                 "f.querySelector('[name=status]').value = 'responded';"
                 "f.querySelector('#reasons-cost').checked = true;"
                 "f.submit()")
        check(b.js("!!document.querySelector('#saved')"), "fields saved")
        check(b.js("document.querySelector('[name=aware]').value") == "no", "aware kept")
        check(b.js("document.querySelector('#reasons-cost').checked"), "reason kept")
        audit = b.js("document.body.innerText")
        check("manager" in audit and "vendor" in audit, "the change is in the history")
        b.shot(os.path.join(outdir, "4-case-saved.png"))

        # an edit made against the version shown before another change is refused
        b.js("window.tkVersion = document.querySelector('#fields [name=version]').value")
        stale = b.js("document.querySelector('#fields').outerHTML")
        b.submit("const f = document.querySelector('#fields');"
                 "f.querySelector('[name=note]').value = 'first';"
                 "f.submit()")
        b.js("document.querySelector('#fields').outerHTML = %s" % json.dumps(stale))
        b.submit("const f = document.querySelector('#fields');"
                 "f.querySelector('[name=note]').value = 'second';"
                 "f.submit()")
        check("changed this case after you opened it" in b.js("document.body.innerText"),
              "a conflicting edit is refused")
        b.shot(os.path.join(outdir, "5-conflict.png"))

        # the statistics after: one organisation answered, and it did not know
        b.go(url + campaign + "/stats")
        after = b.js("[...document.querySelectorAll('.card')].map(c => c.innerText)")
        check(any("100%" in c and "Did not know" in c for c in after),
              "statistics page: the answer counts (100% did not know)")
        b.shot(os.path.join(outdir, "6-stats-after.png"))

        b.go("%s/cases/%s" % (url, case))
        b.submit("document.querySelector('form[action=\"/logout\"]').submit()")
        check(b.js("location.pathname") == "/login", "signed out")
        b.go("%s/cases/%s" % (url, case))
        check(b.js("location.pathname") == "/login", "the old session no longer opens a case")
    finally:
        b.close()


if __name__ == "__main__":
    main()

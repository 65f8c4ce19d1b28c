"""Drive JupyterLab in headless Chromium (Playwright) for the browser tests.

One :class:`LabServer` (a ``jupyter lab`` process on a temporary copy of ``course/``, private
config/settings/runtime dirs, random token, free port, no news/update checks, no autosave,
every cell rendered) and one Chromium tab (:class:`Lab`) serve the whole suite.  ``Lab.open``
opens one notebook at a time, ``clear_and_run_all`` clears its outputs, runs all cells and
waits robustly (see ``/work/shared/design/BROWSER.md``: the toolbar can say idle while the
status bar still reads "No Kernel | Initializing"), ``close_notebook`` shuts its kernel down.
The server is stopped by its process group id.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium",
                       "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_HINT = "Run this cell to show the interactive widget."
ERROR_SELECTOR = ("[data-mime-type='application/vnd.jupyter.stderr'], "
                  "[data-mime-type='application/vnd.jupyter.error']")

# JupyterLab user settings: no news / update pop-ups, no autosave, every cell in the DOM
# (windowed notebooks only render the cells on screen).
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def find_chromium() -> str | None:
    exe = os.environ.get("GOMEM_CHROMIUM")
    if exe:
        return exe if os.access(exe, os.X_OK) else None
    for exe in CHROMIUM_CANDIDATES:
        if os.access(exe, os.X_OK):
            return exe
    return shutil.which("chromium") or shutil.which("chromium-browser")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    """In the server's child process: get SIGTERM when the test process dies, even if it is
    killed before its fixtures can stop the server (the server then stops its kernels)."""
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class LabServer:
    """``jupyter lab`` on a copy of ``course_dir``; stop() kills its process group."""

    def __init__(self, course_dir: Path, work: Path, log=None):
        self.work = work
        self.root = work / "root"
        shutil.copytree(course_dir, self.root / course_dir.name,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        self.course = self.root / course_dir.name
        self.token = secrets.token_hex(16)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ)
        env.pop("MPLBACKEND", None)   # tests/conftest.py sets Agg; a learner's kernel has none
        for var, sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_RUNTIME_DIR", "runtime"),
                         ("JUPYTERLAB_SETTINGS_DIR", "settings"),
                         ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"), ("IPYTHONDIR", "ipython")):
            (work / sub).mkdir(parents=True, exist_ok=True)
            env[var] = str(work / sub)
        env["JUPYTER_DATA_DIR"] = str(work / "data")   # no user kernelspecs / extensions
        env["JUPYTER_PLATFORM_DIRS"] = "1"
        for name, value in LAB_SETTINGS.items():
            path = work / "settings" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(value))
        cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
               f"--port={self.port}", "--port-retries=0",
               f"--IdentityProvider.token={self.token}",
               f"--ServerApp.root_dir={self.root}",
               "--LabApp.expose_app_in_browser=True", "--LabApp.extension_manager=readonly",
               "--LabApp.news_url=None",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
        if os.geteuid() == 0:
            cmd.append("--allow-root")
        self.log_path = work / "jupyterlab.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, env=env, cwd=self.root, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True,
                                     preexec_fn=_die_with_parent)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited ({self.proc.returncode}):\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status?token={self.token}",
                                            timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.25)
        raise TimeoutError(f"jupyter lab not ready after {timeout} s:\n{self.log()}")

    def lab_url(self) -> str:
        return f"{self.url}/lab?token={self.token}&reset"

    def log(self, tail: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-tail:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)   # the server and its kernels
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
            except ProcessLookupError:
                pass
        self._log.close()


# -- JupyterLab in one browser tab; one notebook at a time -----------------------------------

# Everything below looks only inside the current notebook panel.
JS_PANEL = "window.jupyterapp.shell.currentWidget"

JS_STATE = """() => {
  const nb = window.jupyterapp.shell.currentWidget;
  const bar = document.querySelector('#jp-main-statusbar');
  const root = nb ? nb.node : document;
  const ind = root.querySelector('.jp-Notebook-ExecutionIndicator');
  const cells = [...root.querySelectorAll('.jp-Notebook .jp-CodeCell')];
  const models = nb && nb.content ? nb.content.widgets.map(c => c.model) : [];
  return {
    path: nb && nb.context ? nb.context.path : null,
    status: bar ? bar.innerText.replace(/\\s+/g, ' ') : '',
    indicator: ind ? ind.getAttribute('data-status') : null,
    prompts: cells.map(c => (c.querySelector('.jp-InputArea-prompt') || {}).innerText || ''),
    empty: models.filter(m => m.type === 'code').map(m => m.sharedModel.getSource().trim() === ''),
    errors: root.querySelectorAll(
      "[data-mime-type='application/vnd.jupyter.stderr'], [data-mime-type='application/vnd.jupyter.error']").length,
    dialog: document.querySelector('.jp-Dialog') ? document.querySelector('.jp-Dialog').innerText : null,
  };
}"""

# A code cell's top-level outputs that are widget views (the widget renderer sets no MIME
# type attribute); rendered = holds a .jupyter-widgets element and no failure text.
JS_WIDGET_VIEWS = """() => {
  const root = window.jupyterapp.shell.currentWidget.node;
  const cells = [...root.querySelectorAll('.jp-Notebook .jp-CodeCell')];
  const out = [];
  cells.forEach((c, i) => {
    c.querySelectorAll('.jp-Cell-outputArea > .jp-OutputArea-child > .jp-OutputArea-output')
     .forEach(v => {
       const mime = v.getAttribute('data-mime-type');
       if (mime && mime !== 'application/vnd.jupyter.widget-view+json') return;
       const text = v.innerText;
       const outs = [...v.querySelectorAll('.widget-output')];
       out.push({cell: i, text: text.slice(0, 300),
                 empty_outputs: outs.filter(o => !o.querySelector('.jp-OutputArea-output')).length,
                 rendered: !!v.querySelector('.jupyter-widgets') &&
                   !/Error displaying widget|could not be displayed|Loading widget/.test(text)});
     });
  });
  return out;
}"""

# Read expressions' reprs from the notebook's kernel without touching the notebook
# (a silent execute_request with user_expressions: no output, no execution count).
JS_KERNEL_EVAL = """async (exprs) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const future = kernel.requestExecute({code: '', silent: true, store_history: false,
                                        user_expressions: exprs});
  const reply = await future.done;
  const res = {};
  for (const [k, v] of Object.entries(reply.content.user_expressions || {})) {
    res[k] = v.status === 'ok' ? {ok: v.data['text/plain']} : {error: v.ename + ': ' + v.evalue};
  }
  return res;
}"""

JS_CLOSE = """async () => {
  const nb = window.jupyterapp.shell.currentWidget;
  if (!nb || !nb.context) return;
  try { await nb.sessionContext.shutdown(); } catch (e) {}
  nb.context.model.dirty = false;
  nb.dispose();
}"""


class LessonFailure(AssertionError):
    pass


class Lab:
    """The JupyterLab app in one tab of the shared browser; notebooks open one at a time."""

    def __init__(self, browser, server: LabServer, timeout: float = 90):
        self.server = server
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.page = self.context.new_page()
        self.page_errors: list[str] = []
        self.page.on("pageerror", lambda e: self.page_errors.append(str(e)))
        self.page.goto(server.lab_url(), wait_until="domcontentloaded", timeout=timeout * 1000)
        self.page.wait_for_function(
            "() => window.jupyterapp && window.jupyterapp.serviceManager"
            " && document.querySelector('#jp-main-statusbar')", timeout=timeout * 1000)
        self.page.evaluate("() => window.jupyterapp.restored")
        self.relpath = ""

    def close(self) -> None:
        self.context.close()

    # -- open, clear, run ---------------------------------------------------------------------
    def open(self, relpath: str, timeout: float = 90) -> None:
        self.relpath = relpath
        self.page.evaluate("(p) => window.jupyterapp.commands.execute('docmanager:open', "
                           "{path: p, factory: 'Notebook'})"
                           ".then(w => window.jupyterapp.shell.activateById(w.id))", relpath)
        self.page.wait_for_function(
            "(p) => { const w = window.jupyterapp.shell.currentWidget;"
            " return w && w.context && w.context.path === p && w.content"
            " && w.content.widgets.length > 0 && w.sessionContext.session"
            " && w.sessionContext.session.kernel; }", arg=relpath, timeout=timeout * 1000)
        self.wait_kernel_idle(timeout)

    def close_notebook(self) -> None:
        """Dismiss any dialog, shut the notebook's kernel down, close it without saving."""
        for button in self.page.locator(".jp-Dialog .jp-mod-reject").all():
            button.click()
        self.page.evaluate(JS_CLOSE)

    def state(self) -> dict:
        return self.page.evaluate(JS_STATE)

    @staticmethod
    def is_idle(st: dict) -> bool:
        return ("No Kernel" not in st["status"] and "Initializing" not in st["status"]
                and re.search(r"\|\s*Idle", st["status"]) is not None
                and st["indicator"] in (None, "idle"))

    def wait_kernel_idle(self, timeout: float = 90, settle: float = 0.0) -> dict:
        """The status bar says "| Idle" (a kernel is attached, started and idle), the toolbar
        indicator agrees, and both stayed so for ``settle`` seconds."""
        deadline = time.monotonic() + timeout
        idle_since = None
        while True:
            st = self.state()
            now = time.monotonic()
            if self.is_idle(st):
                idle_since = idle_since or now
                if now - idle_since >= settle:
                    return st
            else:
                idle_since = None
            if st["dialog"]:
                raise LessonFailure(f"{self.relpath}: dialog: {st['dialog'][:300]!r}")
            if now > deadline:
                raise LessonFailure(f"{self.relpath}: kernel not idle after {timeout:.0f} s "
                                    f"(status bar {st['status']!r}, indicator "
                                    f"{st['indicator']!r})")
            time.sleep(0.1)

    def command(self, name: str) -> None:
        self.page.evaluate("(c) => window.jupyterapp.commands.execute(c)", name)

    def clear_and_run_all(self, timeout: float = 300) -> dict:
        """Clear every output, run all cells, wait until every non-empty code cell has an
        execution count (or an error stopped the run) and the kernel is idle."""
        self.command("notebook:clear-all-cell-outputs")
        self.page.wait_for_function(
            f"() => {JS_PANEL}.node.querySelectorAll('.jp-OutputArea-output').length === 0",
            timeout=10_000)
        self.wait_kernel_idle()
        self.command("notebook:run-all-cells")
        deadline = time.monotonic() + timeout
        while True:
            st = self.state()
            if st["dialog"]:
                raise LessonFailure(f"{self.relpath}: dialog while running: "
                                    f"{st['dialog'][:300]!r}")
            todo = [i for i, (p, empty) in enumerate(zip(st["prompts"], st["empty"]))
                    if not empty and not re.fullmatch(r"\[\d+\]:", p.strip())]
            if not todo or st["errors"]:   # run-all stops at an error: no point waiting
                break
            if time.monotonic() > deadline:
                raise LessonFailure(f"{self.relpath}: code cells {todo} not run after "
                                    f"{timeout:.0f} s (status bar {st['status']!r})")
            time.sleep(0.2)
        return self.wait_kernel_idle(settle=0.5)

    # -- what the notebook shows -------------------------------------------------------------
    def panel(self):
        wid = self.page.evaluate(f"() => {JS_PANEL}.id")
        return self.page.locator(f"[id='{wid}']")

    def error_outputs(self) -> list[dict]:
        """Error and stderr outputs: [{cell: code-cell index, text: ...}]."""
        return self.page.evaluate(
            f"(sel) => [...{JS_PANEL}.node.querySelectorAll('.jp-Notebook .jp-CodeCell')]"
            ".flatMap((c, i) => [...c.querySelectorAll(sel)]"
            ".map(e => ({cell: i, text: e.innerText.slice(0, 1500)})))", ERROR_SELECTOR)

    def text_count(self, text: str) -> int:
        return self.page.evaluate(
            f"(t) => {JS_PANEL}.node.querySelector('.jp-Notebook').innerText.split(t).length - 1",
            text)

    def widget_views(self) -> list[dict]:
        return self.page.evaluate(JS_WIDGET_VIEWS)

    def code_cell(self, index: int):
        """Locator of the index-th code cell (0-based, counting code cells only)."""
        return self.panel().locator(".jp-Notebook .jp-CodeCell").nth(index)

    def execution_count(self, index: int) -> int | None:
        text = self.code_cell(index).locator(".jp-InputArea-prompt").inner_text()
        m = re.search(r"\[(\d+)\]", text)
        return int(m.group(1)) if m else None

    def kernel_eval(self, exprs: dict[str, str]) -> dict:
        return self.page.evaluate(JS_KERNEL_EVAL, exprs)

    def images(self, cell_index: int) -> list[str]:
        return self.code_cell(cell_index).locator(".widget-output img").evaluate_all(
            "els => els.map(e => e.getAttribute('src') || '')")

    def wait_images_settled(self, cell_index: int, before: list[str], timeout: float = 90,
                            quiet: float = 0.8) -> list[str]:
        """Wait until the cell's images differ from ``before``, the kernel is idle and the
        images have not changed for ``quiet`` seconds (the first change can be a stale
        frame).  Returns the images then (equal to ``before`` if nothing changed)."""
        deadline = time.monotonic() + timeout
        last, since, changed = None, time.monotonic(), False
        while True:
            imgs = self.images(cell_index)
            if imgs != last:
                last, since = imgs, time.monotonic()
            changed = changed or (imgs != before and imgs and all(imgs))
            if (changed and self.is_idle(self.state())
                    and time.monotonic() - since >= quiet) or time.monotonic() > deadline:
                return imgs
            time.sleep(0.1)

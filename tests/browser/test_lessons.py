"""Every lesson in a real browser: run it in JupyterLab, check its widgets render and respond.

Per lesson (``course/*.ipynb``, found at collection time): open it, clear the outputs, run
all cells; assert no error output and no "Error displaying widget", and that every widget
cell shows a rendered widget.  Then move controls as the lesson's row of ``MOVES`` says (a
lesson without a row gets the generic move: the first slider one step, else the first
dropdown/toggle/checkbox/button) and check the result is the right one:

- the control shows the new value (slider readout, selected option, ...);
- the widget object in the kernel (``Out[n]`` of the widget cell, read with a silent
  ``user_expressions`` request) has a figure title containing the expected text and no
  ``error``;
- the PNG the browser shows is exactly the kernel's current figure rendered afresh with
  ``gomem.viz.render.png_bytes`` (so the picture on screen is the one with that title, not
  a stale frame).

``GOMEM_BROWSER_MOVES=generic`` uses the generic move for every lesson.

One screenshot per widget (after the moves) goes to ``out/screenshots/<lesson>-w<k>.png``;
a lesson without widgets gets ``<lesson>.png``.
"""

from __future__ import annotations

import ast
import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from jlab import WIDGET_HINT, WIDGET_VIEW, Lab, LessonFailure

COURSE = Path(__file__).resolve().parents[2] / "course"
LESSONS = sorted(COURSE.glob("*.ipynb"))

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Move:
    """Set one control of one widget, then check what it drives."""
    widget: int                    # which widget of the lesson, 0-based in notebook order
    kind: str                      # slider | dropdown | checkbox | toggle | text | button
    label: str                     # the control's description (a button: its text)
    to: object = None              # slider: readout to reach; dropdown: option; toggle: button
                                   # text; text: value typed + Enter; checkbox: True/False;
                                   # button: number of clicks
    title: tuple[str, ...] = ()    # the kernel-side figure title must contain these
    shows: tuple[str, ...] = ()    # the widget's visible text must contain these
    direction: int = 1             # arrow key for sliders whose readouts are not numbers


# lesson number -> moves, in order.  [] = the lesson has no widget.
MOVES: dict[str, list[Move]] = {
    "00": [],
    "01": [Move(0, "slider", "frames", "20",
                title=("LRU, working set 24 pages, 20 frames: 27.0% faults",)),
           Move(0, "dropdown", "policy", "fifo", title=("FIFO, working set 24 pages, 20 frames",))],
    "02": [Move(0, "dropdown", "fit", "best", title=("best-fit segments vs 4 KiB pages",)),
           Move(0, "slider", "page size", "16 KiB",
                title=("best-fit segments vs 16 KiB pages",)),
           Move(1, "slider", "page size", "8 KiB", title=("page size 8 KiB: waste",)),
           Move(2, "text", "address", "0x0",
                title=("walk of 0x0 with 9+9+9+9+12: 3 reads -> page fault",)),
           Move(2, "text", "address", "0x403010",
                title=("walk of 0x403010 with 9+9+9+9+12: 4 reads -> physical 0x2010",)),
           Move(2, "dropdown", "layout", "32-bit 2-level 10+10+12",
                title=("walk of 0x403010 with 10+10+12:",))],
    "03": [Move(0, "slider", "GOMAXPROCS", "8", title=("small structs, GOMAXPROCS=8,",)),
           Move(0, "dropdown", "mix", "strings and []byte",
                title=("strings and []byte, GOMAXPROCS=8,",))],
    "04": [Move(0, "dropdown", "sizes", "1 B - 256 B",
                title=("1 B - 256 B, no pointers (tiny < 16 B): mean waste",)),
           Move(0, "checkbox", "has pointers", True, title=("1 B - 256 B, with pointers",)),
           Move(1, "text", "size (B)", "33",
                title=("33 B noscan -> class 5 (48 B slot), waste 15 B (31.2%)",))],
    "05": [Move(0, "button", "step +1", 2, title=("step 2: slot",), shows=("step",)),
           Move(0, "dropdown", "object size", "128 B", title=("128 B scan",))],
    "06": [Move(0, "slider", "allocations", "1100", title=("1100 allocations",)),
           Move(0, "dropdown", "size mix", "tiny", title=("mix 'tiny', 1100 allocations",))],
    "07": [Move(0, "toggle", "sweep", "lazy", title=("lazy sweep, background sweeper 0",)),
           Move(0, "slider", "bg sweep", "2", title=("lazy sweep, background sweeper 2",))],
    "08": [Move(0, "toggle", "GC", "classic", title=("classic GC", " - agree"),
                shows=("go1.27",)),
           Move(0, "text", "count", "5000", title=("5000 x ", "classic GC", " - agree"))],
    "09": [Move(0, "dropdown", "GOGC", "200", title=("GOGC=200",)),
           Move(0, "dropdown", "allocators", "Go only", title=("GOGC=200",))],
}

WIDGET_CALL = re.compile(r"^[\w.]*widget\w*\(.*\)\s*$")


def lesson_facts(path: Path) -> tuple[set[int], set[int]]:
    """(code cells that must show a widget, code cells allowed to raise), counted among code
    cells.  A widget cell stores the run-me hint or a widget view, or ends with ``*widget(...)``."""
    nb = json.loads(path.read_text())
    widgets, raises, k = set(), set(), -1
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        k += 1
        src = "".join(cell["source"])
        lines = [ln for ln in src.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
        outs = json.dumps(cell.get("outputs", []))
        if WIDGET_HINT in outs or WIDGET_VIEW in outs or (lines and WIDGET_CALL.match(lines[-1])):
            widgets.add(k)
        if "raises-exception" in cell.get("metadata", {}).get("tags", []):
            raises.add(k)
    return widgets, raises


# -- reading the kernel's widget --------------------------------------------------------------

def kernel_view(lab: Lab, count: int | None) -> dict:
    """Title, error and current figure PNG (base64) of ``Out[count]``, read silently."""
    if count is None:
        return {"missing": "the widget cell has no execution count"}
    obj = f"Out.get({count})"
    res = lab.kernel_eval({
        "type": f"type({obj}).__name__",
        "title": f"getattr({obj}, 'title', None)",
        "error": f"getattr({obj}, 'error', None)",
        # the current figure rendered afresh, not the widget's cached bytes: a stale cache fails
        "png": f"(lambda f: None if f is None else __import__('gomem.viz.render', fromlist=['_'])"
               f".png_bytes(f, fresh=True))(getattr({obj}, 'figure', None))",
    })
    out = {}
    for key, val in res.items():
        if "error" in val:
            out[key] = None
            out.setdefault("eval_errors", []).append(f"{key}: {val['error']}")
        else:
            out[key] = ast.literal_eval(val["ok"]) if key != "type" else val["ok"].strip("'")
    if out.get("type") == "NoneType":
        out["missing"] = f"Out[{count}] does not exist: the widget is not the cell's value"
    if isinstance(out.get("png"), bytes):
        import base64
        out["png"] = base64.b64encode(out["png"]).decode()
    return out


def shown_png(lab: Lab, cell: int) -> str | None:
    imgs = [s for s in lab.images(cell) if s.startswith("data:image/png;base64,")]
    return re.sub(r"\s+", "", imgs[-1].split(",", 1)[1]) if imgs else None


# -- moving controls ----------------------------------------------------------------------------

def labelled(cell, css: str, label: str):
    exact = re.compile(rf"^\s*{re.escape(label)}\s*$")
    return cell.locator(css).filter(has=cell.page.locator(".widget-label", has_text=exact))


def one(loc, what: str):
    n = loc.count()
    if n != 1:
        raise LessonFailure(f"{what}: found {n} matching controls, expected 1")
    return loc


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()


def as_number(text: str):
    try:
        return float(text)
    except ValueError:
        return None


def do_move(lab: Lab, cell, m: Move) -> str:
    """Perform ``m`` on the widget in ``cell``; return what the control shows afterwards."""
    what = f"{m.kind} {m.label!r}"
    if m.kind == "slider":
        ctl = one(labelled(cell, ".widget-slider", m.label), what)
        handle, readout = ctl.locator(".noUi-handle"), ctl.locator(".widget-readout")
        target = str(m.to)
        for _ in range(200):
            cur = norm(readout.inner_text())
            if cur == target:
                return cur
            a, b = as_number(cur), as_number(target)
            step = (1 if b > a else -1) if a is not None and b is not None else m.direction
            handle.focus()
            handle.press("ArrowRight" if step > 0 else "ArrowLeft")
            deadline = time.monotonic() + 5
            while norm(readout.inner_text()) == cur and time.monotonic() < deadline:
                time.sleep(0.05)
            if norm(readout.inner_text()) == cur:
                raise LessonFailure(f"{what}: the arrow key does not move it from {cur!r}")
        raise LessonFailure(f"{what}: never reached {target!r}")
    if m.kind == "dropdown":
        select = one(labelled(cell, ".widget-dropdown", m.label), what).locator("select")
        options = [norm(o) for o in select.locator("option").all_inner_texts()]
        if str(m.to) not in options:
            raise LessonFailure(f"{what}: no option {m.to!r} in {options}")
        select.select_option(index=options.index(str(m.to)))
        return norm(select.evaluate("s => s.options[s.selectedIndex].text"))
    if m.kind == "checkbox":
        ctl = one(cell.locator(".widget-checkbox").filter(has_text=m.label), what)
        box = ctl.locator("input[type=checkbox]")
        if box.is_checked() != bool(m.to):
            box.click()
        return str(box.is_checked())
    if m.kind == "toggle":
        ctl = one(labelled(cell, ".widget-toggle-buttons", m.label), what)
        button = ctl.locator("button").filter(has_text=re.compile(rf"^\s*{re.escape(m.to)}\s*$"))
        one(button, f"{what} button {m.to!r}").click()
        return norm(ctl.locator("button.mod-active").inner_text())
    if m.kind == "text":
        box = one(labelled(cell, ".widget-text", m.label), what).locator("input")
        box.fill(str(m.to))
        box.press("Enter")
        return box.input_value()
    if m.kind == "button":
        button = one(cell.locator("button.widget-button").filter(
            has_text=re.compile(rf"^\s*{re.escape(m.label)}\s*$")), what)
        for _ in range(int(m.to or 1)):
            button.click()
            lab.wait_kernel_idle(settle=0.2)
        return f"clicked {int(m.to or 1)}x"
    raise ValueError(f"unknown control kind {m.kind!r}")


def generic_move(cell) -> Move:
    """The fallback for lessons without a row in MOVES: the first control that can move."""
    sliders = cell.locator(".widget-slider")
    if sliders.count():
        label = norm(sliders.first.locator(".widget-label").inner_text())
        readout = norm(sliders.first.locator(".widget-readout").inner_text())
        return Move(0, "generic-slider", label, readout)
    for kind, css in (("dropdown", ".widget-dropdown"), ("toggle", ".widget-toggle-buttons")):
        ctl = cell.locator(css)
        if ctl.count():
            label = norm(ctl.first.locator(".widget-label").inner_text())
            if kind == "dropdown":
                opts = [norm(o) for o in ctl.first.locator("option").all_inner_texts()]
                cur = norm(ctl.first.locator("select").evaluate(
                    "s => s.options[s.selectedIndex].text"))
            else:
                opts = [norm(o) for o in ctl.first.locator("button").all_inner_texts()]
                cur = norm(ctl.first.locator("button.mod-active").inner_text())
            other = [o for o in opts if o != cur]
            if other:
                return Move(0, kind, label, other[0])
    if cell.locator(".widget-checkbox").count():
        box = cell.locator(".widget-checkbox").first
        return Move(0, "checkbox", norm(box.inner_text()),
                    not box.locator("input").is_checked())
    if cell.locator("button.widget-button").count():
        return Move(0, "button", norm(cell.locator("button.widget-button").first.inner_text()), 1)
    raise LessonFailure("the widget has no slider, dropdown, toggle, checkbox or button")


def run_move(lab: Lab, cell_index: int, m: Move, problems: list[str]) -> None:
    cell = lab.code_cell(cell_index)
    count = lab.execution_count(cell_index)
    before_imgs = lab.images(cell_index)
    before = kernel_view(lab, count)
    if m.kind == "generic-slider":      # one step right (or left at the end of the range)
        ctl = cell.locator(".widget-slider").first
        handle, readout = ctl.locator(".noUi-handle"), ctl.locator(".widget-readout")
        for key in ("ArrowRight", "ArrowLeft"):
            handle.focus()
            handle.press(key)
            time.sleep(0.3)
            if norm(readout.inner_text()) != m.to:
                break
        shown = norm(readout.inner_text())
        if shown == m.to:
            raise LessonFailure(f"slider {m.label!r}: arrow keys do not move it")
    else:
        shown = do_move(lab, cell, m)
    where = f"widget {m.widget} (code cell {cell_index}), {m.kind} {m.label!r} -> {m.to!r}"
    if m.kind in ("slider", "dropdown", "toggle") and shown != str(m.to):
        problems.append(f"{where}: control shows {shown!r}")
    after_imgs = lab.wait_images_settled(cell_index, before_imgs)
    lab.wait_kernel_idle(settle=0.3)
    after = kernel_view(lab, count)
    text = norm(cell.locator(".jp-Cell-outputArea").inner_text())
    if before_imgs and after_imgs == before_imgs:
        problems.append(f"{where}: the plot did not change")
    if "missing" in after:
        if m.title:
            problems.append(f"{where}: cannot check the title: {after['missing']}")
    else:
        title = after.get("title") or ""
        for want in m.title:
            if want not in title:
                problems.append(f"{where}: title {title!r} lacks {want!r}")
        if not m.title and after.get("title") == before.get("title") is not None:
            problems.append(f"{where}: title unchanged: {title!r}")
        if after.get("error"):
            problems.append(f"{where}: widget error {after['error']!r}")
        if after.get("png"):
            want = re.sub(r"\s+", "", after["png"])
            deadline = time.monotonic() + 10   # the last frame may still be on its way
            while (png := shown_png(lab, cell_index)) != want and time.monotonic() < deadline:
                time.sleep(0.2)
            if png != want:
                problems.append(f"{where}: the browser shows a different PNG than the kernel's "
                                f"current figure ({title!r})")
        elif m.title:
            problems.append(f"{where}: no kernel-side figure to compare with the browser's "
                            f"({after.get('eval_errors')})")
    for want in m.shows:
        if want not in text:
            problems.append(f"{where}: widget text lacks {want!r}")


# -- the test -----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_in_browser(lab: Lab, screenshot_dir: Path, path: Path):
    rel = f"{COURSE.name}/{path.name}"
    expect_widgets, may_raise = lesson_facts(path)
    for old in screenshot_dir.glob(f"{path.stem}*.png"):
        old.unlink()
    lab.open(rel)
    try:
        _check_lesson(lab, screenshot_dir, path, expect_widgets, may_raise)
    except BaseException:
        if not any(screenshot_dir.glob(f"{path.stem}*.png")):   # for the failure report
            lab.page.screenshot(path=str(screenshot_dir / f"{path.stem}-failed.png"))
        raise
    finally:
        lab.close_notebook()


def _check_lesson(lab, screenshot_dir, path, expect_widgets, may_raise):
    st = lab.clear_and_run_all()
    errors = [e for e in lab.error_outputs() if e["cell"] not in may_raise]
    assert not errors, "error output:\n" + "\n---\n".join(
        f"code cell {e['cell']}: {e['text']}" for e in errors)
    not_run = [i for i, (p, empty) in enumerate(zip(st["prompts"], st["empty"]))
               if not empty and not re.fullmatch(r"\[\d+\]:", p.strip())]
    assert not not_run, f"code cells {not_run} did not run"
    assert lab.text_count("Error displaying widget") == 0, "Error displaying widget"

    views = lab.widget_views()
    broken = [v for v in views if not v["rendered"]]
    assert not broken, f"widgets not rendered: {broken}"
    blank = [v for v in views if v["empty_outputs"]]
    assert not blank, f"widgets whose plot/output area stayed empty: {blank}"
    view_cells = sorted({v["cell"] for v in views})
    missing = sorted(expect_widgets - set(view_cells))
    assert not missing, (f"code cells {missing} should show a widget; widgets are in "
                         f"{view_cells}")

    moves = None if os.environ.get("GOMEM_BROWSER_MOVES") == "generic" else MOVES.get(path.name[:2])
    if moves is None and view_cells:
        moves = [generic_move(lab.code_cell(view_cells[0]))]
    if moves == [] or not view_cells:
        assert not view_cells, f"{path.name} has widgets in code cells {view_cells} but no moves"
        figure = lab.panel().locator(".jp-CodeCell .jp-Cell-outputArea").filter(
            has=lab.page.locator("img"))
        if figure.count():   # no widget: the lesson's first figure instead
            figure.first.scroll_into_view_if_needed()
            figure.first.screenshot(path=str(screenshot_dir / f"{path.stem}.png"))
        else:
            lab.page.screenshot(path=str(screenshot_dir / f"{path.stem}.png"))
        return
    problems: list[str] = []
    for m in moves:
        assert m.widget < len(view_cells), f"{m}: the lesson has {len(view_cells)} widgets"
        run_move(lab, view_cells[m.widget], m, problems)

    errors = [e for e in lab.error_outputs() if e["cell"] not in may_raise]
    problems += [f"error output in code cell {e['cell']}: {e['text']}" for e in errors]
    if lab.text_count("Error displaying widget"):
        problems.append("Error displaying widget (after the moves)")
    for k, cell_index in enumerate(view_cells):
        out = lab.code_cell(cell_index).locator(".jp-Cell-outputArea")
        out.scroll_into_view_if_needed()
        out.screenshot(path=str(screenshot_dir / f"{path.stem}-w{k}.png"))
    assert not problems, "\n".join(problems)

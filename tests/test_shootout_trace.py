"""Lesson 09: the malloc-lab trace format and the seeded trace generators."""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gomem.errors import BadSizeError, ConfigError, GoMemError
from gomem.shootout import SHAPES, Op, Trace, TraceError, generate, parse_trace, write_trace
from gomem.shootout.generate import peak_payload
from gomem.shootout.trace import check_ops

TEXT = """20000
3
5
1
a 0 512
a 1 128
r 0 640
f 1
f 0
"""


def test_parse_handmade_trace():
    t = parse_trace(TEXT, "hand")
    assert t.ops == (Op("a", 0, 512), Op("a", 1, 128), Op("r", 0, 640), Op("f", 1, 0),
                     Op("f", 0, 0))
    assert (t.num_ids, t.suggested_heap, t.weight, t.name) == (3, 20000, 1, "hand")
    assert write_trace(t) == TEXT
    assert "5 ops (2 malloc, 2 free, 1 realloc) on 3 ids" in t.describe()


def test_blank_lines_and_comments_are_skipped():
    text = "# made by hand\n\n" + TEXT.replace("a 1 128\n", "a 1 128\n\n# a comment\n")
    assert parse_trace(text) == parse_trace(TEXT)


@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize("seed", [0, 1, 7])
def test_generated_traces_round_trip(shape, seed):
    t = generate(shape, 1500, seed)
    assert len(t) == 1500
    assert parse_trace(write_trace(t), t.name) == t
    assert t.suggested_heap == peak_payload(t.ops) > 0


@settings(max_examples=60, deadline=None)
@given(shape=st.sampled_from(list(SHAPES)), n=st.integers(1, 700), seed=st.integers(0, 10**6))
def test_generated_traces_are_legal(shape, n, seed):
    """generate() builds legal traces by construction (it does not re-check them): every
    free and realloc names a live id, ids are new when allocated, sizes are ints >= 1."""
    t = generate(shape, n, seed)
    check_ops(t.ops, t.num_ids)
    assert len(t) == n and t.num_ids == 1 + max(o.id for o in t.ops)


@pytest.mark.parametrize("shape", list(SHAPES))
def test_generator_is_deterministic_and_seeded(shape):
    assert generate(shape, 800, 3) == generate(shape, 800, 3)
    assert generate(shape, 800, 3).ops != generate(shape, 800, 4).ops
    # an explicit Random gives the same ops as its seed
    assert generate(shape, 800, random.Random(3)).ops == generate(shape, 800, 3).ops


def test_shapes_have_their_character():
    kinds = {s: {k: sum(o.kind == k for o in generate(s, 3000, 0).ops) for k in "afr"}
             for s in SHAPES}
    assert kinds["small"]["r"] == kinds["bimodal"]["r"] == 0
    assert kinds["growing"]["r"] > 1000                  # arrays grown by realloc
    assert kinds["server"]["r"] > 0 and kinds["server"]["f"] > 1000
    small = generate("small", 3000, 0)
    assert max(o.size for o in small.ops) <= 128
    big = [o.size for o in generate("bimodal", 3000, 0).ops if o.kind == "a" and o.size > 64]
    assert big and min(big) >= 2048 and max(big) > 32760   # some are Go large objects


def test_generator_rejects_bad_arguments():
    with pytest.raises(ConfigError, match="unknown trace shape"):
        generate("huge", 10)
    for n in (0, -1, 2.5, True, 10**9):
        with pytest.raises(ConfigError):
            generate("small", n)


BAD = [
    ("", "4 header lines"),
    ("10\n2\n1\n", "4 header lines"),
    ("10\n2 3\n1\n1\na 0 8\n", "header field 'number of ids'"),
    ("x\n2\n1\n1\na 0 8\n", "suggested heap size must be an integer"),
    ("10\n-2\n1\n1\na 0 8\n", "must be >= 0"),
    ("10\n2\n1\n1\nm 0 8\n", "unknown operation 'm'"),
    ("10\n2\n1\n1\na 0\n", "expected 'a ID SIZE'"),
    ("10\n2\n2\n1\na 0 8\nf 0 8\n", "expected 'f ID'"),
    ("10\n2\n1\n1\na 2 8\n", "id 2 out of range 0..1"),
    ("10\n2\n1\n1\na x 8\n", "id must be an integer"),
    ("10\n2\n2\n1\na 0 8\na 0 8\n", "already allocated"),
    ("10\n2\n1\n1\nf 1\n", "free of id 1, which is not allocated"),
    ("10\n2\n1\n1\nr 1 8\n", "realloc of id 1"),
    ("10\n2\n3\n1\na 0 8\nf 0\nf 0\n", "line 7: free of id 0"),
    ("10\n2\n2\n1\na 0 8\n", "header says 2 ops, the trace has 1"),
]


@pytest.mark.parametrize("text,message", BAD)
def test_malformed_traces_raise_trace_errors(text, message):
    with pytest.raises(TraceError, match=message) as info:
        parse_trace(text)
    assert isinstance(info.value, (ConfigError, GoMemError))


@pytest.mark.parametrize("size", ["0", "-5", "8.5", "eight"])
def test_bad_sizes_raise_bad_size_error(size):
    with pytest.raises(BadSizeError, match="line 5: size"):
        parse_trace(f"10\n2\n1\n1\na 0 {size}\n")


def test_parse_rejects_non_text_and_write_checks_ops():
    with pytest.raises(TraceError):
        parse_trace(b"10\n1\n0\n1\n")
    with pytest.raises(TraceError, match="not allocated"):
        write_trace(Trace((Op("f", 0),), 1))
    with pytest.raises(BadSizeError):
        write_trace(Trace((Op("a", 0, 0),), 1))


@st.composite
def legal_traces(draw):
    n_ids = draw(st.integers(1, 8))
    live, ops = set(), []
    for _ in range(draw(st.integers(0, 60))):
        i = draw(st.integers(0, n_ids - 1))
        if i in live:
            if draw(st.booleans()):
                ops.append(Op("f", i))
                live.discard(i)
            else:
                ops.append(Op("r", i, draw(st.integers(1, 1 << 20))))
        else:
            ops.append(Op("a", i, draw(st.integers(1, 1 << 20))))
            live.add(i)
    return Trace(tuple(ops), n_ids, draw(st.integers(0, 10**9)), draw(st.integers(0, 9)))


@settings(max_examples=150, deadline=None)
@given(legal_traces())
def test_any_legal_trace_round_trips(t):
    assert parse_trace(write_trace(t)) == t

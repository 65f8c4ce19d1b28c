"""Course content kept as data, so tests can hold the lessons to it.

``seedcheck``: every claim of the seed blog post, the lesson cell that settles it, the verdict
and the evidence (computed from gomem).  ``glossary``: 中文 term <-> English <-> Go identifier
<-> lesson.  ``makeclasses``, ``layout``, ``growth``: small experiments the lessons step through
(``makeClasses`` decision by decision, where an object lands in its span, how the heap grows).
"""

"""Exercises and grading for the gomem course.

In a notebook: ``from gomem.grading import check`` then ``check("04.size_to_class",
size_to_class)`` for immediate feedback, and the seeded questions of
:mod:`gomem.grading.questions`.  For instructors: ``gomem exercises`` (generate
``exercises/`` from ``solutions/``) and ``gomem grade`` (see :mod:`gomem.grading.cli`,
whose docstring tells how grading is kept out of a submission's reach).
"""

from gomem.grading.feedback import check

__all__ = ["check"]

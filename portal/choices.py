"""Static select choices in the shape the installed WTForms wants.

WTForms 3.3 deprecates ``(value, label)`` tuples in favour of ``SelectChoice``; older releases
only know tuples. Declaring choices through ``options()`` keeps both working without a pin.
"""

from __future__ import annotations

try:
    from wtforms.fields.choices import SelectChoice
except ImportError:  # WTForms < 3.3
    SelectChoice = None


def options(pairs):
    pairs = list(pairs)
    if SelectChoice is None:
        return pairs
    return [SelectChoice(value, label) for value, label in pairs]

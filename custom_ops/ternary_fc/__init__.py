"""TPL_TERNARY_FC: int8 fully connected layer with 2-bit packed ternary weights.

``reference.py`` defines the semantics; ``ternary_fc.c``/``ternary_fc.h`` are the portable C core;
``ternary_fc_tflm.cc`` registers it with TFLM's ``MicroMutableOpResolver::AddCustom``.
"""

from pathlib import Path

#: Folder holding ternary_fc.c / ternary_fc.h (for builds that compile the kernel).
SOURCE_DIR = Path(__file__).resolve().parent
C_SOURCES = (SOURCE_DIR / "ternary_fc.c",)
C_HEADER = SOURCE_DIR / "ternary_fc.h"

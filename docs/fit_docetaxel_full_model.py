"""The joint fit of the neutrophil lineage's structure and the full model's docetaxel kill, as run for
docs/chemotherapy_full_model.md: a wrapper of :mod:`hemasim.inference.docetaxel` (data, method and rule there).

Run: PYTHONPATH=src python docs/fit_docetaxel_full_model.py [--no-craig] (about 10 minutes; writes
docs/images/chemo_fit.json).
"""

from __future__ import annotations

import sys

from hemasim.inference.docetaxel import main

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""The band histograms' counting kernel: one pass over a partition's values, no temporaries (numba, nogil).

It counts exactly what ``np.searchsorted(edges, values, side="right")`` followed by ``np.bincount`` per output time
counted (the runner's first version; bit-identical counts, tests/test_cohort_bins.py): the bin is first guessed
from the logarithm (the edges are log-spaced) and then moved to where the edges themselves put it, so rounding in
the logarithm cannot move a value across an edge. NaN counts in the last (overflow) bin, as searchsorted puts it.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def add_log_bin_counts(edges: np.ndarray, values: np.ndarray, hist: np.ndarray) -> None:  # pragma: no cover - numba
    """Add to ``hist`` (n_times, len(edges) + 1) the count of each row of ``values`` (patients, n_times) in each
    bin: bin k holds the values with k edges at or below them (0: below the first edge; len(edges): at or above the
    last, and NaN). ``edges`` are increasing, positive and log-spaced (``np.logspace``)."""
    n_edges = edges.shape[0]
    log_first = np.log(edges[0])
    per_log = (n_edges - 1) / (np.log(edges[n_edges - 1]) - log_first)
    for i in range(values.shape[0]):
        for t in range(values.shape[1]):
            v = values[i, t]
            if np.isnan(v) or v >= edges[n_edges - 1]:
                k = n_edges
            elif v < edges[0]:
                k = 0
            else:  # edges[0] <= v < edges[-1]: the guess, then the edges' own verdict
                g = min(max(int((np.log(v) - log_first) * per_log), 0), n_edges - 2)
                while edges[g + 1] <= v:
                    g += 1
                while edges[g] > v:
                    g -= 1
                k = g + 1
            hist[t, k] += 1

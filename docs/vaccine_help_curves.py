"""The model's dependence of a vaccine response on CD4 and B counts (docs/immunity.md, "CD4 dependence of vaccine
responses from data"): the help factors of the shipped law, relative to the healthy reference adult's response.
A primary response is proportional to h(B) h(N4), a recall to h(M4) (recruitment is linear in them; the antibody
feedback changes a dose by under 3%). Prints a markdown table.

Run: python docs/vaccine_help_curves.py
"""

from __future__ import annotations

import numpy as np

from hemasim.biology.vaccine import help_at, reference_blood_counts
from hemasim.parameters import healthy_adult_parameters

FIT_BOUND_K = 2000.0  # the fit's estimate on Veiga 2006 (at the parameter's bound; not adopted by the rule)


def table() -> str:
    p = healthy_adult_parameters()
    ref = reference_blood_counts()
    k_cd4 = p.value("vaccine_cd4_help_half_saturation_per_uL")
    k_b = p.value("vaccine_b_help_half_saturation_per_uL")
    share = ref["naive_cd4"] / (ref["naive_cd4"] + ref["memory_cd4"])
    total = np.array([25.0, 50.0, 100.0, 200.0, 350.0, 500.0, 813.5, 1200.0])
    naive, memory = total * share, total * (1 - share)
    lines = [f"| total CD4/uL | naive, memory /uL | primary h(N4), K = {k_cd4:g} | recall h(M4), K = {k_cd4:g} "
             f"| primary h(N4), K = {FIT_BOUND_K:g} (fit, not adopted) |", "|---|---|---|---|---|"]
    lines += [f"| {c:g} | {n:.0f}, {m:.0f} | {hn:.2f} | {hm:.2f} | {hf:.2f} |" for c, n, m, hn, hm, hf in zip(
        total, naive, memory, help_at(naive, ref["naive_cd4"], k_cd4), help_at(memory, ref["memory_cd4"], k_cd4),
        help_at(naive, ref["naive_cd4"], FIT_BOUND_K), strict=True)]
    b = np.array([1.0, 5.0, 10.0, 20.0, 50.0, 100.0, 332.5, 600.0])
    lines += ["", f"| B cells/uL | h(B), K = {k_b:g} |", "|---|---|"]
    lines += [f"| {c:g} | {h:.2f} |" for c, h in zip(b, help_at(b, ref["b"], k_b), strict=True)]
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())

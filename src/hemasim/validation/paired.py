"""Within-subject ratios (paired measurements): how much a band built as if its two estimates were independent
depends on that reading (audit honest35; the rule is in docs/validation.md, "How the bands were sourced").

A ratio of two estimates from the same people (a day over another day in one cohort) has, on the log scale,
Var = s1^2 + s2^2 - 2 rho s1 s2, where s1 and s2 are the two estimates' log-scale standard errors and rho the
within-person correlation of the two log values. The registered bands of such ratios take rho = 0 (the two estimates'
intervals combined as independent), which is the widest reading for any rho >= 0. :func:`rho_to_fail` gives the
correlation above which a paired 95% interval, centred on the same published ratio, would no longer hold the model's
value; :data:`PAIRED_RATIOS` lists the source figures of every registered within-subject ratio band combined that way
(the test rebuilds each band from them), and ``python -m hemasim.validation.paired CARD.json`` prints the limits for
a card's values (the table in docs/validation.md, "Paired measurements: the audit"). Each entry carries the typical
within-person correlation of pairs like its own (published or derived; None where none was found), and
:func:`fragile_passes` names the passing predictions one of whose checks would fail at it: the card's summary counts
them inside its passes on the uncertainty of a published estimate (branch honest35b).

This module only reads: no band, read-out or status depends on it.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass

from hemasim._confidence import Z_95

__all__ = ["PAIRED_RATIOS", "Estimate", "PairedRatio", "TypicalRho", "fragile_passes", "independent_interval",
           "rho_limits", "rho_to_fail"]


@dataclass(frozen=True)
class Estimate:
    """A published estimate and its log-scale standard error (relative SE for a mean: the delta method)."""

    value: float
    log_se: float

    @classmethod
    def from_ci(cls, value: float, lower: float, upper: float) -> Estimate:
        """A geometric mean with its 95% interval: log SE = ln(upper / lower) / (2 z)."""
        return cls(value, math.log(upper / lower) / (2.0 * Z_95))

    @classmethod
    def from_mean_se(cls, mean: float, se: float) -> Estimate:
        """An arithmetic mean with its standard error: log SE = SE / mean."""
        return cls(mean, se / mean)

    @classmethod
    def from_mean_sd(cls, mean: float, sd: float, n: int) -> Estimate:
        """An arithmetic mean with the SD of its n subjects: log SE = SD / (mean sqrt(n))."""
        return cls(mean, sd / (mean * math.sqrt(n)))


def rho_to_fail(numerator: Estimate, denominator: Estimate, model_ratio: float, z: float = Z_95) -> float:
    """The within-person correlation of the two log values above which the paired interval of numerator /
    denominator (log-scale Var = s1^2 + s2^2 - 2 rho s1 s2, at +- z) no longer holds ``model_ratio``.

    Below 0: the model's value is outside the independent (rho = 0) interval already, so it fails at every rho >= 0.
    Above 1: it is inside the paired interval at every rho (it fails at none)."""
    s1, s2 = numerator.log_se, denominator.log_se
    need = abs(math.log(model_ratio * denominator.value / numerator.value)) / z
    return (s1 * s1 + s2 * s2 - need * need) / (2.0 * s1 * s2)


def independent_interval(numerator: Estimate, denominator: Estimate, z: float = Z_95) -> tuple[float, float]:
    """The rho = 0 interval the registered bands use (as ``predictions7.ratio_interval_from_cis``)."""
    ratio = numerator.value / denominator.value
    half = z * math.hypot(numerator.log_se, denominator.log_se)
    return ratio * math.exp(-half), ratio * math.exp(half)


@dataclass(frozen=True)
class TypicalRho:
    """A within-person correlation published (or derived) for pairs like a check's two estimates, with where it is
    from; ``value`` None where none was found. Not the source's own correlation (none publishes one)."""

    value: float | None
    source: str


@dataclass(frozen=True)
class PairedRatio:
    """One judged check whose band is the ratio of two estimates from the same subjects, combined as independent,
    and the typical within-person correlation of such pairs (docs/validation.md, "Paired measurements: the audit")."""

    target: str
    readout: str
    numerator: Estimate
    denominator: Estimate
    source: str
    typical: TypicalRho

    @property
    def typical_rho(self) -> float | None:
        return self.typical.value

    @property
    def typical_rho_source(self) -> str:
        return self.typical.source


def _ci(value: float, lower: float, upper: float) -> Estimate:
    return Estimate.from_ci(value, lower, upper)


# Keeffe 1998 Table 3 (healthy adults, anti-HAV GMC and 95% CI by month after the first dose; Y1, Y2)
_KEEFFE = {1: _ci(175, 150, 206), 2: _ci(100, 87, 115), 6: _ci(74, 63, 87), 7: _ci(1315, 1086, 1593)}
# Jackson 2020 Table 2 (mRNA-1273 100 ug, anti-S-2P GMT and 95% CI by study day; Y7-Y9)
_JACKSON = {15: _ci(86_291, 56_403, 132_016), 29: _ci(109_209, 79_050, 150_874), 36: _ci(781_399, 606_247, 1_007_156),
            57: _ci(782_719, 619_310, 989_244)}
# Kadlecek 2018 (MMWR RR 68(2) Table 7; JE-VC GMT and 95% CI by month after the booster, 0 before it; L1)
_KADLECEK = {0: _ci(53, 45, 64), 1: _ci(2067, 1671, 2556), 12: _ci(428, 335, 546), 24: _ci(350, 279, 440)}


def _sd(mean: float, sd: float, n: int) -> Estimate:
    return Estimate.from_mean_sd(mean, sd, n)


# The typical within-person correlations (audit honest35, docs/validation.md notes [a]-[c]); where a range was found the
# lower end is taken, the more lenient for the model (a lower rho widens the paired interval).
#: [a] mRNA vaccine titres: another vaccine (BNT162b2, not mRNA-1273) and pairs across a dose, not two days of one
#: primary response (Y9); 0.65 (PMC9698173) is also published, 0.53 taken
_RHO_MRNA = TypicalRho(0.53, "Spearman 0.53, BNT162b2 IgG 3 weeks after each dose, 69 adults (Int J Infect Dis 2021, "
                             "doi 10.1016/j.ijid.2021.07.063, ijidonline.com S1201-9712(21)00620-2, pages corpus); "
                             "another vaccine than mRNA-1273; 0.65 (PMC9698173) also published, the lower taken")
#: [b] platelet count repeatability at steady state (a collection's varying effect lowers it by an amount not known)
_RHO_PLATELET = TypicalRho(0.849, "Buckley 2000 Thromb Haemost 83:480, repeatability of the platelet count from serial "
                                  "counts of 3,789 subjects: 0.849 women, 0.871 men, the lower taken (thieme-connect "
                                  "doi 10.1055/s-0037-1613840, pages corpus); steady state")
#: [c] Hb: derived, not published: 1 - (CVI / CV)^2 with Hb's within-person CV over a year 2.8% (Arch Pathol Lab Med
#: 1992;116:825) and the sources' between-donor CV 8.5% (B1) to 9.6% (W4): 0.89-0.92, the lower taken; steady state
_RHO_HB = TypicalRho(0.89, "derived (honest35), none published: 1 - (2.8% / CV)^2, Hb's within-person CV over a year "
                           "(Arch Pathol Lab Med 1992;116:825, pubmed 1497462) over the sources' between-donor CV "
                           "8.5-9.6%: 0.89-0.92, the lower taken; steady state")
_RHO_HAV = TypicalRho(None, "none found for anti-HAV titres between months after a dose (honest35, pages corpus)")
_RHO_JE = TypicalRho(None, "none found for JE titres before and after a booster (honest35, pages corpus)")


#: every judged check whose band is a within-subject ratio combined as independent (the audit's "paired: true,
#: combined as independent" rows; the test rebuilds each registered band from these figures)
PAIRED_RATIOS: tuple[PairedRatio, ...] = (
    PairedRatio("Y1", "hepatitis_a_igg_ratio_month2_to_month1", _KEEFFE[2], _KEEFFE[1],
                "Keeffe 1998 Table 3", _RHO_HAV),
    PairedRatio("Y1", "hepatitis_a_igg_ratio_month6_to_month1", _KEEFFE[6], _KEEFFE[1],
                "Keeffe 1998 Table 3", _RHO_HAV),
    PairedRatio("Y2", "hepatitis_a_igg_ratio_month7_to_month1", _KEEFFE[7], _KEEFFE[1],
                "Keeffe 1998 Table 3", _RHO_HAV),
    PairedRatio("Y7", "mrna_vaccine_igg_ratio_day57_to_day29", _JACKSON[57], _JACKSON[29],
                "Jackson 2020 Table 2", _RHO_MRNA),
    PairedRatio("Y8", "mrna_vaccine_igg_ratio_day36_to_day29", _JACKSON[36], _JACKSON[29],
                "Jackson 2020 Table 2", _RHO_MRNA),
    PairedRatio("Y9", "mrna_vaccine_igg_ratio_day15_to_day29", _JACKSON[15], _JACKSON[29],
                "Jackson 2020 Table 2", _RHO_MRNA),
    PairedRatio("L1", "je_vc_child_igg_ratio_booster_month1_to_prebooster", _KADLECEK[1], _KADLECEK[0],
                "Kadlecek 2018 (MMWR Table 7)", _RHO_JE),
    PairedRatio("L1", "je_vc_child_igg_ratio_booster_month12_to_month1", _KADLECEK[12], _KADLECEK[1],
                "Kadlecek 2018 (MMWR Table 7)", _RHO_JE),
    PairedRatio("L1", "je_vc_child_igg_ratio_booster_month24_to_month12", _KADLECEK[24], _KADLECEK[12],
                "Kadlecek 2018 (MMWR Table 7)", _RHO_JE),
    PairedRatio("L2", "je_cv_toddler_igg_ratio_day28_after_year5_booster_to_prebooster", _ci(4951, 3928, 6241),
                _ci(61.2, 43.8, 85.7), "Kosalaraksa 2017 abstract", _RHO_JE),
    PairedRatio("U1", "plateletpheresis_platelet_ratio_day7", _sd(243.400, 67.399, 25), _sd(235.720, 52.109, 25),
                "Fani (bloodjournal.ir a_id 1239), x10^3/uL", _RHO_PLATELET),
    PairedRatio("V1", "donation_450mL_man_hb_ratio_day3", Estimate.from_mean_se(8.6, 0.1),
                Estimate.from_mean_se(9.3, 0.11), "Ziegler 2015 abstract, Hb mmol/L (+- read as SE)", _RHO_HB),
    PairedRatio("V2", "donation_450mL_man_hb_ratio_day28", Estimate.from_mean_se(42.8, 0.5),
                Estimate.from_mean_se(43.8, 0.5), "Ziegler 2015 abstract, Hct % (+- read as SE)", _RHO_HB),
    PairedRatio("V3", "donation_450mL_woman_hb_ratio_day3", Estimate.from_mean_se(7.8, 0.1),
                Estimate.from_mean_se(8.4, 0.1), "Stangerup 2017 abstract, Hb mmol/L (+- read as SE)", _RHO_HB),
    PairedRatio("W1", "plateletpheresis_platelet_ratio_7h", _sd(214, 49, 548), _sd(276, 59, 548),
                "Blood 2007 abstract (FU1), x10^3/uL", _RHO_PLATELET),
    PairedRatio("W1", "plateletpheresis_platelet_ratio_26h", _sd(212, 47, 548), _sd(276, 59, 548),
                "Blood 2007 abstract (FU2), x10^3/uL", _RHO_PLATELET),
    PairedRatio("W2", "plateletpheresis_every_other_day_ratio_before_3rd", _sd(174, 27, 13), _sd(225, 53, 13),
                "Rock 1992 abstract, x10^9/L", _RHO_PLATELET),
    PairedRatio("W3", "plateletpheresis_every_other_day_ratio_before_6th", _sd(198, 46, 13), _sd(225, 53, 13),
                "Rock 1992 abstract, x10^9/L", _RHO_PLATELET),
    PairedRatio("W4", "autologous_donation_weekly_hb_ratio_day28", _sd(12.5, 1.1, 19), _sd(13.5, 1.3, 19),
                "Anaesthesist 1994 abstract, g/dL", _RHO_HB),
    PairedRatio("W4", "autologous_donation_weekly_hb_ratio_day35", _sd(12.5, 1.1, 19), _sd(13.5, 1.3, 19),
                "Anaesthesist 1994 abstract, g/dL", _RHO_HB),
    PairedRatio("W5", "autologous_donation_short_interval_hb_ratio_day28", _sd(13.3, 1.0, 21), _sd(13.9, 1.2, 21),
                "Anaesthesist 1994 abstract, g/dL", _RHO_HB),
    PairedRatio("W5", "autologous_donation_short_interval_hb_ratio_day35", _sd(13.3, 1.0, 21), _sd(13.9, 1.2, 21),
                "Anaesthesist 1994 abstract, g/dL", _RHO_HB),
    PairedRatio("W6", "autologous_donation_11_days_hb_ratio_before_2nd", _sd(133, 6, 11), _sd(142, 11, 11),
                "Walpoth 1991 abstract, g/L", _RHO_HB),
    PairedRatio("W6", "autologous_donation_11_days_hb_ratio_before_3rd", _sd(128, 7, 11), _sd(142, 11, 11),
                "Walpoth 1991 abstract, g/L", _RHO_HB),
    PairedRatio("B1", "whole_blood_every_97_days_hb_ratio_before_11th", _sd(152, 13, 294), _sd(153, 13, 294),
                "Pehlic 2020 abstract, g/L (later SD taken as the baseline's)", _RHO_HB),
    PairedRatio("B1", "whole_blood_every_97_days_hb_ratio_before_16th", _sd(152, 13, 294), _sd(153, 13, 294),
                "Pehlic 2020 abstract, g/L (later SD taken as the baseline's)", _RHO_HB),
    PairedRatio("B2", "two_unit_rbc_every_201_days_hb_ratio_before_4th", _sd(157, 8, 151), _sd(158, 8, 151),
                "Pehlic 2020 abstract, g/L (later SD taken as the baseline's)", _RHO_HB),
    PairedRatio("B2", "two_unit_rbc_every_201_days_hb_ratio_before_8th", _sd(157, 8, 151), _sd(158, 8, 151),
                "Pehlic 2020 abstract, g/L (later SD taken as the baseline's)", _RHO_HB),
)


def rho_limits(card: dict) -> list[tuple[PairedRatio, float | None, float | None]]:
    """(entry, the card's value of its check, the rho above which that value fails; None where the card has no
    value) for every entry of :data:`PAIRED_RATIOS`."""
    values = {(t["id"], c["readout"]): c.get("value") for t in card["targets"] for c in t.get("checks", [])
              if c.get("status") != "info"}
    rows: list[tuple[PairedRatio, float | None, float | None]] = []
    for entry in PAIRED_RATIOS:
        value = values.get((entry.target, entry.readout))
        if isinstance(value, int | float) and math.isfinite(value) and value > 0:
            rows.append((entry, float(value), rho_to_fail(entry.numerator, entry.denominator, float(value))))
        else:
            rows.append((entry, None, None))
    return rows


def fragile_passes(card: dict) -> tuple[list[str], list[str]]:
    """The passing (or partly covered) prediction targets of a card that rest on a band combining one cohort's two
    estimates as independent: (those one of whose paired checks would fail at the typical within-person correlation,
    i.e. has a rho limit below :attr:`PairedRatio.typical_rho`; those, not in the first, with a paired check whose
    typical correlation is unknown), each in the card's order. A diagnosis read off the card: no status changes."""
    limits: dict[str, list[tuple[PairedRatio, float]]] = {}
    for entry, _value, rho in rho_limits(card):
        if rho is not None:
            limits.setdefault(entry.target, []).append((entry, rho))
    would_fail: list[str] = []
    unknown: list[str] = []
    for t in card["targets"]:
        if t["class"] != "prediction" or t["status"] not in ("pass", "partial") or t["id"] not in limits:
            continue
        rows = limits[t["id"]]
        if any(e.typical_rho is not None and rho < e.typical_rho for e, rho in rows):
            would_fail.append(t["id"])
        elif any(e.typical_rho is None for e, _rho in rows):
            unknown.append(t["id"])
    return would_fail, unknown


def main(argv: list[str] | None = None) -> int:
    """Print the rho limits of a card (``hemasim validate --json CARD.json``) as the markdown rows of the table."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m hemasim.validation.paired CARD.json", file=sys.stderr)
        return 2
    with open(args[0], encoding="utf-8") as f:
        card = json.load(f)
    for entry, value, rho in rho_limits(card):
        low, high = independent_interval(entry.numerator, entry.denominator)
        shown = "-" if rho is None else f"{rho:.3f}"
        print(f"| {entry.target} | {entry.readout} | {low:.4g}-{high:.4g} | "
              f"{'-' if value is None else f'{value:.4g}'} | {shown} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

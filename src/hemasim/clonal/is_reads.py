"""Read counts of integration-site (IS) retrieval: from the cells a sample holds to the sequence reads an IS
table reports.

IS pipelines (LAM-PCR, SLiM-PCR, linker-mediated PCR after sonication) count *reads* per site, and the reads of
one site are not proportional to the cells that carry it: each captured copy of a site (a *template*: one
cell's copy of one integration) is amplified to a very uneven number of reads. A Shannon index of reads
therefore sees the amplification as well as the clone sizes.

Model. A site present in n captured templates gets reads ~ Poisson(lambda), lambda ~ Gamma(shape n k,
scale m / k): each template independently contributes a Gamma(k, m / k) amount of amplified product, so the
reads are negative binomial with mean n m and variance n m + n m^2 / k (the squared coefficient of variation of
one template is 1 / k, of n templates 1 / (n k)). A site whose reads come out 0 is not seen.

Parameters. k and m are **fitted** to the one public IS table found that reports, per site and sample, both the
reads and an estimate of the cells behind them: patient WAS5 of Six et al. 2020 (Blood 135:1219; lentiviral
WAS gene therapy; sonication + linker-mediated PCR, abundance estimated from unique sonication fragment lengths,
Berry et al. 2012), as shipped by barcodetrackR (dunbarlabNIH/barcodetrackR, CC0): sites with an
estimated abundance of one cell are single templates, and their reads, divided by their sample's mean, are the
amplification law. See data/six2020_was5_is/README.md. That is another trial and another pipeline than
Calabria 2024's (SLiM-PCR, VISPA2): the amplification law is taken to carry over, which is an assumption.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hemasim._checkout import checkout_data, require_checkout_file

SIX2020_DIR = checkout_data("six2020_was5_is")  # read only to refit the constants below (tests/test_is_reads.py)
SIX2020_READS = SIX2020_DIR / "WAS5_reads_first286.tsv"
SIX2020_ABUNDANCE = SIX2020_DIR / "WAS5_estabundance_first286.tsv"

#: Fitted (fit_amplification_shape on data/six2020_was5_is: Six et al. 2020 patient WAS5, 442 site x sample
#: entries with an estimated abundance of one cell, reads divided by their sample's mean; gamma maximum likelihood)
SIX2020_AMPLIFICATION_SHAPE = 0.300
#: Fitted (same entries): mean reads of one template, pooled over the 16 samples with >= 5 single-cell entries
SIX2020_READS_PER_TEMPLATE = 487.0
#: fewest single-cell entries a sample needs to enter the fit (its mean normalises its reads)
MIN_SINGLE_TEMPLATE_ENTRIES = 5


@dataclass(frozen=True)
class ReadCountModel:
    """Reads of a site from its number of captured templates (gamma-Poisson amplification, module docstring)."""

    reads_per_template: float  # mean reads of one template (reads)
    amplification_shape: float  # gamma shape k of one template's amplification (squared CV = 1 / k)

    def __post_init__(self) -> None:
        if not (self.reads_per_template > 0 and self.amplification_shape > 0):
            raise ValueError(f"ReadCountModel needs positive parameters, got {self}")

    @classmethod
    def six2020(cls) -> ReadCountModel:
        """The law fitted to Six et al. 2020 patient WAS5 (module constants)."""
        return cls(SIX2020_READS_PER_TEMPLATE, SIX2020_AMPLIFICATION_SHAPE)

    def mean(self, templates: np.ndarray) -> np.ndarray:
        return np.asarray(templates, dtype=np.float64) * self.reads_per_template

    def variance(self, templates: np.ndarray) -> np.ndarray:
        n = np.asarray(templates, dtype=np.float64)
        return n * self.reads_per_template + n * self.reads_per_template ** 2 / self.amplification_shape

    def sample_reads(self, templates: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Reads per site (int64) for the template counts of one sample; sites without templates get 0."""
        templates = np.asarray(templates, dtype=np.int64)
        if (templates < 0).any():
            raise ValueError("template counts must be >= 0")
        reads = np.zeros(templates.shape, dtype=np.int64)
        present = templates > 0
        k, m = self.amplification_shape, self.reads_per_template
        # negative binomial with r = n k successes and p = k / (k + m): mean n m, variance n m (1 + m / k)
        reads[present] = rng.negative_binomial(templates[present] * k, k / (k + m))
        return reads


def load_six2020_was5() -> tuple[np.ndarray, np.ndarray]:
    """(reads, estimated cells) of the shipped Six 2020 WAS5 rows: two sites x samples arrays, same order."""
    import pandas as pd

    reads = pd.read_csv(require_checkout_file(SIX2020_READS, "Six 2020 WAS5 reads table"), sep="\t", index_col=0)
    cells = pd.read_csv(require_checkout_file(SIX2020_ABUNDANCE, "Six 2020 WAS5 abundance table"), sep="\t",
                        index_col=0)
    if list(reads.index) != list(cells.index) or list(reads.columns) != list(cells.columns):
        raise ValueError("the Six 2020 reads and abundance tables do not share sites and samples")
    return reads.to_numpy(np.float64), cells.to_numpy(np.float64)


def single_template_reads(reads: np.ndarray, cells: np.ndarray,
                          min_entries: int = MIN_SINGLE_TEMPLATE_ENTRIES) -> list[np.ndarray]:
    """Per sample (column) with at least ``min_entries`` sites of one estimated cell: those sites' reads."""
    per_sample = [reads[cells[:, j] == 1, j] for j in range(reads.shape[1])]
    return [r for r in per_sample if len(r) >= min_entries]


def fit_amplification_shape(reads: np.ndarray, cells: np.ndarray,
                            min_entries: int = MIN_SINGLE_TEMPLATE_ENTRIES) -> tuple[float, float]:
    """(gamma shape k, mean reads per template m) from single-template sites: reads divided by their
    sample's mean (sequencing depth differs between samples), gamma maximum likelihood with location 0."""
    from scipy import stats  # only for the fit

    per_sample = single_template_reads(reads, cells, min_entries)
    if not per_sample:
        raise ValueError("no sample has enough single-template sites")
    normalised = np.concatenate([r / r.mean() for r in per_sample])
    shape, _, _ = stats.gamma.fit(normalised, floc=0.0)
    return float(shape), float(np.concatenate(per_sample).mean())


def relative_reads_cv2_by_abundance(reads: np.ndarray, cells: np.ndarray, abundance: int,
                                    min_entries: int = MIN_SINGLE_TEMPLATE_ENTRIES) -> tuple[int, float]:
    """(entries, squared CV) of reads per estimated cell at one abundance, each sample's reads divided by its
    single-template mean: the model predicts 1 / (abundance k) for independent templates."""
    values = []
    for j in range(reads.shape[1]):
        single = reads[cells[:, j] == 1, j]
        if len(single) < min_entries:
            continue
        at = cells[:, j] == abundance
        values.append(reads[at, j] / (abundance * single.mean()))
    pooled = np.concatenate(values)
    return len(pooled), float(pooled.var() / pooled.mean() ** 2)

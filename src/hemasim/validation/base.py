"""What a validation read-out is: a named value measured on the model, and what it needs to be measured.

Every read-out is a :class:`Readout`; its subclass says what it needs (the settled patient of the check, the
same patient at other ages, the shared clone-resolved run, nothing but its own simulation, or a value of a
shipped drug set), and ``run_validation`` asks each for its value through :meth:`Readout.value`.
"""

from __future__ import annotations

import functools
import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from hemasim.biology import Covariates, healthy_human_model
from hemasim.clonal import ClonalHistory, NeutralHSCPool
from hemasim.pharmacology import load_drug_set
from hemasim.simulation import Result, Simulation

#: A settled patient is simulated this long without intervention, age frozen, before it is read.
SETTLE_DAYS = 365.0

ClonalRun = tuple[NeutralHSCPool, ClonalHistory]


def settled_patient(patient: Covariates) -> Result:
    """The healthy model of ``patient`` after a year without intervention (age frozen)."""
    return Simulation(healthy_human_model(patient, aging=False)).run(SETTLE_DAYS, output_every_days=SETTLE_DAYS / 4)


def neutral_clonal_run() -> ClonalRun:
    """A neutral clone-resolved HSC pool (20,000 cells, seed 0) over 40 years."""
    pool = NeutralHSCPool(20_000, seed=0)
    return pool, pool.run(40, sample_every_years=5)


class ValidationRuns:
    """The simulations the read-outs of one validation run share, each made on first use and kept for that run."""

    def __init__(self) -> None:
        self._settled = functools.lru_cache(maxsize=None)(settled_patient)
        self._clonal = functools.lru_cache(maxsize=1)(neutral_clonal_run)

    def settled(self, patient: Covariates) -> Result:
        return self._settled(patient)

    def clonal(self) -> ClonalRun:
        return self._clonal()


class Readout(ABC):
    """A named value measured on the model for a check of ``targets.yaml``."""

    @abstractmethod
    def value(self, patient: Covariates, runs: ValidationRuns) -> float:
        """The value for the check's ``patient``; ``runs`` holds the simulations shared within the validation."""


@dataclass(frozen=True)
class Settled(Readout):
    """Measured on the check's patient, settled (see :func:`settled_patient`)."""

    measure: Callable[[Result], float]

    def value(self, patient: Covariates, runs: ValidationRuns) -> float:
        return self.measure(runs.settled(patient))


@dataclass(frozen=True)
class SettledObservable(Readout):
    """The final value of one observable of the check's settled patient."""

    observable: str

    def value(self, patient: Covariates, runs: ValidationRuns) -> float:
        return float(runs.settled(patient).observable(self.observable)[-1])


@dataclass(frozen=True)
class AtAges(Readout):
    """Measured on the check's patient settled at other ages: ``measure`` gets a runner taking an age (years)."""

    measure: Callable[[Callable[[float], Result]], float]

    def value(self, patient: Covariates, runs: ValidationRuns) -> float:
        def at_age(age_years: float) -> Result:
            return runs.settled(Covariates(age_years, patient.sex, patient.weight_kg, patient.height_cm))

        return self.measure(at_age)


@dataclass(frozen=True)
class Clonal(Readout):
    """Measured on the neutral clone-resolved HSC pool shared by the validation (see :func:`neutral_clonal_run`)."""

    measure: Callable[[ClonalRun], float]

    def value(self, patient: Covariates, runs: ValidationRuns) -> float:
        return self.measure(runs.clonal())


@dataclass(frozen=True)
class OwnRun(Readout):
    """Measured on simulations of its own (a validation scenario, a drug cycle, a clonal cohort): no patient
    needed. The simulations are cached where they are defined, so read-outs of one run simulate it once."""

    measure: Callable[[], float]

    def value(self, patient: Covariates, runs: ValidationRuns) -> float:
        return self.measure()


DRUG_SET_PREFIXES = ("drug_set:", "drug_set_fold:")


@dataclass(frozen=True)
class DrugSetValue(Readout):
    """A value of a shipped drug set, named ``drug_set:<set>:<path>``: NaN unless it is cited (so a derived or
    assumed value cannot pass a "loaded as a cited set" check). ``drug_set_fold:<set>:<path>`` gives 1 + value,
    an Emax written as a fold of stimulation (over the resting state where the set shares its receptor with an
    endogenous ligand); an Emax derived from a cited fold counts as cited."""

    drug_set: str
    path: str
    fold: bool = False

    @classmethod
    def parse(cls, name: str) -> DrugSetValue:
        kind, drug_set, path = name.split(":")
        if kind not in ("drug_set", "drug_set_fold"):
            raise KeyError(f"not a drug-set read-out: {name!r}")
        return cls(drug_set, path, fold=kind == "drug_set_fold")

    def cited_value(self) -> float:
        ds = load_drug_set(self.drug_set)
        record = ds.value_record(self.path)
        if self.fold:  # the fold is what was cited
            if record.source is None and record.derived is None:
                return math.nan
            parts = self.path.split(".")
            if ds.endogenous_ligand is not None and parts[0] == "effects" and parts[-1] == "emax":
                # a receptor shared with the body's own ligand: the cited fold is over the resting state
                from hemasim.parameters import healthy_adult_parameters
                from hemasim.pharmacology.pkpd import stimulation_over_rest

                p = healthy_adult_parameters()
                # to 3 decimals: the derived E_max is written with 6 digits, so its fold is that fold to ~1e-6
                return round(stimulation_over_rest(ds, int(parts[1]), p.value("gcsf_renal_elimination_rate_per_h"),
                                                   p.value("gcsf_neutrophil_elimination_rate_per_h_per_anc"),
                                                   p.value("anc_setpoint_1e9_per_L")), 3)
            return record.value + 1.0
        return record.value if record.source is not None else math.nan

    def value(self, patient: Covariates, runs: ValidationRuns) -> float:
        return self.cited_value()


def merge_readouts(*groups: dict[str, Readout]) -> dict[str, Readout]:
    """One registry from groups of named read-outs; a name given twice is an error."""
    merged: dict[str, Readout] = {}
    for group in groups:
        for name, readout in group.items():
            if name in merged:
                raise ValueError(f"read-out {name!r} is defined twice")
            merged[name] = readout
    return merged


def settled_observables(names: Iterable[str]) -> dict[str, Readout]:
    """Observables read as they are on the settled patient, each registered under its own name."""
    return {name: SettledObservable(name) for name in names}

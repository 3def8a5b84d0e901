"""``kind: vaccine`` - a vaccine dose: the antigen enters, the humoral response to it (extension
:class:`hemasim.biology.vaccine.VaccineResponse`) primes and boosts; endpoints: plasmablast and IgG peaks,
day-28 IgG, the response relative to a healthy adult's given the same series and the responder flag, and the
fold-rise over the series' start with its seroconversion flag."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
from pydantic import Field

from hemasim.biology import REFERENCE_ADULT, healthy_human_model
from hemasim.endpoints import DID_NOT_RISE, rose, value_on_day
from hemasim.events import CellInfusion, Event
from hemasim.interventions.base import (
    EndpointColumn,
    EndpointContext,
    EndpointFamily,
    EventContext,
    ExtensionOrder,
    ExtensionRequest,
    InterventionSpec,
    ReportSection,
    register,
)
from hemasim.parameters import ParameterSet, healthy_adult_parameters
from hemasim.parameters.core import Parameter
from hemasim.simulation import Simulation

__all__ = ["FOLD_RISE_FLOOR_SHARE", "RESPONDER_SHARE", "SEROCONVERSION_FOLD_RISE", "VaccineSpec", "series_doses",
           "vaccine_endpoint_values"]

#: A vaccinee "responds" when IgG 28 days after the last dose is at least this share of a healthy
#: reference adult's after the same series (a relative criterion: antibody units are arbitrary).
RESPONDER_SHARE = 0.25
#: seroconversion: a 4-fold rise of the antibody over its level before vaccination, the usual definition (BMC Infect
#: Dis 2014;14:133 Table 3, influenza HI titres, the data of vaccine_response_sd_log's fit; "four-fold responses" to
#: tetanus toxoid after allogeneic BMT, Parkkali 1997, Bone Marrow Transplant 19:933, link.springer.com record,
#: pages corpus)
SEROCONVERSION_FOLD_RISE = 4.0
#: the pre-series IgG below which no fold-rise is read, as a share of the healthy reference adult's IgG 28 days after
#: one standard dose (in the run's units): an assay's lower limit. Tetanus antitoxin ELISA calls < 0.01 IU/mL
#: seronegative (Einarsdottir 2023, Transplant Cell Ther 29:275.e1, pubmed 36720458, pages corpus), about 1/100 of a
#: healthy adult's level around a booster (mean 1.08 IU/mL before it and under a 3-fold rise a month after; Vaccine
#: 2005;23:4980, PMID 15985319, pages corpus). Assumed at that order and immaterial within it: a never-exposed
#: patient's IgG is 0 in the model (no fold-rise at any floor) and a patient vaccinated before a transplant keeps
#: 0.15 of that response at revaccination 6 months after the graft (examples/tetanus_revaccination_after_hsct.yaml),
#: so any floor from 1e-6 to 0.1 reads the same
FOLD_RISE_FLOOR_SHARE = 0.01
#: intervention kinds after which an antigen's series starts again: they erase memory B cells (conditioning and
#: radiation kill them with the lymphocytes; a graft brings none: docs/immunity.md, "Immune memory under
#: conditioning")
_SERIES_RESETS = ("conditioning", "radiation", "transplant")

Doses = tuple[tuple[float, float], ...]  # (day, relative dose) of one antigen


def _vaccine_section(result: object) -> str | None:
    from hemasim.report.html import figure_html  # the report layer (and matplotlib) only when reporting
    from hemasim.report.plots import vaccine_figure

    fig = vaccine_figure(result)  # type: ignore[arg-type]
    return None if fig is None else figure_html("Vaccine responses", "vaccine responses", fig)


@register
class VaccineSpec(InterventionSpec):
    """A vaccine dose on ``day``: ``antigen`` names the response (doses of the same antigen prime and boost
    it); ``dose`` is relative to a standard dose (1)."""

    kind: Literal["vaccine"]
    day: float = Field(ge=0)
    antigen: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=30, description="e.g. tetanus, influenza")
    dose: float = Field(default=1.0, gt=0, le=100, description="relative to a standard dose")

    report_section = ReportSection("vaccine", _vaccine_section)

    @classmethod
    def endpoint_family(cls, interventions: Sequence[InterventionSpec]) -> EndpointFamily | None:
        ivs = [iv for iv in interventions if isinstance(iv, VaccineSpec)]
        schedules = {a: tuple((iv.day, iv.dose) for iv in ivs if iv.antigen == a)
                     for a in dict.fromkeys(iv.antigen for iv in ivs)}
        resets = [float(iv.last_day) for iv in interventions if iv.kind in _SERIES_RESETS]
        return VaccineEndpoints(schedules, {a: series_doses(d, resets) for a, d in schedules.items()}) \
            if schedules else None

    @property
    def last_day(self) -> float:
        return self.day

    def extension_requests(self) -> list[ExtensionRequest]:
        from hemasim.biology.vaccine import VaccineResponse  # imported when a scenario has the kind (goal 1)

        antigen = self.antigen
        return [ExtensionRequest(ExtensionOrder.VACCINE, ("antigen", antigen), lambda: VaccineResponse(antigen))]

    def to_events(self, ctx: EventContext) -> list[Event]:
        from hemasim.biology.vaccine import antigen_state

        return [CellInfusion(self.day, antigen_state(self.antigen), self.dose)]


def reference_unit_scales(parameters: Mapping[str, Parameter]) -> tuple[tuple[str, float], ...]:
    """The run's arbitrary units against the shipped table's: each family's k (sorted family, k pairs) that takes the
    shipped conventions to ``parameters``' values (:func:`hemasim.parameters.units.unit_scales`; all 1 for the
    shipped table, whatever the members that are not conventions are): one point with no values of its own."""
    return point_unit_scales(parameters, {}, 1)[0]


def _scales_of(values: Mapping[str, float]) -> tuple[tuple[str, float], ...]:
    from hemasim.parameters.units import unit_scales

    shipped = healthy_adult_parameters()
    k = unit_scales(values, {n: shipped.value(n) for n in values})
    return tuple(sorted((f, round(v, 12)) for f, v in k.items()))


def point_unit_scales(parameters: Mapping[str, Parameter], per_point: Mapping[str, np.ndarray], n: int
                      ) -> list[tuple[tuple[str, float], ...]]:
    """:func:`reference_unit_scales` of each of ``n`` sensitivity-design points: its own values of the conventions
    (``per_point``: name -> (n,) values) where it has them, the table's elsewhere - so a point is reported in the
    units a single run with its values as ``parameters:`` would use."""
    from hemasim.parameters.units import conventions

    return [_scales_of({c: float(per_point[c][i]) if c in per_point else parameters[c].value for c in conventions()})
            for i in range(n)]


def _in_units(params: ParameterSet, scales: Mapping[str, float]) -> ParameterSet:
    """``params`` with every AU family rescaled by its k (a family member may leave its bounds, which are for the
    shipped unit: the rescaled record takes the bounds that hold it)."""
    from hemasim.parameters.units import parameter_factors

    records = dict(params)
    for name, factor in parameter_factors(scales).items():
        if factor == 1.0:  # the shipped unit: the record as it is
            continue
        old, value = records[name], records[name].value * factor
        records[name] = dataclasses.replace(old, value=value, bounds=(min(old.bounds[0], value),
                                                                      max(old.bounds[1], value)), plausible_range=None)
    return ParameterSet.from_records(params.name, records.values())


def series_doses(doses: Doses, resets: Sequence[float]) -> Doses:
    """The doses of the series the day-28 read-outs answer for: those on or after the last of ``resets`` (the last
    day of a conditioning or a radiation course, a graft's day) before the last dose, all of them without one. A
    revaccination after a transplant is a new primary series (the conditioning killed the memory B cells the earlier
    doses made), so its reference and its fold-rise start at its own first dose; a last dose before the conditioning
    keeps every dose (that response is what the read-outs then read; plausibility warns)."""
    last = max(d for d, _ in doses)
    before = [r for r in resets if r <= last]
    return doses if not before else tuple((d, q) for d, q in doses if d >= max(before))


@functools.cache  # the same schedule's reference (in the same units) is asked for by every run and cohort partition
def reference_igg_day28(antigen: str, doses: Doses, unit_scales: tuple[tuple[str, float], ...] = ()) -> float:
    """IgG of the healthy reference adult 28 days after the last of ``doses`` of ``antigen``.

    The reference adult is the 35-year-old with the shipped parameter table, every biology as shipped, expressed in
    the run's arbitrary units: ``unit_scales`` (:func:`reference_unit_scales` of the run's parameters; none: the
    shipped units) rescales each AU family of the table, so a scenario that rescales a whole family (a change of
    unit, no biology) leaves the relative response as it was, while a member changed alone (a convention too, which
    is the equivalent change of its family's other members) is a change of biology and shows in it."""
    from hemasim.biology.vaccine import VaccineResponse, antigen_state

    params = _in_units(healthy_adult_parameters(), dict(unit_scales))
    model = healthy_human_model(REFERENCE_ADULT, params, aging=False, extensions=[VaccineResponse(antigen)])
    events = [CellInfusion(day, antigen_state(antigen), dose) for day, dose in doses]
    r = Simulation(model, events=events).run(max(d for d, _ in doses) + 28.0, 1.0)
    return float(r.observable(f"{antigen}_igg_au")[-1])


#: the unit of each endpoint of an antigen, by the end of its name (``<antigen>_<end>``; the day-28 ones only when
#: the run reaches day 28 after the last dose)
VACCINE_UNITS = {"plasmablast_peak_day": "day after first dose", f"plasmablast_peak_day{DID_NOT_RISE}": "flag",
                 "igg_peak_au": "AU", "igg_day28_au": "AU", "relative_response": "1", "responder": "flag",
                 "fold_rise": "1", "fold_rise_responder": "flag"}

#: one standard dose: the schedule of the response that sets the fold-rise's floor (:data:`FOLD_RISE_FLOOR_SHARE`)
_ONE_DOSE: Doses = ((0.0, 1.0),)


def _reference(antigen: str, doses: Doses, scales: tuple[tuple[str, float], ...],
               point_scales: Sequence[tuple[tuple[str, float], ...]] | None) -> float | np.ndarray:
    """:func:`reference_igg_day28` in the run's units, or per point in each point's own."""
    if point_scales is None:
        return reference_igg_day28(antigen, doses, scales)
    # the reference is cached per set of scales: one run per distinct unit, not per point
    return np.array([reference_igg_day28(antigen, doses, k) for k in point_scales])


def vaccine_endpoint_values(times: np.ndarray, obs: Mapping[str, np.ndarray], schedules: Mapping[str, Doses],
                            parameters: Mapping[str, Parameter] | None = None,
                            point_scales: Sequence[tuple[tuple[str, float], ...]] | None = None,
                            series: Mapping[str, Doses] | None = None) -> list[EndpointColumn]:
    """Per antigen, for many patients (``obs``: name -> (N, T)): plasmablast peak day and IgG peak after the
    first dose, IgG 28 days after the last dose, that IgG relative to a healthy 35-year-old given the same series
    (``series``: antigen -> the doses after the last conditioning or graft, :func:`series_doses`; None: every dose)
    in the units of the run's ``parameters``, the table every patient's model was built from (None: the shipped
    table; see :func:`reference_igg_day28`), the responder flag (relative response at least
    :data:`RESPONDER_SHARE`), and the fold-rise (that IgG over IgG on the day of the series' first dose; none where
    the latter is under :data:`FOLD_RISE_FLOOR_SHARE` of the reference adult's one-dose response) with its
    seroconversion flag (at least :data:`SEROCONVERSION_FOLD_RISE`). A cohort's per-patient draws of a convention
    are that patient's biology in the run's units, not a unit of his own: the reference follows the table, not the
    draws. A sensitivity design's points are single runs, each in its own units: ``point_scales`` (one per patient,
    :func:`point_unit_scales`) then replaces the table's."""
    scales = () if parameters is None else reference_unit_scales(parameters)
    out = []
    for antigen, doses in schedules.items():
        first, last = min(d for d, _ in doses), max(d for d, _ in doses)
        pb, igg = obs[f"{antigen}_plasmablasts_au"], obs[f"{antigen}_igg_au"]
        later = [d for d, _ in doses if d > first]
        window = (times >= first) & (times <= (min(later) if later else np.inf))
        # no response (a patient without B cells) has no peak day, and says so instead of "day 0"
        responded = rose(pb[:, window])
        name = f"{antigen}_plasmablast_peak_day"
        out += [EndpointColumn(name, "day after first dose", "day of the plasmablast peak after the first dose "
                               f"(none when the plasmablasts did not rise, see {name}{DID_NOT_RISE})",
                               np.where(responded, times[window][np.argmax(pb[:, window], axis=1)] - first, np.nan)),
                EndpointColumn(f"{name}{DID_NOT_RISE}", "flag", f"1 if {antigen} plasmablasts did not rise after the "
                               "first dose (no response: no peak day)", (~responded).astype(np.float64))]
        out.append(EndpointColumn(f"{antigen}_igg_peak_au", "AU", f"highest {antigen} IgG (arbitrary units)",
                                  igg.max(axis=1)))
        if times[-1] < last + 28.0 - 1e-9:
            continue
        own = doses if series is None else series[antigen]
        revaccination = len(own) < len(doses)
        d28 = value_on_day(times, igg, last + 28.0)

        rel = d28 / _reference(antigen, own, scales, point_scales)
        # IgG as the series' first dose is given: the last output on or before its day (a value between outputs would
        # take in the rise after a dose given between them)
        pre = igg[:, np.searchsorted(times, min(d for d, _ in own) + 1e-9) - 1]
        floor = FOLD_RISE_FLOOR_SHARE * _reference(antigen, _ONE_DOSE, scales, point_scales)
        fold = np.full(d28.shape, np.nan)
        np.divide(d28, pre, out=fold, where=pre >= floor)  # no silent division by a pre-series IgG of 0
        series_name = "the series after the last conditioning or graft" if revaccination else "the schedule"
        series_words = (f"the series after the last conditioning or graft ({len(own)} of {len(doses)} doses, from "
                        f"day {min(d for d, _ in own):g}; the earlier doses' memory B cells are gone)"
                        if revaccination else "the same doses")
        out += [EndpointColumn(f"{antigen}_igg_day28_au", "AU", f"{antigen} IgG 28 days after the last dose", d28),
                EndpointColumn(f"{antigen}_relative_response", "1", "day-28 IgG relative to a healthy 35-year-old "
                               f"given {series_words}", rel),
                EndpointColumn(f"{antigen}_responder", "flag", f"1 if the relative response is at least "
                               f"{RESPONDER_SHARE:g} (an assumed cut-off standing for a protective titre: IgG is in "
                               "arbitrary units)", (rel >= RESPONDER_SHARE).astype(np.float64)),
                EndpointColumn(f"{antigen}_fold_rise", "1", f"day-28 IgG over IgG on day {min(d for d, _ in own):g}, "
                               f"the first dose of {series_name}; "
                               f"none where that IgG is under {FOLD_RISE_FLOOR_SHARE:g} of a healthy 35-year-old's "
                               "28 days after one dose (an assay's lower limit: a never-exposed patient has none, so "
                               "no fold-rise; read the relative response)", fold),
                EndpointColumn(f"{antigen}_fold_rise_responder", "flag", f"1 if the fold-rise is at least "
                               f"{SEROCONVERSION_FOLD_RISE:g} (seroconversion), none where there is no fold-rise",
                               np.where(np.isnan(fold), np.nan, fold >= SEROCONVERSION_FOLD_RISE))]
    return out


class VaccineEndpoints(EndpointFamily):
    def __init__(self, schedules: Mapping[str, Doses], series: Mapping[str, Doses] | None = None) -> None:
        self.schedules = dict(schedules)
        self.series = dict(schedules if series is None else series)

    def observables(self, available: Sequence[str]) -> list[str]:
        return [f"{a}_{k}" for a in self.schedules for k in ("plasmablasts_au", "igg_au")]

    def values(self, times: np.ndarray, obs: Mapping[str, np.ndarray], ctx: EndpointContext) -> list[EndpointColumn]:
        from hemasim.parameters.units import conventions

        point_scales = None
        if ctx.points_are_runs and set(conventions()) & set(ctx.per_patient):
            point_scales = point_unit_scales(ctx.parameters, ctx.per_patient, ctx.n_patients)
        return vaccine_endpoint_values(times, obs, self.schedules, ctx.parameters, point_scales, self.series)

    def units(self) -> dict[str, str]:
        return {f"{a}_{end}": unit for a in self.schedules for end, unit in VACCINE_UNITS.items()}

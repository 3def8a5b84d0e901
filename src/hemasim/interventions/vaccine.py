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
from hemasim.model.compiled import CompiledModel
from hemasim.parameters import ParameterSet, healthy_adult_parameters
from hemasim.parameters.core import Parameter
from hemasim.simulation import Simulation

__all__ = ["FOLD_RISE_FLOOR_SHARE", "KILL_TOLERANCE", "NO_FOLD_RISE", "RESPONDER_SHARE", "SEROCONVERSION_FOLD_RISE",
           "VaccineSpec", "memory_kills", "read_out_day", "scenario_kill_days", "series_doses", "unseen_kill_days",
           "vaccine_endpoint_values"]

#: A vaccinee "responds" when the rise of IgG over the series is at least this share of a healthy reference adult's
#: given the same doses and kills (a relative criterion: antibody units are arbitrary; vaccine_endpoint_values).
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
#: 2005;23:4980, PMID 15985319, pages corpus). Assumed at that order: a never-exposed patient's IgG is 0 in the model
#: (no fold-rise at any floor) and the typical patient vaccinated before a transplant keeps 0.15 of that response at
#: revaccination 6 months after the graft (examples/tetanus_revaccination_after_hsct.yaml), so any floor from 1e-6 to
#: 0.1 reads the same for him; a cohort's patients keep less or more, and the floor sets how many of them have a
#: fold-rise (aged 20-70: 97.5% at 0.01, 92.5% at 0.03, 60% at 0.1; review36a, docs/immunity.md)
FOLD_RISE_FLOOR_SHARE = 0.01
#: a step of the run's output across which an antigen's memory B cells fell by more than this share is a kill (a
#: conditioning, irradiation, depletion or blood loss took some of them): the memory B cells have no death of their own
#: in the model (biology/vaccine.py), so any fall is one; the share is above the solver's tolerance (1e-6 relative)
KILL_TOLERANCE = 1e-4

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
        return VaccineEndpoints(schedules) if schedules else None

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


Kills = tuple[tuple[float, float], ...]  # (day, share left) of an antigen's memory B cells at each kill of a run

#: why a fold-rise has no value: no IgG to rise over (endpoints.json's note, the report's and the key results' text)
NO_FOLD_RISE = "none: no IgG at the series' first dose (under the assay floor; read the relative response)"


class _FoldRiseColumn(EndpointColumn):
    """A fold-rise column: a patient without IgG at the series' first dose has none, and says why (not "not
    reached": nothing was left to reach)."""

    __slots__ = ()

    @property
    def missing(self) -> str | None:
        return NO_FOLD_RISE


#: the day-28 read-outs' day: this many days after an antigen's last dose
READ_OUT_DAYS = 28.0
#: the cell groups whose kill reaches an antigen's memory B cells (biology.vaccine.B_LYMPHOCYTE_TAGS and the
#: antigen-specific class)
_MEMORY_B_GROUPS = frozenset({"lymphocyte", "b_cell", "antigen_specific"})


def read_out_day(doses: Doses) -> float:
    """The day the day-28 read-outs of ``doses`` are read on: every kill of the memory B cells up to it is the
    reference adult's too (:func:`memory_kills`), one after it is unseen by them (:func:`unseen_kill_days`)."""
    return max(d for d, _ in doses) + READ_OUT_DAYS


def scenario_kill_days(interventions: Sequence[InterventionSpec]) -> list[float]:
    """The days a scenario's interventions may kill memory B cells, known before it runs (the read-outs take the kills
    from the run itself, :func:`memory_kills`: this is plausibility's view of them): the last day of a conditioning
    or a radiation course, a depletion's day where its groups reach B cells. A graft kills none (an autologous one
    without conditioning left every memory B cell: review36a)."""
    days = []
    for iv in interventions:
        groups = set(getattr(iv, "groups", ()) or ())
        spared = set(getattr(iv, "except_groups", ()) or ())
        if iv.kind in ("conditioning", "radiation") or (
                iv.kind == "cell_depletion" and groups & _MEMORY_B_GROUPS and not spared & _MEMORY_B_GROUPS):
            days.append(float(iv.last_day))
    return days


def unseen_kill_days(doses: Doses, kill_days: Sequence[float]) -> list[float]:
    """Of ``kill_days``, those after the read-out day of ``doses`` (:func:`read_out_day`): the day-28 read-outs read
    the response before them (plausibility warns), where every kill up to that day is read from the run and given to
    the reference adult too."""
    return sorted(k for k in kill_days if k > read_out_day(doses))


def series_doses(doses: Doses, kill_days: Sequence[float]) -> Doses:
    """The doses of the series whose fold-rise and rise the day-28 read-outs give: those on or after the last of
    ``kill_days`` (days on which the antigen's memory B cells fell: :func:`memory_kills` of a run) on or before the
    last dose, every dose without one. A kill on a dose's day comes before the dose (the day's conditioning before its
    injections: the dose begins the series)."""
    last = max(d for d, _ in doses)
    before = [k for k in kill_days if k <= last]
    return doses if not before else tuple((d, q) for d, q in doses if d >= max(before))


def memory_kills(times: np.ndarray, memory_b: np.ndarray, until_day: float) -> list[Kills]:
    """Per patient (``memory_b``: (N, T), the antigen's memory B cells, AU), every output step up to ``until_day``
    across which they fell by more than :data:`KILL_TOLERANCE`: (the step's end day, the share left across it), the
    share to 4 significant digits (the reference runs are cached by it). The model's memory B cells have no death of
    their own, so a fall is a kill, whatever made it (a conditioning, TBI, a depletion, a collection); a kill during a
    response's growth of them is read net of that growth (under-read)."""
    keep = times <= until_day + 1e-9
    t, m = times[keep], np.atleast_2d(memory_b)[:, keep]
    out: list[Kills] = []
    for row in m:
        prev = row[:-1]
        ratio = np.ones_like(prev)
        alive = prev > 1e-9 * max(float(row.max()), 0.0)  # none yet (before the first dose): nothing to kill
        ratio[alive] = row[1:][alive] / prev[alive]
        out.append(tuple((float(t[i + 1]), float(f"{max(float(ratio[i]), 0.0):.4g}"))
                         for i in np.flatnonzero(ratio < 1.0 - KILL_TOLERANCE)))
    return out


@dataclasses.dataclass(frozen=True)
class _MemoryKill(Event):
    """The reference adult's B cells specific to ``antigen`` (activated, maturing and memory: the B-cell tags that a
    conditioning, TBI or a B-cell depletion hits in the patient) down to ``surviving_fraction``: one of the patient's
    kills, applied before the day's doses as the patient's was."""

    antigen: str
    surviving_fraction: float

    def apply(self, model: CompiledModel, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        y = x.copy()
        hit = [i for i, (name, tags) in enumerate(zip(model.state_names, model.state_tags, strict=True))
               if name.startswith(f"{self.antigen}_") and {"antigen_specific", "b_cell"} <= tags]
        y[..., hit] *= self.surviving_fraction
        return y


@functools.cache  # the same schedule's reference (in the same units, with the same kills) is asked for by every run
def _reference_igg(antigen: str, doses: Doses, unit_scales: tuple[tuple[str, float], ...] = (),
                   kills: Kills = ()) -> tuple[np.ndarray, np.ndarray]:
    """Output days and IgG of the healthy reference adult given ``doses`` of ``antigen``, with ``kills`` of its
    memory B cells, up to 28 days after the last dose (see :func:`reference_igg_day28`)."""
    from hemasim.biology.vaccine import VaccineResponse, antigen_state

    params = _in_units(healthy_adult_parameters(), dict(unit_scales))
    model = healthy_human_model(REFERENCE_ADULT, params, aging=False, extensions=[VaccineResponse(antigen)])
    events: list[Event] = [CellInfusion(day, antigen_state(antigen), dose) for day, dose in doses]
    events += [_MemoryKill(day, antigen, share) for day, share in kills]
    r = Simulation(model, events=events).run(max(d for d, _ in doses) + 28.0, 1.0)
    return r.times, r.observable(f"{antigen}_igg_au")


def reference_igg_day28(antigen: str, doses: Doses, unit_scales: tuple[tuple[str, float], ...] = (),
                        kills: Kills = ()) -> float:
    """IgG of the healthy reference adult 28 days after the last of ``doses`` of ``antigen``, its memory B cells
    killed as ``kills`` says (a patient's, :func:`memory_kills`: (day, share left); none: a healthy adult's series).

    The reference adult is the 35-year-old with the shipped parameter table, every biology as shipped, expressed in
    the run's arbitrary units: ``unit_scales`` (:func:`reference_unit_scales` of the run's parameters; none: the
    shipped units) rescales each AU family of the table, so a scenario that rescales a whole family (a change of
    unit, no biology) leaves the relative response as it was, while a member changed alone (a convention too, which
    is the equivalent change of its family's other members) is a change of biology and shows in it."""
    return float(_reference_igg(antigen, doses, unit_scales, kills)[1][-1])


def _at_dose(times: np.ndarray, values: np.ndarray, day: float) -> np.ndarray:
    """``values`` (..., T) as a dose on ``day`` is given: the last output on or before it (a value between outputs
    would take in the rise after a dose given between them)."""
    return values[..., np.searchsorted(times, day + 1e-9) - 1]


#: the unit of each endpoint of an antigen, by the end of its name (``<antigen>_<end>``; the day-28 ones only when
#: the run reaches day 28 after the last dose)
VACCINE_UNITS = {"plasmablast_peak_day": "day after first dose", f"plasmablast_peak_day{DID_NOT_RISE}": "flag",
                 "igg_peak_au": "AU", "igg_day28_au": "AU", "relative_response": "1", "responder": "flag",
                 "fold_rise": "1", "fold_rise_responder": "flag"}

#: one standard dose: the schedule of the response that sets the fold-rise's floor (:data:`FOLD_RISE_FLOOR_SHARE`)
_ONE_DOSE: Doses = ((0.0, 1.0),)


def _kills_words(antigen: str, kills: Kills) -> str:
    """A single run's kills of the antigen's memory B cells, in words (what the reference adult was given too)."""
    if not kills:
        return f"no kill of the {antigen} memory B cells"
    left = float(np.prod([s for _, s in kills]))
    days = sorted({d for d, _ in kills})
    span = f"day {days[0]:g}" if len(days) == 1 else f"days {days[0]:g}-{days[-1]:g}"
    return f"its {antigen} memory B cells cut to {left:.3g} of their number on {span}, as this patient's were"


def vaccine_endpoint_values(times: np.ndarray, obs: Mapping[str, np.ndarray], schedules: Mapping[str, Doses],
                            parameters: Mapping[str, Parameter] | None = None,
                            point_scales: Sequence[tuple[tuple[str, float], ...]] | None = None
                            ) -> list[EndpointColumn]:
    """Per antigen, for many patients (``obs``: name -> (N, T)): plasmablast peak day and IgG peak after the
    first dose, IgG 28 days after the last dose, the relative response, the responder flag (relative response at
    least :data:`RESPONDER_SHARE`), and the fold-rise (that IgG over IgG at the series' first dose; none where the
    latter is under :data:`FOLD_RISE_FLOOR_SHARE` of the reference adult's one-dose response) with its
    seroconversion flag (at least :data:`SEROCONVERSION_FOLD_RISE`).

    The relative response is the rise of IgG from the series' first dose to day 28 after the last over the same
    rise of a healthy 35-year-old given the same doses, with each of the patient's kills of that antigen's memory B
    cells (read from the run, ``<antigen>_memory_b_au``: :func:`memory_kills`) applied to its own on the same day
    and by the same share. The series is the doses from the last kill on (every dose without one:
    :func:`series_doses`), so a patient whose conditioning left none of them is compared with a healthy adult's
    new primary series, one whose memory survived whole with a healthy booster, and one in between with a healthy
    adult left as much; the antibody and plasma cells that conditioning spares are the reference adult's too, and
    the rise leaves both out (a patient's antibody from before the transplant is not his response). Without a kill
    the IgG before the first dose is 0 and the rise is the day-28 IgG (a first exposure, a booster: as before).
    In the units of the run's ``parameters``, the table every patient's model was built from (None: the shipped
    table; see :func:`reference_igg_day28`). A cohort's per-patient draws of a convention are that patient's
    biology in the run's units, not a unit of his own: the reference follows the table, not the draws. A
    sensitivity design's points are single runs, each in its own units: ``point_scales`` (one per patient,
    :func:`point_unit_scales`) then replaces the table's."""
    scales = () if parameters is None else reference_unit_scales(parameters)
    out = []
    for antigen, doses in schedules.items():
        doses = tuple(doses)
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
        n = igg.shape[0]
        d28 = value_on_day(times, igg, read_out_day(doses))
        memory = obs.get(f"{antigen}_memory_b_au")  # a caller without it (a test's table): no kill
        kills = memory_kills(times, memory, read_out_day(doses)) if memory is not None else [()] * n
        units = [scales] * n if point_scales is None else list(point_scales)
        own = [series_doses(doses, [d for d, _ in k]) for k in kills]
        start = np.array([min(d for d, _ in s) for s in own])
        pre = np.array([_at_dose(times, igg[i], start[i]) for i in range(n)])
        ref_d28, ref_pre = np.empty(n), np.empty(n)
        for i in range(n):  # one reference run per distinct (units, kills): cached
            rt, rg = _reference_igg(antigen, doses, units[i], kills[i])
            ref_d28[i], ref_pre[i] = rg[-1], _at_dose(rt, rg, start[i])
        rel = (d28 - pre) / (ref_d28 - ref_pre)
        floor = FOLD_RISE_FLOOR_SHARE * np.array([reference_igg_day28(antigen, _ONE_DOSE, u) for u in units])
        fold = np.full(d28.shape, np.nan)
        np.divide(d28, pre, out=fold, where=pre >= floor)  # no silent division by a pre-series IgG of 0
        one = n == 1  # a single run's definitions name its own series and kills; a cohort's say the rule
        since = (f"day {start[0]:g}, the first dose of the series (the doses after the last kill of the {antigen} "
                 "memory B cells; every dose without one)" if one else
                 f"the series' first dose (the first dose after the last kill of the patient's {antigen} memory B "
                 "cells; the first dose without one)")
        reference = (f"a healthy 35-year-old given the same doses with {_kills_words(antigen, kills[0])}" if one else
                     f"a healthy 35-year-old given the same doses with each of the patient's kills of his {antigen} "
                     "memory B cells (read from the run) applied to its own")
        out += [EndpointColumn(f"{antigen}_igg_day28_au", "AU", f"{antigen} IgG 28 days after the last dose", d28),
                EndpointColumn(f"{antigen}_relative_response", "1", f"rise of {antigen} IgG from {since} to 28 days "
                               f"after the last dose, relative to the same rise of {reference} (the rise of day-28 "
                               "IgG itself where there was none before the series)", rel),
                EndpointColumn(f"{antigen}_responder", "flag", f"1 if the relative response is at least "
                               f"{RESPONDER_SHARE:g} (an assumed cut-off standing for a protective titre: IgG is in "
                               "arbitrary units)", (rel >= RESPONDER_SHARE).astype(np.float64)),
                _FoldRiseColumn(f"{antigen}_fold_rise", "1", f"day-28 IgG over IgG at {since}; none where that IgG "
                                f"is under {FOLD_RISE_FLOOR_SHARE:g} of a healthy 35-year-old's 28 days after one "
                                "dose (an assay's lower limit: a never-exposed patient has none, so no fold-rise; read "
                                "the relative response)", fold),
                _FoldRiseColumn(f"{antigen}_fold_rise_responder", "flag", f"1 if the fold-rise is at least "
                                f"{SEROCONVERSION_FOLD_RISE:g} (seroconversion), none where there is no fold-rise",
                                np.where(np.isnan(fold), np.nan, fold >= SEROCONVERSION_FOLD_RISE))]
    return out


class VaccineEndpoints(EndpointFamily):
    def __init__(self, schedules: Mapping[str, Doses]) -> None:
        self.schedules = dict(schedules)

    def observables(self, available: Sequence[str]) -> list[str]:
        return [f"{a}_{k}" for a in self.schedules for k in ("plasmablasts_au", "igg_au", "memory_b_au")]

    def values(self, times: np.ndarray, obs: Mapping[str, np.ndarray], ctx: EndpointContext) -> list[EndpointColumn]:
        from hemasim.parameters.units import conventions

        point_scales = None
        if ctx.points_are_runs and set(conventions()) & set(ctx.per_patient):
            point_scales = point_unit_scales(ctx.parameters, ctx.per_patient, ctx.n_patients)
        return vaccine_endpoint_values(times, obs, self.schedules, ctx.parameters, point_scales)

    def units(self) -> dict[str, str]:
        return {f"{a}_{end}": unit for a in self.schedules for end, unit in VACCINE_UNITS.items()}

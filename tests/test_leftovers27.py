"""Small report items left by the twenty-fourth session (leftovers27): times below a day, chimerism's unit, units as
a reader writes them, the filgrastim sets' descriptions, the bulk-VCN note written once."""

from __future__ import annotations


def test_a_day_below_one_reads_to_three_digits_with_its_hours():
    # a docetaxel Cmax at the end of a 1-hour infusion read "0.04167" in the endpoint table
    from hemasim.endpoints import EndpointValue
    from hemasim.report.html import endpoint_text
    from hemasim.report.key_results import _amount, value_text

    e = EndpointValue("docetaxel_cmax_day", 1.0 / 24.0, "day", "day of the highest docetaxel plasma concentration")
    assert endpoint_text(e) == "0.0417 (1 h)"
    assert value_text("day after graft", 0.25) == "0.25 (6 h)"
    assert _amount("days_anc_below_0p5", "day", 0.5) == "0.5 days (12 h)"
    # a day of one or more, and a count of none, as before
    assert value_text("day", 63.041667) == "63.04" and value_text("day", 0.0) == "0"
    assert _amount("days_anc_below_0p5", "day", 1.0) == "1 day"
    # the plural and the hours by the number as written (review27: "1 days", "1 (24 h)")
    assert _amount("days_anc_below_0p5", "day", 1.00001) == "1 day" and value_text("day", 0.9996) == "0.9996"


def test_units_read_as_a_reader_writes_them_from_one_mapping():
    # the endpoint table read "1e9/L" and "cells/uL" below key results that wrote "×10⁹/L"
    from hemasim.report.key_results import unit_text, unit_words

    assert unit_text("1e9/L") == "×10⁹/L" and unit_text("1e12/L") == "×10¹²/L"
    assert unit_text("cells/uL") == "cells/µL" and unit_text("ug/kg") == "µg/kg"
    assert unit_text("ng*h/mL") == "ng·h/mL" and unit_text("mg/m2") == "mg/m²" and unit_text("1/Gy^2") == "1/Gy²"
    for kept in ("1/day", "g/dL", "cells/MPP event", "day after graft", "1"):
        assert unit_text(kept) == kept
    words = unit_words({"anc_nadir": "1e9/L", "cd4_final": "cells/uL", "docetaxel_cumulative_auc": "ng*h/mL"})
    assert words == {"anc_nadir": "×10⁹/L", "cd4_final": "cells/µL", "docetaxel_cumulative_auc": "ng·h/mL"}


def test_the_report_tables_and_the_dose_line_use_the_readable_units():
    from hemasim.report.html import _intervention_text, parameter_rows

    rows = parameter_rows([{"name": "anc_setpoint_1e9_per_L", "value": 4.75, "unit": "1e9/L", "source": "x"}])
    assert "<td>×10⁹/L</td>" in rows and "1e9/L" not in rows
    text = _intervention_text({"kind": "chemotherapy", "drug_set": "docetaxel_kloft2006", "dose_mg_per_m2": 100,
                               "rules": [{"observable": "anc", "below": 1.5, "action": "delay", "delay_days": 7,
                                          "max_delays": 2}]})
    assert "dose 100 mg/m²" in text
    # one pair of brackets: "rules: (if ... delay 7 days (at most 2 times, then given))" doubled them
    assert text.endswith("rules: if ANC < 1.5 ×10⁹/L on a cycle's planned day: delay 7 days (at most 2 times, then "
                         "given)"), text


def test_a_donor_share_reads_in_percent_in_every_endpoint_table_and_says_its_unit_in_the_files():
    # donor chimerism read 0.4822 ("fraction") in the endpoint table, 48.2 in the lineage table, 48.2% in key results
    from hemasim.endpoints import EndpointValue
    from hemasim.interventions.chimerism import LineageChimerism
    from hemasim.report.html import endpoint_text
    from hemasim.report.key_results import _value_text, unit_words

    e = EndpointValue("donor_t_chimerism_day28", 0.48224, "fraction", "donor share")
    assert endpoint_text(e) == "48.2" and unit_words({e.name: e.unit}) == {e.name: "%"}
    assert _value_text(e) == "48.2%" and endpoint_text(EndpointValue("x", 1.0, "fraction", "")) == "100.0"
    import numpy as np

    from hemasim.interventions.chimerism import LINEAGES

    times = np.arange(0.0, 30.0)
    obs = {n: np.full((1, times.size), value) for counts in LINEAGES.values() for c in counts
           for n, value in ((c, 2.0), (f"{c}__donor", 1.0))}
    columns = {c.name: c for c in LineageChimerism(0.0).values(times, obs, None)}  # type: ignore[arg-type]
    day28 = columns["donor_t_chimerism_day28"]
    assert day28.unit == "fraction" and float(day28.values[0]) == 0.5
    assert "(a fraction, 0-1; the report gives it in %)" in day28.definition
    assert ">= 0.95 (95%)" in columns["full_donor_t_chimerism_day"].definition


def test_the_filgrastim_sets_say_what_differs_and_which_to_use_in_the_drug_listing():
    # filgrastim_wang2001 and _v1 read alike ("Filgrastim" and a long sentence) in `hemasim drugs`
    from hemasim.cli.drugs import _summary
    from hemasim.pharmacology import available_drug_sets, load_drug_set

    heads = {n: _summary(load_drug_set(n).description) for n in available_drug_sets() if n.startswith("filgrastim")}
    assert len(set(heads.values())) == len(heads), heads
    assert "use this one" in heads["filgrastim_wang2001"] and "body's own G-CSF" in heads["filgrastim_wang2001"]
    assert "use filgrastim_wang2001" in heads["filgrastim_wang2001_v1"] and len(heads["filgrastim_wang2001_v1"]) < 80


def test_an_endpoint_definition_names_a_count_in_words_with_its_column():
    # "lowest anc_1e9_per_L over the run" made a reader decode the column's name (report25's list)
    from hemasim.report.key_results import definition_text, row_head

    assert definition_text("lowest anc_1e9_per_L over the run") == "lowest ANC [anc_1e9_per_L] over the run"
    # idempotent: a text converted once (row_head's callers may pass one) is not converted again (review27)
    assert definition_text(definition_text("lowest anc_1e9_per_L over the run")) == "lowest ANC [anc_1e9_per_L] over the run"
    assert definition_text("cd4_per_uL at the end of the run") == "CD4 T cells [cd4_per_uL] at the end of the run"
    # an endpoint's name that contains a count's is left alone
    assert definition_text("see donor_chimerism_anc_1e9_day28") == "see donor_chimerism_anc_1e9_day28"
    assert "lowest ANC [anc_1e9_per_L] over the run" in row_head("ANC nadir", "lowest anc_1e9_per_L over the run")

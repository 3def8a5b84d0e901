"""Platelet kinetics: Harker & Finch 1969 (survival, megakaryocyte maturation) and the splenic platelet pool (the
share of the body's platelets outside the circulation, Transfusion 1985; kept beside the platelet lifespan it
shares the pool with)."""

from hemasim.parameters.bibliography import HARKER_2000, HARKER_FINCH_1969
from hemasim.parameters.core import Calibrated, Cited, PlausibleRange, Reference
from hemasim.parameters.sets._helpers import param

TRANSFUSION_1985_SPLENIC_POOL = Reference(
    "Transfusion1985", "authors not read (PubMed 4002306)", 1985,
    "Kinetics and mobilization from the spleen of indium-111-labeled platelets during platelet apheresis",
    "Transfusion 25:215-218")

#: the other estimates of the same share, lowest to highest (each read in the pages corpus, abstract only)
SPLENIC_SHARE_RANGE = (
    "0.24: yield / yield expected from the count's fall 1.31 +- 0.49 in 50 plateletphereses of normal donors (0.76 "
    "after splenectomy), 1 - 1/1.31 (scilit 75272673e2bd, 'Evidence for rapid mobilization of platelets from the "
    "spleen during intensive plateletpheresis'); 0.34: recovery of labelled platelets 66 +- 8% in normal subjects "
    "(Hanson & Slichter 1985 Blood 66:1105); about a third (Aster 1966 J Clin Invest 45:645; the value was not read "
    "in a stored copy); 0.36 +- 0.15: recruited / yielded platelets in high-yield plateletpheresis (Transfusion "
    "2011, DOI 10.1111/j.1537-2995.2011.03117.x, litmetric 21438883); 0.40: In-111 platelets' initial recovery 59.2% "
    "in normal volunteers against 97.8% in asplenic subjects, 1 - 59.2/97.8 (scilit 024d202988ac)")

#: the other readings of the fold a healthy marrow reaches within days of a thrombopoietic stimulus
PLOIDY_FOLD_RANGE = (
    "2.0: 'PEG-rHuMGDF transiently increases megakaryocytopoiesis 2-fold' (Harker 2000 abstract); 2.66: apheresis "
    "donors given 3 ug/kg PEG-rHuMGDF, median platelets 599 against 225e9/L on placebo, day 10-12 (review chapter "
    "'Thrombopoietin increases platelet count in healthy humans', guwsmedical.info, pages corpus)")

PARAMETERS = [
    param("platelet_lifespan_days", 9.9, "day", "mean lifespan of a circulating platelet",
          Cited(HARKER_FINCH_1969, "abstract: platelet survival 9.9 days"), bounds=(5.0, 12.0)),
    param("megakaryocyte_maturation_days", 5.0, "day",
          "time from megakaryocyte commitment (end of proliferation) to platelet release",
          Cited(HARKER_FINCH_1969, "megakaryocyte maturation time about 5 days"), bounds=(2.0, 10.0)),
    param("platelet_splenic_pool_share", 0.25, "1",
          "share of the body's platelets held in the splenic pool, in equilibrium with the circulating ones",
          Cited(TRANSFUSION_1985_SPLENIC_POOL,
                "abstract (PubMed 4002306, pages corpus): apheresis removed 64% of the circulating platelets, i.e. "
                "48% of all platelets in the body, of 4 normal volunteers (In-111 whole-body and organ counts; "
                "spleen and whole body fell in parallel, 'dynamic equilibrium'): 1 - 48/64 = 0.25. Chosen over "
                "the recovery-based estimates because it is a mass balance of the exchangeable pool during the "
                "very event the pool matters for (a collection), in normal donors"),
          bounds=(0.0, 0.9), plausible_range=PlausibleRange(0.24, 0.40, SPLENIC_SHARE_RANGE)),
    param("megakaryocyte_ploidy_max_fold", 2.3, "1",
          "largest fold of the platelet equivalents a committed megakaryocyte carries into maturation (ploidy and "
          "volume) under maximal TPO-like drive: the fast arm of the lineage (docs/platelets.md, section A fast TPO arm)",
          Cited(HARKER_2000, "abstract (ashpublications.net/blood/article/95/8/2514, pages corpus): one 3 ug/kg "
                "PEG-rHuMGDF dose in healthy volunteers raised platelet turnover from 43.9 to 101e3/uL/day (2.30-fold) "
                "(the abstract does not say on which day; marrow was sampled on day 8, the count peaked on day 12), "
                "megakaryocyte volume and ploidy first: the production a healthy marrow reaches within "
                "days, before a 50-day progenitor pool can add to it"),
          bounds=(1.01, 10.0), plausible_range=PlausibleRange(2.0, 2.7, PLOIDY_FOLD_RANGE)),
    param("megakaryocyte_ploidy_log_slope", 0.0, "1",
          "log-sensitivity of the platelet equivalents per committed megakaryocyte to the platelet pool at its set "
          "point (the fast TPO arm); 0 switches the arm off",
          Calibrated(("T2", "T10", "T11"), "the rule of docs/platelets.md (section A fast TPO arm): fitted alone on the "
                     "engraftment fit's six medians with the other four engraftment parameters held, the estimate "
                     "ends on the search range's lower end 0.01 (objective 14.616 against 14.606 with the arm off); "
                     "with the four re-fitted the profile rises from the arm off (0.03: 14.631, 0.1: 14.687, 0.3: "
                     "14.783 against 14.605): the data do not ask for the arm, so by the rule it is off (0); "
                     "docs/fit_megakaryocyte_arm.py, its output docs/images/megakaryocyte_arm_fit.json"),
          bounds=(0.0, 3.0)),
]

"""Linear-quadratic radiosensitivity of the model's compartment classes (total-body irradiation).

Surviving fraction of one fraction of dose d (Gy): SF = exp(-alpha d - beta d^2). A D0 (the dose that
leaves 1/e on the exponential part of a survival curve) with no shoulder is alpha = 1/D0, beta = 0.

* Lymphoid (lymphocytes, lymphoid precursors, thymocytes): the human in vivo D0 of 1.2 Gy computed from
  the fall of blood lymphocytes during TBI before marrow transplantation (PubMed 3303160, 1987; the
  literature folder, docs/literature, rows "radiation: human lymphocytes"). The same abstract gives how
  lethally hit lymphocytes leave the blood: half within a few hours (removed at the fraction), half with a
  half-time of 30 h (held as dying cells in the blood counts, :class:`hemasim.radiation.IrradiatedLymphocytes`;
  docs/chimerism.md).
* Progenitors (dividing progenitors and precursors): the D0 of colony-forming cells of haematologically
  normal human marrow irradiated in vitro, 0.82 +/- 0.22 Gy with no shoulder (Kimler 1985), and no
  recovery from sublethal damage between fractions (Br J Cancer Suppl 6:221, 1984): beta = 0.
* Haematopoietic stem cells: no human value was found (literature folder: "No human CFU-GM, BFU-E, CFU-Mk
  or LT-HSC D0 / alpha / beta was found"); alpha assumed, less sensitive than the progenitors (quiescent); beta
  assumed through alpha/beta = 10 Gy, inside the 7-11 Gy of early reactions of human (breast) skin (Thames 1990),
  which bounds its plausible range only (skin, not stem cells).
"""

from hemasim.parameters.core import Assumed, Cited, PlausibleRange, Reference
from hemasim.parameters.sets._helpers import param

TBI = "depth of ablation by total-body irradiation (host HSCs left after TBI-based conditioning)"
HSC_ALPHA_PER_GY = 0.6  # radiosensitivity_alpha_hsc_per_Gy (assumed); beta is it over the assumed alpha/beta
HSC_ALPHA_BETA_GY = 10.0
THAMES_EARLY_ALPHA_BETA_GY = (7.0, 11.0)

TBI_LYMPHOCYTES_1987 = Reference(
    "PubMed3303160", "(authors not visible in the record read)", 1987,
    "Early response of blood cells to total body irradiation before cyclophosphamide and bone marrow "
    "transplantation in leukaemia patients (PubMed 3303160; abstract read at "
    "linkedlifedata.com/resource/pubmed-article/3303160; copied in docs/literature)",
    "journal not visible in the record")
KIMLER_1985 = Reference(
    "Kimler1985", "Kimler BF, Park CH, Yakar D, Mies RM.", 1985,
    "radiation survival of marrow colony-forming cells of patients with acute nonlymphocytic leukaemia and of "
    "haematologically normal controls (PubMed 3980276; title not read, abstract read at "
    "suppr.wilddata.cn/browses/detail/pubmed/3980276)",
    "Int J Radiat Oncol Biol Phys 11:809-816", "10.1016/0360-3016(85)90315-3")

PARAMETERS = [
    param("radiosensitivity_alpha_hsc_per_Gy", HSC_ALPHA_PER_GY, "1/Gy", "LQ alpha of haematopoietic stem cells",
          Assumed(TBI, "no human HSC D0 found; below the progenitors' 1/D0 = 1.22/Gy (quiescent cells): survival "
                  "about 0.24 after one 2-Gy fraction"), bounds=(0.0, 5.0)),
    param("radiosensitivity_beta_hsc_per_Gy2", HSC_ALPHA_PER_GY / HSC_ALPHA_BETA_GY, "1/Gy^2",
          "LQ beta of haematopoietic stem cells",
          Assumed(TBI, "alpha/beta = 10 Gy, the usual value for early-responding tissues; no human HSC alpha/beta "
                  "was found. Not cited: Thames 1990 (Radiother Oncol 19:219, abstract, pages corpus; "
                  "lirias.kuleuven.be/handle/123456789/40087) gives 7-11 Gy for early reactions of human normal "
                  "tissues from the direct analysis of breast treatments - skin, not haematopoietic stem cells - so "
                  "it bounds the ratio's plausible range only: beta = alpha / (alpha/beta) = 0.6/11 to 0.6/7 = "
                  "0.0545-0.0857/Gy^2 at the record's alpha 0.6/Gy (radiosensitivity_alpha_hsc_per_Gy, assumed). "
                  "Searched besides (pages corpus): Fowler 1989 Br J Radiol 62:679 (scribd copy, table not in the "
                  "stored text); a radiotherapy-dictionary blog listing bone marrow alpha/beta 10 Gy for transient "
                  "hypoplasia and 5 Gy for lethal aplasia (radiotherapydictionary.blogspot.com, its reference [5] "
                  "not traced, so not cited)"),
          bounds=(0.0, 1.0),
          plausible_range=PlausibleRange(HSC_ALPHA_PER_GY / THAMES_EARLY_ALPHA_BETA_GY[1],
                                         HSC_ALPHA_PER_GY / THAMES_EARLY_ALPHA_BETA_GY[0],
                                         "Thames 1990 Radiother Oncol 19:219, abstract: early reactions of human "
                                         "(breast) skin, alpha/beta 7-11 Gy, at the record's alpha 0.6/Gy")),
    param("radiosensitivity_alpha_progenitor_per_Gy", 1.0 / 0.82, "1/Gy",
          "LQ alpha of dividing progenitors and precursors (MPP, CLP, committed pools, dividing precursors)",
          Cited(KIMLER_1985, "abstract: normal marrow colony-forming cells D0 0.5-1.3 Gy, mean 0.82 +/- 0.22 Gy, "
                "essentially no shoulder (Dq < 0.3 Gy); alpha = 1/D0"), bounds=(0.0, 5.0)),
    param("radiosensitivity_beta_progenitor_per_Gy2", 0.0, "1/Gy^2", "LQ beta of dividing progenitors",
          Cited(KIMLER_1985, "abstract: survival curves with essentially no shoulder (exponential); a 1984 study "
                "of normal marrow (Br J Cancer Suppl 6:221, MEDLINE mdl-6582910) found no recovery from sublethal damage between "
                "fractions: beta = 0"), bounds=(0.0, 1.0)),
    param("radiosensitivity_alpha_lymphoid_per_Gy", 1.0 / 1.2, "1/Gy",
          "LQ alpha of lymphocytes, lymphoid precursors and thymocytes (interphase death)",
          Cited(TBI_LYMPHOCYTES_1987, "abstract: 'from the data obtained in vivo, a lymphocyte D0 value of 1.2 Gy "
                "was computed' (single 10-Gy session and 11 x 1.2 Gy); B, T, CD4 and CD8 subsets alike; "
                "alpha = 1/D0"), bounds=(0.0, 5.0)),
    param("irradiated_lymphocyte_fast_loss_share", 0.5, "1",
          "share of the lethally hit lymphocytes that leaves the blood within hours (removed at the fraction)",
          Cited(TBI_LYMPHOCYTES_1987, "abstract: 'The disappearance of lethally hit lymphocytes from the blood "
                "exhibits a biphasic kinetic: 50% of the cells disappear in a few hours and 50% with a half time "
                "at 30 h'"), bounds=(0.0, 1.0)),
    param("irradiated_lymphocyte_blood_half_life_days", 30.0 / 24.0, "day",
          "half-time with which the rest of the lethally hit lymphocytes leaves the blood (dying cells)",
          Cited(TBI_LYMPHOCYTES_1987, "abstract: lethally hit lymphocytes disappear '50% in a few hours and 50% "
                "with a half time at 30 h'; the blood count after a single 10-Gy session and during 11 x 1.2 Gy "
                "'continue[s] to decrease exponentially, with a half time of 30 h': 30 h = 1.25 d"),
          bounds=(0.01, 30.0)),
    param("radiosensitivity_beta_lymphoid_per_Gy2", 0.0, "1/Gy^2", "LQ beta of lymphoid cells",
          Cited(TBI_LYMPHOCYTES_1987, "abstract: one exponential D0 computed from single-session and fractionated "
                "TBI alike (no shoulder used): beta = 0"), bounds=(0.0, 1.0)),
]

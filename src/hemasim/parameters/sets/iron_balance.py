"""Iron for erythropoiesis (branch iron33, issue 17; review33b's corrections in branch ironmend33): the values of the opt-in iron model (hemasim.biology.iron;
docs/model.md, "Iron-limited erythropoiesis"). No value here is fitted; none is read from a validation target's
source (Kiss 2015 / Cable 2016, INTERVAL, Pehlic 2020, Transfus Apher Sci 2013, Ziegler, Stangerup, Pottgiesser, Falz
2014 and the 2001 red-cell apheresis study are not used). Every value is cited (the search tool's pages corpus;
address given) but two, assumed: the shape of the marrow's iron-supply limit.

The healthy model does not read these: the iron model is built only when a scenario asks for it (an
``iron_balance`` or ``oral_iron`` intervention).
"""

from hemasim.parameters.bibliography import HILLMAN_HENDERSON_1969
from hemasim.parameters.core import Assumed, Cited, Reference
from hemasim.parameters.sets._helpers import param

CONRAD_CROSBY_1962 = Reference(
    "ConradCrosby1962", "Conrad ME, Crosby WH.", 1962, "The natural history of iron deficiency induced by phlebotomy",
    "Blood 20(2):173-185")
GORDEUK_2008 = Reference(
    "Gordeuk2008", "Gordeuk VR, Reboussin DM, McLaren CE, et al.", 2008,
    "Serum ferritin concentrations and body iron stores in a multicenter, multiethnic primary-care population",
    "Am J Hematol 83(8):618-626", "10.1002/ajh.21179")
IOM_DRI_2001 = Reference(
    "IOM2001", "Institute of Medicine, Panel on Micronutrients", 2001,
    "Dietary Reference Intakes for vitamin A, vitamin K, arsenic, boron, chromium, copper, iodine, iron, manganese, "
    "molybdenum, nickel, silicon, vanadium, and zinc (chapter 9, Iron)", "National Academies Press (NAP 10026)")
GARRY_1995 = Reference(
    "Garry1995", "Garry PJ, Koehler KM, Simon TL.", 1995, "Iron stores and iron absorption: effects of repeated "
    "blood donations", "Am J Clin Nutr 62(3):611-620")
FERROKINETICS_PMC4345694 = Reference(
    "Saito2014", "Saito H.", 2014, "Metabolism of iron stores (review; Table 2: storage iron turnover of a typical "
    "normal male)", "Nagoya J Med Sci 76(3-4):235-254 (PMC4345694)")
HUNT_2009 = Reference(
    "Hunt2009", "Hunt JR, Zito CA, Johnson LK.", 2009, "Body iron excretion by healthy men and women",
    "Am J Clin Nutr 89(6):1792-1798", "10.3945/ajcn.2009.27439")
IRON_TEACHING_TEXT = Reference(
    "IronTeachingText", "teaching text on iron metabolism, author not given (translated web page)", 2020,
    "Iron metabolism", "th4.ilovetranslation.com/Qu8PByzV9cT9QESyW-HC5B (pages corpus; an undated web page: the year is a placeholder)")
BIALKOWSKI_2017 = Reference(
    "Bialkowski2017", "Bialkowski W, Kiss JE, Wright DJ, et al.", 2017, "Estimates of total body iron indicate 19 mg "
    "and 38 mg oral iron are equivalent for the mitigation of iron deficiency in individuals experiencing repeated "
    "phlebotomy", "Am J Hematol 92(9):851-857", "10.1002/ajh.24784")
WALTERS_1973 = Reference(
    "Walters1973", "Walters GO, Miller FM, Worwood M.", 1973, "Serum ferritin concentration and iron stores in normal "
    "subjects", "J Clin Pathol 26:770-772")
BLOOD_PROJECT_TRANSFERRIN = Reference(
    "BloodProject", "The Blood Project (teaching resource)", 2020, "Iron compartments in the human body",
    "thebloodproject.com/cases-archive/iron-compartments-in-body")

#: red-cell iron renewal of the typical normal male, mg/day (PMC4345694 Table 2: 2400 mg red-cell iron / 120 days)
RED_CELL_IRON_RENEWAL_MG_PER_DAY = 20.0
#: Hillman & Henderson 1969: iron from normal stores supports 2-3 times the normal marrow production (midpoint)
STORES_PRODUCTION_FOLD = 2.5
STORAGE_IRON_MALE_MG = 800.0
#: storage iron turnover of the typical normal male, mg/day (PMC4345694 Table 2, SIT = 7 mg/day)
STORAGE_IRON_TURNOVER_MG_PER_DAY = 7.0
#: Bialkowski 2017 abstract: total body iron +229 mg after 60 days of 19 or 38 mg/day (indistinguishable arms)
BIALKOWSKI_TBI_GAIN_MG = 229.0
BIALKOWSKI_DAYS = 60.0
BIALKOWSKI_LOW_DOSE_MG = 19.0

PARAMETERS = [
    param("iron_per_hemoglobin_mg_per_g", 3.38, "mg/g", "iron in one gram of haemoglobin",
          Cited(CONRAD_CROSBY_1962, "Methods: 'the loss of iron was calculated on the basis of 3.38 mg of iron per Gm. "
                "Hb' (scribd.com/document/529995934, pages corpus); 3.39 mg/g in IOM 2001 p.334 (Smith & Rios 1974, "
                "books.nap.edu record 10026 page 334)"), bounds=(3.0, 3.6)),
    param("storage_iron_male_mg", STORAGE_IRON_MALE_MG, "mg", "storage iron (ferritin and haemosiderin) of a man",
          Cited(GORDEUK_2008, "abstract (PMC3773165, pages corpus): 'iron stores (normally 0.8 g in men, 0.4 g in "
                "women)'"), bounds=(0.0, 5000.0)),
    param("storage_iron_female_mg", 400.0, "mg", "storage iron (ferritin and haemosiderin) of a woman",
          Cited(GORDEUK_2008, "as storage_iron_male_mg: 0.4 g in women"), bounds=(0.0, 5000.0)),
    param("iron_absorption_male_mg_per_day", 1.08, "mg/day",
          "a man's obligatory iron loss per day, constant whatever his stores, and the iron he absorbs at his usual "
          "stores (balance)",
          Cited(IOM_DRI_2001, "p.340 (books.nap.edu/openbook.php?record_id=10026&page=340, pages corpus): the median "
                "absorbed-iron requirement of men equals their basal losses, 14 ug/kg/day (Green 1968 Am J Med 45:336) "
                "x 77.4 kg = 1.08 mg/day. Constant: Hunt 2009 (Am J Clin Nutr 89:1792; pubmed.ncbi.nlm.nih.gov/"
                "19386738 and the ARS abstract ars.usda.gov/research/publications/publications.htm?seq_no_115=187181, "
                "pages corpus) measured men's excretion, median 1.18 (0.11-2.07) mg/day, and found it unrelated to "
                "their ferritin (R2 = 0.003): the loss does not follow the stores"), bounds=(0.3, 3.0)),
    param("iron_absorption_female_mg_per_day", 1.4, "mg/day",
          "a menstruating woman's obligatory iron loss per day (basal plus menstrual), constant whatever her stores, "
          "and the iron she absorbs at her usual stores (balance)",
          Cited(IRON_TEACHING_TEXT, "'Adult males require ~ 1 mg of absorbed iron daily to replace the losses ... In "
                "menstruating females this can increase to 1.4' mg/day (th4.ilovetranslation.com/Qu8PByzV9cT9QESyW-"
                "HC5B, pages corpus; a teaching text, not IOM 2001). Measured: Hunt 2009 (pubmed 19386738, pages "
                "corpus) 1.58 (0.65-4.88) mg/day median in 19 menstruating women, 0.99 in 5 postmenopausal women; "
                "1.5-2 mg/day in the menstruating female (mussenhealth.us iron metabolism page)"), bounds=(0.3, 4.0)),
    param("iron_absorption_max_male_mg_per_day", 4.10, "mg/day",
          "iron a man absorbs per day from his diet when his stores are exhausted (the up-regulated ceiling)",
          Cited(GARRY_1995, "abstract (scilit.com/publications/aef2430c64a5ed346adbf0b7f99b4407, pages corpus): 36 "
                "repeat donors (15 units over 3.5 years), mean age 67.7 (SD 3.7) years: 'mean maximal iron absorption "
                "was approximately 4.10 mg/d for men and approximately 3.55 mg/d for women regardless of iron "
                "intake'; an elderly cohort, younger donors' ceiling not measured there"), bounds=(1.0, 10.0)),
    param("iron_absorption_max_female_mg_per_day", 3.55, "mg/day",
          "iron a woman absorbs per day from her diet when her stores are exhausted (the up-regulated ceiling)",
          Cited(GARRY_1995, "as iron_absorption_max_male_mg_per_day: 3.55 mg/d for women, who were postmenopausal "
                "(the cohort averaged 67.7 years; the same group's female donors, Simon et al. 1992, were "
                "postmenopausal): used for menstruating women too"), bounds=(1.0, 10.0)),
    param("plasma_iron_mg", 3.0, "mg", "transferrin-bound (plasma transit) iron at rest",
          Cited(BLOOD_PROJECT_TRANSFERRIN, "'only about 3 mg of iron is bound to circulating transferrin (transport "
                "pool) ... transferring about 20 mg of (mostly recycled) iron each day to the bone marrow' "
                "(thebloodproject.com, pages corpus); 'three milligrams ... circulates in the plasma in an exchangeable "
                "pool, bound to transferrin' (mussenhealth.us/blood-flow/iron-metabolism.html)"), bounds=(0.5, 10.0)),
    param("storage_iron_release_rate_per_day", STORAGE_IRON_TURNOVER_MG_PER_DAY / STORAGE_IRON_MALE_MG, "1/day",
          "share of storage iron released to plasma per day at rest (storage iron turnover / stores)",
          Cited(FERROKINETICS_PMC4345694, "Table 2 (pmc.ncbi.nlm.nih.gov/articles/PMC4345694/table/table2, pages "
                "corpus; the paper: Saito 2014 Nagoya J Med Sci 76:235, scribd.com/document/542672098): storage "
                "iron turnover SIT = 7 mg/day in the typical normal male (PIT 30 mg/day, red-cell iron renewal 20 "
                "mg/day); over Gordeuk 2008's 800 mg of a man's stores: 7/800 = 0.00875/day"),
          bounds=(0.001, 0.1)),
    param("storage_iron_max_release_rate_per_day",
          (STORES_PRODUCTION_FOLD - 1.0) * RED_CELL_IRON_RENEWAL_MG_PER_DAY / STORAGE_IRON_MALE_MG, "1/day",
          "largest share of storage iron the stores can release to plasma per day (when plasma iron is exhausted)",
          Cited(HILLMAN_HENDERSON_1969, "abstract (PMC535709, pages corpus): 'iron delivered from normal "
                "reticuloendothelial stores ... is sufficient for a marrow production response of only two to three "
                "times normal' (normal men, prolonged phlebotomy); the midpoint 2.5 times the red-cell iron renewal "
                "20 mg/day (PMC4345694 Table 2), the excess 1.5 x 20 = 30 mg/day over a man's 800 mg (Gordeuk 2008): "
                "0.0375/day"), bounds=(0.005, 0.5)),
    param("oral_iron_absorbed_max_mg_per_day", BIALKOWSKI_TBI_GAIN_MG / BIALKOWSKI_DAYS, "mg/day",
          "iron absorbed per day from an oral supplement at or above the saturating dose (the oral_iron "
          "intervention; below it, in proportion to the dose)",
          Cited(BIALKOWSKI_2017, "abstract (PMC5546996, pages corpus): frequent donors randomised to 19 or 38 mg iron "
                "(ferrous gluconate) daily for 60 days: 'the effects of 19 and 38 mg iron supplementation on TBI were "
                "indistinguishable (p=0.54). TBI increased by 229 mg after the initial 60 days'; no-pill TBI did not "
                "change: 229/60 = 3.82 mg/day, the same for both doses (branch iron33b: absorption saturates; it was "
                "10% of the dose until then, which doubled the gain of 38 over 19 mg)"), bounds=(0.5, 10.0)),
    param("oral_iron_saturating_dose_mg_per_day", BIALKOWSKI_LOW_DOSE_MG, "mg/day",
          "elemental oral iron dose at and above which the absorbed iron no longer rises with the dose",
          Cited(BIALKOWSKI_2017, "the trial's lower dose, 19 mg/day, already gave the 38-mg arm's gain (abstract, "
                "PMC5546996); below it the model takes the absorbed iron in proportion to the dose (no lower dose "
                "was tested: the saturation could begin lower, and any saturating curve through 0 and 19 mg lies "
                "above this line, so it understates the iron absorbed from doses under 19 mg, by the least change "
                "that keeps 0 at no dose)"), bounds=(1.0, 100.0)),
    param("storage_iron_mg_per_ferritin_ug_per_L", 8.0, "mg per ug/L",
          "storage iron per ug/L of serum ferritin (the ferritin read-out only)",
          Cited(WALTERS_1973, "'1 ug/L serum ferritin corresponds to 8-10 mg ... storage iron' (phlebotomy studies in "
                "normal subjects; th4.ilovetranslation.com/zlXa0hv-vLA=d, pages corpus, quoting the source); the "
                "lower end"), bounds=(5.0, 15.0)),
    param("erythroid_iron_half_saturation_share", 0.25, "1",
          "plasma iron, as a share of its resting value, at which the marrow's iron-limited amplification is half "
          "its iron-unlimited value",
          Assumed("iron-limited erythropoiesis (opt-in iron model only)",
                  "iron-deficient erythropoiesis begins as transferrin saturation falls below about 16% from the usual "
                  "30-35% (Jacobs 1972 BMJ 4:206: ferritin below 10 ug/L goes with a low saturation and iron-deficient "
                  "erythropoiesis), i.e. at about half the resting plasma iron; with the Hill exponent 2 the limit "
                  "is 0.85 there. Its ceiling (1 + share^2 = 1.0625 above resting plasma iron) must keep the marrow's "
                  "largest amplification finite (r g_max x ceiling < 1: share < 0.30)"), bounds=(0.05, 0.3)),
    param("erythroid_iron_limit_hill", 2.0, "1",
          "Hill exponent of the marrow's iron-supply limit in plasma iron",
          Assumed("iron-limited erythropoiesis (opt-in iron model only)",
                  "a sigmoid supply limit (transferrin-receptor uptake falls steeply below a saturation threshold)"),
          bounds=(1.0, 4.0)),
]

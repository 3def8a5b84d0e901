"""The references hemasim's parameter sets cite. One entry per publication."""

from __future__ import annotations

from hemasim.parameters.core import Reference

ATHENS_1961 = Reference(
    "Athens1961", "Athens JW, Raab OP, Raab SO, et al.", 1961,
    "Leukokinetic studies. IV. The total blood, circulating and marginal granulocyte pools and the "
    "granulocyte turnover rate in normal subjects", "J Clin Invest 40:989-995", "10.1172/JCI104338")
BAINS_2009 = Reference(
    "Bains2009", "Bains I, Thiebaut R, Yates AJ, Callard R.", 2009,
    "Quantifying thymic export: combining models of naive T cell proliferation and TCR excision circle "
    "dynamics gives an explicit measure of thymic output", "J Immunol 183:4329-4336",
    "10.4049/jimmunol.0900743")
BOULASSEL_2006 = Reference(
    "Boulassel2006", "Boulassel MR, Herr AL, Deb Edwardes MD, Galal A, Lachance S, Laneuville P, Routy JP", 2006,
    "Early lymphocyte recovery following autologous peripheral stem cell transplantation is associated with better "
    "survival in younger patients with lymphoproliferative disorders",
    "issue 3, pages 165-170 (journal name not in the stored record; squ.pure.elsevier.com, pages corpus)")
CATLIN_2011 = Reference(
    "Catlin2011", "Catlin SN, Busque L, Gale RE, Guttorp P, Abkowitz JL.", 2011,
    "The replication rate of human hematopoietic stem cells in vivo", "Blood 117:4460-4466",
    "10.1182/blood-2010-08-303537")
CHNG_2004 = Reference(
    "Chng2004", "Chng WJ, Tan GB, Kuperan P.", 2004,
    "Establishment of adult peripheral blood lymphocyte subset reference range for an Asian population "
    "by single-platform flow cytometry", "Clin Diagn Lab Immunol 11:168-173",
    "10.1128/CDLI.11.1.168-173.2004")
DALLMAN_1977 = Reference(
    "Dallman1977", "Dallman PR.", 1977, "Normal haematological values by age, mean and mean - 2 SD (a table; the "
    "chapter's title is not in the stored page)",
    "In: Rudolph AM (ed.), Pediatrics, 16th edition, Appleton-Century-Crofts, New York, p. 1111 (the table "
    "reproduced in Nathan & Oski's Hematology of Infancy and Childhood)")
DEN_BRABER_2012 = Reference(
    "denBraber2012", "den Braber I, Mugwagwa T, Vrisekoop N, et al.", 2012,
    "Maintenance of peripheral naive T cells is sustained by thymus output in mice but not humans",
    "Immunity 36:288-297", "10.1016/j.immuni.2012.02.006")
FRANCO_2012 = Reference(
    "Franco2012", "Franco RS.", 2012, "Measurement of red cell lifespan and aging",
    "Transfus Med Hemother 39:302-307", "10.1159/000342232")
FRIBERG_2002 = Reference(
    "Friberg2002", "Friberg LE, Henningsson A, Maas H, Nguyen L, Karlsson MO.", 2002,
    "Model of chemotherapy-induced myelosuppression with parameter consistency across drugs",
    "J Clin Oncol 20:4713-4721", "10.1200/JCO.2002.02.140")
HARKER_FINCH_1969 = Reference(
    "HarkerFinch1969", "Harker LA, Finch CA.", 1969, "Thrombokinetics in man",
    "J Clin Invest 48:963-974", "10.1172/JCI106077")
HARKER_2000 = Reference(
    "Harker2000", "Harker LA, et al. (the other authors not read)", 2000,
    "Effects of megakaryocyte growth and development factor on platelet production, platelet life span, and "
    "platelet function in healthy human volunteers", "Blood 95:2514-2522")
HILLMAN_HENDERSON_1969 = Reference(
    "HillmanHenderson1969", "Hillman RS, Henderson PA.", 1969, "Control of marrow production by the level of iron supply",
    "J Clin Invest 48:454-460", "10.1172/JCI106002")
HAN_2015 = Reference(
    "Han2015", "Han S, Kim YJ, Lee J, et al.", 2015,
    "Model-based adaptive phase I trial design of post-transplant decitabine maintenance in myelodysplastic "
    "syndrome", "J Hematol Oncol 8:118", "10.1186/s13045-015-0208-3")
HOFFBRAND_2016 = Reference(
    "Hoffbrand2016", "Hoffbrand AV, Moss PAH.", 2016, "Hoffbrand's Essential Haematology, 7th edition",
    "Wiley-Blackwell (textbook)")
ICRP_1975 = Reference(
    "ICRP1975", "International Commission on Radiological Protection", 1975,
    "Report of the Task Group on Reference Man (ICRP Publication 23)", "Pergamon, Oxford")
ICRP_2002 = Reference(
    "ICRP2002", "International Commission on Radiological Protection", 2002,
    "Basic anatomical and physiological data for use in radiological protection: reference values "
    "(ICRP Publication 89)", "Ann ICRP 32(3-4)")
LAHOZ_BENEYTEZ_2016 = Reference(
    "LahozBeneytez2016", "Lahoz-Beneytez J, Elemans M, Zhang Y, et al.", 2016,
    "Human neutrophil kinetics: modeling of stable isotope labeling data supports short blood "
    "neutrophil half-lives", "Blood 127:3431-3438", "10.1182/blood-2016-03-700336")
LINDERKAMP_1977 = Reference(
    "Linderkamp1977", "Linderkamp O, Versmold HT, Riegel KP, Betke K.", 1977,
    "Estimation and prediction of blood volume in infants and children",
    "Eur J Pediatr 125:227-234 (Table 1 p. 228 read at medicalalgorithms.com, pages corpus)")
LEE_SIX_2018 = Reference(
    "LeeSix2018", "Lee-Six H, Obro NF, Shepherd MS, et al.", 2018,
    "Population dynamics of normal human blood inferred from somatic mutations", "Nature 561:473-478",
    "10.1038/s41586-018-0497-0")
MACALLAN_2004 = Reference(
    "Macallan2004", "Macallan DC, Wallace D, Zhang Y, et al.", 2004,
    "Rapid turnover of effector-memory CD4+ T cells in healthy humans", "J Exp Med 200:255-260",
    "10.1084/jem.20040341")
MACALLAN_2005 = Reference(
    "Macallan2005", "Macallan DC, Wallace DL, Zhang Y, et al.", 2005,
    "B-cell kinetics in humans: rapid turnover of peripheral blood memory cells", "Blood 105:3633-3640",
    "10.1182/blood-2004-09-3740")
MERCK_MANUAL = Reference(
    "MerckManual", "Merck Manual Professional Version", 2024,
    "Normal laboratory values: blood, plasma and serum (complete blood count reference intervals)",
    "Merck & Co. (textbook reference intervals)")
NADLER_1962 = Reference(
    "Nadler1962", "Nadler SB, Hidalgo JH, Bloch T.", 1962,
    "Prediction of blood volume in normal human adults", "Surgery 51:224-232")
PEREZ_RUIXO_2008 = Reference(
    "PerezRuixo2008", "Perez-Ruixo JJ, Krzyzanski W, Hing J.", 2008,
    "Pharmacodynamic analysis of recombinant human erythropoietin effect on reticulocyte production rate and age "
    "distribution in healthy subjects", "Clin Pharmacokinet 47:399-415")
PATEL_2017 = Reference(
    "Patel2017", "Patel AA, Zhang Y, Fullerton JN, et al.", 2017,
    "The fate and lifespan of human monocyte subsets in steady state and systemic inflammation",
    "J Exp Med 214:1913-1923", "10.1084/jem.20170355")
SAME_DONOR_BM_PBSC_2000 = Reference(
    "BMT2000BMvsPBSC", "authors not read (staging.scite.ai record of the abstract, pages corpus)", 2000,
    "Forty healthy adult donors underwent marrow as well as peripheral blood stem cell collections for their "
    "HLA-identical adult siblings (title not in the stored record)", "Bone Marrow Transplant 25:501-505")
STEINMANN_1985 = Reference(
    "Steinmann1985", "Steinmann GG, Klaus B, Muller-Hermelink HK.", 1985,
    "The involution of the ageing human thymic epithelium is independent of puberty",
    "Scand J Immunol 22:563-575", "10.1111/j.1365-3083.1985.tb01916.x")
VRISEKOOP_2008 = Reference(
    "Vrisekoop2008", "Vrisekoop N, den Braber I, de Boer AB, et al.", 2008,
    "Sparse production but preferential incorporation of recently produced naive T cells in the human "
    "peripheral pool", "Proc Natl Acad Sci USA 105:6115-6120", "10.1073/pnas.0709713105")
WANG_2001 = Reference(
    "Wang2001", "Wang B, Ludden TM, Cheung EN, Schwab GG, Roskos LK.", 2001,
    "Population pharmacokinetic-pharmacodynamic modeling of filgrastim (r-metHuG-CSF) in healthy "
    "volunteers", "J Pharmacokinet Pharmacodyn 28:321-342", "10.1023/A:1011534529622")
WANG_2010 = Reference(
    "Wang2010", "Wang YC, Krzyzanski W, Doshi S, Xiao JJ, Perez-Ruixo JJ, Chow AT.", 2010,
    "Pharmacodynamics-mediated drug disposition (PDMDD) and precursor pool lifespan model for single dose of "
    "romiplostim in healthy subjects", "AAPS J 12:729-740", "10.1208/s12248-010-9234-9")
WESTERMANN_PABST_1992 = Reference(
    "WestermannPabst1992", "Westermann J, Pabst R.", 1992,
    "Distribution of lymphocyte subsets and natural killer cells in the human body",
    "Clin Investig 70:539-544", "10.1007/BF00184787")
ZHANG_2007 = Reference(
    "Zhang2007", "Zhang Y, Wallace DL, de Lara CM, et al.", 2007,
    "In vivo kinetics of human natural killer cells: the effects of ageing and acute and chronic viral "
    "infection", "Immunology 121:258-265", "10.1111/j.1365-2567.2007.02573.x")
MITCHELL_2022 = Reference(
    "Mitchell2022", "Mitchell E, Spencer Chapman M, Williams N, et al.", 2022,
    "Clonal dynamics of haematopoiesis across the human lifespan", "Nature 606:343-350",
    "10.1038/s41586-022-04786-y")
FABRE_2022 = Reference(
    "Fabre2022", "Fabre MA, de Almeida JG, Fiorillo E, et al.", 2022,
    "The longitudinal dynamics and natural history of clonal haematopoiesis", "Nature 606:335-342",
    "10.1038/s41586-022-04785-z")
SPENCER_CHAPMAN_2024 = Reference(
    "SpencerChapman2024", "Spencer Chapman M, et al.", 2024,
    "Clonal dynamics after allogeneic haematopoietic cell transplantation: posterior samples of the HSCT "
    "bottleneck and transplant metadata (github.com/mspencerchapman/Clonal_dynamics_of_HSCT, commit ae382ae)",
    "data repository, CC0-1.0")
AMANNA_2007 = Reference(
    "Amanna2007", "Amanna IJ, Carlson NE, Slifka MK.", 2007,
    "Duration of humoral immunity to common viral and vaccine antigens", "N Engl J Med 357:1903-1915",
    "10.1056/NEJMoa066092")
WHITE_2014 = Reference(
    "White2014", "White MT, Griffin JT, Akpogheneta O, et al.", 2014,
    "Dynamics of the antibody response to Plasmodium falciparum infection in African children (abstract read at "
    "academic.oup.com/jid/article-lookup/doi/10.1093/infdis/jiu219, pages corpus)", "J Infect Dis 210:1115",
    "10.1093/infdis/jiu219")
JANEWAY_2016 = Reference(
    "Janeway2016", "Murphy K, Weaver C.", 2016, "Janeway's Immunobiology, 9th edition",
    "Garland Science (textbook)")
EMILE_2021 = Reference(
    "Emile2021", "Emile G, Penager S, Levy C, et al.", 2021,
    "Baseline lymphopenia as prognostic factor in patients with metastatic breast cancer treated with palbociclib",
    "Oncol Lett 23:25 (published online 19 November 2021)", "10.3892/ol.2021.13143")
RAY_COQUARD_2009 = Reference(
    "RayCoquard2009", "Ray-Coquard I, Cropet C, Van Glabbeke M, et al.", 2009,
    "Lymphopenia as a prognostic factor for overall survival in advanced carcinomas, sarcomas, and lymphomas",
    "Cancer Res 69:5383-5391", "10.1158/0008-5472.CAN-08-3845")

"""Citation identifiers read from free text - journal volume:first page, PMID, DOI, a published model's repository id -
so that tests can compare the sources of fits and of prediction targets (tests/test_validation_classes.py,
tests/test_engraftment_fit.py). One home for the patterns: a citation style they miss is missed by every such test."""

from __future__ import annotations

import re

#: volume:first page after a journal name ("Blood 96:80") or a year ("2015;55(4):898", PubMed's "2008 Jul;48(7):1390",
#: "2000 Jul 1;96(1):80"), or a bare "journal year volume:page" ("Blood 2000 96:80")
VOLPAGE = re.compile(
    r"(?:\b[A-Z][A-Za-z]*\.?\s(?:(?:19|20)\d\d\s)?|(?:19|20)\d\d(?:\s[A-Z][a-z]{2}(?:\s\d{1,2})?)?\s?;\s?)"
    r"(\d{1,4})(?:\s?\([\d-]+\))?\s?:\s?(e?\d{1,6})\b(?![.,]\d)")
#: a published model's repository id (BioModels, DDMoRe): the data it was estimated on travel with it
MODEL_ID = re.compile(r"\b(?:DD)?MODEL\d{8,10}\b")
#: "PMID 123", "PubMed 123", "pubmed: 123", pubmed.ncbi.nlm.nih.gov/123, pubmed.gov/123
PMID = re.compile(r"(?:PMID:?\s*|PubMed:?\s*|pubmed(?:\.ncbi\.nlm\.nih\.gov)?/|pubmed\.gov/)(\d{6,9})", re.IGNORECASE)
#: a trial's registry number (ClinicalTrials.gov): two papers of one trial report the same people's data
NCT = re.compile(r"\bNCT\d{8}\b")
DOI = re.compile(r"\b10\.\d{4,9}/[^\s;,()]+[^\s;,().]")
#: first author and year ("Falz 2014", "Bishop et al. 2000"); also matches journal and year, a harmless false positive
AUTHOR_YEAR = re.compile(r"([A-Z][a-z]+)(?: et al\.?)?,? ((?:19|20)\d\d)\b")


def identifiers(text: str) -> set[str]:
    """The citation identifiers in a text, normalised: "55:898", "PMID 25512178", "doi 10.1056/...", "MODEL..."."""
    out = {f"{v}:{p.lstrip('e')}" for v, p in VOLPAGE.findall(text)}
    out |= set(MODEL_ID.findall(text)) | set(NCT.findall(text))
    return out | {f"PMID {m}" for m in PMID.findall(text)} | {f"doi {m.lower()}" for m in DOI.findall(text)}

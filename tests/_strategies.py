"""Hypothesis strategies the fuzz tests share."""

from __future__ import annotations

from hypothesis import strategies as st

#: st.text's own alphabet (every character but the surrogates, which UTF-8 cannot encode), given as categories: the
#: default, characters(codec="utf-8"), makes hypothesis encode all 1.1 million code points once a process to find
#: them (1.4 s CPU in a clean clone, before .hypothesis/ caches it); the strings drawn are the same
TEXT = st.characters(exclude_categories=["Cs"])

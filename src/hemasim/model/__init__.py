"""Modelling core: compartments, flows, feedbacks, observables, modules, compilation."""

from hemasim.model.compiled import CompiledModel
from hemasim.model.core import (
    Compartment,
    Feedback,
    FeedbackKind,
    Flow,
    Model,
    Module,
    Observable,
    Signal,
)

__all__ = ["CompiledModel", "Compartment", "Feedback", "FeedbackKind", "Flow", "Model", "Module",
           "Observable", "Signal"]

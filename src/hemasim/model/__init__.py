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
from hemasim.model.info import ModelInfo

__all__ = ["CompiledModel", "ModelInfo", "Compartment", "Feedback", "FeedbackKind", "Flow", "Model", "Module",
           "Observable", "Signal"]

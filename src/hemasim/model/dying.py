"""The dying copies of blood lymphocyte pools (``irradiated_<pool>``, made by
:class:`hemasim.radiation.IrradiatedLymphocytes`): their names and the pairing with their pools, kept apart from
the radiation module so that events (a depletion, a collection) can reach them without importing it."""

from __future__ import annotations

from hemasim.model.compiled import CompiledModel

__all__ = ["DYING", "DYING_TAG", "dying_pairs"]

#: the prefix of a lymphocyte pool's dying copy, and its tag
DYING = "irradiated_"
DYING_TAG = "irradiated_lymphocyte"


def dying_pairs(model: CompiledModel) -> list[tuple[int, int]]:
    """(pool state, its dying copy's state) for each dying copy in the model (host and donor copies alike)."""
    return [(model.index(name[len(DYING):]), i) for i, (name, tags) in enumerate(zip(model.state_names,
                                                                                    model.state_tags, strict=True))
            if DYING_TAG in tags]

"""Intervention kinds, one module each, and the registry that the scenario schema, the assembler, the
endpoints, the report and the SBML export read (see :mod:`hemasim.interventions.base`).

Importing this package registers the built-in kinds, in the order the scenario documents them.
"""

# The registration order is the order of the scenario docs, and the order of endpoint families and report
# sections in outputs: keep it (not alphabetical).
# isort: off
from hemasim.interventions import blood_donation  # noqa: F401, I001 - imported to register the kind
from hemasim.interventions import cell_depletion  # noqa: F401
from hemasim.interventions import cell_infusion  # noqa: F401
from hemasim.interventions import chemotherapy  # noqa: F401
from hemasim.interventions import gcsf  # noqa: F401
from hemasim.interventions import chemo_regimen  # noqa: F401
from hemasim.interventions import radiation  # noqa: F401
from hemasim.interventions import conditioning  # noqa: F401
from hemasim.interventions import apheresis  # noqa: F401
from hemasim.interventions import transplant  # noqa: F401
from hemasim.interventions import vaccine  # noqa: F401
from hemasim.interventions import infection  # noqa: F401
from hemasim.interventions import viral_infection  # noqa: F401
from hemasim.interventions import immunosuppression  # noqa: F401 - cond: immunosuppression, donor lymphocytes
from hemasim.interventions import iron  # noqa: F401 - iron33: the opt-in iron model, oral iron
# isort: on
from hemasim.interventions.base import (
    EndpointColumn,
    EndpointContext,
    EndpointFamily,
    EventContext,
    ExtensionOrder,
    ExtensionRequest,
    InterventionSpec,
    ReportSection,
    ScenarioFacts,
    kind_tag,
    on_registry_change,
    register,
    registered_kinds,
    unregister,
)

__all__ = ["EndpointColumn", "EndpointContext", "EndpointFamily", "EventContext", "ExtensionOrder",
           "ExtensionRequest", "InterventionSpec", "ReportSection", "ScenarioFacts", "kind_tag",
           "on_registry_change", "register", "registered_kinds", "unregister"]

"""Parameter and dose sweeps and sensitivity analyses (local, Morris, Sobol') on the batch kernel.

* :mod:`~hemasim.sensitivity.batch` - :func:`evaluate_points`: many parameter points of one scenario as one
  batch of patients (the cohort path: ``per_patient`` values), the scenario's endpoints for each;
* :mod:`~hemasim.sensitivity.design` - grid, Latin hypercube, Morris trajectories, Saltelli's design;
* :mod:`~hemasim.sensitivity.estimators` - Morris mu*/sigma, Sobol' first/total order, local normalised;
* :mod:`~hemasim.sensitivity.spec` - the ``sweep:`` / ``sensitivity:`` files (data only);
* :mod:`~hemasim.sensitivity.run` - :func:`run_sweep`, :func:`run_sensitivity` and their output folders;
* :mod:`~hemasim.sensitivity.coupling` - fitted parameters refitted at each design point from the assumed factors
  their fit held;
* :mod:`~hemasim.sensitivity.plots` - sweep figure (lines or heat map) and ranking figure.

See docs/sensitivity.md.
"""

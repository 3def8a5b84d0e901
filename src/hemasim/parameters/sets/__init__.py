"""Parameter sets, one module per source.

Each module defines ``PARAMETERS``: the values taken from (or calibrated/assumed alongside) one
publication. :func:`hemasim.parameters.healthy_adult_parameters` joins them.
"""

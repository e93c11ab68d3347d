"""Read models fed from the global event log: plans by status, nominations with their current
step and outcome, structure figures per plan. See projections/README.md.

Import from the modules (``reads.models.runner``, ``projections.read_models``, ...)."""

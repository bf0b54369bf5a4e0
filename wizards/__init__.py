from . import (
    mrp_drs_force_release,
    mrp_drs_optimization_apply_wizard,
    mrp_drs_optimize_wizard,
    mrp_drs_quote_wizard,
)

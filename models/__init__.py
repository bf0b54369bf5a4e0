"""Odoo layer of mrp_drs: thin models that read the plant set-wise, call the
engine (``engine/``) and write the results back in batches.

One DRS concept per file; a model's concepts may extend it in several files,
as Odoo's ``account_journal_dashboard.py`` extends ``account.journal``:

- ``mrp_drs_flow``                  flows (CONWIP loops), WIP status, release
- ``mrp_drs_flow_membership``       the one rule of an order's / product's flow, work
- ``mrp_drs_flow_calendar``         a flow's days and working hours (one calendar rule)
- ``mrp_drs_flow_throughput``       throughput measured or estimated, line model
- ``mrp_drs_flow_recourse``         make-up threshold and shifts, capacity signals
- ``mrp_drs_flow_heijunka``         takt, quotas and levelled release of a flow
- ``mrp_drs_flow_curve``            throughput-versus-WIP curves of a flow
- ``mrp_drs_flow_history``          daily history of a flow (queue, WIP, output)
- ``mrp_drs_heijunka``              heijunka periods and slots (the heijunka box)
- ``mrp_drs_heijunka_output``       planned vs actual output per period (graph)
- ``mrp_drs_makeup_shift``          authorised make-up shifts
- ``mrp_drs_due_date_quote``        due-date quotes from the virtual queue
- ``mrp_production``                the virtual-queue ticket of an order
- ``mrp_drs_flow_queue``            queue positions and expected releases
- ``stock_move``                    queued orders reserve nothing
- ``mrp_workorder``                 queued orders' work orders cannot start
- ``mrp_workcenter``                load-based planned lead time per workcenter
- ``mrp_drs_lead_time_history``     history of those lead times
- ``mrp_bom`` / ``product_template`` planned lead time of a product's route
- ``mrp_routing_workcenter``        operations indexed by workcenter (a flow's products)
- ``stock_rule``                    procurement uses the DRS lead time
- ``mrp_drs_optimization_params``   parameters shared by runs, profiles, wizard
- ``mrp_drs_optimization_run``      optimisation runs: states and actions
- ``mrp_drs_optimization_extract``  reading the plant for the engine
- ``mrp_drs_optimization_proposal`` writing the engine's proposal as lines
- ``mrp_drs_optimization_caps``     the proposal's WIP caps and loop types per flow
- ``mrp_drs_optimization_charts``   the run's charts (frontier, order frequency, flows)
- ``mrp_drs_optimization_risk``     simulating the proposal before it is shown
- ``mrp_drs_optimization_line``     one proposal: apply and revert
- ``mrp_drs_optimization_line_write`` how apply and revert write their targets
- ``mrp_drs_optimization_flow_check`` the risk check of one flow of a run
- ``mrp_drs_optimization_profile``  saved and periodic optimisations
- ``res_company`` / ``res_config_settings`` company-wide DRS settings
- ``drs_client_action``             the notify-and-reload answer of DRS buttons
- ``mrp_drs_demo``                  history of the demo plant (demo data only)
- ``sql_arrays``                    large lists as SQL array parameters (no model)
"""

from . import (
    mrp_bom,
    mrp_drs_due_date_quote,
    mrp_drs_flow,
    mrp_drs_flow_calendar,
    mrp_drs_flow_curve,
    mrp_drs_flow_heijunka,
    mrp_drs_flow_history,
    mrp_drs_flow_membership,
    mrp_drs_flow_recourse,
    mrp_drs_flow_throughput,
    mrp_drs_heijunka,
    mrp_drs_heijunka_output,
    mrp_drs_lead_time_history,
    mrp_drs_makeup_shift,
    mrp_drs_optimization_flow_check,
    mrp_drs_optimization_line,
    mrp_drs_optimization_params,
    mrp_drs_optimization_profile,
    mrp_drs_optimization_run,
    mrp_production,
    mrp_routing_workcenter,
    mrp_workcenter,
    mrp_workorder,
    product_template,
    res_company,
    res_config_settings,
    stock_move,
    stock_rule,
)

# isort: split
# Concepts extending or viewing a model defined above; loaded after it.
from . import (
    mrp_drs_demo,
    mrp_drs_flow_queue,
    mrp_drs_optimization_caps,
    mrp_drs_optimization_charts,
    mrp_drs_optimization_extract,
    mrp_drs_optimization_line_write,
    mrp_drs_optimization_product,
    mrp_drs_optimization_proposal,
    mrp_drs_optimization_risk,
)

from . import mrp_drs_flow, mrp_production, mrp_workcenter, mrp_workorder, stock_rule

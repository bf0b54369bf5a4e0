from . import mrp_drs_force_release

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "MRP Dynamic Risk-based Scheduling",
    "summary": "CONWIP virtual queue and release of manufacturing orders "
    "(Factory Physics, Dynamic Risk-based Scheduling)",
    "version": "18.0.1.0.0",
    "category": "Manufacturing",
    "license": "LGPL-3",
    "author": "mrp_drs developers",
    "depends": ["mrp"],
    "external_dependencies": {"python": ["numpy", "scipy", "pandas"]},
    "data": [
        "security/mrp_drs_security.xml",
        "security/ir.model.access.csv",
        "views/mrp_drs_flow_views.xml",
        "views/mrp_production_views.xml",
        "views/mrp_workcenter_views.xml",
        "wizards/mrp_drs_force_release_views.xml",
        "views/mrp_drs_menus.xml",
        "data/ir_cron_data.xml",
    ],
    "demo": ["demo/mrp_drs_demo.xml"],
    "uninstall_hook": "uninstall_hook",
}

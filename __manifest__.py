# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "MRP Dynamic Risk-based Scheduling",
    "summary": "Dynamic Risk-based Scheduling (Factory Physics): virtual queue and "
    "CONWIP release of manufacturing orders, load-based planned lead times, "
    "parameter optimisation, make-up capacity recourse and heijunka levelling",
    "version": "18.0.1.2.0",
    "category": "Manufacturing",
    "license": "LGPL-3",
    "author": "mrp_drs developers",
    "website": "https://github.com/mrp-drs/mrp_drs",
    "maintainers": ["mrp-drs"],
    "development_status": "Beta",
    "depends": ["mrp"],
    "external_dependencies": {"python": ["numpy", "scipy", "pandas"]},
    "data": [
        # First: the named precisions round the values of every later record.
        "data/decimal_precision_data.xml",
        "security/mrp_drs_security.xml",
        "security/ir.model.access.csv",
        "views/mrp_drs_flow_views.xml",
        "views/mrp_production_views.xml",
        "views/mrp_workcenter_views.xml",
        "views/mrp_drs_heijunka_views.xml",
        "views/mrp_drs_optimization_run_views.xml",
        "views/mrp_drs_optimization_profile_views.xml",
        "views/mrp_drs_dashboard_views.xml",
        "views/mrp_drs_makeup_shift_views.xml",
        "views/mrp_drs_due_date_quote_views.xml",
        "views/mrp_drs_lead_time_history_views.xml",
        "views/mrp_bom_views.xml",
        "views/product_template_views.xml",
        "views/res_config_settings_views.xml",
        "wizards/mrp_drs_force_release_views.xml",
        "wizards/mrp_drs_quote_wizard_views.xml",
        "wizards/mrp_drs_optimize_wizard_views.xml",
        "wizards/mrp_drs_optimization_apply_wizard_views.xml",
        "views/mrp_drs_menus.xml",
        "data/ir_cron_data.xml",
        "data/mrp_drs_sequence_data.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "mrp_drs/static/src/js/drs_auto_refresh.js",
            "mrp_drs/static/src/js/drs_auto_refresh.xml",
        ],
        "web.assets_tests": ["mrp_drs/static/src/tours/*.js"],
    },
    "demo": ["demo/mrp_drs_demo.xml"],
    # OCA manifests state it although it is the default.
    "installable": True,  # pylint: disable=manifest-superfluous-key
    "uninstall_hook": "uninstall_hook",
}

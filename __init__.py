# Odoo imports this package as odoo.addons.mrp_drs. Under any other name (pytest
# walking up from the engine tests to the repository root, which is this addon)
# the Odoo layer must not load: the engine is usable and testable without Odoo.
if __name__.startswith("odoo.addons."):
    from . import models, wizards

#: models whose demo records stay when the addon is uninstalled
DEMO_MODELS_KEPT = (
    "mrp.bom",
    "mrp.bom.line",
    "mrp.production",
    "mrp.routing.workcenter",
    "mrp.workcenter",
    "product.product",
    "product.template",
    "stock.quant",
)


def uninstall_hook(env):
    """Keep the demo plant's manufacturing and stock records on uninstall.

    Its orders have stock moves and its components quants, which Odoo does not
    delete: the uninstaller would log failed DELETE queries trying to remove
    the demo records it owns. Without their external ids they stay as ordinary
    Manufacturing data; the DRS flows and all the rest of the addon are removed.
    """
    env["ir.model.data"].search(
        [("module", "=", "mrp_drs"), ("model", "in", DEMO_MODELS_KEPT)]
    ).unlink()

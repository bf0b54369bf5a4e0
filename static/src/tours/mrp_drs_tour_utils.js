/** @odoo-module **/
// Steps shared by the DRS browser tours.

/**
 * Steps that open a menu of the DRS menu in Manufacturing.
 * @param {string} menuXmlid xml id of the menu item, without the module
 */
export function drsMenu(menuXmlid) {
    return [
        {
            content: "Open the DRS menu",
            trigger: 'button[data-menu-xmlid="mrp_drs.mrp_drs_menu_root"]',
            run: "click",
        },
        {
            content: `Open ${menuXmlid}`,
            trigger: `.dropdown-item[data-menu-xmlid="mrp_drs.${menuXmlid}"]`,
            run: "click",
        },
    ];
}

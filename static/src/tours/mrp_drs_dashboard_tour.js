/** @odoo-module **/
// Browser test of the dashboard, virtual queue, a flow (its curve) and a
// due-date quote through the wizard. Run by tests/test_drs_tour.py.

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";
import {drsMenu} from "@mrp_drs/tours/mrp_drs_tour_utils";

registry.category("web_tour.tours").add("mrp_drs_dashboard_tour", {
    url: "/web",
    steps: () => [
        ...stepUtils.goToAppSteps("mrp.menu_mrp_root", "Open Manufacturing"),
        ...drsMenu("mrp_drs_menu_dashboard"),
        {
            content: "The dashboard graph of the flow history is drawn",
            trigger: ".o_graph_view .o_graph_renderer canvas",
        },
        {
            content: "Switch the dashboard to its pivot view",
            trigger: ".o_switch_view.o_pivot",
            run: "click",
        },
        {
            content: "The pivot lists the tour's flow",
            trigger: ".o_pivot_view .o_pivot_header_cell_closed:contains('DRS tour main')",
        },
        ...drsMenu("mrp_drs_menu_queue"),
        {
            content: "The virtual queue lists the queued order",
            // kanban by flow by default, list on demand
            trigger:
                ".o_kanban_record:contains('DRS tour short'), " +
                ".o_data_cell:contains('DRS tour short')",
        },
        ...drsMenu("mrp_drs_menu_flow"),
        {
            content: "Open the tour's flow",
            trigger: ".o_list_view .o_data_cell:contains('DRS tour main')",
            run: "click",
        },
        {
            content: "The flow shows its capacity signal",
            trigger: ".o_form_view .o_field_widget[name=capacity_signal] .badge",
        },
        {
            content: "The flow shows its make-up threshold",
            trigger: ".o_form_view .o_field_widget[name=makeup_threshold]",
        },
        {
            content: "Show the flow's throughput versus WIP",
            trigger: ".o_form_view button[name=action_view_throughput_curve]",
            run: "click",
        },
        {
            content: "The curves are drawn",
            trigger: ".o_graph_view .o_graph_renderer canvas",
        },
        {
            content: "Back to the flow",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains('DRS tour main')",
            run: "click",
        },
        {
            content: "Quote a due date",
            trigger: ".o_form_view button[name=action_open_quote_wizard]",
            run: "click",
        },
        {
            content: "Choose the product to quote",
            trigger: ".modal .o_field_widget[name=product_id] input",
            run: "edit DRS tour short",
        },
        {
            trigger: ".ui-menu-item > a:contains('DRS tour short')",
            run: "click",
        },
        {
            content: "Quote three units",
            trigger: ".modal .o_field_widget[name=product_qty] input",
            run: "edit 3",
        },
        {
            content: "The quote preview names the flow",
            trigger: ".modal .o_field_widget[name=flow_id]:contains('DRS tour main')",
        },
        {
            content: "Record the quote",
            trigger: ".modal button[name=action_create_quote]",
            run: "click",
        },
        {
            content: "The recorded quote shows its number",
            trigger: ".o_form_view .o_field_widget[name=name]:contains('DDQ/')",
        },
        {
            content: "and its quoted date",
            trigger: ".o_form_view .o_field_widget[name=quoted_date] span:not(:empty)",
        },
    ],
});

/** @odoo-module **/
// Browser test of a planner reviewing an optimisation run: run a profile,
// review per product and per flow, apply with the effect summary, revert.
// Run by tests/test_drs_optimization_tour.py.

import {registry} from "@web/core/registry";
import {stepUtils} from "@web_tour/tour_service/tour_utils";
import {drsMenu} from "@mrp_drs/tours/mrp_drs_tour_utils";

const REVIEW = ".o_field_widget[name=product_review_ids] .o_data_row";

registry.category("web_tour.tours").add("mrp_drs_optimization_tour", {
    url: "/web",
    steps: () => [
        ...stepUtils.goToAppSteps("mrp.menu_mrp_root", "Open Manufacturing"),
        ...drsMenu("mrp_drs_menu_optimization_profile"),
        {
            content: "Open the tour's profile",
            trigger: ".o_list_view .o_data_cell:contains('DRS optour profile')",
            run: "click",
        },
        {
            content: "Run it now",
            trigger: ".o_form_view button[name=action_run_now]",
            run: "click",
        },
        {
            content: "The run is computed and waits for review",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('To review')",
        },
        {
            content: "Nothing is flagged: no warning about an empty run",
            trigger: ".o_form_view:not(:has(.o_drs_run_empty:visible))",
        },
        {
            content: "One row per product: short, with its Poisson demand model",
            trigger: `${REVIEW}:contains('DRS optour short') td[name=demand_model]:contains('Poisson')`,
        },
        {
            content: "its current min 1.00 beside the new one",
            trigger: `${REVIEW}:contains('DRS optour short') td[name=old_min]:contains('1.00')`,
        },
        {
            content: "its new lot size, a whole number",
            trigger: `${REVIEW}:contains('DRS optour short') td[name=new_lot]:contains('.00')`,
        },
        {
            content: "long is intermittent: negative binomial",
            trigger: `${REVIEW}:contains('DRS optour long') td[name=demand_model]:contains('Negative binomial')`,
        },
        {
            content: "its flow is shown",
            trigger: `${REVIEW}:contains('DRS optour long') td[name=flow_id]:contains('DRS optour main')`,
        },
        {
            content: "Open the flows and operations",
            trigger: ".o_notebook .nav-link:contains('Flows and operations')",
            run: "click",
        },
        {
            content: "The flow's row shows its loop type",
            trigger:
                ".o_field_widget[name=wip_cap_line_ids] .o_data_row:contains('DRS optour main') " +
                "td[name=flow_loop_type]:contains('Bottleneck')",
        },
        {
            content: "Apply all",
            trigger: ".o_form_view button[name=action_review_apply_all]",
            run: "click",
        },
        {
            content: "The summary counts two reorder rules",
            trigger: ".modal .o_field_widget[name=orderpoint_count]:contains('2')",
        },
        {
            content: "two bills of materials",
            trigger: ".modal .o_field_widget[name=bom_count]:contains('2')",
        },
        {
            content: "and no order released at once",
            trigger: ".modal .o_field_widget[name=released_count]:contains('0')",
        },
        {
            content: "Confirm",
            trigger: ".modal button[name=action_confirm]",
            run: "click",
        },
        {
            content: "The run is applied",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('Applied')",
        },
        {
            content: "Revert it",
            trigger: ".o_form_view button[name=action_revert]",
            run: "click",
        },
        {
            content: "Confirm the revert",
            trigger: ".modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The run is reverted",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('Reverted')",
        },
    ],
});

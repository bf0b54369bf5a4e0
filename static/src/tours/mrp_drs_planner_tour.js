/** @odoo-module **/
// The planner's first journey through the virtual queue: confirm an order, read
// its position and expected release, release it, mark an order of the line
// done and see the next one released. Run by tests/test_drs_tour.py, which
// starts on the draft order's form.

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";
import {drsMenu} from "@mrp_drs/tours/mrp_drs_tour_utils";

function openReleasedOrders() {
    return [
        ...drsMenu("mrp_drs_menu_flow"),
        {
            content: "Open the journey's flow",
            trigger: ".o_list_view .o_data_cell:contains('DRS journey main')",
            run: "click",
        },
        {
            content: "Show its released orders",
            trigger: ".o_form_view button[name=action_view_released]",
            run: "click",
        },
    ];
}

registry.category("web_tour.tours").add("mrp_drs_planner_tour", {
    steps: () => [
        {
            content: "The draft order is not in the queue yet",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Draft')",
        },
        {
            content: "Confirm the order",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_confirm]",
            run: "click",
        },
        {
            content: "It waits behind the queued order: position 2, why and until when",
            trigger:
                ".o_form_view .o_drs_release_forecast:contains('#2 in the virtual queue')" +
                ":contains('equivalent units of room; 1 order(s) ahead; expected release around')",
        },
        {
            content: "A queued order cannot be planned",
            trigger:
                ".o_form_view .o_statusbar_buttons:has(button[name=action_drs_release])" +
                ":not(:has(button[name=button_plan])):not(:has(button[name=action_start]))",
        },
        {
            content: "Show its work orders",
            trigger: ".o_form_view .o_notebook a[name=operations]",
            run: "click",
        },
        {
            content: "Its work orders are listed without a Start button",
            trigger:
                ".o_form_view .o_field_widget[name=workorder_ids]:has(.o_data_row)" +
                ":not(:has(button[name=button_start]))",
        },
        {
            content: "Release it ahead of the queue: it fits under the cap",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_drs_release]",
            run: "click",
        },
        {
            content: "It is released and no longer says it waits",
            trigger:
                ".o_form_view:not(:has(.o_drs_release_forecast:visible))" +
                " .o_field_widget[name=drs_state]:contains('Released')",
        },
        {
            content: "Released, its work orders can start",
            trigger: ".o_form_view .o_field_widget[name=workorder_ids] button[name=button_start]",
        },
        ...stepUtils.goToAppSteps("mrp.menu_mrp_root", "Open Manufacturing"),
        ...drsMenu("mrp_drs_menu_queue"),
        {
            content: "The other order still waits first in the queue, with its forecast",
            trigger:
                ".o_kanban_record:contains('DRS journey long'):contains('#1')" +
                ":contains('Waiting for'):contains('expected release around')",
        },
        ...openReleasedOrders(),
        {
            content: "Open the long order on the line",
            trigger: ".o_kanban_record:contains('DRS journey long')",
            run: "click",
        },
        {
            content: "Mark it done",
            trigger: ".o_form_view .o_statusbar_buttons button[name=button_mark_done]:visible",
            run: "click",
        },
        {
            content: "It is done",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Done')",
        },
        ...drsMenu("mrp_drs_menu_queue"),
        {
            content: "The journey's flow has no queue left: the waiting order was released",
            trigger:
                ".o_kanban_renderer:has(.o_kanban_group)" +
                ":not(:has(.o_kanban_group:contains('DRS journey main')))",
        },
        ...openReleasedOrders(),
        {
            content: "The next order is now on the line",
            trigger: ".o_kanban_record:contains('DRS journey long')",
        },
    ],
});

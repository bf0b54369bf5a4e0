/** @odoo-module **/
// Reloads a form while its record works in the background (an optimisation
// run queued or running), so its progress shows without a manual reload. Put
// it on a field shown only while the work runs: hidden, it stops.
import {Component, onMounted, onWillUnmount} from "@odoo/owl";
import {registry} from "@web/core/registry";
import {standardFieldProps} from "@web/views/fields/standard_field_props";

const REFRESH_SECONDS = 3;

export class DrsAutoRefresh extends Component {
    static template = "mrp_drs.DrsAutoRefresh";
    static props = {...standardFieldProps};

    setup() {
        onMounted(() => {
            this.timer = setInterval(() => this.refresh(), REFRESH_SECONDS * 1000);
        });
        onWillUnmount(() => clearInterval(this.timer));
    }

    async refresh() {
        const record = this.props.record;
        if (await record.isDirty()) {
            return;
        }
        await record.model.root.load();
    }
}

registry.category("fields").add("drs_auto_refresh", {component: DrsAutoRefresh});

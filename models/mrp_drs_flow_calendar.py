# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The days and hours of a DRS flow: its reference calendar and time zone,
one rule for every count by day (release history, make-up, throughput,
heijunka) and for plans in working hours."""

from datetime import datetime, time, timedelta

import pytz

from odoo import models

#: span over which dates are planned in a flow's calendar (Odoo's
#: ``plan_hours`` looks 100 x 14 days ahead); beyond, the calendar's share of
#: working time over that span stretches the remaining hours
PLAN_SPAN = timedelta(days=1400)


class MrpDrsFlow(models.Model):
    _inherit = "mrp.drs.flow"

    def _drs_reference_calendar(self):
        """Working calendar of the flow: its first workcenter's (by id), else
        the company's. Its time zone makes the flow's days
        (``_drs_period_date``): release history, make-up, throughput and
        heijunka periods all count days by this one rule."""
        self.ensure_one()
        workcenters = self.workcenter_ids.sorted("id").filtered("resource_calendar_id")
        return (
            workcenters[:1].resource_calendar_id or self.company_id.resource_calendar_id
        )

    def _drs_timezone(self):
        self.ensure_one()
        return pytz.timezone(self._drs_reference_calendar().tz or "UTC")

    def _drs_period_date(self, now):
        """Period (day in the flow calendar's timezone) of the naive UTC ``now``."""
        return pytz.utc.localize(now).astimezone(self._drs_timezone()).date()

    def _drs_period_bounds(self, period_date):
        """Naive UTC ``(start, end)`` of the day ``period_date`` in the flow's
        timezone."""
        tz = self._drs_timezone()
        start = tz.localize(datetime.combine(period_date, time.min))
        end = tz.localize(datetime.combine(period_date + timedelta(days=1), time.min))
        return (
            start.astimezone(pytz.utc).replace(tzinfo=None),
            end.astimezone(pytz.utc).replace(tzinfo=None),
        )

    def _drs_plan_hours(self, hours, now):
        """Date ``hours`` working hours after ``now`` in the flow's calendar
        (global leaves excluded); calendar hours when the calendar has no
        working time. Beyond :data:`PLAN_SPAN` the hours left are stretched by
        the calendar's working share over that span, so that the date grows
        with the hours however many they are."""
        self.ensure_one()
        calendar = self._drs_reference_calendar()
        if calendar:
            planned = calendar.plan_hours(hours, now, compute_leaves=True)
            if planned:
                return planned
            span_hours = calendar.get_work_hours_count(
                now, now + PLAN_SPAN, compute_leaves=True
            )
            if span_hours > 0:
                stretch = PLAN_SPAN.total_seconds() / 3600.0 / span_hours
                return (
                    now
                    + PLAN_SPAN
                    + timedelta(hours=max(hours - span_hours, 0.0) * stretch)
                )
        return now + timedelta(hours=hours)

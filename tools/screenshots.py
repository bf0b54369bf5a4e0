#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Screenshots of the DRS screens a planner reads, taken by headless Chromium.

Runs against a running Odoo 18 with mrp_drs installed on a database with its
demo data (use a copy: ``--backlog`` adds confirmed manufacturing orders). It
logs in over JSON-RPC, optionally builds a realistic backlog (``--backlog N``
orders of the flows' products with need dates spread over eight weeks, most of
which wait in the virtual queue), runs the DRS computations the charts show,
then opens each screen at 1600x1000 in headless Chromium (driven through the
DevTools protocol with ``websocket-client``) and writes one PNG per screen::

    python3 tools/screenshots.py --url http://127.0.0.1:8342 --db drs_ui_shots \\
        --backlog 600 --out /tmp/drs_screenshots

Keep the PNGs out of git. Needs ``chromium`` on the PATH (Debian's package).
"""

import argparse
import base64
import json
import random
import shutil
import subprocess
import tempfile
import time
import urllib.request
from datetime import datetime, timedelta
from http.cookiejar import CookieJar
from pathlib import Path

import websocket

WIDTH, HEIGHT = 1600, 1000


class Odoo:
    """Minimal JSON-RPC client keeping the session cookie."""

    def __init__(self, url, db, login, password):
        self.url = url.rstrip("/")
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies)
        )
        self._rpc(
            "/web/session/authenticate",
            {"db": db, "login": login, "password": password},
        )

    @property
    def session_id(self):
        return next(c.value for c in self.cookies if c.name == "session_id")

    def _rpc(self, path, params):
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(
                {"jsonrpc": "2.0", "method": "call", "params": params}
            ).encode(),
            headers={"Content-Type": "application/json"},
        )
        with self.opener.open(request, timeout=600) as response:
            answer = json.load(response)
        if answer.get("error"):
            raise RuntimeError(json.dumps(answer["error"], indent=1)[:2000])
        return answer["result"]

    def call(self, model, method, *args, **kwargs):
        return self._rpc(
            "/web/dataset/call_kw",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )


def build_backlog(odoo, count, seed=13):
    """Create and confirm ``count`` orders of the products whose bills of
    materials run through a DRS flow, need dates spread over eight weeks."""
    flows = odoo.call("mrp.drs.flow", "search_read", [], ["workcenter_ids"])
    workcenters = sorted({wc for flow in flows for wc in flow["workcenter_ids"]})
    boms = odoo.call(
        "mrp.bom",
        "search_read",
        [("operation_ids.workcenter_id", "in", workcenters), ("type", "=", "normal")],
        ["product_id", "product_tmpl_id"],
    )
    if not boms:
        raise SystemExit(
            "no bill of materials runs through a DRS flow: is the demo data loaded?"
        )
    products = {}
    for bom in boms:
        product_id = bom["product_id"] and bom["product_id"][0]
        if not product_id:
            variants = odoo.call(
                "product.product",
                "search",
                [("product_tmpl_id", "=", bom["product_tmpl_id"][0])],
            )
            product_id = variants[0]
        products[product_id] = bom["id"]
    rng = random.Random(seed)
    now = datetime.utcnow()
    choices = sorted(products.items())
    for start in range(0, count, 100):
        vals = []
        for _index in range(start, min(start + 100, count)):
            product_id, bom_id = rng.choice(choices)
            deadline = now + timedelta(hours=rng.uniform(24, 24 * 56))
            vals.append(
                {
                    "product_id": product_id,
                    "bom_id": bom_id,
                    "product_qty": rng.choice([1, 2, 2, 3, 4, 5, 8, 10]),
                    "date_deadline": deadline.strftime("%Y-%m-%d %H:%M:%S"),
                    "priority": "1" if rng.random() < 0.1 else "0",
                }
            )
        ids = odoo.call("mrp.production", "create", vals)
        odoo.call("mrp.production", "action_confirm", ids)
        print(f"backlog: {start + len(vals)} of {count} orders confirmed", flush=True)


class Chromium:
    """Headless Chromium driven through the DevTools protocol."""

    def __init__(self, session_id, url, timezone="UTC"):
        self.profile = tempfile.mkdtemp(prefix="drs_shots_")
        port = 9300 + random.randint(0, 600)
        self.process = subprocess.Popen(
            [
                shutil.which("chromium") or "chromium",
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                f"--remote-debugging-port={port}",
                f"--user-data-dir={self.profile}",
                f"--window-size={WIDTH},{HEIGHT}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _attempt in range(100):
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/json", timeout=1
                ) as answer:
                    targets = json.load(answer)
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit("chromium did not start")
        page = next(t for t in targets if t["type"] == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60)
        self.message_id = 0
        self.send("Page.enable")
        self.send("Network.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=WIDTH,
            height=HEIGHT,
            deviceScaleFactor=1,
            mobile=False,
        )
        # the web client shows dates in the browser's time zone, the server's
        # sentences in the user's: take the user's, as a planner's browser would
        self.send("Emulation.setTimezoneOverride", timezoneId=timezone)
        host = url.split("//", 1)[1].split("/", 1)[0].split(":")[0]
        self.send(
            "Network.setCookie",
            name="session_id",
            value=session_id,
            domain=host,
            path="/",
        )

    def send(self, method, **params):
        self.message_id += 1
        self.ws.send(
            json.dumps({"id": self.message_id, "method": method, "params": params})
        )
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.message_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True
        )
        return result.get("result", {}).get("value")

    def shoot(self, url, ready, path, before=None, settle=1.5):
        """Open ``url``, wait for the CSS selector ``ready`` and no pending RPC,
        run the JavaScript ``before`` if given, then save a PNG to ``path``."""
        self.send("Page.navigate", url=url)
        self.wait_for(ready)
        if before:
            self.evaluate(before)
            time.sleep(0.5)
            self.wait_for(ready)
        time.sleep(settle)
        shot = self.send("Page.captureScreenshot", format="png")
        Path(path).write_bytes(base64.b64decode(shot["data"]))
        print(f"screenshot: {path}", flush=True)

    def wait_for(self, selector, timeout=60):
        probe = (
            f"!!document.querySelector({json.dumps(selector)})"
            " && !document.querySelector('.o_loading_indicator, .o_blockUI')"
        )
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.evaluate(probe):
                return
            time.sleep(0.3)
        raise RuntimeError(f"{selector} did not appear")

    def close(self):
        self.ws.close()
        self.process.terminate()
        self.process.wait(10)
        shutil.rmtree(self.profile, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8069")
    parser.add_argument("--db", required=True)
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--backlog", type=int, default=0, help="orders to create first")
    parser.add_argument("--out", default="/tmp/drs_screenshots")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    odoo = Odoo(args.url, args.db, args.login, args.password)
    if args.backlog:
        build_backlog(odoo, args.backlog)
    flows = odoo.call("mrp.drs.flow", "search_read", [], ["name"], order="id")
    flow_ids = [flow["id"] for flow in flows]
    # the figures the charts show: lead times, history, heijunka plan, curves
    odoo.call("mrp.drs.flow", "action_run_recourse", flow_ids)
    odoo.call("mrp.drs.flow", "action_compute_heijunka", flow_ids)
    odoo.call("mrp.drs.flow", "action_open_throughput_curves")
    workcenters = odoo.call("mrp.workcenter", "search", [("drs_flow_id", "!=", False)])
    if workcenters:
        odoo.call("mrp.workcenter", "action_drs_compute_lead_times", workcenters)
    waiting = odoo.call(
        "mrp.production",
        "search",
        [("drs_state", "=", "queued"), ("drs_queue_position", ">=", 3)],
        order="drs_queue_position, id",
        limit=1,
    )

    runs = odoo.call(
        "mrp.drs.optimization.run",
        "search",
        [("state", "in", ["done", "applied"])],
        order="id desc",
        limit=1,
    )

    web = args.url.rstrip("/") + "/web#"
    screens = [
        (
            "queue_kanban",
            "action=mrp_drs.mrp_production_drs_queue_action&view_type=kanban",
            ".o_kanban_record",
        ),
        (
            "queue_list",
            "action=mrp_drs.mrp_production_drs_queue_action&view_type=list",
            ".o_list_view .o_group_header, .o_list_view .o_data_row",
            # open the first flow's queue
            "document.querySelector('.o_list_view .o_group_header').click()",
        ),
        (
            "flow_form",
            f"model=mrp.drs.flow&id={flow_ids[0]}&view_type=form",
            ".o_form_view .o_field_widget[name=name]",
        ),
        (
            "run_review",
            f"model=mrp.drs.optimization.run&id={runs[0] if runs else 0}"
            "&view_type=form",
            ".o_form_view .o_field_widget[name=name]",
        ),
        (
            "throughput_vs_wip",
            "action=mrp_drs.mrp_drs_flow_curve_action&view_type=graph",
            ".o_graph_renderer canvas",
        ),
        (
            "lead_time_history",
            "action=mrp_drs.mrp_drs_lead_time_history_action&view_type=graph",
            ".o_graph_renderer canvas",
        ),
        (
            "lead_time_list",
            "action=mrp_drs.mrp_drs_lead_time_history_action&view_type=list",
            ".o_list_view",
        ),
        (
            "dashboard_graph",
            "action=mrp_drs.mrp_drs_flow_history_action&view_type=graph",
            ".o_graph_renderer canvas",
        ),
        (
            "dashboard_pivot",
            "action=mrp_drs.mrp_drs_flow_history_action&view_type=pivot",
            ".o_pivot",
        ),
        (
            "heijunka_periods",
            "action=mrp_drs.mrp_drs_heijunka_period_action&view_type=list",
            ".o_list_view",
        ),
        (
            "heijunka_output",
            "action=mrp_drs.mrp_drs_heijunka_output_action&view_type=graph",
            ".o_graph_renderer canvas, .o_view_nocontent",
        ),
        (
            "settings",
            "action=mrp.action_mrp_configuration",
            ".o_setting_container, .settings",
        ),
    ]
    if waiting:
        screens.insert(
            2,
            (
                "order_waiting",
                f"action=mrp_drs.mrp_production_drs_queue_action&model=mrp.production"
                f"&id={waiting[0]}&view_type=form",
                ".o_form_view .o_drs_release_forecast",
            ),
        )
    user = odoo.call("res.users", "search_read", [("login", "=", args.login)], ["tz"])
    browser = Chromium(odoo.session_id, args.url, (user and user[0]["tz"]) or "UTC")
    try:
        for name, fragment, ready, *before in screens:
            try:
                browser.shoot(web + fragment, ready, out / f"{name}.png", *before)
            except RuntimeError as error:
                print(f"screenshot {name} failed: {error}", flush=True)
    finally:
        browser.close()


if __name__ == "__main__":
    main()

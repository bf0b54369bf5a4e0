#!/usr/bin/env bash
# Regenerate i18n/mrp_drs.pot with Odoo's own exporter: install mrp_drs without demo data (demo
# records would add their names to the template) in a scratch database, export the module's terms,
# drop the database. tools/run_tests.sh fails when the committed template differs from such an export.
#
# Environment (all optional): DRS_DB_HOST (127.0.0.1)  DRS_DB_PORT (5432)  DRS_DB_USER (mrp_drs)
#   DRS_HTTP_PORT (8269)  DRS_DB_NAME (scratch database, mrp_drs_pot_<pid>; dropped at the end)
#   ODOO_ADDONS_PATH  extra addons directories, comma-separated
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python=${PYTHON:-python3}
host=${DRS_DB_HOST:-127.0.0.1} port=${DRS_DB_PORT:-5432} role=${DRS_DB_USER:-mrp_drs}
odoo_root=$("$python" -c 'import odoo, os; print(os.path.dirname(os.path.dirname(odoo.__file__)))')
work=$(mktemp -d -t mrp_drs_pot.XXXXXX)
db=${DRS_DB_NAME:-mrp_drs_pot_$$}
trap 'dropdb -h "$host" -p "$port" -U "$role" --if-exists "$db"; rm -rf "$work"' EXIT

mkdir -p "$work/addons" && ln -s "$repo" "$work/addons/mrp_drs"
addons="$odoo_root/addons,$work/addons"
[[ -n "${ODOO_ADDONS_PATH:-}" ]] && addons="$ODOO_ADDONS_PATH,$addons"
odoo=("$python" -m odoo -r "$role" --db_host "$host" --db_port "$port" --addons-path "$addons"
    --http-port "${DRS_HTTP_PORT:-8269}" -d "$db")
"${odoo[@]}" -i mrp_drs --without-demo=all --stop-after-init > "$work/install.log" 2>&1 \
    || { tail -n 40 "$work/install.log"; exit 1; }
"${odoo[@]}" --modules=mrp_drs --i18n-export="$work/mrp_drs.pot" > "$work/export.log" 2>&1 \
    || { tail -n 40 "$work/export.log"; exit 1; }
cp "$work/mrp_drs.pot" "$repo/i18n/mrp_drs.pot"
echo "wrote i18n/mrp_drs.pot"

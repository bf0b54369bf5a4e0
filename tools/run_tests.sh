#!/usr/bin/env bash
# Run every test of mrp_drs: the one command README.rst documents and .ci/run calls.
#
# Layer 1, the engine tests (pytest, no Odoo), always runs.
# Layer 2, the Odoo tests, runs when `python3 -c "import odoo"` works: it starts PostgreSQL if it is
# down, uses a dedicated database role (Odoo refuses `postgres`), installs mrp_drs with demo data in a
# fresh database and runs its tests (odoo-bin --test-enable), then installs it without demo data,
# compares i18n/mrp_drs.pot with Odoo's export of the addon's strings and uninstalls it, failing on any
# ERROR line, on any WARNING line from the addon and on a stale template. Databases are dropped
# afterwards. Without Odoo it prints one line saying layer 2 was skipped and why.
#
# Environment (all optional):
#   DRS_DB_HOST (127.0.0.1)  DRS_DB_PORT (5432)  DRS_DB_USER (mrp_drs)  DRS_HTTP_PORT (8269)
#   ODOO_ADDONS_PATH  extra addons directories, comma-separated (default: Odoo's own addons/)
#   DRS_SKIP_ODOO=1   run layer 1 only
#   DRS_SKIP_INSTALL_CHECK=1  skip the no-demo install/uninstall and the .pot check
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
python=${PYTHON:-python3}
work=$(mktemp -d -t mrp_drs_tests.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Dependencies.
constraints=()
odoo_root=$("$python" -c 'import odoo, os; print(os.path.dirname(os.path.dirname(odoo.__file__)))' 2>/dev/null)
if [[ -n "$odoo_root" && -f "$odoo_root/requirements.txt" ]]; then
    # Odoo pins python-dateutil, Pillow, ...: never let our requirements upgrade them.
    grep -v '^cbor2' "$odoo_root/requirements.txt" > "$work/odoo-constraints.txt"
    constraints=(-c "$work/odoo-constraints.txt")
fi
# requirements-test.txt: the runtime's requirements.txt plus the test tools.
"$python" -m pip install --quiet --disable-pip-version-check -r requirements-test.txt "${constraints[@]}" \
    || { echo "could not install requirements-test.txt"; exit 2; }

# README.rst must be what readme/ renders.
readme_failed=0
"$python" tools/gen_readme.py --check || readme_failed=1

# Layer 1: the engine.
echo "== engine tests (pytest)"
"$python" -m pytest engine/tests -q --junitxml="$work/engine.xml"
engine_rc=$?
read -r engine_passed engine_failed < <("$python" - "$work/engine.xml" <<'EOF'
import sys
import xml.etree.ElementTree as ET

try:
    root = ET.parse(sys.argv[1]).getroot()
except (OSError, ET.ParseError):
    print(0, 1)
    raise SystemExit
suites = [root] if root.tag == "testsuite" else list(root)
tests = sum(int(s.get("tests", 0)) for s in suites)
bad = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
skipped = sum(int(s.get("skipped", 0)) for s in suites)
print(tests - bad - skipped, bad)
EOF
)

# Layer 2: Odoo.
odoo_passed=0 odoo_failed=0 odoo_rc=0
if [[ -n "${DRS_SKIP_ODOO:-}" ]]; then
    echo "== Odoo tests skipped: DRS_SKIP_ODOO is set"
elif [[ -z "$odoo_root" ]]; then
    echo "== Odoo tests skipped: Odoo 18 is not importable by $python (install it to run layer 2, see README)"
else
    host=${DRS_DB_HOST:-127.0.0.1} port=${DRS_DB_PORT:-5432} role=${DRS_DB_USER:-mrp_drs}
    http_port=${DRS_HTTP_PORT:-8269}
    if ! pg_isready -q -h "$host" -p "$port" 2>/dev/null && command -v pg_ctlcluster >/dev/null; then
        echo "== starting PostgreSQL"
        for version in $(ls /etc/postgresql 2>/dev/null); do
            pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
        done
        for _ in $(seq 30); do pg_isready -q -h "$host" -p "$port" && break; sleep 1; done
    fi
    # Browser tours (HttpCase) need Debian's Chromium (and websocket-client, in requirements-test.txt).
    if ! command -v chromium >/dev/null && [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        echo "== installing Debian's chromium for the browser tours"
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
            > "$work/apt.log" 2>&1 || echo "warning: chromium not installed; browser tours will be skipped"
    fi
    psql_admin=(psql -h "$host" -p "$port" -U postgres -d postgres -tAq)
    if [[ "$("${psql_admin[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = '$role'" 2>/dev/null)" != 1 ]]; then
        "${psql_admin[@]}" -c "CREATE ROLE \"$role\" LOGIN SUPERUSER" \
            || { echo "could not create the database role $role"; exit 2; }
    fi

    mkdir -p "$work/addons" && ln -s "$repo" "$work/addons/mrp_drs"
    addons="$work/addons"
    [[ -d "$odoo_root/addons" ]] && addons="$odoo_root/addons,$addons"
    [[ -n "${ODOO_ADDONS_PATH:-}" ]] && addons="$ODOO_ADDONS_PATH,$addons"
    options=(-r "$role" --db_host "$host" --db_port "$port" --addons-path "$addons")
    odoo=("$python" -m odoo "${options[@]}" --http-port "$http_port" --stop-after-init)
    dbs=()
    drop_dbs() { for db in "${dbs[@]}"; do dropdb -h "$host" -p "$port" -U "$role" --if-exists "$db"; done; }
    trap 'drop_dbs; rm -rf "$work"' EXIT

    db="mrp_drs_test_$$"
    dbs+=("$db")
    echo "== Odoo tests: install mrp_drs with demo data in $db and run its tests"
    "${odoo[@]}" -d "$db" -i mrp_drs --test-enable --test-tags /mrp_drs --log-level=test \
        > "$work/odoo-tests.log" 2>&1
    odoo_rc=$?
    grep -E " (ERROR|CRITICAL) | FAIL: | ERROR: |tests when loading|: [0-9]+ tests " "$work/odoo-tests.log" \
        | grep -v "Title underline" | tail -n 40
    summary=$(grep -oE "[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests" "$work/odoo-tests.log" | tail -n 1)
    if [[ -n "$summary" ]]; then
        read -r failed errors total < <(sed -E 's/([0-9]+) failed, ([0-9]+) error\(s\) of ([0-9]+) tests/\1 \2 \3/' <<<"$summary")
        odoo_failed=$((failed + errors)) odoo_passed=$((total - failed - errors))
    elif [[ $odoo_rc -eq 0 ]]; then
        odoo_passed=$(grep -oE "mrp_drs: [0-9]+ tests" "$work/odoo-tests.log" | awk '{s += $2} END {print s + 0}')
    fi
    if grep -qE " (ERROR|CRITICAL) " "$work/odoo-tests.log"; then
        odoo_rc=1 && ((odoo_failed == 0)) && odoo_failed=1
    fi
    if ((odoo_rc != 0)); then
        echo "-- Odoo test run failed (exit $odoo_rc); failures with their tracebacks:"
        # A failure is logged as one timestamped line followed by untimestamped traceback lines.
        awk '/^[0-9]{4}-[0-9]{2}-[0-9]{2} / { show = ($0 ~ / (ERROR|CRITICAL) /) } show' \
            "$work/odoo-tests.log" | grep -v "Title underline" | head -n 200
        echo "-- last lines of the log:"
        tail -n 60 "$work/odoo-tests.log"
        ((odoo_failed == 0)) && odoo_failed=1
    fi

    if [[ -z "${DRS_SKIP_INSTALL_CHECK:-}" ]]; then
        db2="mrp_drs_nodemo_$$"
        dbs+=("$db2")
        echo "== Odoo install check: install without demo data in $db2, then uninstall"
        "${odoo[@]}" -d "$db2" -i mrp_drs --without-demo=all > "$work/odoo-install.log" 2>&1
        install_rc=$?
        # The committed template must hold the strings Odoo exports now (without demo data, whose
        # record names are no strings of the addon); tools/export_pot.sh regenerates it.
        echo "== translation template: i18n/mrp_drs.pot against Odoo's export"
        "${odoo[@]}" -d "$db2" --modules=mrp_drs --i18n-export="$work/mrp_drs.pot" \
            > "$work/odoo-export.log" 2>&1
        if [[ -s "$work/mrp_drs.pot" ]] \
            && "$python" tools/check_i18n.py --against "$work/mrp_drs.pot" i18n/mrp_drs.pot; then
            echo "i18n/mrp_drs.pot: up to date"
            odoo_passed=$((odoo_passed + 1))
        else
            [[ -s "$work/mrp_drs.pot" ]] || tail -n 20 "$work/odoo-export.log"
            odoo_failed=$((odoo_failed + 1)) odoo_rc=1
        fi
        "$python" -m odoo shell "${options[@]}" -d "$db2" --no-http > "$work/odoo-uninstall.log" 2>&1 <<'EOF'
module = env["ir.module.module"].search([("name", "=", "mrp_drs")])
module.button_immediate_uninstall()
env.cr.commit()
print("UNINSTALLED:", module.state)
EOF
        uninstall_ok=$(grep -c "UNINSTALLED: uninstalled" "$work/odoo-uninstall.log")
        problems=$(cat "$work/odoo-install.log" "$work/odoo-uninstall.log" \
            | grep -E " (ERROR|CRITICAL) | WARNING .*mrp_drs|Traceback" | grep -v "Title underline")
        if ((install_rc != 0)) || ((uninstall_ok != 1)) || [[ -n "$problems" ]]; then
            echo "-- install/uninstall check failed (install exit $install_rc, uninstalled: $uninstall_ok)"
            printf '%s\n' "$problems" | head -n 40
            tail -n 20 "$work/odoo-uninstall.log"
            odoo_failed=$((odoo_failed + 1)) odoo_rc=1
        else
            echo "install without demo and uninstall: clean"
            odoo_passed=$((odoo_passed + 1))
        fi
    fi
    echo "odoo: $odoo_passed passed, $odoo_failed failed"
fi

total_passed=$((engine_passed + odoo_passed)) total_failed=$((engine_failed + odoo_failed + readme_failed))
echo "total: $total_passed passed, $total_failed failed"
((engine_rc == 0 && odoo_rc == 0 && total_failed == 0))

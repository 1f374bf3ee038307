#!/bin/sh
# Validate a Lifesim run folder's FHIR output (see validate.mjs for the checks).
#
#   tests/fhir/run.sh [--jobs=N] [--max-errors=N] DIR
#   tests/fhir/run.sh [--jobs=N] [--max-errors=N]          (with LIFESIM_BIN set)
#
# Without DIR, LIFESIM_BIN must name the lifesim binary: the script then makes a run of
# ${LIFESIM_FHIR_POPULATION:-200} patients (seed 1, -f fhir,ndjson) in
# ${LIFESIM_TEST_TMP:-$TMPDIR}/fhir-validation-run and validates that.
#
# Exit status: that of validate.mjs (0 clean, 1 errors, 2 usage, 3 internal failure), or
#   77  skipped: node is missing or too old, or the validator cannot be installed because the
#       npm registry is unreachable (set SKIP_RETURN_CODE 77 on the ctest test)
#   3   npm ci failed for another reason (broken lockfile...)
#   1   lifesim failed to make the run (no-DIR form)
# Installs the pinned packages (package-lock.json) into tests/fhir/node_modules with `npm ci`
# when node_modules is missing or does not hold the locked versions; nothing else is written.

set -u
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd) || exit 3

usage() {
    echo "usage: $0 [--jobs=N] [--max-errors=N] DIR   (or no DIR, with LIFESIM_BIN set)" >&2
    exit 2
}
have_dir=no
for a in "$@"; do
    case $a in -*) ;; *) have_dir=yes ;; esac
done
if [ $have_dir = no ] && [ -z "${LIFESIM_BIN:-}" ]; then
    usage
fi

if ! command -v node >/dev/null 2>&1; then
    echo "SKIPPED: node is not installed"
    exit 77
fi
# @medplum/core 4.5.2 needs node ^20.19.0 || >=22.12.0
if ! node -e '
  const [a, b] = process.versions.node.split(".").map(Number);
  process.exit((a === 20 && b >= 19) || (a === 22 && b >= 12) || a >= 23 ? 0 : 1);
' 2>/dev/null; then
    echo "SKIPPED: node $(node --version 2>/dev/null) is too old for the validator (needs ^20.19 or >=22.12)"
    exit 77
fi

# Fresh: every package of package-lock.json is installed at its locked version.
fresh() {
    node -e '
      const fs = require("fs"), path = require("path");
      const dir = process.argv[1];
      const lock = JSON.parse(fs.readFileSync(path.join(dir, "package-lock.json"), "utf8"));
      for (const [where, p] of Object.entries(lock.packages ?? {})) {
        if (!where || p.optional) continue;
        const m = JSON.parse(fs.readFileSync(path.join(dir, where, "package.json"), "utf8"));
        if (m.version !== p.version) process.exit(1);
      }
      if (Object.keys(lock.packages ?? {}).length < 2) process.exit(1);
    ' "$here" 2>/dev/null
}

install() {
    if ! command -v npm >/dev/null 2>&1; then
        echo "SKIPPED: cannot install the validator (npm is not installed)"
        exit 77
    fi
    echo "run.sh: installing the pinned validator packages (npm ci) in $here" >&2
    log=$(mktemp "${TMPDIR:-/tmp}/lifesim-fhir-npm.XXXXXX") || exit 3
    # --prefer-offline: use npm's cache when it holds the tarballs (works without network)
    (cd "$here" && npm ci --no-audit --no-fund --prefer-offline \
        --fetch-retries=1 --fetch-timeout=60000 >"$log" 2>&1)
    rc=$?
    if [ $rc -ne 0 ]; then
        if grep -Eq 'ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|ENOTCACHED|ERR_SOCKET|socket hang up|network (request|connectivity)|request to https?://[^ ]* failed|getaddrinfo|proxy' "$log"; then
            echo "SKIPPED: cannot install the validator (npm registry unreachable)"
            grep -E 'npm error (code|errno|network|request to)' "$log" | head -3 | sed 's/^/  /'
            rm -f "$log"
            exit 77
        fi
        echo "run.sh: npm ci failed (exit $rc):" >&2
        sed 's/^/  npm: /' "$log" >&2
        rm -f "$log"
        exit 3
    fi
    rm -f "$log"
}

if ! fresh; then
    # Several ctest jobs may arrive here at once: install under a lock when flock(1) exists.
    lock="${TMPDIR:-/tmp}/lifesim-fhir-npm-$(printf '%s' "$here" | cksum | cut -d' ' -f1).lock"
    if command -v flock >/dev/null 2>&1; then
        exec 9>"$lock"
        flock 9
        fresh || install
        flock -u 9
        exec 9>&-
    else
        install
    fi
fi

if [ $have_dir = yes ]; then
    node "$here/validate.mjs" "$@"
    exit $?
fi

# No DIR: a run of the shipped modules plus tests/fixtures/all_records, which writes every record
# type, validated; then a negative control proving the validator can fail.
home=$(CDPATH='' cd -- "$here/../.." && pwd) || exit 3
base=${LIFESIM_TEST_TMP:-${TMPDIR:-/tmp}}
run="$base/fhir-validation-run"
broken="$base/fhir-validation-broken"
pop=${LIFESIM_FHIR_POPULATION:-200}
rm -rf -- "$run" "$broken"
mkdir -p -- "$base" || exit 3
echo "run.sh: $LIFESIM_BIN run -p $pop -s 1 -f fhir,ndjson -d tests/fixtures/all_records/modules -q -o $run" >&2
if ! "$LIFESIM_BIN" run -p "$pop" -s 1 -f fhir,ndjson -d "$home/tests/fixtures/all_records/modules" \
    -q -o "$run"; then
    echo "run.sh: lifesim failed to make the run" >&2
    exit 1
fi
node "$here/validate.mjs" "$@" "$run" || exit $?
"$LIFESIM_BIN" check -q "$run" >/dev/null || { "$LIFESIM_BIN" check "$run"; exit 1; }

# negative control: a copy with a required element removed, an unknown element and a dangling
# reference must be rejected by the three checks that own those faults
mkdir -p "$broken/fhir" "$broken/fhir-ndjson" || exit 3
cp "$run/fhir-ndjson/"*.ndjson "$broken/fhir-ndjson/" || exit 3
one=$(ls "$run/fhir" | head -1)
node -e '
const fs = require("fs");
const [src, dst] = process.argv.slice(1);
const b = JSON.parse(fs.readFileSync(src, "utf8"));
const obs = b.entry.find(e => e.resource.resourceType === "Observation");
const enc = b.entry.find(e => e.resource.resourceType === "Encounter");
if (!obs || !enc) { console.error("negative control: no Observation/Encounter in " + src); process.exit(3); }
delete obs.resource.status;
enc.resource.subject.reference = "urn:uuid:00000000-0000-4000-8000-000000000000";
enc.resource.colour = "red"; /* not an Encounter element */
fs.writeFileSync(dst, JSON.stringify(b));
' "$run/fhir/$one" "$broken/fhir/$one" || exit 3
node "$here/validate.mjs" "$broken" >"$broken/report.txt" 2>&1
rc=$?
if [ $rc -ne 1 ]; then
    cat "$broken/report.txt" >&2
    echo "FAIL: the validator accepted a bundle with no Observation.status, an unknown element and a dangling reference (exit $rc)" >&2
    exit 1
fi
for check in bundle-references json-schema structure-definitions; do
    if ! grep -q "^FAIL *$check" "$broken/report.txt"; then
        cat "$broken/report.txt" >&2
        echo "FAIL: the negative control did not trip $check" >&2
        exit 1
    fi
done
echo "negative control: rejected by bundle-references, json-schema and structure-definitions"

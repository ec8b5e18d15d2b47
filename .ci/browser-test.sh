#!/usr/bin/env bash
# Browser test of genbench's self-contained HTML report.
#
# Builds genbench, writes the report of the synthetic fixture
# reports/testdata/results, loads report.html from disk in headless
# Chromium and fails (non-zero exit) when
#   - any <img> did not decode or renders with zero natural or layout size,
#   - the page loaded any resource that is not a data: URI,
#   - a script or resource error fired, or Chromium logged a console message
#     or a network error,
# then writes a screenshot (1400x3000) and prints its path.
#
# The check runs on a copy of report.html with one inline <script>
# injected (the report itself has none): on load it inspects every image
# and performance.getEntriesByType('resource') and appends
# "BROWSER-CHECK PASS|FAIL ..." to the page, read back with --dump-dom.
#
# Environment:
#   GENBENCH=path        use this genbench binary instead of building one
#   BROWSER_TEST_OUT=dir where the screenshot and report copy go
#                        (default ${TMPDIR:-/tmp}/genbench-browser-test)
#   CHROMIUM=path        the browser (default: chromium, chromium-browser,
#                        google-chrome; installed with apt-get if missing)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${BROWSER_TEST_OUT:-${TMPDIR:-/tmp}/genbench-browser-test}
WORK=$(mktemp -d)
PROFILE=$(mktemp -d)
cleanup() { rm -rf "$WORK" "$PROFILE"; }
trap cleanup EXIT
mkdir -p "$OUT"

fail() { echo "browser-test: FAIL: $*" >&2; exit 1; }
log() { echo "browser-test: $*" >&2; }

# 1. Chromium.
find_browser() {
	if [ -n "${CHROMIUM:-}" ]; then echo "$CHROMIUM"; return; fi
	for b in chromium chromium-browser google-chrome; do
		if command -v "$b" >/dev/null 2>&1; then command -v "$b"; return; fi
	done
}
BROWSER=$(find_browser || true)
if [ -z "$BROWSER" ]; then
	command -v apt-get >/dev/null 2>&1 || fail "no Chromium and no apt-get to install it; set CHROMIUM=path"
	log "installing Debian's chromium"
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO="sudo"
	$SUDO apt-get update >"$WORK/apt.log" 2>&1 || { cat "$WORK/apt.log" >&2; fail "apt-get update"; }
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y chromium >>"$WORK/apt.log" 2>&1 || { tail -20 "$WORK/apt.log" >&2; fail "apt-get install chromium"; }
	BROWSER=$(find_browser || true)
	[ -n "$BROWSER" ] || fail "chromium installed but not found on PATH"
fi
log "browser: $BROWSER ($("$BROWSER" --version 2>/dev/null || echo unknown version))"

# 2. genbench.
if [ -n "${GENBENCH:-}" ]; then
	BIN=$GENBENCH
else
	BIN="$WORK/genbench"
	MODFLAG=()
	if ! grep -q 'gonum.org/v1/plot' "$ROOT/go.mod"; then
		# go.mod does not require gonum/plot yet: build with a temporary
		# module file (go.mod itself is left alone).
		log "go.mod lacks gonum.org/v1/plot; building with a temporary module file"
		cp "$ROOT/go.mod" "$WORK/go.mod"
		cp "$ROOT/go.sum" "$WORK/go.sum"
		(cd "$ROOT" && GOFLAGS=-mod=mod go get -modfile="$WORK/go.mod" gonum.org/v1/plot@v0.17.0 >/dev/null 2>&1) || fail "go get gonum.org/v1/plot"
		MODFLAG=(-modfile="$WORK/go.mod")
	fi
	(cd "$ROOT" && go build "${MODFLAG[@]}" -o "$BIN" ./cmd/genbench) || fail "go build ./cmd/genbench"
fi

# 3. The report of the fixture.
"$BIN" report "$ROOT/reports/testdata/results" -o "$WORK/report" >"$WORK/report.log" 2>&1 ||
	{ cat "$WORK/report.log" >&2; fail "genbench report (is the report command wired into main.go?)"; }
HTML="$WORK/report/report.html"
[ -s "$HTML" ] || fail "no report.html written"
cp "$HTML" "$OUT/report.html"

# 4. A copy with the inline check script, loaded with the network cut off.
CHECK='<script>
window.__errs = [];
window.addEventListener("error", function (e) {
  var t = e.target && e.target.tagName ? e.target.tagName + " " + String(e.target.src || e.target.href || "").slice(0, 40) : "";
  window.__errs.push(String(e.message || "") + t);
}, true);
window.addEventListener("load", function () {
  var bad = [], imgs = document.images;
  for (var i = 0; i < imgs.length; i++) {
    var im = imgs[i], r = im.getBoundingClientRect();
    if (!im.complete || im.naturalWidth === 0 || im.naturalHeight === 0 || r.width === 0 || r.height === 0) {
      bad.push(im.alt || "img " + i);
    }
  }
  var ext = performance.getEntriesByType("resource").map(function (e) { return e.name; })
    .filter(function (n) { return n.slice(0, 5) !== "data:"; });
  var ok = imgs.length > 0 && bad.length === 0 && ext.length === 0 && window.__errs.length === 0;
  var out = document.createElement("pre");
  out.id = "browser-check";
  out.textContent = "BROWSER-CHECK " + (ok ? "PASS" : "FAIL") + " images=" + imgs.length +
    " bad=" + JSON.stringify(bad) + " external=" + JSON.stringify(ext) + " errors=" + JSON.stringify(window.__errs);
  document.body.appendChild(out);
});
</script>'
CHECKED="$WORK/report/report-check.html"
export CHECK
awk '{ if (!done) { i = index($0, "</head>"); if (i) { $0 = substr($0, 1, i - 1) ENVIRON["CHECK"] substr($0, i); done = 1 } } print }' "$HTML" >"$CHECKED"
grep -q 'BROWSER-CHECK' "$CHECKED" || fail "could not inject the check script (no </head>?)"

FLAGS=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
	--disable-component-update --disable-sync --disable-extensions --user-data-dir="$PROFILE"
	--host-resolver-rules="MAP * ~NOTFOUND" --enable-logging=stderr --v=0)

timeout 180 "$BROWSER" "${FLAGS[@]}" --virtual-time-budget=15000 --dump-dom "file://$CHECKED" \
	>"$WORK/dom.html" 2>"$WORK/chromium.log" || { tail -30 "$WORK/chromium.log" >&2; fail "chromium --dump-dom"; }

RESULT=$(grep -oE 'BROWSER-CHECK (PASS|FAIL) images=[0-9]+[^<]*' "$WORK/dom.html" | head -1 || true)
[ -n "$RESULT" ] || { tail -30 "$WORK/chromium.log" >&2; fail "the check script did not run (no BROWSER-CHECK in the DOM)"; }
log "$RESULT"

# Console messages (the report has no scripts, the check script logs
# nothing) and network or security errors in Chromium's log.
CONSOLE=$(grep -E 'CONSOLE|net::ERR_|Not allowed to load|Refused to|Failed to load resource' "$WORK/chromium.log" || true)
if [ -n "$CONSOLE" ]; then
	echo "$CONSOLE" >&2
	fail "Chromium logged console or network errors"
fi
case "$RESULT" in
"BROWSER-CHECK PASS"*) ;;
*) fail "in-page check: $RESULT" ;;
esac

# 5. Screenshot of the report as it is (no injected script).
SHOT="$OUT/report-screenshot.png"
rm -f "$SHOT"
timeout 180 "$BROWSER" "${FLAGS[@]}" --hide-scrollbars --window-size=1400,3000 --virtual-time-budget=15000 \
	--screenshot="$SHOT" "file://$HTML" >"$WORK/shot.log" 2>&1 || { tail -30 "$WORK/shot.log" >&2; fail "chromium --screenshot"; }
[ -s "$SHOT" ] || fail "no screenshot written"

echo "browser-test: PASS ($(grep -c '<img ' "$HTML") images, $(wc -c <"$HTML") bytes of HTML)"
echo "screenshot: $SHOT"
echo "report copy: $OUT/report.html"

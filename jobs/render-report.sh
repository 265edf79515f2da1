#!/usr/bin/env bash
# Renders a report.html to PNG in headless Chromium, so the report can be checked as people see it.
#   jobs/render-report.sh reports/<run_id>/report.html            # writes reports/<run_id>/report.png
#   jobs/render-report.sh reports/<run_id>/report.html out.png
# Installs Debian's chromium package with apt-get when no chromium is on the PATH (needs root).
# Environment: RENDER_WIDTH (1280), RENDER_HEIGHT (6000), RENDER_TIMEOUT seconds (120).
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 || "$1" == "-h" || "$1" == "--help" ]]; then
  echo "usage: $0 <report.html> [out.png]" >&2
  exit 2
fi
html=$1
if [[ ! -f "$html" ]]; then
  echo "render-report: no such file: $html (pass the report.html that the report stage wrote)" >&2
  exit 3
fi
out=${2:-"${html%.html}.png"}
width=${RENDER_WIDTH:-1280}
height=${RENDER_HEIGHT:-6000}

browser=$(command -v chromium || command -v chromium-browser || true)
if [[ -z "$browser" ]]; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "render-report: chromium is not installed; install it (apt-get install chromium) or run this as root" >&2
    exit 3
  fi
  echo "render-report: installing Debian's chromium package..." >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2
  browser=$(command -v chromium)
fi

profile=$(mktemp -d -t ecolens-chromium-XXXXXX)
trap 'rm -rf "$profile"' EXIT
abs_html=$(cd "$(dirname "$html")" && pwd)/$(basename "$html")
mkdir -p "$(dirname "$out")"
abs_out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
rm -f "$abs_out"

timeout "${RENDER_TIMEOUT:-120}" "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync --hide-scrollbars \
  --user-data-dir="$profile" --screenshot="$abs_out" --window-size="$width,$height" \
  "file://$abs_html" >"$profile/chromium.log" 2>&1 || {
  echo "render-report: chromium failed; its log:" >&2
  tail -n 20 "$profile/chromium.log" >&2
  exit 4
}
if [[ ! -s "$abs_out" ]]; then
  echo "render-report: chromium wrote no screenshot; its log:" >&2
  tail -n 20 "$profile/chromium.log" >&2
  exit 4
fi
echo "$abs_out"

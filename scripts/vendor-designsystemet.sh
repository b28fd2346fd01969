#!/bin/sh
# Copies Digdir's Designsystemet CSS (pinned in package.json) from
# node_modules into static/, with its licence, so the server serves plain
# files and never needs Node. Run after changing the versions:
#   npm ci && npm run vendor-css
set -eu
cd "$(dirname "$0")/.."
css=node_modules/@digdir/designsystemet-css
theme=node_modules/@digdir/designsystemet-theme
[ -d "$css" ] && [ -d "$theme" ] || { echo "run npm ci first" >&2; exit 1; }
css_version=$(node -p "require('./$css/package.json').version")
theme_version=$(node -p "require('./$theme/package.json').version")
{
  echo "/* @digdir/designsystemet-css $css_version (MIT), vendored by scripts/vendor-designsystemet.sh */"
  cat "$css/dist/src/index.css"
} > static/designsystemet.css
{
  echo "/* @digdir/designsystemet-theme $theme_version, brand/digdir.css (MIT), vendored by scripts/vendor-designsystemet.sh */"
  cat "$theme/brand/digdir.css"
} > static/designsystemet-theme.css
{
  echo "static/designsystemet.css: @digdir/designsystemet-css $css_version"
  echo "static/designsystemet-theme.css: @digdir/designsystemet-theme $theme_version"
  echo
  cat "$css/LICENSE"
} > static/designsystemet.LICENSE
echo "vendored designsystemet-css $css_version and designsystemet-theme $theme_version into static/"

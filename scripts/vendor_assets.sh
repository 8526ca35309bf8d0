#!/usr/bin/env bash
# Copy the front-end assets pinned by package-lock.json from node_modules/ into static files.
#
#   src/seoul/core/static/vendor/
#     krds/krds.min.css        KRDS bundle, icon URLs made relative, + @font-face for Pretendard GOV
#     krds/img/component/icon/ the KRDS icons krds.min.css and seoul/platform.css refer to (only those)
#     krds/fonts/              Pretendard GOV (subset, woff2) in the three weights KRDS uses
#     krds/LICENSE             KRDS terms of use + the font licence note
#     htmx/htmx.min.js         + LICENSE
#     vega/vega.min.js, vega-lite.min.js, vega-embed.min.js, vega-interpreter.min.js
#                              + LICENSE.vega, LICENSE.vega-lite, LICENSE.vega-embed, LICENSE.vega-interpreter
#
#   tests/browser/vendor/      (for the browser tests only: never a static file, never served)
#     axe.min.js               axe-core, the accessibility checker the tests inject into pages
#     LICENSE.axe-core         its licence (MPL-2.0)
#
# Run after `npm ci` (see `make assets`). Idempotent: the vendor directory is rebuilt from scratch.
# No network access: everything comes from node_modules/. Every file must be served from our own
# origin (Content-Security-Policy: default-src 'self'), so no URL to another host may remain, and
# every url() in the CSS must resolve (ManifestStaticFilesStorage refuses missing references).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NM="$ROOT/node_modules"
OUT="$ROOT/src/seoul/core/static/vendor"

die() { echo "vendor_assets: $*" >&2; exit 1; }
[ -d "$NM" ] || die "node_modules/ is missing: run 'npm ci' first"
for pkg in krds-uiux htmx.org vega vega-lite vega-embed vega-interpreter axe-core; do
  [ -f "$NM/$pkg/package.json" ] || die "package $pkg is not installed: run 'npm ci'"
done
command -v node >/dev/null || die "node is required"

version() { node -p "require('$NM/$1/package.json').version"; }

# Copy a JavaScript file, dropping its sourceMappingURL comment (we do not ship the maps, and
# Django's manifest storage would otherwise fail on the missing .map file).
copy_js() {
  sed -e '/^\/\/# sourceMappingURL=/d' "$1" >"$2"
}

TMP="$(mktemp -d "$ROOT/src/seoul/core/static/.vendor.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

# --- KRDS (Korea Design System) ---------------------------------------------------------------
KRDS="$NM/krds-uiux/resources"
mkdir -p "$TMP/krds/img/component/icon" "$TMP/krds/fonts"
# The package's single-file bundle refers to its icons on the KRDS web site by absolute URL;
# point them at the copies we serve ourselves, next to the CSS.
ICON_PREFIX='https://www.krds.go.kr/resources/img/component/icon/'
{
  # Pretendard GOV is the KRDS typeface; the package ships the fonts but no @font-face for them.
  cat <<'CSS'
@charset "utf-8";
/* Vendored by scripts/vendor_assets.sh from the npm package krds-uiux (resources/cdn/krds.min.css):
   icon URLs rewritten to local copies, @font-face rules added for the bundled Pretendard GOV fonts. */
@font-face{font-family:"Pretendard GOV";font-style:normal;font-weight:400;font-display:swap;src:url(fonts/PretendardGOV-Regular.subset.woff2) format("woff2")}
@font-face{font-family:"Pretendard GOV";font-style:normal;font-weight:500;font-display:swap;src:url(fonts/PretendardGOV-Medium.subset.woff2) format("woff2")}
@font-face{font-family:"Pretendard GOV";font-style:normal;font-weight:700;font-display:swap;src:url(fonts/PretendardGOV-Bold.subset.woff2) format("woff2")}
CSS
  # Drop the bundle's own @charset (only one is allowed, at the very start) and rewrite the URLs.
  sed -e 's/^@charset "utf-8";//' -e "s#url(${ICON_PREFIX}#url(img/component/icon/#g" "$KRDS/cdn/krds.min.css"
  echo
} >"$TMP/krds/krds.min.css"

if grep -Eo 'url\((["'"'"']?)(https?:)?//[^)]*' "$TMP/krds/krds.min.css" | head -n 3 | grep -q .; then
  die "krds.min.css still refers to another host (KRDS bundle changed?)"
fi
# Copy exactly the icons the CSS refers to (KRDS's and the platform's own stylesheet); fail if
# one is missing.
{
  grep -o 'url(img/component/icon/[^)]*)' "$TMP/krds/krds.min.css" | sed -e 's/^url(//' -e 's/)$//'
  grep -o 'url(../vendor/krds/img/component/icon/[^)]*)' "$ROOT/src/seoul/core/static/seoul/platform.css" |
    sed -e 's#^url(../vendor/krds/##' -e 's/)$//'
} | sort -u |
  while read -r rel; do
    src="$KRDS/$rel"
    [ -f "$src" ] || die "krds.min.css refers to $rel, which krds-uiux does not ship"
    cp "$src" "$TMP/krds/$rel"
  done
for w in Regular Medium Bold; do
  cp "$KRDS/fonts/PretendardGOV-$w.subset.woff2" "$TMP/krds/fonts/"
done
KRDS_VERSION="$(version krds-uiux)"
cat >"$TMP/krds/LICENSE" <<EOF
KRDS - Korea Design System (대한민국 디지털 정부 디자인 시스템), npm package krds-uiux ${KRDS_VERSION}
Files: krds.min.css, img/component/icon/*.svg

The package declares the licence "ISC" in its package.json and states in its README:
"본 패키지는 대한민국 디지털 정부 디자인 시스템(KRDS)의 이용약관을 따름."
(This package follows the terms of use of the Korea Design System.) The terms of use
are published on the KRDS web site (www.krds.go.kr, 저작권 / copyright page). The package
ships no separate licence file; this note is written by scripts/vendor_assets.sh.

Fonts: fonts/PretendardGOV-*.subset.woff2, as shipped in krds-uiux/resources/fonts.
Pretendard GOV is a variant of Pretendard by Kil Hyung-jin (orioncactus), distributed
under the SIL Open Font License, Version 1.1 (https://openfontlicense.org).
EOF

# --- htmx -------------------------------------------------------------------------------------
mkdir -p "$TMP/htmx"
copy_js "$NM/htmx.org/dist/htmx.min.js" "$TMP/htmx/htmx.min.js"
cp "$NM/htmx.org/LICENSE" "$TMP/htmx/LICENSE"

# --- Vega, Vega-Lite, vega-embed, vega-interpreter -------------------------------------------------
mkdir -p "$TMP/vega"
copy_js "$NM/vega/build/vega.min.js" "$TMP/vega/vega.min.js"
copy_js "$NM/vega-lite/build/vega-lite.min.js" "$TMP/vega/vega-lite.min.js"
copy_js "$NM/vega-embed/build/vega-embed.min.js" "$TMP/vega/vega-embed.min.js"
# vega-interpreter ships only as an ES module importing vega-util. Wrap it as a classic script
# that takes those functions from the global `vega` (vega.min.js re-exports vega-util) and
# exposes `window.vegaInterpreter.expressionInterpreter`, so no bundler is needed.
node - "$NM/vega-interpreter/build/vega-interpreter.js" "$TMP/vega/vega-interpreter.min.js" "$(version vega-interpreter)" <<'JS'
const fs = require("fs");
const [src, dest, version] = process.argv.slice(2);
let code = fs.readFileSync(src, "utf8").replace(/^\/\/# sourceMappingURL=.*$/m, "");
const imp = /^import \{([^}]*)\} from 'vega-util';$/m;
const exp = /^export \{ (\w+) as expressionInterpreter \};$/m;
const names = (code.match(imp) || [])[1];
const local = (code.match(exp) || [])[1];
if (!names || !local || /^\s*(import|export)\b/m.test(code.replace(imp, "").replace(exp, ""))) {
  console.error("vendor_assets: vega-interpreter's module layout changed; update scripts/vendor_assets.sh");
  process.exit(1);
}
code = code.replace(imp, "").replace(exp, "");
const out = `/*! vega-interpreter ${version} | BSD-3-Clause | wrapped as a classic script by scripts/vendor_assets.sh */
(function (vega) {
"use strict";
if (!vega) { throw new Error("vega-interpreter: load vega.min.js first"); }
const {${names}} = vega;
${code.trim()}
globalThis.vegaInterpreter = { expressionInterpreter: ${local}, version: ${JSON.stringify(version)} };
})(globalThis.vega);
`;
fs.writeFileSync(dest, out);
JS
for pkg in vega vega-lite vega-embed vega-interpreter; do
  cp "$NM/$pkg/LICENSE" "$TMP/vega/LICENSE.$pkg"
done

# Versions, for docs and debugging.
{
  echo "# Generated by scripts/vendor_assets.sh from package-lock.json; do not edit."
  for pkg in krds-uiux htmx.org vega vega-lite vega-embed vega-interpreter axe-core; do
    echo "$pkg $(version "$pkg")"
  done
} >"$TMP/VERSIONS"

# --- axe-core, for the browser tests (outside the static files: citizens never download it) ----
AXE_OUT="$ROOT/tests/browser/vendor"
rm -rf "$AXE_OUT"
mkdir -p "$AXE_OUT"
cp "$NM/axe-core/axe.min.js" "$AXE_OUT/axe.min.js"
cp "$NM/axe-core/LICENSE" "$AXE_OUT/LICENSE.axe-core"

# Swap in the new tree (keeps the script idempotent and leaves no stale files behind).
rm -rf "$OUT"
mv "$TMP" "$OUT"
chmod -R u+rwX,go+rX "$OUT"
trap - EXIT
echo "vendor_assets: $(find "$OUT" -type f | wc -l) files, $(du -sh "$OUT" | cut -f1) in ${OUT#"$ROOT"/}"

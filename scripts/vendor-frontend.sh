#!/usr/bin/env bash
# Refresh the vendored front-end files in tverrnett/static/vendor/ from the
# npm registry, at the pinned versions below. Nothing is loaded from a CDN at
# run time: the page may make no request outside its own origin (strict CSP).
#
# Usage: scripts/vendor-frontend.sh        (needs npm and network access to the registry)
# To upgrade: change a version here, run the script, check the pages, commit
# the result together with this script.
set -euo pipefail

DS_CSS_VERSION="1.22.0"     # @digdir/designsystemet-css
DS_THEME_VERSION="1.11.0"   # @digdir/designsystemet-theme (Digdir brand theme)
HTMX_VERSION="2.0.11"       # htmx.org, 2.0.x only (not htmx 4)
AXE_VERSION="4.14.1"        # axe-core, for the accessibility tests
INTER_VERSION="5.3.0"       # @fontsource-variable/inter: the theme's font, self-hosted

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR="$ROOT/tverrnett/static/vendor"

command -v npm >/dev/null || { echo "npm is needed (apt-get install npm)" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# fetch SPEC -> prints the folder the package was unpacked to
fetch() {
    local spec="$1" dir tarball
    dir="$WORK/$(echo "$spec" | tr '/@' '__')"
    mkdir -p "$dir"
    tarball="$(cd "$dir" && npm pack --silent --ignore-scripts "$spec" 2>/dev/null | tail -n 1)"
    tar -xzf "$dir/$tarball" -C "$dir"
    echo "$dir/package"
}

# install_files PKGDIR TARGET VERSION SRC:DEST...
install_files() {
    local pkg="$1" target="$2" version="$3"
    shift 3
    rm -rf "$target"
    mkdir -p "$target"
    local pair
    for pair in "$@"; do
        cp "$pkg/${pair%%:*}" "$target/${pair##*:}"
    done
    cp "$pkg/LICENSE" "$target/LICENSE"
    echo "$version" >"$target/VERSION"
}

pkg="$(fetch "@digdir/designsystemet-css@$DS_CSS_VERSION")"
install_files "$pkg" "$VENDOR/designsystemet-css" "$DS_CSS_VERSION" \
    dist/src/index.css:index.css

pkg="$(fetch "@digdir/designsystemet-theme@$DS_THEME_VERSION")"
install_files "$pkg" "$VENDOR/designsystemet-theme" "$DS_THEME_VERSION" \
    brand/digdir.css:digdir.css

pkg="$(fetch "htmx.org@$HTMX_VERSION")"
install_files "$pkg" "$VENDOR/htmx" "$HTMX_VERSION" \
    dist/htmx.min.js:htmx.min.js

pkg="$(fetch "axe-core@$AXE_VERSION")"
install_files "$pkg" "$VENDOR/axe-core" "$AXE_VERSION" \
    axe.min.js:axe.min.js

# Inter, variable weight, the Latin and Latin Extended subsets only (Norwegian
# and Sami letters). The @font-face rules are in tverrnett/static/css/tverrnett.css.
pkg="$(fetch "@fontsource-variable/inter@$INTER_VERSION")"
install_files "$pkg" "$VENDOR/inter" "$INTER_VERSION" \
    files/inter-latin-wght-normal.woff2:inter-latin-wght-normal.woff2 \
    files/inter-latin-ext-wght-normal.woff2:inter-latin-ext-wght-normal.woff2

# Nothing vendored may load anything from elsewhere.
if grep -rEn '@import|url\((["'\'']?)(https?:)?//' "$VENDOR" --include='*.css'; then
    echo "A vendored stylesheet refers to a remote resource; fix before committing." >&2
    exit 1
fi

du -sh "$VENDOR"/*
du -sh "$VENDOR"

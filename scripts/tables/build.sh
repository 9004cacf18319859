#!/usr/bin/env bash
# Rebuilds the compiled lookup tables in data/ from their pinned upstream sources:
#   data/geo.ttdb  country + ASN/organisation, from the @ip-location-db npm packages
#   data/oui.ttdb  MAC vendors, from the IEEE registry CSVs in Debian's ieee-data package
# Versions are pinned below; docs/data-attributions.md records them with the licences.
# To move to newer data, change the versions here and in docs/data-attributions.md, run this,
# and commit data/*.ttdb (the upstream CSVs are never committed).
#
# Needs: npm, cargo, and apt-get (root) when ieee-data is missing.
# Usage: scripts/tables/build.sh [OUTPUT_DIR]   (default: data/)
set -euo pipefail
cd "$(dirname "$0")/../.."
out_dir="${1:-data}"

# ip-location-db publishes daily and unpublishes old versions: a pinned version that is gone
# makes `npm pack` fail loudly; then bump these (and the docs) to the current `npm view` version.
ASN_PKG="@ip-location-db/asn@2.3.2026061719"
# Country source: "asn-country" (block registration country, smaller) or "geo-whois-asn-country"
# (geofeeds + whois, finer; +0.8 MiB). Both are CC BY 4.0 NRO data; see the attributions doc.
COUNTRY_NAME="asn-country"
COUNTRY_PKG="@ip-location-db/$COUNTRY_NAME@2.3.2026061719"
IEEE_DATA_VERSION="20220827.1"

if [ ! -f /usr/share/ieee-data/oui.csv ]; then
  echo "installing ieee-data ($IEEE_DATA_VERSION pinned in the docs)" >&2
  apt-get update -qq
  apt-get install -y -qq ieee-data >/dev/null
fi
installed_ieee="$(dpkg-query -W -f='${Version}' ieee-data 2>/dev/null || echo unknown)"
if [ "$installed_ieee" != "$IEEE_DATA_VERSION" ]; then
  echo "warning: ieee-data $installed_ieee installed, docs record $IEEE_DATA_VERSION" >&2
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for pkg in "$ASN_PKG" "$COUNTRY_PKG"; do
  (cd "$work" && npm pack --silent "$pkg" >/dev/null)
done
for tgz in "$work"/*.tgz; do
  name="$(basename "$tgz" .tgz)"
  mkdir -p "$work/$name"
  tar -xzf "$tgz" -C "$work/$name"
done
asn_dir="$(echo "$work"/ip-location-db-asn-2*/package)"
country_dir="$(echo "$work"/ip-location-db-"$COUNTRY_NAME"-2*/package)"

cargo build --release -j 1 -p telltale-firmware --bin telltale-tables
tool=target/release/telltale-tables
mkdir -p "$out_dir"
"$tool" geo \
  --country-v4 "$country_dir/$COUNTRY_NAME-ipv4.csv" \
  --country-v6 "$country_dir/$COUNTRY_NAME-ipv6.csv" \
  --asn-v4 "$asn_dir/asn-ipv4.csv" \
  --asn-v6 "$asn_dir/asn-ipv6.csv" \
  -o "$out_dir/geo.ttdb"
"$tool" oui \
  /usr/share/ieee-data/oui.csv /usr/share/ieee-data/mam.csv /usr/share/ieee-data/oui36.csv \
  -o "$out_dir/oui.ttdb"
sha256sum "$out_dir/geo.ttdb" "$out_dir/oui.ttdb"

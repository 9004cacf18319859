#!/usr/bin/env bash
# Builds the Debian packages for one architecture:
#   scripts/package.sh [arm64|armhf|amd64]          (arm64 when none is named)
# into target/debian/:
#   telltale_VERSION_ARCH.deb       the box: telltaled, telltale, units, config, rules, tables
#   telltale-cli_VERSION_ARCH.deb   the laptop: telltale alone, with its udev rule
# with dpkg-deb from the release build (cross-compiled for arm64 and armhf; the toolchain is
# installed when missing). What goes where, and why, is in docs/packaging.md.
set -euo pipefail
cd "$(dirname "$0")/.."

arch=${1:-arm64}
case "$arch" in
arm64)
    triple=aarch64-unknown-linux-gnu objcopy=aarch64-linux-gnu-objcopy
    run=(qemu-aarch64-static -L /usr/aarch64-linux-gnu)
    ;;
armhf)
    triple=armv7-unknown-linux-gnueabihf objcopy=arm-linux-gnueabihf-objcopy
    run=(qemu-arm-static -L /usr/arm-linux-gnueabihf)
    ;;
amd64) triple=x86_64-unknown-linux-gnu objcopy=objcopy run=() ;;
*)
    echo "usage: scripts/package.sh [arm64|armhf|amd64]" >&2
    exit 2
    ;;
esac

case "$arch" in
arm64) scripts/cross-toolchain.sh aarch64 ;;
armhf) scripts/cross-toolchain.sh armv7 ;;
esac
cargo build --release --locked --target "$triple" --bin telltaled --bin telltale
target=${CARGO_TARGET_DIR:-target}
bin=$target/$triple/release

# The version is the workspace's; the changelog's top entry must say the same.
version=$(cargo pkgid --locked -p telltale-firmware | sed 's/.*[@#]//')
changelog_version=$(sed -n '1s/^telltale (\([^)]*\)).*/\1/p' packaging/changelog)
if [ "$version" != "$changelog_version" ]; then
    echo "error: Cargo.toml says $version, packaging/changelog says $changelog_version" >&2
    exit 1
fi
trailer=$(grep -m1 '^ -- ' packaging/changelog)
maintainer=${trailer#' -- '}
maintainer=${maintainer%%>*}'>'
# Files get the changelog entry's date, so the same sources give the same packages.
SOURCE_DATE_EPOCH=$(date -d "${trailer##*>  }" +%s)
export SOURCE_DATE_EPOCH

# Depends on the C library and libgcc_s at the newest symbol versions the binaries use.
shlibs() { # BINARY...
    local glibc gcc
    local objdump=${objcopy%objcopy}objdump # the target's binutils, as for objcopy
    glibc=$("$objdump" -T "$@" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1)
    gcc=$("$objdump" -T "$@" | grep -o 'GCC_[0-9.]*' | sed 's/GCC_//' | sort -uV | tail -n 1)
    printf 'libc6 (>= %s)' "$glibc"
    if [ -n "$gcc" ]; then printf ', libgcc-s1 (>= %s)' "$gcc"; fi
}

out=$target/debian
mkdir -p "$out"

# ---- the box: telltale ----
root=$out/$arch/telltale
rm -rf "$root"
put() { # MODE SOURCE DEST (relative to the package root)
    install -D -m "$1" "$2" "$root/$3"
}
doc=usr/share/doc/telltale
# The binaries, without the compilers' version notes (.comment), as dh_strip leaves them.
program() { # BINARY DEST-ROOT
    install -D -m 755 "$bin/$1" "$2/usr/bin/$1"
    "$objcopy" --remove-section=.comment "$2/usr/bin/$1"
}
program telltaled "$root"
program telltale "$root"
put 644 board/files/telltaled.service usr/lib/systemd/system/telltaled.service
put 644 board/files/telltale-offloads@.service usr/lib/systemd/system/telltale-offloads@.service
put 644 board/files/sysusers.d/telltale.conf usr/lib/sysusers.d/telltale.conf
units="telltaled.service"
stop_on_remove=""
# The USB gadget's files, when this tree has them (board/files/usb-gadget/).
gadget=board/files/usb-gadget
if [ -f "$gadget/telltale-usb-gadget" ]; then
    put 755 "$gadget/telltale-usb-gadget" usr/sbin/telltale-usb-gadget
    put 644 "$gadget/telltale-usb-gadget.service" usr/lib/systemd/system/telltale-usb-gadget.service
    put 644 "$gadget/config.txt" usr/share/telltale/usb-gadget/config.txt
    put 644 "$gadget/telltale-usb-gadget.conf" usr/share/telltale/usb-gadget/telltale-usb-gadget.conf
    units="$units telltale-usb-gadget.service"
    stop_on_remove=telltale-usb-gadget.service
fi
# The bridge: examples only. networkd reads /etc/systemd/network and /usr/lib/systemd/network,
# so they are kept out of both until the administrator copies them (docs/install.md).
for f in board/files/networkd/*; do
    put 644 "$f" "usr/share/telltale/networkd/$(basename "$f")"
done
put 644 data/geo.ttdb usr/share/telltale/geo.ttdb
put 644 data/oui.ttdb usr/share/telltale/oui.ttdb
# Config and rules (conffiles), and the shipped rules kept aside to go back to.
put 644 board/files/telltale.toml etc/telltale/telltale.toml
put 644 rules/default.toml etc/telltale/rules.toml
put 644 rules/default.toml usr/share/telltale/rules/default.toml
for f in rules/packs/*.txt; do
    put 644 "$f" "etc/telltale/packs/$(basename "$f")"
    put 644 "$f" "usr/share/telltale/rules/packs/$(basename "$f")"
done
put 644 rules/packs/SOURCES.md "$doc/rules-sources.md"
put 644 packaging/lintian-overrides usr/share/lintian/overrides/telltale
# Documentation: the guides (the unit's Documentation= points here) and the wiring diagram.
put 644 README.md "$doc/README.md"
for f in docs/*.md docs/*.svg; do
    put 644 "$f" "$doc/$(basename "$f")"
done

# Manual pages, changelog, copyright, and the licences of the crates built in.
manpage() { # PAGE SECTION PACKAGE-ROOT
    mkdir -p "$3/usr/share/man/man$2"
    sed "s/@VERSION@/$version/" "packaging/man/$1.$2" | gzip -9n >"$3/usr/share/man/man$2/$1.$2.gz"
}
common_doc() { # PACKAGE-ROOT PACKAGE CRATE...
    local r=$1 p=$2
    shift 2
    mkdir -p "$r/usr/share/doc/$p"
    gzip -9n <packaging/changelog >"$r/usr/share/doc/$p/changelog.gz"
    install -m 644 packaging/copyright "$r/usr/share/doc/$p/copyright"
    local args=()
    for c in "$@"; do args+=(-p "$c"); done
    {
        echo "Rust crates built into the programs of $p, with the licences their manifests declare."
        echo
        cargo tree --locked --target "$triple" -e normal "${args[@]}" --prefix none \
            --format '{p} {l}' | sed -e 's/ (\*)$//' -e 's/ (\/[^)]*)//' | sort -u
    } >"$r/usr/share/doc/$p/crate-licenses.txt"
    chmod 644 "$r/usr/share/doc/$p/crate-licenses.txt"
}
manpage telltaled 8 "$root"
manpage telltale 1 "$root"
[ ! -f "$root/usr/sbin/telltale-usb-gadget" ] || manpage telltale-usb-gadget 8 "$root"
common_doc "$root" telltale telltale-firmware telltale-hostctl

# Shell completion, from the built command itself (under qemu for another architecture).
completions() { # PACKAGE-ROOT
    local shell file
    for shell in bash:bash-completion/completions/telltale zsh:zsh/vendor-completions/_telltale \
        fish:fish/vendor_completions.d/telltale.fish; do
        file=$1/usr/share/${shell#*:}
        mkdir -p "$(dirname "$file")"
        "${run[@]}" "$bin/telltale" completions "${shell%%:*}" >"$file"
        chmod 644 "$file"
    done
}
completions "$root"

# Control files.
control() { # PACKAGE-ROOT TEMPLATE BINARY...
    local r=$1 template=$2 size
    shift 2
    mkdir -p "$r/DEBIAN"
    size=$(du -sk --exclude=DEBIAN "$r" | cut -f1)
    sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@MAINTAINER@/$maintainer/" \
        -e "s/@INSTALLED_SIZE@/$size/" -e "s/@SHLIBS_DEPENDS@/$(shlibs "$@")/" \
        "packaging/$template" >"$r/DEBIAN/control"
    (cd "$r" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z |
        xargs -0 md5sum >DEBIAN/md5sums)
    if [ -d "$r/etc" ]; then
        (cd "$r" && find etc -type f | sort | sed 's|^|/|' >DEBIAN/conffiles)
    fi
    chmod 644 "$r/DEBIAN"/*
}
control "$root" control "$bin/telltaled" "$bin/telltale"
for script in postinst prerm postrm; do
    sed -e "s/@UNITS@/$units/" -e "s/@STOP_ON_REMOVE@/$stop_on_remove/" \
        "packaging/$script" >"$root/DEBIAN/$script"
    chmod 755 "$root/DEBIAN/$script"
done

# ---- the laptop: telltale-cli ----
cli=$out/$arch/telltale-cli
rm -rf "$cli"
program telltale "$cli"
if [ -f "$gadget/70-telltale.rules" ]; then
    install -D -m 644 "$gadget/70-telltale.rules" "$cli/usr/lib/udev/rules.d/70-telltale.rules"
fi
install -D -m 644 docs/cli.md "$cli/usr/share/doc/telltale-cli/cli.md"
manpage telltale 1 "$cli"
common_doc "$cli" telltale-cli telltale-hostctl
completions "$cli"
control "$cli" control-cli "$bin/telltale"

# Directories 755 whatever the umask; every file dated from the changelog.
for r in "$root" "$cli"; do
    find "$r" -type d -exec chmod 755 {} +
    find "$r" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
done
debs=()
for r in "$root" "$cli"; do
    name=$(sed -n 's/^Package: //p' "$r/DEBIAN/control")
    deb=$out/${name}_${version}_$arch.deb
    dpkg-deb --root-owner-group -Zxz --build "$r" "$deb" >/dev/null
    debs+=("$deb")
done
for deb in "${debs[@]}"; do
    printf '%s  %d bytes\n' "$deb" "$(stat -c %s "$deb")"
done

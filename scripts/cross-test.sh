#!/usr/bin/env bash
# The box's builds (DESIGN.md, testing ring 6): the workspace's tests built for aarch64 and run
# under qemu-user on the same corpus as the native run, then the release binaries for aarch64
# (64-bit Raspberry Pi OS) and armv7 (32-bit), with their sizes. scripts/test.sh calls it.
#
# Tests that qemu-user cannot run are skipped by name, each with its reason (SKIPS below; the
# list and why are in docs/cross.md). A skip whose test no longer exists stops the script, so
# the list cannot silently go stale. TELLTALE_CROSS_ARMV7_TESTS=1 also builds and runs the tests
# for armv7 under qemu-arm (about 8 more minutes).
set -euo pipefail
cd "$(dirname "$0")/.."

# test name (as `cargo test -- --list` prints it) | why it cannot run under qemu-user
SKIPS=(
    "open_live_tpacket_by_name|AF_PACKET: qemu-user answers ENOPROTOOPT to setsockopt(SOL_PACKET)"
    "missing_interfaces_and_bad_geometry_are_clear_errors|AF_PACKET socket options (as above)"
    "tpacket_sees_each_frame_once_on_its_port_with_tags_and_counters|AF_PACKET rings (as above)"
    "tpacket_counters_match_the_kernel_per_port|AF_PACKET rings (as above)"
    "tpacket_port_health_follows_the_links_and_reopens_a_replugged_port|AF_PACKET rings (as above)"
    "pnet_sees_each_frame_once_on_its_port|AF_PACKET: setsockopt(PACKET_IGNORE_OUTGOING) (as above)"
    "live_ports_on_a_bridge_a_port_lost_is_a_fault_and_its_return_is_watching|telltaled on AF_PACKET rings (as above)"
    "missing_ports_are_a_fault_until_they_appear_then_watching_without_a_restart|telltaled on AF_PACKET rings (as above)"
    "the_box_on_a_bridge_sees_names_counts_uploads_alerts_and_fails_open|telltaled on AF_PACKET rings in namespaces (as above)"
    "the_cli_talks_to_the_real_daemon_over_a_serial_cable|serial port: qemu-user 7.2 answers ENOSYS to ioctl(TCGETS2), which the serialport crate uses"
    "a_clean_pull_of_thirty_thousand_records|serial port over a pty: ioctl(TCGETS2) (as above)"
    "a_cable_pulled_mid_batch_resumes|serial port over a pty: ioctl(TCGETS2) (as above)"
    "the_box_restarted_mid_pull_resumes|serial port over a pty: ioctl(TCGETS2) (as above)"
    "random_byte_corruption_loses_and_duplicates_nothing|serial port over a pty: ioctl(TCGETS2) (as above)"
)

target=${CARGO_TARGET_DIR:-target}
start=$SECONDS
stamp() { echo "[cross-test $((SECONDS - start))s] $*" >&2; }

scripts/cross-toolchain.sh --binfmt aarch64 armv7

# Tests start programs of the target architecture (telltaled, telltale, the test itself); the
# kernel hands them to qemu through binfmt_misc, and qemu finds the C library here.
run_tests() { # TRIPLE SYSROOT
    local triple=$1 sysroot=$2 listed skip_args=() entry name missing=0
    stamp "building the tests for $triple"
    QEMU_LD_PREFIX=$sysroot cargo test --workspace --locked --profile qemu --target "$triple" --no-run
    listed=$(QEMU_LD_PREFIX=$sysroot cargo test --workspace --locked --profile qemu \
        --target "$triple" -q -- --list --format terse 2>/dev/null | sed -n 's/: test$//p')
    for entry in "${SKIPS[@]}"; do
        name=${entry%%|*}
        if ! grep -qx "$name" <<<"$listed"; then
            echo "error: skipped test '$name' does not exist any more: update SKIPS in $0 and docs/cross.md" >&2
            missing=1
        fi
        skip_args+=(--skip "$name")
    done
    [ "$missing" -eq 0 ] || exit 1
    stamp "running $(wc -l <<<"$listed") tests for $triple under qemu, ${#SKIPS[@]} skipped:"
    for entry in "${SKIPS[@]}"; do
        printf '  skip %s: %s\n' "${entry%%|*}" "${entry#*|}" >&2
    done
    QEMU_LD_PREFIX=$sysroot cargo test --workspace --locked --profile qemu --target "$triple" \
        -- --exact "${skip_args[@]}"
}

run_tests aarch64-unknown-linux-gnu /usr/aarch64-linux-gnu
if [ "${TELLTALE_CROSS_ARMV7_TESTS:-0}" = 1 ]; then
    run_tests armv7-unknown-linux-gnueabihf /usr/arm-linux-gnueabihf
fi

# The release binaries (LTO, stripped: the workspace's release profile).
sizes=()
for triple in aarch64-unknown-linux-gnu armv7-unknown-linux-gnueabihf; do
    stamp "building the release binaries for $triple"
    cargo build --release --locked --target "$triple" --bin telltaled --bin telltale
    for bin in telltaled telltale; do
        sizes+=("$(printf '%-32s %-10s %9d bytes' "$triple" "$bin" "$(stat -c %s "$target/$triple/release/$bin")")")
    done
done

# The 32-bit daemon, which no test above ran, replays the recorded phone session under qemu-arm
# and must raise the same alerts as the 64-bit one.
stamp "replaying samples/phone-sample.pcapng with both release daemons"
alerts() { # TRIPLE SYSROOT
    QEMU_LD_PREFIX=$2 TELLTALE_DATA=data "$target/$1/release/telltaled" replay \
        --rules rules/default.toml --emit alerts samples/phone-sample.pcapng
}
a64=$(alerts aarch64-unknown-linux-gnu /usr/aarch64-linux-gnu)
a32=$(alerts armv7-unknown-linux-gnueabihf /usr/arm-linux-gnueabihf)
if [ -z "$a64" ] || [ "$a64" != "$a32" ]; then
    echo "error: the aarch64 and armv7 daemons disagree on the sample's alerts:" >&2
    diff <(echo "$a64") <(echo "$a32") >&2 || true
    exit 1
fi
echo "both daemons raise the same $(wc -l <<<"$a64") alert(s) on the sample" >&2

echo "release binaries (LTO, stripped):"
printf '  %s\n' "${sizes[@]}"
stamp "done"

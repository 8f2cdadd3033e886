#!/usr/bin/env bash
# The real `flashkit menuconfig` (kconfig-mconf) driven through tmux: the SDK's
# Partition Table options are there, and what is chosen lands in sdkconfig and
# changes what `flashkit build` does.
set -euo pipefail
. "$(dirname "$0")/lib.bash"
F=${FLASHKIT:?}
command -v tmux >/dev/null || { echo "tmux missing (scripts/deps.sh installs it)"; exit 1; }
command -v kconfig-mconf >/dev/null || { echo "kconfig-mconf missing (scripts/deps.sh installs kconfig-frontends)"; exit 1; }
work=$(mktemp -d)
sock="fk-menu-$$"
T() { tmux -L "$sock" -f /dev/null "$@"; }
cleanup() { T kill-server 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# Waits until the screen shows TEXT (mconf draws asynchronously; generous
# for a loaded machine running the suite in parallel).
wait_for() {
  for _ in $(seq 1 300); do
    if T capture-pane -p 2>/dev/null | grep -qF -- "$1"; then return 0; fi
    sleep 0.1
  done
  die "screen never showed '$1'"
}
keys() { T send-keys "$@"; sleep 0.15; }
start_menu() {
  rm -f "$work/status"
  T new-session -d -x 110 -y 40 "cd '$1' && TERM=screen '$F' menuconfig 2> '$work/err'; echo \$? > '$work/status'; sleep 30"
}
wait_exit() {
  for _ in $(seq 1 300); do [[ -s $work/status ]] && break; sleep 0.1; done
  [[ -s $work/status ]] || die "menuconfig did not exit"
  T capture-pane -p > "$work/screen" 2>/dev/null || true
  T kill-server 2>/dev/null || true
  [[ $(cat "$work/status") == 0 ]] || { cat "$work/err"; die "menuconfig exit status $(cat "$work/status")"; }
}

cd "$work"
"$F" new p >/dev/null
cp p/sdkconfig before

# 1. 2MB single app -> 1MB, factory + two OTA: the APP2 options appear. The
#    App1 size the file already had (0xF0000) is kept, as Kconfig keeps set values.
start_menu "$work/p"
wait_for "Serial flasher config"
wait_for "sdkconfig - flashkit"
keys Enter                                  # Serial flasher config
wait_for "Flash size (2 MB)"
keys Down Down Enter                        # Flash size
wait_for "16 MB"
keys Up Up Up Enter                         # 4MB -> 2MB -> 1MB ... selects 1 MB
wait_for "Flash size (1 MB)"
ok
keys Escape Escape                          # back to the main menu
wait_for "Partition Table  --->"
keys Down Enter                             # Partition Table
wait_for "Partition Table (Single factory app, no OTA)"
T capture-pane -p | grep -qF "APP1 partition offset" && ok || die "APP1 partition offset not shown on 2MB+ single app"
T capture-pane -p | grep -qF "Support to setup partition parameter of APP2" && die "APP2 option shown for single app"
keys Enter                                  # the choice
wait_for "Custom partition table CSV"
keys Down Enter                             # Factory app, two OTA definitions
wait_for "Partition Table (Factory app, two OTA definitions)"
wait_for "Support to setup partition parameter of APP2"
for t in "(0x10000) App1 offset address" "(0xF0000) App1 size by bytes" "(0x80000) App2 offset address" \
         "(0x70000) App2 size by bytes" "(0x8000) Partition table offset address at flash"; do
  T capture-pane -p | grep -qF -- "$t" && ok || die "'$t' not shown"
done
keys Escape Escape
wait_for "Serial flasher config"
keys Escape Escape                          # leave: save dialog
wait_for "Do you wish to save your new configuration"
keys Enter                                  # < Yes >
wait_exit
grep -qx 'CONFIG_ESPTOOLPY_FLASHSIZE_1MB=y' p/sdkconfig && ok || die "1MB not saved"
grep -qx 'CONFIG_PARTITION_TABLE_TWO_OTA=y' p/sdkconfig && ok || die "two OTA not saved"
grep -qx 'CONFIG_APP2_SUPPORT=y' p/sdkconfig && ok || die "APP2_SUPPORT not saved"
grep -qx 'CONFIG_APP2_OFFSET=0x80000' p/sdkconfig && ok || die "APP2_OFFSET not saved"
grep -qx 'CONFIG_PARTITION_TABLE_FILENAME="partitions_two_ota.1MB.csv"' p/sdkconfig && ok || die "derived file name"
grep -qx 'CONFIG_FLASHKIT_DEMO_APP=y' p/sdkconfig && ok || die "flashkit options lost"
grep -q 'wrote sdkconfig' "$work/screen" && ok || die "no 'wrote sdkconfig' line"
# The 2MB-sized APP1 value the user kept is now wrong for 1 MB: build says so.
if (cd p && "$F" build > ../b.out 2> ../b.err); then die "build accepted APP1_SIZE 0xF0000 on 1MB two OTA"; fi
grep -q 'CONFIG_APP1_SIZE=0xF0000 but built-in partitions_two_ota.1MB.csv:6 ota_0 is 0x70000 bytes' b.err && ok \
  || { cat b.err; die "APP1 size disagreement not reported"; }
[[ ! -e p/build ]] && ok || die "build wrote files despite the disagreement"

# 2. Fix it in the menu: App1 size 0x70000 (typed into the hex input box).
start_menu "$work/p"
wait_for "Serial flasher config"
keys Down Enter
wait_for "(0xF0000) App1 size by bytes"
keys Down Down Down Down Enter              # choice, offset, APP2, App1 offset, App1 size
wait_for "App1 size by bytes"
keys C-u BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace
keys -l "0x70000"
keys Enter
wait_for "(0x70000) App1 size by bytes"
keys Escape Escape
wait_for "Serial flasher config"
keys Escape Escape
wait_for "Do you wish to save your new configuration"
keys Enter
wait_exit
grep -qx 'CONFIG_APP1_SIZE=0x70000' p/sdkconfig && ok || die "App1 size not saved"
(cd p && "$F" build > ../b.out 2> ../b.err) || { cat b.err; die "build after the fix"; }
grep -qx '0xd000 ota_data_initial.bin' p/build/flash_args && ok || die "otadata not in flash_args"
grep -qx '0x80000 app2.bin' p/build/flash_args && ok || die "App2 (demo app linked for ota_1) not in flash_args"
[[ $(stat -c %s p/build/ota_data_initial.bin) == 8192 ]] && ok || die "otadata size"

# 3. Leaving without saving changes nothing.
cp p/sdkconfig kept
start_menu "$work/p"
wait_for "Serial flasher config"
keys Down Enter
wait_for "Partition Table (Factory app, two OTA definitions)"
keys Enter
wait_for "Custom partition table CSV"
keys Down Enter                             # custom
wait_for "Custom partition CSV file"
keys Escape Escape
wait_for "Serial flasher config"
keys Escape Escape
wait_for "Do you wish to save your new configuration"
keys Right Enter                            # < No >
wait_exit
cmp -s kept p/sdkconfig && ok || die "sdkconfig changed although not saved"

# 4. Not a terminal: a clear refusal.
if (cd p && "$F" menuconfig < /dev/null > /dev/null 2> mc.err); then die "menuconfig ran without a terminal"; fi
grep -q 'needs a terminal' p/mc.err && ok || die "no terminal message"
"$F" menuconfig --help | grep -q 'usage: flashkit menuconfig' && ok || die "--help"

finish project_menuconfig

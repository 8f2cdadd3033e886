# Shared by the malformed-input tests (sourced after lib.bash): a scratch
# folder W (the cwd) watched for writes, E for each case's stdout/stderr, and
# refuse(), which asserts exit status, message and that nothing in W changed.
W=$(mktemp -d)
cd "$W"
E=$(mktemp -d) # stdout/stderr of each case, outside the folder watched
trap 'rm -rf "$W" "$E"' EXIT
# Names, kinds and link targets of everything, and the bytes of regular files
# (never read through a link: it may point at /dev/full).
snap() { find . -printf '%p %y %l\n' | sort; find . -type f -print0 | sort -z | xargs -0 -r md5sum; }
# refuse WHAT STATUS MESSAGE COMMAND...: MESSAGE is a fixed string stderr must hold.
refuse() {
  local what=$1 want=$2 msg=$3
  shift 3
  local before after rc
  before=$(snap)
  "$@" >"$E/out" 2>"$E/err" </dev/null
  rc=$?
  after=$(snap)
  if [ "$rc" -ne "$want" ]; then bad "$what: exit $rc, expected $want ($(head -c 300 "$E/err"))"
  elif ! grep -qF -- "$msg" "$E/err"; then bad "$what: message lacks '$msg': $(head -c 300 "$E/err")"
  elif [ "$before" != "$after" ]; then bad "$what: something was written: $(diff <(echo "$before") <(echo "$after") | head -4)"
  else ok; fi
}

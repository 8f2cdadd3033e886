#!/usr/bin/env bash
# flashkit secure against every espsecure-made vector in shared/vectors/signed:
# the verdict of verify_signature for every key (the device rule, column 3 of
# expected_verify.txt) with a reason for every refusal; signature_info_v2's
# output; sign_data's output equal to signed.bin outside random_ranges.txt and
# verifying; refused signings writing nothing; key digests and public PEMs.
set -u
. "$(dirname "$0")/lib.bash"
V=$FK_SHARED/vectors/signed
[ -d "$V/keys" ] || die "no vectors in $V"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fk=$FLASHKIT

# Offsets (0-based) where a and b differ must all lie in the [start,end) ranges.
same_outside_ranges() {
  local a=$1 b=$2 ranges=$3
  [ "$(stat -c %s "$a")" = "$(stat -c %s "$b")" ] || { echo "length differs" >&2; return 1; }
  cmp -l "$a" "$b" | awk -v rf="$ranges" '
    BEGIN { n = 0; while ((getline line < rf) > 0) { if (line ~ /^#/ || line == "") continue;
            split(line, f, " "); s[n] = f[1]; e[n] = f[2]; n++ } }
    { off = $1 - 1; ok = 0; for (i = 0; i < n; i++) if (off >= s[i] && off < e[i]) ok = 1;
      if (!ok) { printf "differs at %d outside the random ranges\n", off > "/dev/stderr"; bad = 1; exit } }
    END { exit bad }'
}

good_verified=0 bad_refused=0 signer_ok=0 refused_ok=0
for dir in "$V"/*/; do
  c=$(basename "$dir")
  [ "$c" = keys ] && continue
  # 1. verify_signature with every key
  if [ -f "$dir/expected_verify.txt" ]; then
    while IFS=$'\t' read -r key esp_exit want _; do
      case "$key" in '#'* | '') continue ;; esac
      out=$(cd "$dir" && "$fk" secure verify_signature --version 2 --keyfile "$key" signed.bin 2>&1)
      rc=$?
      if [ "$want" = accept ]; then
        if [ $rc -eq 0 ] && grep -q "verification successful" <<<"$out"; then
          ok; good_verified=$((good_verified + 1))
        else bad "$c: $key should verify: $out"; fi
      else
        # A refusal names the reason: the length, or every block's.
        if [ $rc -eq 1 ] && grep -Eq "not a non-zero multiple of 4096|no signature block verifies" <<<"$out" &&
           { grep -q "not a non-zero multiple" <<<"$out" || [ "$(grep -c '^Signature block [0-2]' <<<"$out")" -eq 3 ]; }; then
          ok; bad_refused=$((bad_refused + 1))
        else bad "$c: $key should be refused with a reason (rc $rc): $out"; fi
      fi
    done <"$dir/expected_verify.txt"
  fi
  # 2. signature_info_v2: lines 2.. of espsecure's output and its exit status
  if [ -f "$dir/expected_info.txt" ]; then
    want_rc=$(sed -n 's/^info_exit=//p' "$dir/meta.txt")
    got=$("$fk" secure signature_info_v2 "$dir/signed.bin" 2>/dev/null)
    rc=$?
    if [ "$rc" = "${want_rc:-0}" ] && [ "$got" = "$(tail -n +2 "$dir/expected_info.txt" | grep -v '^A fatal error' | sed '/^$/d')" ]; then
      ok
    else bad "$c: signature_info_v2 rc $rc (want $want_rc) or output differs"; fi
  fi
  # 3. sign_data with args.txt, line by line
  [ -f "$dir/args.txt" ] || continue
  kind=$(sed -n 's/^kind=//p' "$dir/meta.txt")
  in="$dir/unsigned.bin"
  n=0 failed=0
  while IFS= read -r args || [ -n "$args" ]; do
    [ -n "$args" ] || continue
    n=$((n + 1))
    outf=$tmp/$c.step$n.bin
    # shellcheck disable=SC2086 # args.txt is a command line
    (cd "$dir" && "$fk" secure sign_data $args --output "$outf" "$in") >"$tmp/log" 2>&1 || { failed=1; break; }
    in=$outf
    # A later run signs the earlier output, random bytes included: feed it
    # espsecure's own first output so that the result is comparable.
    if [ $n -eq 1 ] && [ -f "$dir/step1.bin" ]; then
      if same_outside_ranges "$outf" "$dir/step1.bin" "$dir/random_ranges.txt"; then ok; else bad "$c: step 1 differs from step1.bin"; fi
      in=$dir/step1.bin
    fi
  done <"$dir/args.txt"
  if [ "$kind" = sign_refused ]; then
    if [ $failed -eq 1 ] && [ ! -e "$outf" ] && [ -z "$(ls "$tmp" | grep "^$c\.step$n\.bin")" ]; then
      ok; refused_ok=$((refused_ok + 1))
    else bad "$c: sign_data should refuse and write nothing"; fi
    continue
  fi
  [ $failed -eq 0 ] || { bad "$c: sign_data failed: $(cat "$tmp/log")"; continue; }
  grep -q "Signature sector now has" "$tmp/log" || bad "$c: no summary line from sign_data"
  # Mutated files (derived_from) are not what a signer makes: only verified.
  if [ -f "$dir/random_ranges.txt" ] && ! grep -q '^derived_from=' "$dir/meta.txt"; then
    if same_outside_ranges "$in" "$dir/signed.bin" "$dir/random_ranges.txt"; then ok; else bad "$c: signer output differs from signed.bin"; continue; fi
    # ... and the fresh signatures verify with every key that accepts signed.bin
    allv=1
    while IFS=$'\t' read -r key _ want _; do
      [ "$want" = accept ] || continue
      (cd "$dir" && "$fk" secure verify_signature --version 2 --keyfile "$key" "$in" >/dev/null 2>&1) || { allv=0; bad "$c: our signature does not verify with $key"; }
    done <"$dir/expected_verify.txt"
    [ $allv -eq 1 ] && { ok; signer_ok=$((signer_ok + 1)); }
  fi
done

# 4. key digests and public keys, from the private and the public PEM
for pem in "$V"/keys/*.pem; do
  case "$pem" in *.pub.pem) continue ;; esac
  name=${pem%.pem}
  for k in "$pem" "$name.pub.pem"; do
    "$fk" secure digest_sbv2_public_key --keyfile "$k" -o "$tmp/d.bin" >/dev/null &&
      cmp -s "$tmp/d.bin" "$name.digest.bin" && ok || bad "digest of $(basename "$k")"
  done
  rm -f "$tmp/pub.pem"
  "$fk" secure extract_public_key --version 2 --keyfile "$pem" "$tmp/pub.pem" &&
    cmp -s "$tmp/pub.pem" "$name.pub.pem" && ok || bad "extract_public_key of $(basename "$pem") differs from espsecure's"
done

echo "good verified: $good_verified, bad refused with a reason: $bad_refused, signer compatible: $signer_ok, sign refused: $refused_ok"
finish secure_vectors

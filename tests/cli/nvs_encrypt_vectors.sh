# Every nvs-encrypted vector through the CLI, each failure naming its case:
# `nvs encrypt` byte-exact to expected.bin, `nvs decrypt` byte-exact to
# decrypted.bin (expected_plain.bin for the runtime-written partitions),
# `nvs gen --inputkey` the same image, `nvs dump --keyfile` of the encrypted
# image equal to the dump of the plain one, `nvs dump` without a key saying
# it looks encrypted, and every bad case refused with a clear message and no
# file written (the SDK tool leaves partial output or, for an empty key file,
# silently makes a random key).
set -u
. "$(dirname "$0")/lib.bash"
FK=$FLASHKIT
V=$FK_SHARED/vectors/nvs-encrypted
. "$(dirname "$0")/refuse.bash"

enc=0 dec=0 badn=0 dumps=0
for d in "$V"/*/; do
  c=$(basename "$d")
  [ -f "$d/expected.bin" ] || continue
  if [ -f "$d/input.csv" ]; then
    # Run in the case folder (its `file` rows are relative), output outside: the vectors are read-only.
    if (cd "$d" && "$FK" nvs encrypt input.csv "$W/enc.bin" $(cat args.txt) --inputkey keys.bin >"$E/out" 2>"$E/err") &&
      cmp -s "$W/enc.bin" "$d/expected.bin"; then
      ok
      enc=$((enc + 1))
    else
      bad "$c: nvs encrypt differs from expected.bin: $(head -c 300 "$E/err")"
    fi
    grep -q "^Created NVS binary: ===> $W/enc.bin$" "$E/out" && ok || bad "$c: encrypt did not print the SDK's line"
    # The flashkit spelling gives the same bytes (a reopened namespace is the one documented difference).
    if ! awk -F, '$2 == "namespace" { if (seen[$1]++) f = 1 } END { exit !f }' "$d/input.csv"; then
      size=$(cut -d' ' -f1 <"$d/args.txt")
      ver=$(cut -d' ' -f3 <"$d/args.txt")
      (cd "$d" && "$FK" nvs gen input.csv "$W/gen.bin" --size "$size" --version "$ver" --inputkey keys.bin 2>"$E/err") &&
        cmp -s "$W/gen.bin" "$d/expected.bin" && ok || bad "$c: nvs gen --inputkey differs: $(head -c 300 "$E/err")"
    fi
    rm -f "$W/enc.bin" "$W/gen.bin"
  fi
  want=$d/decrypted.bin
  [ -f "$want" ] || want=$d/expected_plain.bin
  if "$FK" nvs decrypt "$d/expected.bin" "$d/keys.bin" "$W/dec.bin" >"$E/out" 2>"$E/err" && cmp -s "$W/dec.bin" "$want"; then
    ok
    dec=$((dec + 1))
  else
    bad "$c: nvs decrypt differs from $(basename "$want"): $(head -c 300 "$E/err")"
  fi
  rm -f "$W/dec.bin"
  # dump with the key shows what the plain image shows (the image's name aside).
  "$FK" nvs dump --json "$want" >"$E/plain.json" 2>/dev/null
  prc=$?
  "$FK" nvs dump --json --keyfile "$d/keys.bin" "$d/expected.bin" >"$E/keyed.json" 2>"$E/err"
  krc=$?
  if [ "$prc" = "$krc" ] && diff -q <(sed 's|"file":"[^"]*"||' "$E/plain.json") \
    <(sed 's|"file":"[^"]*"||' "$E/keyed.json") >/dev/null; then
    ok
    dumps=$((dumps + 1))
  else
    bad "$c: nvs dump --keyfile (exit $krc) differs from the plain image's dump (exit $prc): $(head -c 300 "$E/err")"
  fi
  # Without the key: refused as encrypted, unless the image holds no entry at all.
  if grep -q '"written":[1-9]' "$E/plain.json"; then
    "$FK" nvs dump "$d/expected.bin" >"$E/out" 2>"$E/err"
    rc=$?
    [ "$rc" = 3 ] && grep -q "looks encrypted: give --keyfile" "$E/err" && ! [ -s "$E/out" ] && ok ||
      bad "$c: nvs dump without a key: exit $rc, $(head -c 300 "$E/err")"
    "$FK" nvs dump --json "$d/expected.bin" >"$E/out" 2>/dev/null
    rc=$?
    [ "$rc" = 3 ] && grep -q '"looks_encrypted":true' "$E/out" && ok || bad "$c: nvs dump --json without a key: exit $rc"
  fi
done

# Bad cases: run in a writable copy; nothing may appear in it.
declare -A why=(
  [bad_csv_u8_out_of_range]="input.csv:3: key 'v': value '256' is out of range for u8"
  [bad_key_file_empty]="keys.bin: the key file is empty"
  [bad_key_file_missing]="keys.bin: cannot read the key file: No such file or directory"
  [bad_key_file_short]="keys.bin: the key file has 32 bytes; it needs at least 64"
  [bad_key_halves_equal_ff]="In XTS mode duplicated keys are not allowed"
  [bad_key_halves_equal_zero]="In XTS mode duplicated keys are not allowed"
  [bad_key_not_bin_extension]='Error: `keys.txt`. Only `.bin` extension allowed.'
  [bad_keygen_and_inputkey]="Error. --keygen and --inputkey both are not allowed."
  [bad_no_key_option]="Error. --keygen or --inputkey argument needed."
  [bad_size_not_multiple]="partition size 0x4100 is not a multiple of 4096"
)
for d in "$V"/bad_*/; do
  c=$(basename "$d")
  msg=${why[$c]:-}
  [ -n "$msg" ] || msg="flashkit: error:" # a case added to the set: at least an error, nothing written
  rm -rf "$W/case"
  cp -r "$d" "$W/case"
  chmod -R u+w "$W/case"
  before=$(cd "$W/case" && find . | sort)
  (cd "$W/case" && "$FK" nvs encrypt input.csv OUT.bin $(cat args.txt)) >"$E/out" 2>"$E/err"
  rc=$?
  after=$(cd "$W/case" && find . | sort)
  if [ "$rc" = 0 ]; then bad "$c: accepted (exit 0)"
  elif ! grep -qF -- "$msg" "$E/err"; then bad "$c: message lacks '$msg': $(head -c 300 "$E/err")"
  elif [ "$before" != "$after" ]; then bad "$c: left files: $(diff <(echo "$before") <(echo "$after") | head -4)"
  else
    ok
    badn=$((badn + 1))
  fi
done
rm -rf "$W/case"
echo "nvs-encrypted vectors: $enc encrypt, $dec decrypt, $dumps dump --keyfile, $badn bad cases refused"
[ "$enc" -ge 26 ] && [ "$dec" -ge 29 ] && [ "$badn" -ge 10 ] && ok || bad "fewer vector cases than the set holds"
finish nvs_encrypt_vectors

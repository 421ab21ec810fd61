#!/usr/bin/env bash
# v2v convert with bad input: a clear "v2v: error:" message, exit 1, and
# nothing left in the output directory (no disks, no XML, no work dir),
# nothing written outside it.
source "$(dirname "$0")/functions.sh"
requires qemu-img

d=$(scratch)
out=$d/out
mkdir -p "$d/src"

expect_error ()
{
  local what=$1 pattern=$2; shift 2
  local rc=0
  v2v convert "$@" > "$d/stdout" 2> "$d/stderr" || rc=$?
  [ "$rc" -ne 0 ] || fail "$what: exit status 0"
  grep -q "^v2v: error: .*$pattern" "$d/stderr" ||
    fail "$what: expected an error matching '$pattern', got: $(cat "$d/stderr")"
  [ ! -e "$out" ] || [ -z "$(ls -A "$out")" ] ||
    fail "$what: output left behind: $(ls -A "$out")"
  echo "ok: $what: $(head -n 1 "$d/stderr")"
}

# A vmx naming a disk that is not there.
cat > "$d/src/missing.vmx" <<'VMX'
.encoding = "UTF-8"
config.version = "8"
displayName = "missing"
scsi0.present = "TRUE"
scsi0:0.present = "TRUE"
scsi0:0.fileName = "nothere.vmdk"
VMX
expect_error "missing disk" "nothere.vmdk" "$d/src/missing.vmx" -o "$out"

# Not a vmx at all.
head -c 4096 /dev/urandom > "$d/src/random.bin"
expect_error "not a vmx" "random.bin" "$d/src/random.bin" --from vmx -o "$out"
expect_error "unknown type" "random.bin" "$d/src/random.bin" -o "$out"

# A truncated monolithicSparse vmdk.
qemu-img create -q -f vmdk "$d/src/t.vmdk" 1G
qemu-img convert -q -f raw -O vmdk <(head -c 1M /dev/urandom) "$d/src/t2.vmdk" 2>/dev/null ||
  cp "$d/src/t.vmdk" "$d/src/t2.vmdk"
truncate -s 1024 "$d/src/t2.vmdk"
sed -e 's/missing/trunc/' -e 's/nothere.vmdk/t2.vmdk/' "$d/src/missing.vmx" \
  > "$d/src/trunc.vmx"
expect_error "truncated vmdk" "t2.vmdk" "$d/src/trunc.vmx" -o "$out"

# A directory where a disk should be.
mkdir "$d/src/dir.vmdk"
sed -e 's/missing/dir/' -e 's/nothere.vmdk/dir.vmdk/' "$d/src/missing.vmx" \
  > "$d/src/dir.vmx"
expect_error "directory as disk" "dir.vmdk" "$d/src/dir.vmx" -o "$out"

# Bad options.
expect_error "no -o" "-o OUTPUT is required" "$d/src/missing.vmx"
expect_error "bad format" "qcow2 or raw" "$d/src/missing.vmx" -o "$out" -O vdi
expect_error "--to xen" "only kvm" "$d/src/missing.vmx" --to xen -o "$out"

# A valid VM whose disk holds no operating system.
qemu-img create -q -f vmdk "$d/src/blank.vmdk" 64M
sed -e 's/missing/blank/' -e 's/nothere.vmdk/blank.vmdk/' "$d/src/missing.vmx" \
  > "$d/src/blank.vmx"
before=$(md5_of "$d/src/blank.vmdk" "$d/src/blank.vmx")

# An output of that name exists: refused before any work, kept as it was.
mkdir -p "$out"
echo keep > "$out/blank.xml"
rc=0
v2v convert "$d/src/blank.vmx" -o "$out" 2> "$d/stderr" || rc=$?
[ $rc -ne 0 ] || fail "overwrote an existing output"
grep -q "^v2v: error: .*blank.xml' already exists" "$d/stderr" ||
  fail "unexpected message: $(cat "$d/stderr")"
[ "$(cat "$out/blank.xml")" = keep ] || fail "existing XML changed"
[ "$(ls -A "$out")" = blank.xml ] || fail "left behind: $(ls -A "$out")"
rm "$out/blank.xml"

# An XVA whose second chunk was damaged in transit: the import fails on
# its checksum, naming the chunk, after writing into the work directory,
# and leaves nothing.
if command -v python3 >/dev/null; then
  truncate -s 8M "$d/src/x.raw"
  head -c 3M /dev/urandom | dd of="$d/src/x.raw" conv=notrunc status=none
  python3 "$top/tests/fixtures/make-xva.py" "$d/src/x.raw" "$d/src/good.xva" \
    --name x --mac 00:16:3e:00:00:09 >/dev/null
  python3 - "$d/src/good.xva" "$d/src/bad.xva" <<'PY'
import sys, tarfile, io
src = tarfile.open(sys.argv[1])
dst = tarfile.open(sys.argv[2], "w", format=tarfile.USTAR_FORMAT)
for m in src.getmembers():
    data = src.extractfile(m).read() if m.isfile() else None
    if m.name.endswith("/00000001"):
        data = bytes([data[0] ^ 0xff]) + data[1:]
    dst.addfile(m, io.BytesIO(data) if data is not None else None)
dst.close()
PY
  expect_error "corrupt XVA chunk" "00000001.*checksum" "$d/src/bad.xva" \
    -o "$out"
fi

# No operating system: fails after the appliance ran, leaves nothing.
requires guestfish
expect_error "no operating system" "no operating system" \
  "$d/src/blank.vmx" -o "$out"
[ "$(md5_of "$d/src/blank.vmdk" "$d/src/blank.vmx")" = "$before" ] ||
  fail "the source changed"
echo "$test_name: OK"

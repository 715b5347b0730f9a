#!/usr/bin/env bash
# deploy/weights/fetch.sh without the internet: the dry-run plan names every file the configs
# use, and --from exercises checksum verification and trust-on-first-use on local files.
# Usage: fetch_test.sh SOURCE_DIR
set -euo pipefail
src="${1:?source dir}"
fetch="$src/deploy/weights/fetch.sh"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. The plan covers the paper's set, with the official addresses and published checksums.
plan="$(bash "$fetch" --dry-run --dir "$tmp/w")"
for want in \
  "$tmp/w/clip/ViT-B-32.pt" "$tmp/w/gpt2/gpt2.safetensors" \
  "$tmp/w/stylegan2/ffhq-config-f/G.safetensors" "$tmp/w/stylegan2/car-config-f/D.safetensors" \
  "$tmp/w/stylegan2/church-config-f/G.safetensors" "$tmp/w/biggan/biggan-deep-256.safetensors" \
  "$tmp/w/biggan/biggan-deep-512.safetensors" \
  "40d365715913c9da98579312b702a82c18be219cc2a73407c4526f58eba950af" \
  "https://nvlabs-fi-cdn.nvidia.com/stylegan2/networks/stylegan2-ffhq-config-f.pkl"; do
  grep -qF -- "$want" <<<"$plan" || fail "dry-run plan lacks $want"
done
[[ ! -e "$tmp/w" ]] || fail "dry run wrote $tmp/w"

# 2. Every weights path of the model configs (relative to the weights directory) is in the plan.
shopt -s nullglob
for config in "$src"/configs/*.yaml; do
  while read -r path; do
    case "$path" in clip/*|gpt2/*|stylegan2/*|biggan/*) ;; *) continue ;; esac
    grep -qF -- "$tmp/w/$path" <<<"$plan" || fail "$(basename "$config"): $path is not fetched"
  done < <(sed -n 's/^[[:space:]]*[a-z_]*weights:[[:space:]]*\([^[:space:]#]*\).*/\1/p' "$config")
done

# 3. A published checksum is enforced: a wrong file is refused and set aside.
mkdir -p "$tmp/from"
echo "not the real CLIP" >"$tmp/from/ViT-B-32.pt"
if bash "$fetch" --dir "$tmp/w" --from "$tmp/from" clip-vit-b32 >"$tmp/out" 2>&1; then
  fail "a wrong CLIP file was accepted"
fi
grep -q "checksum mismatch" "$tmp/out" || fail "no checksum mismatch message: $(cat "$tmp/out")"
[[ ! -e "$tmp/w/clip/ViT-B-32.pt" && -e "$tmp/w/downloads/ViT-B-32.pt.bad" ]] ||
  fail "a file with a bad checksum was installed"

# 4. No published checksum: refused by default, recorded with --trust-on-first-use, then enforced.
echo "pretend biggan" >"$tmp/from/biggan-deep-256-pytorch_model.bin"
if bash "$fetch" --dir "$tmp/w" --from "$tmp/from" biggan-deep-256 >"$tmp/out" 2>&1; then
  fail "an unverifiable file was accepted without --trust-on-first-use"
fi
grep -q "trust-on-first-use" "$tmp/out" || fail "no hint about --trust-on-first-use"
want_sha="$(sha256sum "$tmp/from/biggan-deep-256-pytorch_model.bin" | cut -d' ' -f1)"
status=0
bash "$fetch" --dir "$tmp/w" --from "$tmp/from" --no-convert --trust-on-first-use \
  biggan-deep-256 >"$tmp/out" 2>&1 || status=$?
[[ "$status" == 3 ]] || fail "expected status 3 (conversion pending), got $status: $(cat "$tmp/out")"
grep -qF "$want_sha" "$tmp/out" || fail "the computed hash was not printed"
grep -qF "$want_sha biggan-deep-256" "$tmp/w/downloads/SHA256SUMS.tofu" || fail "hash not recorded"
grep -q "convert_to_safetensors.py state-dict" "$tmp/out" || fail "conversion command not printed"
echo "tampered" >>"$tmp/w/downloads/biggan-deep-256-pytorch_model.bin"
if bash "$fetch" --dir "$tmp/w" --from "$tmp/from" --no-convert biggan-deep-256 >"$tmp/out" 2>&1; then
  fail "a file differing from its recorded hash was accepted"
fi
grep -q "checksum mismatch" "$tmp/out" || fail "no mismatch against the recorded hash"

# 5. Unknown model names are a usage error.
status=0
bash "$fetch" --dry-run no-such-model >/dev/null 2>&1 || status=$?
[[ "$status" == 2 ]] || fail "unknown model gave status $status"
echo "fetch_test: ok"

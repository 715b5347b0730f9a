#!/usr/bin/env bash
# Downloads the checkpoints the paper uses from their official addresses, verifies each one's
# SHA-256, converts what C++ cannot read (via convert_to_safetensors.py) and lays the files out
# under the weights directory that configs/*.yaml point at (docs/weights.md, "Layout").
#
# Usage: deploy/weights/fetch.sh [options] [MODEL...]
#   MODEL          clip-vit-b32 gpt2 stylegan2-ffhq stylegan2-car stylegan2-church
#                  biggan-deep-256 biggan-deep-512 (the default: all of these, the paper's set)
#                  clip-vit-b16 clip-vit-l14 (optional extras)
#   --dir DIR      weights directory (default: $CLIPGLASS_WEIGHTS_DIR, else ./weights)
#   --dry-run      print the plan (addresses, checksums, commands, files) and change nothing
#   --from DIR     take the downloads from DIR (files fetched elsewhere) instead of the internet
#   --no-convert   download and verify only; print the conversion commands to run elsewhere
#   --trust-on-first-use
#                  accept a file that has no published checksum, print its SHA-256 and record
#                  it in DIR/downloads/SHA256SUMS.tofu; later runs verify against that record
#   --nvidia-repo DIR   stylegan2-ada-pytorch checkout (needed to convert StyleGAN2 .pkl files;
#                  default: $NVIDIA_STYLEGAN2_REPO)
#   --python PY    interpreter with PyTorch for conversions (default /usr/bin/python3)
# Exit status: 0 done; 1 a download or checksum failed; 2 usage; 3 done except conversions that
# need Python+PyTorch or the NVIDIA code (the commands are printed).
set -euo pipefail

script_dir="$(cd "$(dirname "$0")" && pwd)"
converter="$script_dir/convert_to_safetensors.py"

# name | url | sha256 ("unknown": none published) | download file name | install action | output
# Install actions: copy (usable as downloaded), state-dict / stylegan2-pkl (converted).
catalog() {
  cat <<'TABLE'
clip-vit-b32|https://openaipublic.azureedge.net/clip/models/40d365715913c9da98579312b702a82c18be219cc2a73407c4526f58eba950af/ViT-B-32.pt|40d365715913c9da98579312b702a82c18be219cc2a73407c4526f58eba950af|ViT-B-32.pt|copy|clip/ViT-B-32.pt
clip-vit-b16|https://openaipublic.azureedge.net/clip/models/5806e77cd80f8b59890b7e101eabd078d9fb84e6937f9e85e4ecb61988df416f/ViT-B-16.pt|5806e77cd80f8b59890b7e101eabd078d9fb84e6937f9e85e4ecb61988df416f|ViT-B-16.pt|copy|clip/ViT-B-16.pt
clip-vit-l14|https://openaipublic.azureedge.net/clip/models/b8cca3fd41ae0c99ba7e8951adf17d267cdb84cd88be6f7c2e0eca1737a03836/ViT-L-14.pt|b8cca3fd41ae0c99ba7e8951adf17d267cdb84cd88be6f7c2e0eca1737a03836|ViT-L-14.pt|copy|clip/ViT-L-14.pt
gpt2|https://huggingface.co/openai-community/gpt2/resolve/607a30d783dfa663caf39e06633721c8d4cfcd7e/model.safetensors|248dfc3911869ec493c76e65bf2fcf7f615828b0254c12b473182f0f81d3a707|gpt2-model.safetensors|copy|gpt2/gpt2.safetensors
stylegan2-ffhq|https://nvlabs-fi-cdn.nvidia.com/stylegan2/networks/stylegan2-ffhq-config-f.pkl|unknown|stylegan2-ffhq-config-f.pkl|stylegan2-pkl|stylegan2/ffhq-config-f
stylegan2-car|https://nvlabs-fi-cdn.nvidia.com/stylegan2/networks/stylegan2-car-config-f.pkl|unknown|stylegan2-car-config-f.pkl|stylegan2-pkl|stylegan2/car-config-f
stylegan2-church|https://nvlabs-fi-cdn.nvidia.com/stylegan2/networks/stylegan2-church-config-f.pkl|unknown|stylegan2-church-config-f.pkl|stylegan2-pkl|stylegan2/church-config-f
biggan-deep-256|https://s3.amazonaws.com/models.huggingface.co/biggan/biggan-deep-256-pytorch_model.bin|unknown|biggan-deep-256-pytorch_model.bin|state-dict|biggan/biggan-deep-256.safetensors
biggan-deep-512|https://s3.amazonaws.com/models.huggingface.co/biggan/biggan-deep-512-pytorch_model.bin|unknown|biggan-deep-512-pytorch_model.bin|state-dict|biggan/biggan-deep-512.safetensors
TABLE
}
default_models=(clip-vit-b32 gpt2 stylegan2-ffhq stylegan2-car stylegan2-church biggan-deep-256 biggan-deep-512)

usage() { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

dir="${CLIPGLASS_WEIGHTS_DIR:-weights}"
dry_run=0 tofu=0 convert=1 from="" python=/usr/bin/python3
nvidia_repo="${NVIDIA_STYLEGAN2_REPO:-}"
models=()
while (($#)); do
  case "$1" in
    --dir) dir="${2:?--dir needs a value}"; shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    --from) from="${2:?--from needs a value}"; shift 2 ;;
    --no-convert) convert=0; shift ;;
    --trust-on-first-use) tofu=1; shift ;;
    --nvidia-repo) nvidia_repo="${2:?--nvidia-repo needs a value}"; shift 2 ;;
    --python) python="${2:?--python needs a value}"; shift 2 ;;
    -h|--help) usage ;;
    -*) echo "fetch.sh: unknown option $1" >&2; usage ;;
    *) models+=("$1"); shift ;;
  esac
done
((${#models[@]})) || models=("${default_models[@]}")

downloads="$dir/downloads"
tofu_file="$downloads/SHA256SUMS.tofu"
pending=()

entry() { catalog | awk -F'|' -v n="$1" '$1 == n'; }

# The SHA-256 to check against: the published one, else one recorded on first use, else empty.
expected_sha() {
  local name="$1" published="$2"
  if [[ "$published" != unknown ]]; then echo "$published"; return; fi
  [[ -f "$tofu_file" ]] && awk -v n="$name" '$2 == n { print $1 }' "$tofu_file" | tail -n 1
  return 0
}

# Sets `cmd` (an array) to the conversion command for one download.
convert_command() {
  local action="$1" src="$2" out="$3"
  case "$action" in
    state-dict) cmd=("$python" "$converter" state-dict "$src" "$out") ;;
    stylegan2-pkl)
      cmd=("$python" "$converter" stylegan2-pkl --nvidia-repo "${nvidia_repo:-<stylegan2-ada-pytorch>}"
        "$src" "$out/") ;;
  esac
}

fetch_one() {
  local name="$1" line url sha file action output
  line="$(entry "$name")"
  [[ -n "$line" ]] || { echo "fetch.sh: unknown model '$name'" >&2; exit 2; }
  IFS='|' read -r _ url sha file action output <<<"$line"
  local src="$downloads/$file" dest="$dir/$output"

  if ((dry_run)); then
    echo "== $name"
    echo "   download: ${from:+$from/$file (instead of) }$url"
    echo "   to:       $src"
    if [[ "$sha" == unknown ]]; then
      echo "   sha256:   unknown (no published checksum: needs --trust-on-first-use or a recorded hash)"
    else
      echo "   sha256:   $sha"
    fi
    case "$action" in
      copy) echo "   install:  $dest" ;;
      state-dict) convert_command "$action" "$src" "$dest"
                  echo "   convert:  ${cmd[*]}"
                  echo "   install:  $dest" ;;
      stylegan2-pkl) convert_command "$action" "$src" "$dest"
                     echo "   convert:  ${cmd[*]}"
                     echo "   install:  $dest/G.safetensors (G_ema) $dest/D.safetensors" ;;
    esac
    return 0
  fi

  mkdir -p "$downloads" || return 1
  if [[ ! -f "$src" ]]; then
    if [[ -n "$from" ]]; then
      [[ -f "$from/$file" ]] || { echo "fetch.sh: $name: $from/$file not found" >&2; return 1; }
      cp "$from/$file" "$src.part" || return 1
    else
      echo "== $name: downloading $url"
      curl -fL --retry 3 --connect-timeout 30 -o "$src.part" "$url" ||
        { echo "fetch.sh: $name: download failed" >&2; rm -f "$src.part"; return 1; }
    fi
    mv "$src.part" "$src" || return 1
  fi

  local actual want
  actual="$(sha256sum "$src" | awk '{print $1}')"
  want="$(expected_sha "$name" "$sha")"
  if [[ -z "$want" ]]; then
    if ((tofu)); then
      echo "== $name: no published checksum; trusting on first use: sha256 $actual"
      echo "$actual $name $file" >>"$tofu_file"
    else
      echo "fetch.sh: $name: no published checksum for $file (sha256 $actual); check its" \
        "source, then rerun with --trust-on-first-use to record it" >&2
      return 1
    fi
  elif [[ "$actual" != "$want" ]]; then
    echo "fetch.sh: $name: checksum mismatch for $src: got $actual, expected $want" >&2
    mv "$src" "$src.bad"
    return 1
  else
    echo "== $name: sha256 ok ($actual)"
  fi

  case "$action" in
    copy)
      mkdir -p "$(dirname "$dest")" || return 1
      ln -f "$src" "$dest" 2>/dev/null || cp "$src" "$dest" || return 1
      echo "   installed $dest" ;;
    state-dict|stylegan2-pkl)
      local cmd=()
      convert_command "$action" "$src" "$dest"
      if ((convert == 0)); then
        pending+=("${cmd[*]}")
      elif ! "$python" -c 'import torch' 2>/dev/null; then
        echo "   $python has no PyTorch: conversion pending" >&2
        pending+=("${cmd[*]}")
      elif [[ "$action" == stylegan2-pkl && -z "$nvidia_repo" ]]; then
        echo "   no --nvidia-repo: conversion pending" >&2
        pending+=("${cmd[*]}")
      else
        echo "   ${cmd[*]}"
        "${cmd[@]}" || { echo "fetch.sh: $name: conversion failed" >&2; return 1; }
      fi ;;
  esac
}

status=0
for model in "${models[@]}"; do
  fetch_one "$model" || status=1
done
if ((dry_run)); then
  echo "(dry run: nothing was downloaded or written; weights directory: $dir)"
  exit 0
fi
if ((${#pending[@]})); then
  echo "Conversions still to run (Python + PyTorch; StyleGAN2 also needs stylegan2-ada-pytorch):"
  printf '  %s\n' "${pending[@]}"
  ((status)) || status=3
fi
exit "$status"

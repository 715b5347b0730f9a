#!/usr/bin/env bash
# Installs every build and run-time dependency of clipglass from Debian 12's apt.
# Idempotent: packages already present are left as they are. Run as root (or with sudo).
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache mold clang clang-format libclang-rt-14-dev git pkg-config
  # models: LibTorch (CPU) and a fast BLAS (Debian's default reference BLAS is ~15x slower)
  libtorch-dev libopenblas0-pthread
  # protocol
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  # configuration, archives, logging, CLI
  libyaml-cpp-dev libhdf5-dev hdf5-tools libspdlog-dev libfmt-dev libcli11-dev nlohmann-json3-dev
  # tokenizers: Unicode classes (PCRE2) and normalisation (ICU); gzip'd merges (zlib)
  libpcre2-dev libicu-dev zlib1g-dev
  # images and figures
  libpng-dev libfreetype-dev fonts-dejavu-core
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev python3-h5py python3-numpy chromium
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"

#!/usr/bin/env bash
# Installs every build and run-time dependency of clipglass from Debian 12's apt.
# Idempotent: packages already present are left as they are. Run as root (or with sudo).
#   --build-only  only what building and running clipglass needs (no test tools: the images)
#   --no-torch    leave out Debian's CPU LibTorch (the CUDA image brings its own LibTorch)
set -euo pipefail

build_only=0
with_torch=1
for arg in "$@"; do
  case "$arg" in
    --build-only) build_only=1 ;;
    --no-torch) with_torch=0 ;;
    *) echo "usage: deploy/install-deps.sh [--build-only] [--no-torch]" >&2; exit 2 ;;
  esac
done

packages=(
  # toolchain
  build-essential cmake ninja-build ccache mold clang clang-format libclang-rt-14-dev git pkg-config
  # models: a fast BLAS (Debian's default reference BLAS is ~15x slower); LibTorch below
  libopenblas0-pthread
  # protocol
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  # configuration, archives, logging, CLI
  libyaml-cpp-dev libhdf5-dev hdf5-tools libspdlog-dev libfmt-dev libcli11-dev nlohmann-json3-dev
  # tokenizers: Unicode classes (PCRE2) and normalisation (ICU); gzip'd merges (zlib)
  libpcre2-dev libicu-dev zlib1g-dev
  # images and figures
  libpng-dev libfreetype-dev fonts-dejavu-core
)
# LibTorch (CPU), and the headers of the oneDNN it links (GPT-2 packs its weights with it).
# oneDNN's CMake package requires OpenCL (it is built with the OpenCL GPU runtime); apt only
# recommends ocl-icd-opencl-dev, and recommends are not installed here, so it is named.
[ "$with_torch" = 0 ] || packages+=(libtorch-dev libdnnl-dev ocl-icd-opencl-dev)
if [ "$build_only" = 0 ]; then
  packages+=(
    # tests and benchmarks
    libgtest-dev libgmock-dev libbenchmark-dev python3-h5py python3-numpy chromium
    # deployment tests: a single-node Slurm cluster (tests/deploy/slurm_sweep_test.sh); Node for
    # the offline Kubernetes and Dockerfile checks (npm packages from tests/deploy/node)
    slurmctld slurmd slurm-client munge
    # shell scripts of deploy/ (ctest deploy_shellcheck)
    shellcheck
  )
  # Node 18+ with npm; a Node installed another way (e.g. NodeSource, which bundles npm) is kept.
  command -v node >/dev/null || packages+=(nodejs)
  command -v npm >/dev/null || packages+=(npm)
fi

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

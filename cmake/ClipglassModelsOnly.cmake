# CLIPGLASS_MODELS_ONLY: the weight loader, the models and deploy/gpu (GPU parity check and model
# benchmarks) with LibTorch as the only compiled dependency, for machines without the project's
# apt packages (a GPU box with a PyTorch install:
#   cmake -S . -B build-models -G Ninja -DCLIPGLASS_MODELS_ONLY=ON \
#     -DCMAKE_PREFIX_PATH="$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')"
# ). fmt and nlohmann_json are used header-only: from CLIPGLASS_THIRD_PARTY_DIR/include when set
# (deploy/gpu/prepare.sh fills one), else from the system's packages. Left out: the evaluator and
# the caption pipeline (they need the protocol's gRPC and the tokenizers' PCRE2/ICU), PNG, and
# the trainers of CLIP and GPT-2 (tokenizers); the StyleGAN2 trainer and the referee are in.

set(CLIPGLASS_THIRD_PARTY_DIR "" CACHE PATH
    "Folder with include/fmt and include/nlohmann (header-only use in CLIPGLASS_MODELS_ONLY)")
set(CLIPGLASS_WITH_TORCH ON)
set(CLIPGLASS_BUILD_TESTS OFF)
set(CLIPGLASS_BUILD_BENCH OFF)
find_package(Threads REQUIRED)
find_package(Torch REQUIRED)
find_package(dnnl CONFIG QUIET)  # absent with a pip LibTorch: GPT-2 then uses LibTorch's BLAS

if(CLIPGLASS_THIRD_PARTY_DIR)
  foreach(header fmt/format.h fmt/format-inl.h nlohmann/json.hpp)
    if(NOT EXISTS ${CLIPGLASS_THIRD_PARTY_DIR}/include/${header})
      message(FATAL_ERROR
        "CLIPGLASS_THIRD_PARTY_DIR: ${CLIPGLASS_THIRD_PARTY_DIR}/include/${header} is missing")
    endif()
  endforeach()
  add_library(fmt::fmt INTERFACE IMPORTED)
  set_target_properties(fmt::fmt PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES ${CLIPGLASS_THIRD_PARTY_DIR}/include
    INTERFACE_COMPILE_DEFINITIONS FMT_HEADER_ONLY=1)
  add_library(nlohmann_json::nlohmann_json INTERFACE IMPORTED)
  set_target_properties(nlohmann_json::nlohmann_json PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES ${CLIPGLASS_THIRD_PARTY_DIR}/include)
else()
  find_package(fmt REQUIRED)
  find_package(nlohmann_json REQUIRED)
endif()

include_directories(${PROJECT_SOURCE_DIR})
add_subdirectory(common)
add_subdirectory(worker/weights)
add_subdirectory(worker/models)
add_subdirectory(world)
add_subdirectory(train)  # the StyleGAN2 trainer and referee (clipglass_train_core) alone
add_subdirectory(deploy/gpu)

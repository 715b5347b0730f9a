// Process-wide settings that must be in place before LibTorch or OpenMP start.
#pragma once

namespace clipglass::cli {

// libgomp reads its wait settings when it loads, before main runs: unless OMP_WAIT_POLICY or
// GOMP_SPINCOUNT is set, set GOMP_SPINCOUNT=3000 and re-execute this binary once. OpenMP threads
// then spin ~3000 iterations (a few microseconds) between parallel regions before sleeping: long
// enough for GPT-2's back-to-back small steps, short enough not to steal the core OpenBLAS's own
// threads need next (libgomp's default, 300000, did: -35% on GPT-2 decoding when OpenBLAS ran
// its products). Measured with gpt2_bench, pop 25 cached, 2 threads: 12.95 captions/s against
// 9.75 with OMP_WAIT_POLICY=PASSIVE (spin 0), StyleGAN2 256 unchanged. Also keeps large
// allocations out of mmap/trim churn.
void PrepareProcess(int argc, char** argv);

}  // namespace clipglass::cli

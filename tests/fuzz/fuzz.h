/* Shared by the fuzz targets: the libFuzzer entry point each tests/fuzz/fuzz_<parser>.c defines.
 * Built with clang -fsanitize=fuzzer by `make fuzz`, or with tests/fuzz/replay.c as a normal program
 * that replays a corpus (`make check` runs the replays over the seeds of tests/fuzz/make-seeds.sh). */
#ifndef PARE_FUZZ_H
#define PARE_FUZZ_H
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
#endif

/* What a probe command (--exec, the HEALTHCHECK) writes: stdout and stderr through one pipe, hashed
 * (SHA-256, as pare build --verify compares it) and passed on to a descriptor of pare's (or dropped). */
#ifndef PARE_PROBE_OUTPUT_H
#define PARE_PROBE_OUTPUT_H
#include <stdint.h>

#include "lib/error.h"
#include "lib/hash.h"

/* After the command exits, what is still buffered is read for at most this long: a background process
 * it started may keep the pipe open. */
#define PROBE_OUTPUT_DRAIN_MS 2000

struct probe_output;
/* A pipe and a reader thread; forward_fd (borrowed, -1: none) gets a copy of everything read. */
int probe_output_start(int forward_fd, struct probe_output **out, struct pare_error *err);
/* The pipe's write end: dup2 it onto 1 and 2 in the command's process (between fork and exec). */
int probe_output_writer(const struct probe_output *o);
/* Close pare's copy of the write end, once the command's process holds its own. */
void probe_output_close_writer(struct probe_output *o);
/* The command has ended: the rest is read (PROBE_OUTPUT_DRAIN_MS at most), then the digest of all
 * the bytes and their count are given and o is freed. */
void probe_output_finish(struct probe_output *o, char digest[SHA256_DIGEST_STR], uint64_t *bytes);
#endif

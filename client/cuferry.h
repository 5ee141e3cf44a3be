/* The stub's own functions beside the CUDA driver API: what a program that
 * knows it runs through cuferry (cuferry-bench, tests) may ask of it. A
 * program looks them up with dlsym when it may also run on a real driver,
 * which has none of them. */
#ifndef CUFERRY_H
#define CUFERRY_H

#include <stdint.h>

#include <cuda.h>

/* How this session's bulk data (copies, module images) is compressed from
 * now on, both ways: "none", "lz4", "zstd[:LEVEL]" or "auto" (the
 * `compression` setting's forms). CUDA_ERROR_INVALID_VALUE for another
 * string (nothing changes), CUDA_ERROR_NOT_INITIALIZED before cuInit. */
CUresult cuferry_set_compression(const char *mode);

/* Bytes of bulk payload this session has sent and received, before
 * compression (raw) and as they travelled (wire). */
struct cuferry_compression_stats {
  uint64_t sent_raw, sent_wire, received_raw, received_wire;
};
void cuferry_get_compression_stats(struct cuferry_compression_stats *out);

/* How this session's bulk moved over RDMA (all 0 on tcp:// and tls://):
 * bytes the server read by RDMA READ straight from this program's pinned
 * memory (direct_sent), bytes read from the server straight into pinned
 * memory (direct_received) or through the connection's staging buffer into
 * pageable memory (staged_received), and memory registrations made. */
struct cuferry_rdma_stats {
  uint64_t direct_sent, direct_received, staged_received, registrations;
};
void cuferry_get_rdma_stats(struct cuferry_rdma_stats *out);

#endif

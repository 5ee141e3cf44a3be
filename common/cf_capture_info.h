/* cuStreamGetCaptureInfo's outputs for a stream that is not capturing:
 * cuferry has no stream capture yet (graphs come later), so every version
 * of the call is cuStreamIsCapturing plus these empty outputs. Shared by
 * the client stub and the emulator. Any output may be NULL. */
#ifndef CF_CAPTURE_INFO_H
#define CF_CAPTURE_INFO_H

#include <stddef.h>

#include <cuda.h>

static inline void cf_capture_info_clear(cuuint64_t *id, CUgraph *graph,
                                         const CUgraphNode **deps,
                                         const CUgraphEdgeData **edges, size_t *ndeps)
{
  if (id)
    *id = 0;
  if (graph)
    *graph = NULL;
  if (deps)
    *deps = NULL;
  if (edges)
    *edges = NULL;
  if (ndeps)
    *ndeps = 0;
}

#endif

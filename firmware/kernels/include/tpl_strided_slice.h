/* STRIDED_SLICE and TRANSPOSE: an affine gather of bytes.
 *
 * output (row-major over dims[0..num_dims)) is
 *   out[i0, ..., i{n-1}] = in_bytes[offset + sum_k i_k * step[k]]
 * All quantities are in bytes; the compiler appends an element-size dimension for multi-byte
 * types and merges dimensions that are contiguous in both tensors, so most slices run as a few
 * memcpy calls. TFLM's strided slice and transpose only move data (no requantization).
 */
#ifndef TPL_STRIDED_SLICE_H_
#define TPL_STRIDED_SLICE_H_

#include "tpl_common.h"

#define TPL_STRIDED_SLICE_MAX_DIMS 8

typedef struct {
  int32_t num_dims;                           /* 1..TPL_STRIDED_SLICE_MAX_DIMS */
  int32_t offset;                             /* byte offset of out[0, ..., 0] in the input */
  int32_t dims[TPL_STRIDED_SLICE_MAX_DIMS];   /* output dimensions (bytes for the last) */
  int32_t step[TPL_STRIDED_SLICE_MAX_DIMS];   /* input byte step per output index (may be < 0) */
} tpl_strided_slice_params_t;

void tpl_strided_slice(const tpl_strided_slice_params_t *p, const void *input, void *output);

#endif /* TPL_STRIDED_SLICE_H_ */

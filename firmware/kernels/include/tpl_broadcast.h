/* Broadcast geometry shared by the binary elementwise kernels (ADD, SUB, MUL).
 *
 * The compiler folds any NumPy-style broadcast into at most four nested loops: output element
 * (i0, i1, i2, i3) is stored contiguously and reads input k at sum_d i_d * ink_stride[d]
 * (stride 0 = broadcast along that loop). Same-shape operands give one loop over everything.
 */
#ifndef TPL_BROADCAST_H_
#define TPL_BROADCAST_H_

#include "tpl_common.h"

typedef struct {
  int32_t shape[4];       /* loop extents, outermost first; their product = output size */
  int32_t in1_stride[4];  /* element strides of input 1 per loop (0 = broadcast) */
  int32_t in2_stride[4];  /* element strides of input 2 per loop */
} tpl_broadcast4_t;

/* Runs BODY(out_index, in1_index, in2_index) over the folded broadcast g (a tpl_broadcast4_t *).
 * The innermost loop gets its strides as locals so same-shape operands compile to a flat loop. */
#define TPL_BROADCAST4_FOR(g, BODY)                                                        \
  do {                                                                                     \
    int32_t o_ = 0;                                                                        \
    const int32_t n3_ = (g)->shape[3], a3_ = (g)->in1_stride[3], b3_ = (g)->in2_stride[3]; \
    for (int32_t i0_ = 0; i0_ < (g)->shape[0]; ++i0_) {                                    \
      for (int32_t i1_ = 0; i1_ < (g)->shape[1]; ++i1_) {                                  \
        for (int32_t i2_ = 0; i2_ < (g)->shape[2]; ++i2_) {                                \
          int32_t a_ = i0_ * (g)->in1_stride[0] + i1_ * (g)->in1_stride[1] +               \
                       i2_ * (g)->in1_stride[2];                                           \
          int32_t b_ = i0_ * (g)->in2_stride[0] + i1_ * (g)->in2_stride[1] +               \
                       i2_ * (g)->in2_stride[2];                                           \
          for (int32_t i3_ = 0; i3_ < n3_; ++i3_, ++o_, a_ += a3_, b_ += b3_) {           \
            BODY(o_, a_, b_);                                                              \
          }                                                                                \
        }                                                                                  \
      }                                                                                    \
    }                                                                                      \
  } while (0)

/* Runs ROW(out_index, in1_index, in2_index, count, in1_step, in2_step) once per innermost row of
 * the folded broadcast g. The common stride pairs (1,1), (1,0), (0,1) are passed as constants so
 * that an always-inline ROW function compiles to a specialized loop for each. */
#define TPL_BROADCAST4_ROWS(g, ROW)                                                        \
  do {                                                                                     \
    int32_t o_ = 0;                                                                        \
    const int32_t n3_ = (g)->shape[3], a3_ = (g)->in1_stride[3], b3_ = (g)->in2_stride[3]; \
    for (int32_t i0_ = 0; i0_ < (g)->shape[0]; ++i0_) {                                    \
      for (int32_t i1_ = 0; i1_ < (g)->shape[1]; ++i1_) {                                  \
        for (int32_t i2_ = 0; i2_ < (g)->shape[2]; ++i2_, o_ += n3_) {                     \
          const int32_t a_ = i0_ * (g)->in1_stride[0] + i1_ * (g)->in1_stride[1] +         \
                             i2_ * (g)->in1_stride[2];                                     \
          const int32_t b_ = i0_ * (g)->in2_stride[0] + i1_ * (g)->in2_stride[1] +         \
                             i2_ * (g)->in2_stride[2];                                     \
          if (a3_ == 1 && b3_ == 1) {                                                      \
            ROW(o_, a_, b_, n3_, 1, 1);                                                    \
          } else if (a3_ == 1 && b3_ == 0) {                                               \
            ROW(o_, a_, b_, n3_, 1, 0);                                                    \
          } else if (a3_ == 0 && b3_ == 1) {                                               \
            ROW(o_, a_, b_, n3_, 0, 1);                                                    \
          } else {                                                                         \
            ROW(o_, a_, b_, n3_, a3_, b3_);                                                \
          }                                                                                \
        }                                                                                  \
      }                                                                                    \
    }                                                                                      \
  } while (0)

#endif /* TPL_BROADCAST_H_ */

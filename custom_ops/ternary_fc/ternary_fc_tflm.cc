/* TFLM kernel-API wrapper of TPL_TERNARY_FC (2-bit packed ternary fully connected).
 *
 * NOT COMPILED IN THIS REPOSITORY: the TFLM C++ sources (tensorflow/lite/micro/...) are not
 * available from any package registry here, and the tflite-micro Python wheel ships only a
 * compiled interpreter. The wrapper is written against TFLM's public kernel API (as of 2025) and
 * must be compiled inside a TFLM tree or an application that vendors it. The arithmetic it runs is
 * the portable core ternary_fc.c, which the tests compile with gcc and check bit-exactly against
 * TFLM's FULLY_CONNECTED (tests/test_quant_ternary_fc.py).
 *
 * Use:
 *   #include "ternary_fc_tflm.h"  (or declare tpl::Register_TPL_TERNARY_FC())
 *   tflite::MicroMutableOpResolver<N> resolver;
 *   resolver.AddCustom(TPL_TERNARY_FC_OP_NAME, tpl::Register_TPL_TERNARY_FC());
 *
 * Tensors: input 0 int8 activations; 1 packed codes uint8 [N, ceil(K/4)] carrying the weight
 * scales (per channel or per tensor); 2 bias int32 [N] or omitted (-1); 3 levels int8 [N, 2].
 * Custom options (FlexBuffer map): version, in_features, fused_activation_function.
 * Prepare computes every parameter (multipliers, shifts, offsets, activation range) into
 * persistent memory; Eval only calls tpl_ternary_fc().
 */
#include "flatbuffers/flexbuffers.h"
#include "tensorflow/lite/c/builtin_op_data.h"
#include "tensorflow/lite/c/common.h"
#include "tensorflow/lite/kernels/internal/quantization_util.h"
#include "tensorflow/lite/kernels/kernel_util.h"
#include "tensorflow/lite/micro/kernels/kernel_util.h"
#include "tensorflow/lite/micro/micro_common.h"
#include "tensorflow/lite/micro/micro_log.h"

extern "C" {
#include "ternary_fc.h"
}

namespace tpl {
namespace {

constexpr int kInput = 0;
constexpr int kPacked = 1;
constexpr int kBias = 2;
constexpr int kLevels = 3;
constexpr int kOutput = 0;

struct OpData {
  tpl_ternary_fc_params_t params;  // pointers below live in the persistent arena
};

void* Init(TfLiteContext* context, const char* buffer, size_t length) {
  TFLITE_DCHECK(context->AllocatePersistentBuffer != nullptr);
  return context->AllocatePersistentBuffer(context, sizeof(OpData));
}

TfLiteStatus Prepare(TfLiteContext* context, TfLiteNode* node) {
  OpData* data = static_cast<OpData*>(node->user_data);
  tflite::MicroContext* micro_context = tflite::GetMicroContext(context);
  TF_LITE_ENSURE_EQ(context, node->inputs->size, 4);
  TF_LITE_ENSURE_EQ(context, node->outputs->size, 1);

  const flexbuffers::Map opts =
      flexbuffers::GetRoot(static_cast<const uint8_t*>(node->custom_initial_data),
                           node->custom_initial_data_size).AsMap();
  TF_LITE_ENSURE_EQ(context, opts["version"].AsInt32(), TPL_TERNARY_FC_OP_VERSION);
  const int32_t K = opts["in_features"].AsInt32();
  const auto activation =
      static_cast<TfLiteFusedActivation>(opts["fused_activation_function"].AsInt32());

  TfLiteTensor* input = micro_context->AllocateTempInputTensor(node, kInput);
  TfLiteTensor* packed = micro_context->AllocateTempInputTensor(node, kPacked);
  TfLiteTensor* levels = micro_context->AllocateTempInputTensor(node, kLevels);
  TfLiteTensor* output = micro_context->AllocateTempOutputTensor(node, kOutput);
  TF_LITE_ENSURE(context, input && packed && levels && output);
  TF_LITE_ENSURE_TYPES_EQ(context, input->type, kTfLiteInt8);
  TF_LITE_ENSURE_TYPES_EQ(context, packed->type, kTfLiteUInt8);
  TF_LITE_ENSURE_TYPES_EQ(context, levels->type, kTfLiteInt8);
  TF_LITE_ENSURE_TYPES_EQ(context, output->type, kTfLiteInt8);
  TF_LITE_ENSURE_EQ(context, packed->dims->size, 2);
  const int32_t N = packed->dims->data[0];
  TF_LITE_ENSURE_EQ(context, packed->dims->data[1], tpl_ternary_fc_row_bytes(K));
  TF_LITE_ENSURE_EQ(context, tflite::NumElements(levels), 2 * N);
  TF_LITE_ENSURE_EQ(context, tflite::NumElements(input) % K, 0);

  const auto* affine =
      static_cast<const TfLiteAffineQuantization*>(packed->quantization.params);
  TF_LITE_ENSURE(context, affine != nullptr && affine->scale != nullptr);
  const int num_scales = affine->scale->size;
  TF_LITE_ENSURE(context, num_scales == 1 || num_scales == N);

  int32_t* multiplier = static_cast<int32_t*>(
      context->AllocatePersistentBuffer(context, N * sizeof(int32_t)));
  int32_t* shift = static_cast<int32_t*>(
      context->AllocatePersistentBuffer(context, N * sizeof(int32_t)));
  TF_LITE_ENSURE(context, multiplier != nullptr && shift != nullptr);
  for (int c = 0; c < N; ++c) {
    // As TFLM's FULLY_CONNECTED Prepare: per-channel products in double
    // (PopulateConvolutionQuantizationParams), a per-tensor product in float
    // (GetQuantizedConvolutionMultipler).
    const float ws = affine->scale->data[num_scales == 1 ? 0 : c];
    const double real =
        num_scales == 1
            ? static_cast<double>(input->params.scale * ws) /
                  static_cast<double>(output->params.scale)
            : static_cast<double>(input->params.scale) * static_cast<double>(ws) /
                  static_cast<double>(output->params.scale);
    int s = 0;
    tflite::QuantizeMultiplier(real, &multiplier[c], &s);
    shift[c] = s;
  }
  int32_t act_min = 0;
  int32_t act_max = 0;
  TF_LITE_ENSURE_STATUS(tflite::CalculateActivationRangeQuantized(
      context, activation, output, &act_min, &act_max));

  data->params.batches = tflite::NumElements(input) / K;
  data->params.in_features = K;
  data->params.out_features = N;
  data->params.input_offset = -input->params.zero_point;
  data->params.output_offset = output->params.zero_point;
  data->params.act_min = act_min;
  data->params.act_max = act_max;
  data->params.output_multiplier = multiplier;
  data->params.output_shift = shift;

  micro_context->DeallocateTempTfLiteTensor(input);
  micro_context->DeallocateTempTfLiteTensor(packed);
  micro_context->DeallocateTempTfLiteTensor(levels);
  micro_context->DeallocateTempTfLiteTensor(output);
  return kTfLiteOk;
}

TfLiteStatus Eval(TfLiteContext* context, TfLiteNode* node) {
  const OpData* data = static_cast<const OpData*>(node->user_data);
  const TfLiteEvalTensor* input = tflite::micro::GetEvalInput(context, node, kInput);
  const TfLiteEvalTensor* packed = tflite::micro::GetEvalInput(context, node, kPacked);
  const TfLiteEvalTensor* bias = tflite::micro::GetEvalInput(context, node, kBias);
  const TfLiteEvalTensor* levels = tflite::micro::GetEvalInput(context, node, kLevels);
  TfLiteEvalTensor* output = tflite::micro::GetEvalOutput(context, node, kOutput);
  tpl_ternary_fc(&data->params, tflite::micro::GetTensorData<int8_t>(input),
                 tflite::micro::GetTensorData<uint8_t>(packed),
                 bias != nullptr ? tflite::micro::GetTensorData<int32_t>(bias) : nullptr,
                 tflite::micro::GetTensorData<int8_t>(levels),
                 tflite::micro::GetTensorData<int8_t>(output));
  return kTfLiteOk;
}

}  // namespace

TFLMRegistration* Register_TPL_TERNARY_FC() {
  static TFLMRegistration r = tflite::micro::RegisterOp(Init, Prepare, Eval);
  return &r;
}

}  // namespace tpl

/* Test harness: runs the compiled model on every example of an input file, through semihosting.
 *
 * Uses only the compiled-model API (model.h, docs/ARCHITECTURE.md). The file format and exit
 * codes come from tpl_harness_config.h, generated from tflm_pipeline/emulate/protocol.py.
 * Each inference is bracketed by calls to tpl_mark_begin()/tpl_mark_end(): the QEMU plugin
 * counts the instructions executed between them. One TPL_PROGRESS character is printed per
 * inference so the host can show progress. */
#include <stdint.h>

#include "model.h"
#include "semihost.h"
#include "startup.h"
#include "tpl_harness_config.h"

static uint8_t tpl_arena[TPL_MODEL_ARENA_BYTES] __attribute__((aligned(16)));

/* Markers for the instruction-count plugin: never inlined, never analysed away. */
__attribute__((noinline, noipa)) void tpl_mark_begin(void)
{
    __asm__ volatile("" ::: "memory");
}

__attribute__((noinline, noipa)) void tpl_mark_end(void)
{
    __asm__ volatile("" ::: "memory");
}

static int fail(int code, const char *text)
{
    tpl_sh_write0(text);
    return code;
}

static int read_word(int handle, uint32_t *word)
{
    return tpl_sh_read(handle, word, sizeof *word) == 0;
}

static int write_words(int handle, const uint32_t *words, uint32_t count)
{
    return tpl_sh_write(handle, words, count * sizeof *words) == 0;
}

/* Read and check the input header; returns the number of examples or -1. */
static int32_t read_header(int in)
{
    uint32_t magic, count, n_inputs;
    if (!read_word(in, &magic) || !read_word(in, &count) || !read_word(in, &n_inputs) ||
        magic != TPL_IN_MAGIC || n_inputs != TPL_MODEL_NUM_INPUTS) {
        return -1;
    }
    for (int i = 0; i < TPL_MODEL_NUM_INPUTS; i++) {
        uint32_t bytes;
        if (!read_word(in, &bytes) || bytes != tpl_model_input_bytes[i]) {
            return -1;
        }
    }
    return (int32_t)count;
}

static int write_header(int out, uint32_t count)
{
    const uint32_t head[3] = {TPL_OUT_MAGIC, count, TPL_MODEL_NUM_OUTPUTS};
    return write_words(out, head, 3) &&
           write_words(out, tpl_model_output_bytes, TPL_MODEL_NUM_OUTPUTS);
}

static int run_one(int in, int out)
{
    for (int i = 0; i < TPL_MODEL_NUM_INPUTS; i++) {
        if (tpl_sh_read(in, tpl_model_input(tpl_arena, i), tpl_model_input_bytes[i]) != 0) {
            return fail(TPL_EXIT_IO, "cannot read input example\n");
        }
    }
    tpl_mark_begin();
    int status = tpl_model_invoke(tpl_arena);
    tpl_mark_end();
    if (status != 0) {
        return fail(TPL_EXIT_INVOKE, "tpl_model_invoke failed\n");
    }
    for (int j = 0; j < TPL_MODEL_NUM_OUTPUTS; j++) {
        if (tpl_sh_write(out, tpl_model_output(tpl_arena, j), tpl_model_output_bytes[j]) != 0) {
            return fail(TPL_EXIT_IO, "cannot write output\n");
        }
    }
    tpl_sh_write0(TPL_PROGRESS);
    return TPL_EXIT_OK;
}

int main(void)
{
    int in = tpl_sh_open(TPL_IN_FILE, TPL_SH_MODE_RB);
    if (in < 0) {
        return fail(TPL_EXIT_IO, "cannot open " TPL_IN_FILE "\n");
    }
    int32_t count = read_header(in);
    if (count < 0) {
        return fail(TPL_EXIT_FORMAT, "input header does not match the model\n");
    }
    int out = tpl_sh_open(TPL_OUT_FILE, TPL_SH_MODE_WB);
    if (out < 0 || !write_header(out, (uint32_t)count)) {
        return fail(TPL_EXIT_IO, "cannot write " TPL_OUT_FILE "\n");
    }
    for (int32_t k = 0; k < count; k++) {
        int status = run_one(in, out);
        if (status != TPL_EXIT_OK) {
            return status;
        }
    }
    int32_t stack = tpl_stack_high_water();
    if (stack < 0) {
        return fail(TPL_EXIT_STACK, "stack overflow\n");
    }
    const uint32_t tail[2] = {TPL_END_MAGIC, (uint32_t)stack};
    if (!write_words(out, tail, 2) || tpl_sh_close(out) != 0 || tpl_sh_close(in) != 0) {
        return fail(TPL_EXIT_IO, "cannot finish " TPL_OUT_FILE "\n");
    }
    return TPL_EXIT_OK;
}

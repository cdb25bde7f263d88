/* QEMU TCG plugin: exact count of guest instructions executed between two marker addresses.
 *
 * Arguments: begin=<addr>,end=<addr>,out=<file> (addresses in hex or decimal).
 * Every translation block adds its instruction count to a counter when it starts executing
 * (an inline add, cheap). The first instruction of each marker gets a callback that knows how
 * many instructions of its block, itself included, the counter already holds beyond it; so at
 * that callback, "instructions retired before the marker" = counter - that number, exactly,
 * wherever the marker sits in its block. Each begin..end pair records one count:
 * the instructions from the begin marker's first instruction up to, not including, the end
 * marker's first instruction. At exit the counts are written to <file>, one per line.
 *
 * Exact as long as no block is left half-way inside the measured region (an exception or a
 * fault would do that; the harness takes neither between the markers). Single vCPU only.
 * Errors go to stderr: qemu_plugin_outs() only prints under -d plugin. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tpl_qemu_plugin.h"

TPL_PLUGIN_EXPORT int qemu_plugin_version = TPL_QEMU_PLUGIN_API_VERSION;

static uint64_t executed;      /* instructions of every block entered so far */
static uint64_t begin_at;      /* instructions retired before the current begin marker */
static int inside;
static uint64_t begin_addr, end_addr;
static const char *out_path;
static uint64_t *counts;
static size_t n_counts, cap_counts;

static void on_begin(unsigned int vcpu, void *ahead)
{
    (void)vcpu;
    begin_at = executed - (uint64_t)(uintptr_t)ahead;
    inside = 1;
}

static void on_end(unsigned int vcpu, void *ahead)
{
    (void)vcpu;
    if (!inside) {
        return;
    }
    inside = 0;
    if (n_counts == cap_counts) {
        cap_counts = cap_counts ? 2 * cap_counts : 64;
        counts = realloc(counts, cap_counts * sizeof *counts);
        if (counts == NULL) {
            abort();
        }
    }
    counts[n_counts++] = executed - (uint64_t)(uintptr_t)ahead - begin_at;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &executed, n);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        uint64_t vaddr = qemu_plugin_insn_vaddr(insn);
        void *ahead = (void *)(uintptr_t)(n - i);
        if (vaddr == begin_addr) {
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_begin, QEMU_PLUGIN_CB_NO_REGS, ahead);
        } else if (vaddr == end_addr) {
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_end, QEMU_PLUGIN_CB_NO_REGS, ahead);
        }
    }
}

static void write_counts(qemu_plugin_id_t id, void *userdata)
{
    (void)id;
    (void)userdata;
    FILE *f = fopen(out_path, "w");
    if (f == NULL) {
        fputs("insn_count: cannot write the counts file\n", stderr);
        return;
    }
    for (size_t k = 0; k < n_counts; k++) {
        fprintf(f, "%" PRIu64 "\n", counts[k]);
    }
    fclose(f);
}

/* Parse one key=value argument; returns the bit of the key it set, 0 if unknown. */
static int parse_arg(const char *arg)
{
    if (strncmp(arg, "begin=", 6) == 0) {
        begin_addr = strtoull(arg + 6, NULL, 0);
        return 1;
    }
    if (strncmp(arg, "end=", 4) == 0) {
        end_addr = strtoull(arg + 4, NULL, 0);
        return 2;
    }
    if (strncmp(arg, "out=", 4) == 0) {
        out_path = arg + 4;
        return 4;
    }
    return 0;
}

TPL_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                          int argc, char **argv)
{
    (void)info;
    int seen = 0;
    for (int i = 0; i < argc; i++) {
        int bit = parse_arg(argv[i]);
        if (bit == 0) {
            fputs("insn_count: unknown argument; expected begin=, end=, out=\n", stderr);
            return -1;
        }
        seen |= bit;
    }
    if (seen != 7) {
        fputs("insn_count: begin=, end= and out= are all required\n", stderr);
        return -1;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, write_counts, NULL);
    return 0;
}

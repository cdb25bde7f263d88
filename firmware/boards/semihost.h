/* Arm semihosting (BKPT 0xAB on M-profile): the harness's only I/O channel.
 *
 * QEMU runs with -semihosting-config enable=on,target=native, so files are opened in the
 * directory QEMU was started in. Return values follow the Arm semihosting spec: open gives a
 * handle or -1, read/write give the number of bytes NOT transferred (0 = all done). */
#ifndef TPL_SEMIHOST_H
#define TPL_SEMIHOST_H

#include <stddef.h>
#include <stdint.h>

enum { TPL_SH_MODE_RB = 1, TPL_SH_MODE_WB = 5 };  /* fopen "rb" / "wb" */

int tpl_sh_open(const char *path, int mode);
size_t tpl_sh_read(int handle, void *buf, size_t len);
size_t tpl_sh_write(int handle, const void *buf, size_t len);
int tpl_sh_close(int handle);
void tpl_sh_write0(const char *text);
__attribute__((noreturn)) void tpl_sh_exit(int code);

#endif

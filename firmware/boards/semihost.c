/* Arm semihosting calls: SYS_OPEN, SYS_CLOSE, SYS_WRITE0, SYS_WRITE, SYS_READ, SYS_EXIT_EXTENDED. */
#include "semihost.h"

#include <string.h>

enum {
    SYS_OPEN = 0x01,
    SYS_CLOSE = 0x02,
    SYS_WRITE0 = 0x04,
    SYS_WRITE = 0x05,
    SYS_READ = 0x06,
    SYS_EXIT_EXTENDED = 0x20,
    ADP_STOPPED_APPLICATION_EXIT = 0x20026,
};

static uintptr_t sh_call(uintptr_t op, const void *arg)
{
    register uintptr_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

int tpl_sh_open(const char *path, int mode)
{
    const uintptr_t args[3] = {(uintptr_t)path, (uintptr_t)mode, strlen(path)};
    return (int)sh_call(SYS_OPEN, args);
}

size_t tpl_sh_read(int handle, void *buf, size_t len)
{
    const uintptr_t args[3] = {(uintptr_t)handle, (uintptr_t)buf, len};
    return sh_call(SYS_READ, args);
}

size_t tpl_sh_write(int handle, const void *buf, size_t len)
{
    const uintptr_t args[3] = {(uintptr_t)handle, (uintptr_t)buf, len};
    return sh_call(SYS_WRITE, args);
}

int tpl_sh_close(int handle)
{
    const uintptr_t args[1] = {(uintptr_t)handle};
    return (int)sh_call(SYS_CLOSE, args);
}

void tpl_sh_write0(const char *text)
{
    sh_call(SYS_WRITE0, text);
}

void tpl_sh_exit(int code)
{
    const uintptr_t args[2] = {ADP_STOPPED_APPLICATION_EXIT, (uintptr_t)code};
    for (;;) {
        sh_call(SYS_EXIT_EXTENDED, args);
    }
}

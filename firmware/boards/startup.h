/* Board start-up services the harness uses (startup.c). */
#ifndef TPL_STARTUP_H
#define TPL_STARTUP_H

#include <stdint.h>

/* Bytes of stack used so far (deepest point since reset), or -1 if the stack ran past its
 * limit into .bss. Startup paints the free stack with TPL_STACK_PAINT; this finds the lowest
 * word that changed. */
int32_t tpl_stack_high_water(void);

#endif

/* Cortex-M start-up for every board: vector table, reset handler, fault reporting, stack
 * high-water mark.
 *
 * Reset: enable the FPU (CPACR CP10/CP11 full access; on the Cortex-M55 the same bits enable
 * MVE) when the build targets one, copy .data from flash, zero .bss, paint the free stack, run
 * main() and exit through semihosting with its return value. No interrupts are enabled. */
#include <stdint.h>
#include <string.h>

#include "semihost.h"
#include "startup.h"
#include "tpl_harness_config.h"

extern uint32_t __data_start[], __data_end[], __data_load[];
extern uint32_t __bss_start[], __bss_end[];
extern uint32_t __stack_limit[], __stack_top[];

int main(void);
void Reset_Handler(void);
void Fault_Handler(void);

#define CPACR (*(volatile uint32_t *)0xE000ED88u)

__attribute__((used)) void tpl_fault_report(const uint32_t *frame)
{
    static const char hex[] = "0123456789abcdef";
    char text[] = "fault at pc=0x00000000\n";
    uint32_t pc = frame[6];
    for (int i = 0; i < 8; i++) {
        text[21 - i] = hex[(pc >> (4 * i)) & 0xFu];
    }
    tpl_sh_write0(text);
    tpl_sh_exit(TPL_EXIT_FAULT);
}

/* Hand the exception frame (on MSP: no RTOS, no PSP) to tpl_fault_report. */
__attribute__((naked)) void Fault_Handler(void)
{
    __asm__ volatile("mrs r0, msp\n\tb tpl_fault_report");
}

__attribute__((used, section(".vectors")))
static void (*const vectors[16])(void) = {
    (void (*)(void))__stack_top,
    Reset_Handler,
    Fault_Handler, /* NMI */
    Fault_Handler, /* HardFault */
    Fault_Handler, /* MemManage */
    Fault_Handler, /* BusFault */
    Fault_Handler, /* UsageFault */
    Fault_Handler, /* SecureFault (Armv8-M) */
    0, 0, 0,
    Fault_Handler, /* SVCall */
    Fault_Handler, /* DebugMonitor */
    0,
    Fault_Handler, /* PendSV */
    Fault_Handler, /* SysTick */
};

int32_t tpl_stack_high_water(void)
{
    const uint32_t *p = __stack_limit;
    if (*p != TPL_STACK_PAINT) {
        return -1;
    }
    while (p < __stack_top && *p == TPL_STACK_PAINT) {
        p++;
    }
    return (int32_t)((uintptr_t)__stack_top - (uintptr_t)p);
}

void Reset_Handler(void)
{
#if defined(__ARM_FP) || defined(__ARM_FEATURE_MVE)
    CPACR |= 0xFu << 20;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
    memcpy(__data_start, __data_load, (size_t)((uintptr_t)__data_end - (uintptr_t)__data_start));
    memset(__bss_start, 0, (size_t)((uintptr_t)__bss_end - (uintptr_t)__bss_start));

    /* Paint from the stack limit to just below our own frame. The word pattern keeps GCC from
     * turning the loop into a memset call, whose frame would sit inside the painted range. */
    uint32_t *sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    for (uint32_t *p = __stack_limit; p < sp - 16; p++) {
        *p = TPL_STACK_PAINT;
    }
    tpl_sh_exit(main());
}

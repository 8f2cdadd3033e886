/* C side of the lx106 test image's startup and shutdown: arguments and
 * environment from QEMU, a painted stack whose high-water mark is printed at
 * exit, and the report of a CPU exception (which fails the run). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "semihost.h"

extern char __bss_start[], __bss_end[], __data_start[], __scaffold_bss_start[], __scaffold_bss_end[];
extern char __stack_bottom[], __stack[], __stack_guard[];
extern char **environ;
int main(int argc, char **argv);
void fk_rt_main(void);
void fk_rt_fault(int vec, uint32_t cause, uint32_t pc, uint32_t vaddr);

#define PAINT 0xA5C3A5C3u
#define GUARD 0x5AFE5AFEu

/* Strings without stdio: used when the run may be in a bad state. */
static void say(const char *s)
{
    fk_sim(FK_SIM_WRITE, 2, (long)s, (long)strlen(s), NULL);
}

static void say_hex(uint32_t v)
{
    char b[11] = "0x";
    for (int i = 0; i < 8; i++) b[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 15];
    b[10] = '\0';
    say(b);
}

static void say_dec(uint32_t v)
{
    char b[12];
    int i = 11;
    b[i] = '\0';
    do b[--i] = (char)('0' + v % 10);
    while ((v /= 10) && i > 0);
    say(b + i);
}

static void paint(void)
{
    uint32_t here = (uint32_t)__builtin_frame_address(0);
    for (uint32_t *p = (uint32_t *)__stack_guard; (char *)p < __stack_bottom; p++) *p = GUARD;
    for (uint32_t *p = (uint32_t *)__stack_bottom; (uint32_t)p + 256 < here; p++) *p = PAINT;
}

static uint32_t stack_used(void)
{
    const uint32_t *p = (const uint32_t *)__stack_bottom;
    while ((const char *)p < __stack && *p == PAINT) p++;
    return (uint32_t)(__stack - (const char *)p);
}

static int guard_broken(void)
{
    for (const uint32_t *p = (const uint32_t *)__stack_guard; (const char *)p < __stack_bottom; p++)
        if (*p != GUARD) return 1;
    return 0;
}

/* "@env:NAME=VALUE" arguments (from run-qemu.sh) become the environment:
 * QEMU passes no environment of its own. */
static int take_args(char ***argv_out)
{
    int argc = (int)fk_sim(FK_SIM_ARGC, 0, 0, 0, NULL);
    long size = fk_sim(FK_SIM_ARGV_SZ, 0, 0, 0, NULL);
    char **raw = argc > 0 && size > 0 ? malloc((size_t)size) : NULL;
    char **argv = malloc(sizeof(char *) * (size_t)(argc + 2));
    char **env = malloc(sizeof(char *) * (size_t)(argc + 1));
    int n = 0, e = 0;
    if (raw && argv && env) {
        fk_sim(FK_SIM_ARGV, (long)raw, 0, 0, NULL);
        for (int i = 0; i < argc; i++) {
            if (!strncmp(raw[i], "@env:", 5))
                env[e++] = raw[i] + 5;
            else
                argv[n++] = raw[i];
        }
    }
    if (!argv) exit(97);
    if (n == 0) argv[n++] = "test";
    argv[n] = NULL;
    if (env) {
        env[e] = NULL;
        environ = env;
    }
    *argv_out = argv;
    return n;
}

void fk_rt_main(void)
{
    memset(__bss_start, 0, (size_t)(__bss_end - __bss_start));
    memset(__scaffold_bss_start, 0, (size_t)(__scaffold_bss_end - __scaffold_bss_start));
    paint();
    char **argv;
    int argc = take_args(&argv);
    exit(main(argc, argv));
}

void _exit(int code)
{
    fk_rt_flush_all();
    uint32_t used = stack_used();
    uint32_t size = (uint32_t)(__stack - __stack_bottom);
    if (getenv("FK_RT_QUIET") == NULL) {
        say("lx106: stack high-water ");
        say_dec(used);
        say(" of ");
        say_dec(size);
        say(" bytes; data+bss ");
        say_dec((uint32_t)(__bss_end - __data_start));
        say(" bytes\n");
    }
    if (guard_broken() || used >= size) {
        say("lx106: STACK OVERFLOW: the stack grew past its ");
        say_dec(size);
        say(" bytes\n");
        if (code == 0) code = 3;
    }
    fk_sim(FK_SIM_EXIT, code, 0, 0, NULL);
    for (;;) {
    }
}

static const char *cause_name(uint32_t c)
{
    switch (c) {
    case 0: return "illegal instruction";
    case 1: return "syscall";
    case 2: return "instruction fetch error";
    case 3: return "load/store error";
    case 5: return "alloca";
    case 6: return "integer divide by zero";
    case 8: return "privileged instruction";
    case 9: return "unaligned load/store";
    case 12: return "instruction fetch bus error";
    case 13: return "load/store bus error";
    case 14: return "instruction fetch from no memory";
    case 15: return "load/store to no memory";
    case 20: return "instruction fetch prohibited";
    case 26: return "load/store privilege";
    case 28: return "load prohibited";
    case 29: return "store prohibited";
    default: return "other";
    }
}

void fk_rt_fault(int vec, uint32_t cause, uint32_t pc, uint32_t vaddr)
{
    static const char *const vecs[] = {"user", "kernel", "debug", "NMI", "double"};
    fk_rt_flush_all();
    say("lx106: CPU EXCEPTION (");
    say(vec >= 0 && vec < 5 ? vecs[vec] : "?");
    say(" vector): cause ");
    say_dec(cause);
    say(" (");
    say(cause_name(cause));
    say(") at pc ");
    say_hex(pc);
    say(", address ");
    say_hex(vaddr);
    say("\n");
    fk_sim(FK_SIM_EXIT, 99, 0, 0, NULL);
    for (;;) {
    }
}

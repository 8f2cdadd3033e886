/* QEMU's Xtensa semihosting: the simcall instruction with the call number in
 * a2 and arguments in a3..a5; the result comes back in a2, errno in a3. */
#ifndef FK_RT_SEMIHOST_H
#define FK_RT_SEMIHOST_H

enum {
    FK_SIM_EXIT = 1,
    FK_SIM_READ = 3,
    FK_SIM_WRITE = 4,
    FK_SIM_OPEN = 5,
    FK_SIM_CLOSE = 6,
    FK_SIM_LSEEK = 19,
    FK_SIM_ARGC = 1000,
    FK_SIM_ARGV_SZ = 1001,
    FK_SIM_ARGV = 1002,
};

static inline long fk_sim(long call, long a, long b, long c, int *err)
{
    register long r2 __asm__("a2") = call;
    register long r3 __asm__("a3") = a;
    register long r4 __asm__("a4") = b;
    register long r5 __asm__("a5") = c;
    __asm__ volatile("simcall" : "+r"(r2), "+r"(r3) : "r"(r4), "r"(r5) : "memory");
    if (err) *err = (int)r3;
    return r2;
}

/* Writes the buffered stdout/stderr text out (before exit and faults). */
void fk_rt_flush_all(void);

#endif

/* Reset, startup and exception entry of the lx106 test image (call0 ABI:
 * the lx106 has no register windows). QEMU's lx106 starts at 0x50000000
 * whatever the ELF entry says, so the linker script puts .reset there. */

        .section .reset.text, "ax"
        .global fk_rt_reset
        .align  4
fk_rt_reset:
        j       1f
        .align  4
        .literal_position
1:      movi    a2, _start
        jx      a2

/* The vectors: VECBASE points here (1 KiB aligned by the linker script).
 * Each slot only records which vector fired and jumps to the common path:
 * the slots are 16 to 32 bytes apart. */
        .section .vectors.text, "ax"
        .global fk_rt_vectors
        .align  4
fk_rt_vectors:
        .org    0x10            /* debug / level-2 interrupt */
        movi    a2, 2
        j       fk_rt_trap
        .org    0x20            /* NMI */
        movi    a2, 3
        j       fk_rt_trap
        .org    0x30            /* kernel exception (PS.UM = 0) */
        movi    a2, 1
        j       fk_rt_trap
        .org    0x50            /* user exception */
        movi    a2, 0
        j       fk_rt_trap
        .org    0x70            /* double exception: EPC1 is stale, DEPC holds the PC */
        movi    a2, 4
        j       fk_rt_trap
        .align  4
        .literal_position
fk_rt_trap:
        movi    a1, fk_rt_trap_stack_top
        rsr     a3, exccause
        rsr     a4, epc1
        rsr     a5, excvaddr
        movi    a6, 4
        bne     a2, a6, 2f
        rsr     a4, depc
2:      movi    a0, fk_rt_fault
        callx0  a0
3:      j       3b              /* fk_rt_fault ends the run; never here */

        .section .text.fk_rt_start, "ax"
        .global _start
        .align  4
        .literal_position
_start:
        movi    a1, __stack
        movi    a2, fk_rt_vectors
        wsr     a2, vecbase
        /* User mode, exceptions unmasked, no interrupts (none are enabled). */
        movi    a2, 0x20
        wsr     a2, ps
        rsync
        movi    a0, fk_rt_main
        callx0  a0
4:      j       4b

        .section .bss.fk_rt_trap_stack, "aw", @nobits
        .align  16
        .space  1024
fk_rt_trap_stack_top:

/* The few routines that must be written in assembly because their callers assume more
 * than the System V ABI promises (all registers preserved, a bare stack, an index in r11). */

    .text

/* void *mb_tlv_get_addr(struct tlv_descriptor *d)
 * Darwin's TLV accessor contract: returns the variable's address for this thread in rax and
 * preserves every other register. Fast path: the image's block is in TSD slot d->key. */
    .globl mb_tlv_get_addr
    .type mb_tlv_get_addr, @function
mb_tlv_get_addr:
    movq 8(%rdi), %rax
    movq %gs:(,%rax,8), %rax
    testq %rax, %rax
    jz 1f
    addq 16(%rdi), %rax
    ret
1:  /* first access on this thread: save everything a C call may clobber, including the
       full vector state (xsave), then allocate the block. */
    pushq %rbp
    movq %rsp, %rbp
    pushq %rdi
    pushq %rsi
    pushq %rdx
    pushq %rcx
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    movl mb_xsave_size(%rip), %eax
    addq $64, %rax
    subq %rax, %rsp
    andq $-64, %rsp
    movq %rsp, %rdi
    xorl %eax, %eax
    movl $0, %ecx
2:  movq $0, (%rdi,%rcx,8)       /* xsave needs a zeroed header */
    incl %ecx
    cmpl $72, %ecx
    jb 2b
    movl $-1, %eax
    movl $-1, %edx
    xsave (%rsp)
    movq -8(%rbp), %rdi
    movq 8(%rdi), %rdi           /* key */
    call mb_tlv_allocate
    movq %rax, %r11              /* block */
    movl $-1, %eax
    movl $-1, %edx
    xrstor (%rsp)
    movq %r11, %rax
    leaq -64(%rbp), %rsp
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rcx
    popq %rdx
    popq %rsi
    popq %rdi
    popq %rbp
    addq 16(%rdi), %rax
    ret
    .size mb_tlv_get_addr, .-mb_tlv_get_addr

/* ___chkstk_darwin: rax = bytes the caller is about to allocate below its rsp. Touch every
 * page of that range, top down, so the guard page is hit in order; preserve all registers. */
    .globl mb___chkstk_darwin
    .type mb___chkstk_darwin, @function
mb___chkstk_darwin:
    pushq %rcx
    pushq %rax
    leaq 24(%rsp), %rcx          /* the caller's rsp */
1:  cmpq $0x1000, %rax
    jb 2f
    subq $0x1000, %rcx
    testq %rcx, (%rcx)
    subq $0x1000, %rax
    jmp 1b
2:  subq %rax, %rcx
    testq %rcx, (%rcx)
    popq %rax
    popq %rcx
    ret
    .size mb___chkstk_darwin, .-mb___chkstk_darwin

/* Entry of every import implemented in Python. The per-import stub loads the import's index
 * into r11 and jumps here; the six integer and eight vector argument registers are stored
 * and handed to mb_py_dispatch(index, regs, stack_args), whose {rax, xmm0} result returns. */
    .globl mb_py_trampoline
    .type mb_py_trampoline, @function
mb_py_trampoline:
    pushq %rbp
    movq %rsp, %rbp
    subq $128, %rsp
    movq %rdi, 0(%rsp)
    movq %rsi, 8(%rsp)
    movq %rdx, 16(%rsp)
    movq %rcx, 24(%rsp)
    movq %r8, 32(%rsp)
    movq %r9, 40(%rsp)
    movsd %xmm0, 48(%rsp)
    movsd %xmm1, 56(%rsp)
    movsd %xmm2, 64(%rsp)
    movsd %xmm3, 72(%rsp)
    movsd %xmm4, 80(%rsp)
    movsd %xmm5, 88(%rsp)
    movsd %xmm6, 96(%rsp)
    movsd %xmm7, 104(%rsp)
    movq %r11, %rdi
    movq %rsp, %rsi
    leaq 16(%rbp), %rdx
    call mb_py_dispatch
    leave
    ret
    .size mb_py_trampoline, .-mb_py_trampoline

/* void mb_jump_unixthread(void *entry, const uint64_t *words, size_t nwords)
 * LC_UNIXTHREAD programs start like a process entry point: rsp 16-byte aligned and pointing
 * at argc, then argv, NULL, envp, NULL, apple, NULL. Never returns. */
    .globl mb_jump_unixthread
    .type mb_jump_unixthread, @function
mb_jump_unixthread:
    movq %rdx, %rcx
    shlq $3, %rcx
    subq %rcx, %rsp
    andq $-16, %rsp
    xorl %eax, %eax
1:  cmpq %rdx, %rax
    jae 2f
    movq (%rsi,%rax,8), %r8
    movq %r8, (%rsp,%rax,8)
    incq %rax
    jmp 1b
2:  xorl %eax, %eax
    xorl %ebx, %ebx
    xorl %ecx, %ecx
    xorl %edx, %edx
    xorl %esi, %esi
    xorl %ebp, %ebp
    xorl %r8d, %r8d
    xorl %r9d, %r9d
    jmp *%rdi
    .size mb_jump_unixthread, .-mb_jump_unixthread

/* setjmp/longjmp in Darwin's jmp_buf (int[37]; sigjmp_buf int[38]): glibc's would write
 * 200 bytes into it. Layout (machbox's own, inside Darwin's size): rbx rbp rsp r12 r13 r14
 * r15 rip at 0..56, mxcsr at 64, x87 control word at 68, signal mask at 72 (set by
 * mb_jmp_save_mask), sigsetjmp's savemask flag at 144. */
    .globl mb__setjmp
    .type mb__setjmp, @function
mb__setjmp:
    movq %rbx, 0(%rdi)
    movq %rbp, 8(%rdi)
    leaq 8(%rsp), %rax
    movq %rax, 16(%rdi)
    movq %r12, 24(%rdi)
    movq %r13, 32(%rdi)
    movq %r14, 40(%rdi)
    movq %r15, 48(%rdi)
    movq (%rsp), %rax
    movq %rax, 56(%rdi)
    stmxcsr 64(%rdi)
    fnstcw 68(%rdi)
    xorl %eax, %eax
    ret
    .size mb__setjmp, .-mb__setjmp

    .globl mb__longjmp
    .type mb__longjmp, @function
mb__longjmp:
    movl %esi, %eax
    testl %eax, %eax
    jnz 1f
    incl %eax
1:  movq 0(%rdi), %rbx
    movq 8(%rdi), %rbp
    movq 24(%rdi), %r12
    movq 32(%rdi), %r13
    movq 40(%rdi), %r14
    movq 48(%rdi), %r15
    ldmxcsr 64(%rdi)
    fldcw 68(%rdi)
    movq 16(%rdi), %rsp
    jmpq *56(%rdi)
    .size mb__longjmp, .-mb__longjmp

    .globl mb_setjmp
    .type mb_setjmp, @function
mb_setjmp:
    pushq %rdi
    call mb_jmp_save_mask
    popq %rdi
    jmp mb__setjmp
    .size mb_setjmp, .-mb_setjmp

    .globl mb_longjmp
    .type mb_longjmp, @function
mb_longjmp:
    pushq %rdi
    pushq %rsi
    subq $8, %rsp
    call mb_jmp_restore_mask
    addq $8, %rsp
    popq %rsi
    popq %rdi
    jmp mb__longjmp
    .size mb_longjmp, .-mb_longjmp

    .globl mb_sigsetjmp
    .type mb_sigsetjmp, @function
mb_sigsetjmp:
    movl %esi, 144(%rdi)
    testl %esi, %esi
    jz mb__setjmp
    jmp mb_setjmp
    .size mb_sigsetjmp, .-mb_sigsetjmp

    .globl mb_siglongjmp
    .type mb_siglongjmp, @function
mb_siglongjmp:
    cmpl $0, 144(%rdi)
    je mb__longjmp
    jmp mb_longjmp
    .size mb_siglongjmp, .-mb_siglongjmp

    .section .note.GNU-stack,"",@progbits

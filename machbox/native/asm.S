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

/* Entry of every import bound through a tracing thunk (native/trace.c, only under
 * `machbox trace`). r11 = the call site's struct mb_trace_site, whose first member is the
 * real target. The caller's six integer and eight vector argument registers and rax (the
 * vector count of variadic calls) are kept, 16 stack words of arguments are copied below
 * the frame so the target sees the stack the caller built, and mb_trace_exit writes the
 * record after the target returns; {rax, rdx, xmm0, xmm1} are returned unchanged.
 * Frame: copy 0..128, integer registers 128..176, rax 176, site 184, start 192,
 * vectors 208..336. The CFI lets an exception unwind through a traced call. */
    .text
    .globl mb_trace_trampoline
    .type mb_trace_trampoline, @function
mb_trace_trampoline:
    .cfi_startproc
    pushq %rbp
    .cfi_def_cfa_offset 16
    .cfi_offset %rbp, -16
    movq %rsp, %rbp
    .cfi_def_cfa_register %rbp
    subq $336, %rsp
    movq %rdi, 128(%rsp)
    movq %rsi, 136(%rsp)
    movq %rdx, 144(%rsp)
    movq %rcx, 152(%rsp)
    movq %r8, 160(%rsp)
    movq %r9, 168(%rsp)
    movq %rax, 176(%rsp)
    movq %r11, 184(%rsp)
    movdqu %xmm0, 208(%rsp)
    movdqu %xmm1, 224(%rsp)
    movdqu %xmm2, 240(%rsp)
    movdqu %xmm3, 256(%rsp)
    movdqu %xmm4, 272(%rsp)
    movdqu %xmm5, 288(%rsp)
    movdqu %xmm6, 304(%rsp)
    movdqu %xmm7, 320(%rsp)
    movq %r11, %rdi
    leaq 128(%rsp), %rsi
    leaq 16(%rbp), %rdx
    call mb_trace_enter
    movq %rax, 192(%rsp)
    xorl %ecx, %ecx
1:  movq 16(%rbp,%rcx,8), %rax
    movq %rax, (%rsp,%rcx,8)
    incl %ecx
    cmpl $16, %ecx
    jb 1b
    movq 128(%rsp), %rdi
    movq 136(%rsp), %rsi
    movq 144(%rsp), %rdx
    movq 152(%rsp), %rcx
    movq 160(%rsp), %r8
    movq 168(%rsp), %r9
    movdqu 208(%rsp), %xmm0
    movdqu 224(%rsp), %xmm1
    movdqu 240(%rsp), %xmm2
    movdqu 256(%rsp), %xmm3
    movdqu 272(%rsp), %xmm4
    movdqu 288(%rsp), %xmm5
    movdqu 304(%rsp), %xmm6
    movdqu 320(%rsp), %xmm7
    movq 176(%rsp), %rax
    movq 184(%rsp), %r11
    call *(%r11)
    movq %rax, 0(%rsp)
    movq %rdx, 8(%rsp)
    movdqu %xmm0, 16(%rsp)
    movdqu %xmm1, 32(%rsp)
    movq 184(%rsp), %rdi
    leaq 128(%rsp), %rsi
    leaq 16(%rbp), %rdx
    movq 192(%rsp), %rcx
    movq 0(%rsp), %r8
    call mb_trace_exit
    movq 0(%rsp), %rax
    movq 8(%rsp), %rdx
    movdqu 16(%rsp), %xmm0
    movdqu 32(%rsp), %xmm1
    leave
    .cfi_def_cfa %rsp, 8
    ret
    .cfi_endproc
    .size mb_trace_trampoline, .-mb_trace_trampoline

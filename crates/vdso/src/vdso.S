/*
 * The Sentry's vDSO: the entry points glibc and musl look up in the
 * image named by AT_SYSINFO_EHDR (version LINUX_2.6), as Linux exports
 * them on x86-64.
 *
 * Every entry point issues the real `syscall` instruction with the same
 * arguments. Our platforms trap it like any other application system call
 * (systrap: the seccomp filter traps every syscall outside the stub's own
 * code; ptrace: PTRACE_SYSEMU stops at every syscall), so the Sentry
 * serves the call and `--strace` shows it. This is correct but not fast:
 * a time read costs a full trap round trip instead of Linux's few
 * nanoseconds, because there is no data page the Sentry keeps current yet.
 *
 * The syscall ABI takes its first three arguments in the same registers
 * as the C ABI (rdi, rsi, rdx), and `syscall` clobbers only rax, rcx and
 * r11, which the C ABI lets a callee clobber, so each function is three
 * instructions.
 */

/* asm/unistd_64.h */
#define __NR_gettimeofday	96
#define __NR_time		201
#define __NR_clock_gettime	228
#define __NR_clock_getres	229
#define __NR_getcpu		309

	.text

/*
 * VDSO_SYSCALL name, nr: defines __vdso_<name> issuing system call <nr>
 * and the weak alias <name>, with CFI so unwinders can step through it.
 */
.macro VDSO_SYSCALL name, nr
	.globl	__vdso_\name
	.type	__vdso_\name, @function
	.balign	16
__vdso_\name:
	.cfi_startproc
	movl	$\nr, %eax
	syscall
	ret
	.cfi_endproc
	.size	__vdso_\name, . - __vdso_\name
	.weak	\name
	.set	\name, __vdso_\name
.endm

	VDSO_SYSCALL clock_gettime, __NR_clock_gettime
	VDSO_SYSCALL gettimeofday, __NR_gettimeofday
	VDSO_SYSCALL time, __NR_time
	VDSO_SYSCALL clock_getres, __NR_clock_getres
	VDSO_SYSCALL getcpu, __NR_getcpu

/*
 * The ELF note Linux puts in its vDSO: owner "Linux", type 0, the kernel
 * version as LINUX_VERSION_CODE. glibc reads it to learn the kernel
 * version without a uname call. build.rs passes the value.
 */
	.section .note.Linux, "a", @note
	.balign	4
	.long	2f - 1f		/* n_namesz */
	.long	4f - 3f		/* n_descsz */
	.long	0		/* n_type */
1:	.asciz	"Linux"
2:	.balign	4
3:	.long	LINUX_VERSION_CODE
4:	.balign	4

/* The vDSO never needs an executable stack. */
	.section .note.GNU-stack, "", @progbits

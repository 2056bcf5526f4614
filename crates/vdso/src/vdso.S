/*
 * The Sentry's vDSO: the entry points glibc and musl look up in the
 * image named by AT_SYSINFO_EHDR (version LINUX_2.6), as Linux exports
 * them on x86-64.
 *
 * clock_gettime, gettimeofday and time read the clock without entering
 * any kernel, as gVisor's vDSO does: the sandbox's CLOCK_REALTIME and
 * CLOCK_MONOTONIC are functions of the TSC,
 *
 *	ns = base_ns + ((tsc - base_cycles) * mult) >> shift
 *
 * whose parameters the Sentry publishes in the [vvar] page mapped just
 * below this image (read-only to the application), under a seqlock, and
 * re-anchors periodically to follow the host's clock. The Sentry's own
 * clock_gettime answers with the same function of the same parameters,
 * so the two paths agree to the nanosecond. _COARSE read the precise
 * clock; MONOTONIC_RAW and BOOTTIME are MONOTONIC (a sandbox is never
 * suspended apart from its host), as in gVisor.
 *
 * When the page says "not ready" (no invariant TSC on the host, not
 * calibrated yet, or the fast path switched off), and for every other
 * clock (CPU-time clocks, TAI, alarms, unknown ids), the function issues
 * the real `syscall` instruction, which our platforms trap like any other
 * application system call. clock_getres and getcpu always do.
 *
 * The syscall ABI takes its first three arguments in the same registers
 * as the C ABI (rdi, rsi, rdx), and `syscall` clobbers only rax, rcx and
 * r11, which the C ABI lets a callee clobber. The clock code uses only
 * caller-saved registers and no stack beyond its return address.
 */

#include "vvar.h"

/* asm/unistd_64.h */
#define __NR_gettimeofday	96
#define __NR_time		201
#define __NR_clock_gettime	228
#define __NR_clock_getres	229
#define __NR_getcpu		309

/* Clock ids (linux/time.h) served from the page, as bit masks over ids. */
#define REALTIME_IDS	((1 << 0) | (1 << 5))	/* REALTIME, REALTIME_COARSE */
#define MONOTONIC_IDS	((1 << 1) | (1 << 4) | (1 << 6) | (1 << 7))
					/* MONOTONIC, _RAW, _COARSE, BOOTTIME */

	.hidden	vvar_page
	.text

/*
 * vdso_read_clock: %r8 = address of a clock record in the [vvar] page.
 * Returns the clock's nanoseconds in %rax, or -1 when the page is not
 * ready. Clobbers rax, rcx, rdx, r9, r10, r11; keeps rdi and rsi.
 *
 * Seqlock read: the sequence (even: no write in progress), the record,
 * the TSC, then the sequence again; retry if it moved. The `lfence`s
 * keep the TSC read between the two sequence loads, so a reading made
 * with old parameters is never later than the Sentry's switch to new
 * ones (which are anchored at the old function's value there), and the
 * clock never goes backwards across an update.
 */
	.balign	16
vdso_read_clock:
	.cfi_startproc
1:	movq	vvar_page+VVAR_SEQ(%rip), %r9
	testb	$1, %r9b
	jnz	4f
	cmpq	$0, vvar_page+VVAR_READY(%rip)
	je	5f
	movq	CLOCK_BASE_CYCLES(%r8), %r10
	movq	CLOCK_BASE_NS(%r8), %r11
	movl	CLOCK_SHIFT(%r8), %ecx
	lfence
	rdtsc
	lfence
	shlq	$32, %rdx
	orq	%rdx, %rax
	movq	CLOCK_MULT(%r8), %rdx
	cmpq	vvar_page+VVAR_SEQ(%rip), %r9
	jne	1b
	/* delta = tsc - base_cycles, 0 if another CPU's TSC is behind */
	subq	%r10, %rax
	jae	2f
	xorl	%eax, %eax
2:	mulq	%rdx			/* rdx:rax = delta * mult */
	shrdq	%cl, %rdx, %rax		/* >> shift (below 64) */
	addq	%r11, %rax
	ret
4:	pause
	jmp	1b
5:	movq	$-1, %rax
	ret
	.cfi_endproc
	.size	vdso_read_clock, . - vdso_read_clock

/*
 * SPLIT_NS usec: %rax = nanoseconds -> %rax = seconds, %rdx = the rest in
 * nanoseconds (usec = 0) or microseconds (usec = 1). Divisions by 10^9
 * and 10^3 are multiplications by reciprocals, exact for every 64-bit
 * dividend: n / 10^9 = ((n >> 9) * m9) >> 75, m9 = ceil(2^75 / 1953125);
 * n / 10^3 = ((n >> 3) * m3) >> 68, m3 = ceil(2^68 / 125). Clobbers rcx
 * and r9.
 */
.macro SPLIT_NS usec
	movq	%rax, %rcx
	shrq	$9, %rax
	movabsq	$19342813113834067, %rdx
	mulq	%rdx
	shrq	$11, %rdx
	movq	%rdx, %rax		/* seconds */
	imulq	$1000000000, %rdx, %rdx
	subq	%rdx, %rcx		/* nanoseconds */
	.if \usec
	movq	%rax, %r9
	movq	%rcx, %rax
	shrq	$3, %rax
	movabsq	$2361183241434822607, %rdx
	mulq	%rdx
	shrq	$4, %rdx		/* microseconds */
	movq	%r9, %rax
	.else
	movq	%rcx, %rdx
	.endif
.endm

/* VDSO_ENTRY name: starts __vdso_<name> and its weak alias <name>. */
.macro VDSO_ENTRY name
	.globl	__vdso_\name
	.type	__vdso_\name, @function
	.weak	\name
	.set	\name, __vdso_\name
	.balign	16
__vdso_\name:
	.cfi_startproc
.endm

.macro VDSO_END name
	.cfi_endproc
	.size	__vdso_\name, . - __vdso_\name
.endm

/* VDSO_SYSCALL name, nr: __vdso_<name> issues system call <nr>. */
.macro VDSO_SYSCALL name, nr
	VDSO_ENTRY \name
	movl	$\nr, %eax
	syscall
	ret
	VDSO_END \name
.endm

/* int clock_gettime(clockid_t id, struct timespec *ts) */
	VDSO_ENTRY clock_gettime
	cmpl	$31, %edi
	ja	9f			/* negative (CPU clocks) or large */
	leaq	vvar_page+VVAR_REALTIME(%rip), %r8
	movl	$REALTIME_IDS, %eax
	btl	%edi, %eax
	jc	1f
	leaq	vvar_page+VVAR_MONOTONIC(%rip), %r8
	movl	$MONOTONIC_IDS, %eax
	btl	%edi, %eax
	jnc	9f
1:	call	vdso_read_clock
	cmpq	$-1, %rax
	je	9f
	SPLIT_NS 0
	movq	%rax, 0(%rsi)
	movq	%rdx, 8(%rsi)
	xorl	%eax, %eax
	ret
9:	movl	$__NR_clock_gettime, %eax
	syscall
	ret
	VDSO_END clock_gettime

/*
 * int gettimeofday(struct timeval *tv, struct timezone *tz): the time zone
 * reads as UTC, as the system call's does.
 */
	VDSO_ENTRY gettimeofday
	testq	%rdi, %rdi
	jz	2f
	leaq	vvar_page+VVAR_REALTIME(%rip), %r8
	call	vdso_read_clock
	cmpq	$-1, %rax
	je	9f
	SPLIT_NS 1
	movq	%rax, 0(%rdi)
	movq	%rdx, 8(%rdi)
2:	testq	%rsi, %rsi
	jz	3f
	movq	$0, 0(%rsi)		/* tz_minuteswest = tz_dsttime = 0 */
3:	xorl	%eax, %eax
	ret
9:	movl	$__NR_gettimeofday, %eax
	syscall
	ret
	VDSO_END gettimeofday

/* time_t time(time_t *tloc) */
	VDSO_ENTRY time
	leaq	vvar_page+VVAR_REALTIME(%rip), %r8
	call	vdso_read_clock
	cmpq	$-1, %rax
	je	9f
	SPLIT_NS 0
	testq	%rdi, %rdi
	jz	1f
	movq	%rax, 0(%rdi)
1:	ret
9:	movl	$__NR_time, %eax
	syscall
	ret
	VDSO_END time

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

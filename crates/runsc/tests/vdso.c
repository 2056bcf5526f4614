/*
 * The vDSO as a glibc program sees it (built dynamic, static and static-pie by
 * tests/vdso.rs). Prints "ok" lines and exits 0 when every check holds.
 *
 *   vdso check   AT_SYSINFO_EHDR, the [vdso] line of /proc/self/maps, a
 *                lookup of every __vdso_* symbol by name and LINUX_2.6 the
 *                way the C libraries do it, and sane, monotonic answers
 *                through both glibc and the vDSO's own functions. Also
 *                passes natively, against the host's vDSO.
 *   vdso patch   Proves glibc calls through our vDSO: rewrites the system
 *                call number of __vdso_clock_getres (to getpid) and of
 *                __vdso_clock_gettime's fallback (to clock_getres), then
 *                sees glibc's clock_getres() and clock_gettime() on a clock
 *                the page does not serve (CLOCK_TAI) return those answers.
 *                Only meaningful under runsc.
 *   vdso vvar    The [vvar] line of /proc/self/maps: read-only, below the
 *                [vdso] (right below it with `adjacent`); mprotect cannot
 *                make it writable and a write to it faults (SIGSEGV,
 *                SEGV_ACCERR). Also
 *                passes natively.
 *   vdso clock fast|slow READY   Interleaves glibc's clock_gettime,
 *                gettimeofday and time (the vDSO) with the same calls made
 *                with syscall(2), checking both clocks never go back across
 *                the two paths and agree. `fast` first waits (at most 10 s)
 *                for the page's word at offset READY to say ready, `slow`
 *                checks that it does not. Between two getppid() markers
 *                it makes exactly CALLS syscall(SYS_clock_gettime) calls,
 *                so --strace shows how many vDSO calls trapped.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int failures;

#define CHECK(cond, ...)                                                \
	do {                                                            \
		if (!(cond)) {                                          \
			failures++;                                     \
			printf("FAIL line %d: %s: ", __LINE__, #cond);  \
			printf(__VA_ARGS__);                            \
			printf("\n");                                   \
		}                                                       \
	} while (0)

typedef long (*clock_fn)(clockid_t, struct timespec *);
typedef long (*tod_fn)(struct timeval *, void *);
typedef long (*time_fn)(time_t *);
typedef long (*getcpu_fn)(unsigned *, unsigned *, void *);

/* The lines of /proc/self/maps named `name` ("[vdso]\n"): how many, the
 * range of the last one, and its permissions. */
static int maps_range(const char *name, uintptr_t *lo, uintptr_t *hi, char perms[5])
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512], p[5] = "";
	size_t len = strlen(name);
	int found = 0;
	if (!f)
		return 0;
	while (fgets(line, sizeof line, f)) {
		size_t n = strlen(line);
		if (n >= len && strcmp(line + n - len, name) == 0 &&
		    sscanf(line, "%lx-%lx %4s", lo, hi, p) == 3)
			found++;
	}
	fclose(f);
	if (perms)
		memcpy(perms, p, 5);
	return found;
}

static int vdso_range(uintptr_t *lo, uintptr_t *hi)
{
	return maps_range("[vdso]\n", lo, hi, NULL);
}

/*
 * name@version in the vDSO, found through PT_DYNAMIC: DT_HASH gives the
 * symbol count, DT_VERSYM and DT_VERDEF the version of each symbol.
 */
static void *vdso_sym(const char *name, const char *version)
{
	const char *image = (const char *)getauxval(AT_SYSINFO_EHDR);
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)image;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(image + eh->e_phoff);
	uintptr_t bias = 0;
	const Elf64_Dyn *dyn = NULL;
	const Elf64_Sym *syms = NULL;
	const char *strs = NULL;
	const Elf64_Word *hash = NULL;
	const Elf64_Half *versym = NULL;
	const char *verdef = NULL;
	int i, loads = 0;

	for (i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && loads++ == 0)
			bias = (uintptr_t)image + ph[i].p_offset - ph[i].p_vaddr;
		if (ph[i].p_type == PT_DYNAMIC)
			dyn = (const Elf64_Dyn *)(image + ph[i].p_offset);
	}
	if (!dyn)
		return NULL;
	for (; dyn->d_tag != DT_NULL; dyn++) {
		const char *p = (const char *)(bias + dyn->d_un.d_ptr);
		switch (dyn->d_tag) {
		case DT_SYMTAB: syms = (const Elf64_Sym *)p; break;
		case DT_STRTAB: strs = p; break;
		case DT_HASH: hash = (const Elf64_Word *)p; break;
		case DT_VERSYM: versym = (const Elf64_Half *)p; break;
		case DT_VERDEF: verdef = p; break;
		}
	}
	if (!syms || !strs || !hash || !versym || !verdef)
		return NULL;
	for (Elf64_Word s = 0; s < hash[1]; s++) {
		const Elf64_Sym *sym = &syms[s];
		int bind = ELF64_ST_BIND(sym->st_info);
		if (sym->st_shndx == SHN_UNDEF || ELF64_ST_TYPE(sym->st_info) != STT_FUNC ||
		    (bind != STB_GLOBAL && bind != STB_WEAK) || strcmp(strs + sym->st_name, name))
			continue;
		const char *d = verdef;
		for (;;) {
			const Elf64_Verdef *vd = (const Elf64_Verdef *)d;
			if (!(vd->vd_flags & VER_FLG_BASE) && vd->vd_ndx == (versym[s] & 0x7fff)) {
				const Elf64_Verdaux *aux = (const Elf64_Verdaux *)(d + vd->vd_aux);
				if (strcmp(strs + aux->vda_name, version) == 0)
					return (void *)(bias + sym->st_value);
				break;
			}
			if (!vd->vd_next)
				break;
			d += vd->vd_next;
		}
	}
	return NULL;
}

static long long ns(struct timespec t)
{
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static const char *const NAMES[] = {"clock_gettime", "gettimeofday", "time", "clock_getres",
				    "getcpu"};

static int check(void)
{
	uintptr_t ehdr = getauxval(AT_SYSINFO_EHDR), lo = 0, hi = 0;
	CHECK(ehdr != 0, "no AT_SYSINFO_EHDR");
	if (!ehdr)
		return 1;
	CHECK(vdso_range(&lo, &hi) == 1, "one [vdso] line");
	CHECK(lo == ehdr, "[vdso] at %lx, AT_SYSINFO_EHDR %lx", lo, ehdr);
	CHECK(memcmp((void *)ehdr, ELFMAG, SELFMAG) == 0, "ELF magic");

	void *fn[5];
	for (int i = 0; i < 5; i++) {
		char prefixed[64];
		snprintf(prefixed, sizeof prefixed, "__vdso_%s", NAMES[i]);
		fn[i] = vdso_sym(prefixed, "LINUX_2.6");
		CHECK(fn[i] && (uintptr_t)fn[i] >= lo && (uintptr_t)fn[i] < hi, "%s at %p",
		      prefixed, fn[i]);
		CHECK(vdso_sym(NAMES[i], "LINUX_2.6") == fn[i], "alias %s", NAMES[i]);
	}
	CHECK(vdso_sym("__vdso_time", "LINUX_2.5") == NULL, "no such version");
	CHECK(vdso_sym("__vdso_nothing", "LINUX_2.6") == NULL, "no such symbol");
	for (int i = 0; i < 5; i++)
		if (!fn[i])
			return 1;
	clock_fn v_clock_gettime = (clock_fn)fn[0], v_clock_getres = (clock_fn)fn[3];
	tod_fn v_gettimeofday = (tod_fn)fn[1];
	time_fn v_time = (time_fn)fn[2];
	getcpu_fn v_getcpu = (getcpu_fn)fn[4];

	/* Monotonic: glibc, then the vDSO directly, then glibc again. */
	struct timespec a, b, c;
	CHECK(clock_gettime(CLOCK_MONOTONIC, &a) == 0, "glibc clock_gettime");
	CHECK(v_clock_gettime(CLOCK_MONOTONIC, &b) == 0, "vdso clock_gettime");
	CHECK(clock_gettime(CLOCK_MONOTONIC, &c) == 0, "glibc clock_gettime");
	CHECK(ns(a) <= ns(b) && ns(b) <= ns(c), "%lld %lld %lld", ns(a), ns(b), ns(c));
	CHECK(ns(a) > 0, "monotonic clock is running");
	struct timespec prev = c;
	int backwards = 0;
	for (int i = 0; i < 500; i++) {
		struct timespec now;
		clock_gettime(i % 2 ? CLOCK_MONOTONIC : CLOCK_MONOTONIC_RAW, &now);
		if (i % 2 && ns(now) < ns(prev))
			backwards++;
		if (i % 2)
			prev = now;
	}
	CHECK(backwards == 0, "CLOCK_MONOTONIC went back %d times", backwards);
	CHECK(v_clock_gettime(-1, &a) == -EINVAL, "raw -EINVAL from the vDSO");
	errno = 0;
	CHECK(clock_gettime(-1, &a) == -1 && errno == EINVAL, "glibc EINVAL");

	/* Wall clock: the three ways to ask agree to the second. */
	struct timeval tv, vtv;
	struct timespec rt;
	time_t t0 = time(NULL), vt = 0;
	CHECK(gettimeofday(&tv, NULL) == 0, "glibc gettimeofday");
	CHECK(v_gettimeofday(&vtv, NULL) == 0, "vdso gettimeofday");
	CHECK(v_clock_gettime(CLOCK_REALTIME, &rt) == 0, "vdso realtime");
	long r = v_time(&vt);
	time_t t1 = time(NULL);
	CHECK(r == vt, "time returns what it stores");
	CHECK(t0 > 1600000000 && t0 <= tv.tv_sec && tv.tv_sec <= vtv.tv_sec &&
		      vtv.tv_sec <= rt.tv_sec && rt.tv_sec <= vt && vt <= t1,
	      "%ld %ld %ld %ld %ld %ld", (long)t0, (long)tv.tv_sec, (long)vtv.tv_sec,
	      (long)rt.tv_sec, (long)vt, (long)t1);
	CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000, "usec %ld", (long)tv.tv_usec);

	/* Resolution: the same through glibc and the vDSO, at most 1 ms. */
	struct timespec res, vres;
	CHECK(clock_getres(CLOCK_MONOTONIC, &res) == 0, "glibc getres");
	CHECK(v_clock_getres(CLOCK_MONOTONIC, &vres) == 0, "vdso getres");
	CHECK(res.tv_sec == vres.tv_sec && res.tv_nsec == vres.tv_nsec, "res agree");
	CHECK(res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 1000000, "res %ld",
	      res.tv_nsec);

	/* CPU: a CPU the process may run on, through glibc and the vDSO. */
	unsigned cpu = ~0u, node = ~0u;
	cpu_set_t set;
	CHECK(v_getcpu(&cpu, &node, NULL) == 0, "vdso getcpu");
	CHECK(sched_getaffinity(0, sizeof set, &set) == 0, "affinity");
	CHECK(cpu < CPU_SETSIZE && CPU_ISSET(cpu, &set), "cpu %u", cpu);
	CHECK(node == 0, "node %u", node);
	int gcpu = sched_getcpu();
	CHECK(gcpu >= 0 && CPU_ISSET(gcpu, &set), "sched_getcpu %d", gcpu);

	if (failures == 0)
		printf("vdso check ok\n");
	return failures != 0;
}

/*
 * Replaces the system call number of the vDSO function `name`: its first
 * `mov $old_nr, %eax; syscall` (b8 <nr> 0f 05), which for the clock
 * functions is the fallback at their end.
 */
static void repatch(const char *name, int old_nr, int new_nr)
{
	unsigned char *p = vdso_sym(name, "LINUX_2.6");
	uintptr_t lo, hi;
	CHECK(p && vdso_range(&lo, &hi) == 1, "%s", name);
	if (!p)
		return;
	unsigned char want[7] = {0xb8, 0, 0, 0, 0, 0x0f, 0x05};
	memcpy(want + 1, &old_nr, 4);
	unsigned char *at = NULL;
	for (unsigned char *q = p; q + sizeof want <= (unsigned char *)hi && q < p + 512; q++)
		if (memcmp(q, want, sizeof want) == 0) {
			at = q;
			break;
		}
	CHECK(at, "%s has mov $%d, %%eax; syscall", name, old_nr);
	if (!at)
		return;
	CHECK(mprotect((void *)lo, hi - lo, PROT_READ | PROT_WRITE | PROT_EXEC) == 0,
	      "mprotect: %s", strerror(errno));
	memcpy(at + 1, &new_nr, 4);
	CHECK(mprotect((void *)lo, hi - lo, PROT_READ | PROT_EXEC) == 0, "mprotect back");
}

static int patch(void)
{
	struct timespec res, ts;
	CHECK(syscall(SYS_clock_getres, CLOCK_TAI, &res) == 0, "getres");
	repatch("__vdso_clock_getres", SYS_clock_getres, SYS_getpid);
	repatch("__vdso_clock_gettime", SYS_clock_gettime, SYS_clock_getres);
	CHECK(clock_getres(CLOCK_MONOTONIC, &ts) == getpid(),
	      "glibc clock_getres() went through __vdso_clock_getres");
	CHECK(clock_gettime(CLOCK_TAI, &ts) == 0, "clock_gettime");
	CHECK(ts.tv_sec == res.tv_sec && ts.tv_nsec == res.tv_nsec,
	      "glibc clock_gettime() went through __vdso_clock_gettime: %ld.%09ld",
	      (long)ts.tv_sec, ts.tv_nsec);
	if (failures == 0)
		printf("vdso patch ok\n");
	return failures != 0;
}

static sigjmp_buf segv_jump;
static void *volatile segv_addr;
static volatile int segv_code;

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)ctx;
	segv_addr = si->si_addr;
	segv_code = si->si_code;
	siglongjmp(segv_jump, 1);
}

static int vvar(int adjacent)
{
	uintptr_t lo = 0, hi = 0, vlo = 0, vhi = 0;
	char perms[5];
	CHECK(maps_range("[vvar]\n", &lo, &hi, perms) == 1, "one [vvar] line");
	CHECK(vdso_range(&vlo, &vhi) == 1, "one [vdso] line");
	CHECK(lo && hi > lo && hi <= vlo && vlo - hi < (1 << 20), "[vvar] %lx-%lx, [vdso] at %lx",
	      lo, hi, vlo);
	CHECK(!adjacent || hi == vlo, "[vvar] ends at %lx, [vdso] starts at %lx", hi, vlo);
	CHECK(strncmp(perms, "r--", 3) == 0, "[vvar] is %s", perms);
	if (!lo)
		return 1;
	errno = 0;
	CHECK(mprotect((void *)lo, 4096, PROT_READ | PROT_WRITE) == -1 && errno == EACCES,
	      "mprotect(PROT_WRITE) of [vvar]: %s", strerror(errno));
	volatile unsigned char first = *(volatile unsigned char *)lo;
	(void)first;
	struct sigaction sa = {0};
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	if (sigsetjmp(segv_jump, 1) == 0) {
		*(volatile unsigned char *)lo = 1;
		CHECK(0, "a write to [vvar] succeeded");
	}
	CHECK(segv_addr == (void *)lo && segv_code == SEGV_ACCERR,
	      "a write to [vvar]: SIGSEGV at %p (code %d)", segv_addr, segv_code);
	if (failures == 0)
		printf("vdso vvar ok\n");
	return failures != 0;
}

/* The page's ready word, at byte `off` of the [vvar] mapping. */
static unsigned long ready_word(long off)
{
	uintptr_t lo = 0, hi = 0;
	if (maps_range("[vvar]\n", &lo, &hi, NULL) != 1)
		return 0;
	return __atomic_load_n((unsigned long *)(lo + off), __ATOMIC_ACQUIRE);
}

static long long sys_ns(clockid_t id)
{
	struct timespec t;
	syscall(SYS_clock_gettime, id, &t);
	return ns(t);
}

static int clocks(int fast, long ready_off, int calls)
{
	if (fast) {
		struct timespec ms = {0, 1000000};
		for (int i = 0; i < 10000 && !ready_word(ready_off); i++)
			nanosleep(&ms, NULL);
		CHECK(ready_word(ready_off), "the [vvar] page never got ready");
	} else {
		struct timespec wait = {0, 50000000};
		nanosleep(&wait, NULL);
		CHECK(!ready_word(ready_off), "the [vvar] page says ready");
	}
	long long last[2] = {0, 0}, worst = 0;
	int back = 0;
	syscall(SYS_getppid);
	for (int i = 0; i < calls; i++) {
		clockid_t id = i % 2 ? CLOCK_REALTIME : CLOCK_MONOTONIC;
		struct timespec t;
		clock_gettime(id, &t);
		long long v = ns(t), s = sys_ns(id);
		struct timespec w;
		clock_gettime(id, &w);
		if (v < last[i % 2] || s < v || ns(w) < s)
			back++;
		if (s - v > worst)
			worst = s - v;
		last[i % 2] = ns(w);
		CHECK(t.tv_nsec >= 0 && t.tv_nsec < 1000000000, "nsec %ld", t.tv_nsec);
	}
	syscall(SYS_getppid);
	CHECK(back == 0, "went back %d times", back);
	/* Wall clock through gettimeofday and time against the system call. */
	for (int i = 0; i < 100; i++) {
		struct timeval tv;
		struct timespec a, b;
		syscall(SYS_clock_gettime, CLOCK_REALTIME, &a);
		gettimeofday(&tv, NULL);
		time_t t = time(NULL);
		syscall(SYS_clock_gettime, CLOCK_REALTIME, &b);
		long long us = tv.tv_sec * 1000000LL + tv.tv_usec;
		CHECK(ns(a) / 1000 <= us && us <= ns(b) / 1000, "%lld %lld %lld", ns(a), us, ns(b));
		CHECK(a.tv_sec <= t && t <= b.tv_sec, "%ld %ld %ld", (long)a.tv_sec, (long)t,
		      (long)b.tv_sec);
		CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000, "usec %ld", (long)tv.tv_usec);
	}
	if (failures == 0)
		printf("vdso clock ok\n");
	return failures != 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "check") == 0)
		return check();
	if (argc == 2 && strcmp(argv[1], "patch") == 0)
		return patch();
	if (argc >= 2 && strcmp(argv[1], "vvar") == 0)
		return vvar(argc == 3 && strcmp(argv[2], "adjacent") == 0);
	if (argc == 5 && strcmp(argv[1], "clock") == 0)
		return clocks(strcmp(argv[2], "fast") == 0, atol(argv[3]), atoi(argv[4]));
	fprintf(stderr, "usage: vdso check|patch|vvar [adjacent]|clock fast|slow READY CALLS\n");
	return 2;
}

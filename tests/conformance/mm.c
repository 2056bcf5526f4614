/* Memory: mmap, munmap, mprotect, mremap, madvise, mincore, msync, brk,
 * mlock family, and what /proc/self/maps and faults show afterwards. */
#include "conformance.h"
#include <setjmp.h>
#include <signal.h>

#define PG 4096L

static sigjmp_buf fault_jmp;
static volatile int fault_code;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    fault_code = si->si_code;
    siglongjmp(fault_jmp, 1);
}

/* Writes one byte at `p`; returns 0, or the SIGSEGV si_code it raised. */
static int try_write(volatile char *p)
{
    fault_code = 0;
    if (sigsetjmp(fault_jmp, 1) == 0)
        *p = 1;
    return fault_code;
}

static int try_read(volatile char *p)
{
    fault_code = 0;
    if (sigsetjmp(fault_jmp, 1) == 0)
        (void)*p;
    return fault_code;
}

/* The permission field ("rw-p") of the /proc/self/maps line holding `p`. */
static const char *perms_of(void *p)
{
    static char perms[8];
    char line[512];
    FILE *f = fopen("/proc/self/maps", "r");
    strcpy(perms, "none");
    if (!f)
        return "nofile";
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        char pr[8];
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, pr) == 3 && (unsigned long)p >= lo && (unsigned long)p < hi) {
            strcpy(perms, pr);
            break;
        }
    }
    fclose(f);
    return perms;
}

static void *map(long len, int prot)
{
    return mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

int main(void)
{
    conf_begin("mm");
    struct sigaction sa = {.sa_sigaction = on_segv, .sa_flags = SA_SIGINFO};
    SETUP(sigaction(SIGSEGV, &sa, NULL));
    make_file("f", "0123456789", 10);

    COVERS("mmap");
    {
        char *p = map(2 * PG, PROT_READ | PROT_WRITE);
        CHECK("mmap_anon_ok", p != MAP_FAILED, "%s", errname(errno));
        EXPECT_EQ("mmap_anon_page_aligned", (long)p % PG, 0);
        EXPECT_EQ("mmap_anon_zero_filled", p[0] + p[PG + 100], 0);
        p[5] = 'x';
        EXPECT_EQ("mmap_anon_write_read", p[5], 'x');
        CHECK("mmap_anon_maps_rw", strcmp(perms_of(p), "rw-p") == 0, "perms %s", perms_of(p));
        char *q = mmap(p + PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        EXPECT_EQ("mmap_fixed_at_address", q == p + PG, 1);
        CHECK("mmap_fixed_replaces_perms", strcmp(perms_of(q), "r--p") == 0, "perms %s", perms_of(q));
        EXPECT_EQ("mmap_fixed_fresh_zero", q[0], 0);
        EXPECT_EQ("mmap_fixed_neighbour_kept", p[5], 'x');
        EXPECT_ERRNO("mmap_fixed_noreplace_eexist", mmap(p, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0), EEXIST);
        EXPECT_ERRNO("mmap_fixed_unaligned_einval", mmap(p + 1, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), EINVAL);
        munmap(p, 2 * PG);
    }
    EXPECT_ERRNO("mmap_len0_einval", mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EINVAL);
    EXPECT_ERRNO("mmap_no_type_einval", mmap(NULL, PG, PROT_READ, MAP_ANONYMOUS, -1, 0), EINVAL);
    EXPECT_ERRNO("mmap_both_types_einval", mmap(NULL, PG, PROT_READ, MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EINVAL);
    EXPECT_ERRNO("mmap_ebadf", mmap(NULL, PG, PROT_READ, MAP_PRIVATE, 999, 0), EBADF);
    EXPECT_ERRNO("mmap_huge_len_enomem", mmap(NULL, 1UL << 62, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), ENOMEM);
    {
        int fd = open("f", O_RDONLY);
        EXPECT_ERRNO("mmap_shared_validate_map_sync", mmap(NULL, PG, PROT_READ, MAP_SHARED_VALIDATE | MAP_SYNC, fd, 0), EOPNOTSUPP);
        close(fd);
    }
    {
        int fd = open("f", O_RDONLY);
        char *p = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0);
        CHECK("mmap_file_ok", p != MAP_FAILED, "%s", errname(errno));
        CHECK("mmap_file_content", p != MAP_FAILED && memcmp(p, "0123456789", 10) == 0, "content");
        EXPECT_EQ("mmap_file_tail_zero", p != MAP_FAILED ? p[PG - 1] : -1, 0);
        munmap(p, PG);
        EXPECT_ERRNO("mmap_file_unaligned_offset", mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 100), EINVAL);
        EXPECT_ERRNO("mmap_shared_write_rdonly_eacces", mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), EACCES);
        p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
        CHECK("mmap_private_write_rdonly_ok", p != MAP_FAILED, "%s", errname(errno));
        if (p != MAP_FAILED) {
            p[0] = 'Z';
            char c;
            SETUP(pread(fd, &c, 1, 0));
            EXPECT_EQ("mmap_private_write_not_in_file", c, '0');
            munmap(p, PG);
        }
        close(fd);
        fd = open("f", O_WRONLY);
        EXPECT_ERRNO("mmap_wronly_eacces", mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0), EACCES);
        close(fd);
        int dfd = open(".", O_RDONLY);
        EXPECT_ERRNO("mmap_dir_enodev", mmap(NULL, PG, PROT_READ, MAP_PRIVATE, dfd, 0), ENODEV);
        close(dfd);
    }
    {
        char *p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        CHECK("mmap_shared_anon_ok", p != MAP_FAILED, "%s", errname(errno));
        if (p != MAP_FAILED) {
            p[1] = 7;
            EXPECT_EQ("mmap_shared_anon_rw", p[1], 7);
            CHECK("mmap_shared_anon_maps_s", strcmp(perms_of(p), "rw-s") == 0, "perms %s", perms_of(p));
            munmap(p, PG);
        }
        p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
        CHECK("mmap_populate_ok", p != MAP_FAILED, "%s", errname(errno));
        munmap(p, PG);
        p = map(PG, PROT_NONE);
        EXPECT_EQ("mmap_prot_none_read_faults", try_read(p), SEGV_ACCERR);
        CHECK("mmap_prot_none_maps", strcmp(perms_of(p), "---p") == 0, "perms %s", perms_of(p));
        munmap(p, PG);
    }

    COVERS("mmap");
    {
        /* Past the end of the file, within the mapping: SIGBUS. */
        struct sigaction bus = {.sa_sigaction = on_segv, .sa_flags = SA_SIGINFO};
        SETUP(sigaction(SIGBUS, &bus, NULL));
        int fd = open("f", O_RDONLY);
        char *p = mmap(NULL, 2 * PG, PROT_READ, MAP_PRIVATE, fd, 0);
        EXPECT_EQ("mmap_file_past_eof_sigbus", p != MAP_FAILED ? try_read(p + PG) : -1, BUS_ADRERR);
        EXPECT_EQ("mmap_file_last_page_ok", p != MAP_FAILED ? try_read(p + 100) : -1, 0);
        char *w = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
        if (w != MAP_FAILED) {
            w[0] = 'Q';
            EXPECT_EQ("madvise_dontneed_private_file_refetches", madvise(w, PG, MADV_DONTNEED) == 0 ? w[0] : -1, '0');
            munmap(w, PG);
        }
        {
            char path[64], want[PATH_MAX + 8];
            snprintf(want, sizeof want, "%s/f", conf_tmpdir);
            FILE *m = fopen("/proc/self/maps", "r");
            char line[512];
            int found = 0;
            while (m && fgets(line, sizeof line, m)) {
                unsigned long lo;
                if (sscanf(line, "%lx-", &lo) == 1 && lo == (unsigned long)p)
                    found = strstr(line, want) != NULL;
            }
            if (m)
                fclose(m);
            (void)path;
            CHECK("mmap_file_maps_shows_path", found, "no maps line with the file's path");
        }
        munmap(p, 2 * PG);
        close(fd);
        signal(SIGBUS, SIG_DFL);
        char *l = map(PG, PROT_READ | PROT_WRITE);
        SETUP(mlock(l, PG));
        EXPECT_ERRNO("msync_invalidate_locked_ebusy", msync(l, PG, MS_INVALIDATE), EBUSY);
        munlock(l, PG);
        munmap(l, PG);
    }

    COVERS("munmap");
    {
        char *p = map(3 * PG, PROT_READ | PROT_WRITE);
        EXPECT_EQ("munmap_middle", munmap(p + PG, PG), 0);
        EXPECT_EQ("munmap_middle_faults", try_read(p + PG), SEGV_MAPERR);
        CHECK("munmap_hole_in_maps", strcmp(perms_of(p + PG), "none") == 0, "perms %s", perms_of(p + PG));
        EXPECT_EQ("munmap_keeps_neighbours", try_write(p) + try_write(p + 2 * PG), 0);
        EXPECT_EQ("munmap_unmapped_ok", munmap(p + PG, PG), 0);
        EXPECT_ERRNO("munmap_unaligned_einval", munmap(p + 1, PG), EINVAL);
        EXPECT_ERRNO("munmap_len0_einval", munmap(p, 0), EINVAL);
        EXPECT_EQ("munmap_unaligned_len_rounds", munmap(p, 3 * PG - 100), 0);
        EXPECT_EQ("munmap_all_gone", try_read(p + 2 * PG), SEGV_MAPERR);
    }

    COVERS("mprotect");
    {
        char *p = map(2 * PG, PROT_READ | PROT_WRITE);
        p[0] = 'a';
        EXPECT_EQ("mprotect_readonly", mprotect(p, PG, PROT_READ), 0);
        CHECK("mprotect_maps_split_r", strcmp(perms_of(p), "r--p") == 0, "perms %s", perms_of(p));
        CHECK("mprotect_maps_split_rw", strcmp(perms_of(p + PG), "rw-p") == 0, "perms %s", perms_of(p + PG));
        EXPECT_EQ("mprotect_readonly_keeps_data", p[0], 'a');
        EXPECT_EQ("mprotect_write_faults_accerr", try_write(p), SEGV_ACCERR);
        EXPECT_EQ("mprotect_none", mprotect(p, 2 * PG, PROT_NONE), 0);
        EXPECT_EQ("mprotect_none_read_faults", try_read(p + PG), SEGV_ACCERR);
        EXPECT_EQ("mprotect_back_rw", mprotect(p, 2 * PG, PROT_READ | PROT_WRITE), 0);
        EXPECT_EQ("mprotect_back_rw_writes", try_write(p + PG), 0);
        CHECK("mprotect_maps_merged", strcmp(perms_of(p), "rw-p") == 0, "perms %s", perms_of(p));
        EXPECT_ERRNO("mprotect_unaligned_einval", mprotect(p + 1, PG, PROT_READ), EINVAL);
        EXPECT_ERRNO("mprotect_bad_prot_einval", mprotect(p, PG, 0x1000), EINVAL);
        EXPECT_EQ("mprotect_len0_ok", mprotect(p, 0, PROT_READ), 0);
        munmap(p, 2 * PG);
        EXPECT_ERRNO("mprotect_unmapped_enomem", mprotect(p, PG, PROT_READ), ENOMEM);
        int fd = open("f", O_RDONLY);
        char *s = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
        EXPECT_ERRNO("mprotect_shared_rdonly_file_eacces", mprotect(s, PG, PROT_READ | PROT_WRITE), EACCES);
        munmap(s, PG);
        close(fd);
    }

    COVERS("mremap");
    {
        char *p = map(PG, PROT_READ | PROT_WRITE);
        strcpy(p, "keep");
        char *q = mremap(p, PG, 4 * PG, MREMAP_MAYMOVE);
        CHECK("mremap_grow_maymove", q != MAP_FAILED, "%s", errname(errno));
        CHECK("mremap_grow_keeps_content", q != MAP_FAILED && strcmp(q, "keep") == 0, "content");
        EXPECT_EQ("mremap_grow_new_zero", q[3 * PG], 0);
        char *r = mremap(q, 4 * PG, PG, 0);
        EXPECT_EQ("mremap_shrink_in_place", r == q, 1);
        EXPECT_EQ("mremap_shrink_tail_gone", try_read(q + 2 * PG), SEGV_MAPERR);
        /* Growing in place into an occupied page needs MAYMOVE. */
        char *two = map(2 * PG, PROT_READ | PROT_WRITE);
        EXPECT_ERRNO("mremap_grow_blocked_enomem", mremap(two, PG, 2 * PG + PG, 0), ENOMEM);
        EXPECT_ERRNO("mremap_fixed_without_maymove", mremap(two, PG, PG, MREMAP_FIXED, q), EINVAL);
        EXPECT_ERRNO("mremap_unaligned_einval", mremap(two + 1, PG, PG, 0), EINVAL);
        EXPECT_ERRNO("mremap_bad_flags_einval", mremap(two, PG, PG, 0x80), EINVAL);
        EXPECT_ERRNO("mremap_new_len0_einval", mremap(two, PG, 0, MREMAP_MAYMOVE), EINVAL);
        char *gone = map(PG, PROT_READ);
        SETUP(munmap(gone, PG));
        EXPECT_ERRNO("mremap_unmapped_efault", mremap(gone, PG, 2 * PG, MREMAP_MAYMOVE), EFAULT);
        strcpy(two, "moved");
        char *dst = map(PG, PROT_NONE);
        char *m = mremap(two, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
        EXPECT_EQ("mremap_fixed_to_address", m == dst, 1);
        CHECK("mremap_fixed_content", m == dst && strcmp(dst, "moved") == 0, "content");
        EXPECT_EQ("mremap_fixed_old_gone", try_read(two), SEGV_MAPERR);
        char *src = map(PG, PROT_READ | PROT_WRITE);
        strcpy(src, "dontunmap");
        char *n = mremap(src, PG, PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
        CHECK("mremap_dontunmap_moves", n != MAP_FAILED && strcmp(n, "dontunmap") == 0, "%s", n == MAP_FAILED ? errname(errno) : "content");
        EXPECT_EQ("mremap_dontunmap_old_zero", try_read(src) == 0 ? src[0] : -1, 0);
        munmap(n, PG);
        munmap(src, PG);
        munmap(dst, PG);
        munmap(two + PG, PG);
        munmap(q, PG);
    }

    COVERS("madvise");
    {
        char *p = map(2 * PG, PROT_READ | PROT_WRITE);
        p[0] = 'x';
        p[PG] = 'y';
        EXPECT_EQ("madvise_dontneed", madvise(p, PG, MADV_DONTNEED), 0);
        EXPECT_EQ("madvise_dontneed_zeroes_private", p[0], 0);
        EXPECT_EQ("madvise_dontneed_only_range", p[PG], 'y');
        EXPECT_EQ("madvise_normal", madvise(p, 2 * PG, MADV_NORMAL), 0);
        EXPECT_EQ("madvise_willneed", madvise(p, 2 * PG, MADV_WILLNEED), 0);
        EXPECT_EQ("madvise_sequential", madvise(p, 2 * PG, MADV_SEQUENTIAL), 0);
        EXPECT_EQ("madvise_random", madvise(p, 2 * PG, MADV_RANDOM), 0);
        EXPECT_EQ("madvise_dontfork", madvise(p, PG, MADV_DONTFORK), 0);
        EXPECT_EQ("madvise_free", madvise(p, PG, MADV_FREE), 0);
        EXPECT_ERRNO("madvise_bad_advice_einval", madvise(p, PG, 12345), EINVAL);
        EXPECT_ERRNO("madvise_unaligned_einval", madvise(p + 1, PG, MADV_NORMAL), EINVAL);
        EXPECT_EQ("madvise_len0_ok", madvise(p, 0, MADV_NORMAL), 0);
        munmap(p, 2 * PG);
        EXPECT_ERRNO("madvise_unmapped_enomem", madvise(p, PG, MADV_NORMAL), ENOMEM);
    }

    COVERS("mincore");
    {
        char *p = map(2 * PG, PROT_READ | PROT_WRITE);
        unsigned char vec[2] = {9, 9};
        p[0] = 1;
        EXPECT_EQ("mincore_ok", mincore(p, 2 * PG, vec), 0);
        EXPECT_EQ("mincore_touched_resident", vec[0] & 1, 1);
        EXPECT_ERRNO("mincore_unaligned_einval", mincore(p + 1, PG, vec), EINVAL);
        EXPECT_ERRNO("mincore_efault_vec", mincore(p, PG, BAD_PTR), EFAULT);
        munmap(p, 2 * PG);
        EXPECT_ERRNO("mincore_unmapped_enomem", mincore(p, PG, vec), ENOMEM);
    }

    COVERS("msync");
    {
        char *p = map(PG, PROT_READ | PROT_WRITE);
        EXPECT_EQ("msync_sync", msync(p, PG, MS_SYNC), 0);
        EXPECT_EQ("msync_async", msync(p, PG, MS_ASYNC), 0);
        EXPECT_EQ("msync_invalidate", msync(p, PG, MS_INVALIDATE), 0);
        EXPECT_ERRNO("msync_sync_and_async_einval", msync(p, PG, MS_SYNC | MS_ASYNC), EINVAL);
        EXPECT_ERRNO("msync_bad_flags_einval", msync(p, PG, 0x100), EINVAL);
        EXPECT_ERRNO("msync_unaligned_einval", msync(p + 1, PG, MS_SYNC), EINVAL);
        munmap(p, PG);
        EXPECT_ERRNO("msync_unmapped_enomem", msync(p, PG, MS_SYNC), ENOMEM);
    }

    COVERS("brk");
    {
        long cur = syscall(SYS_brk, 0);
        EXPECT_EQ("brk_query_nonzero", cur != 0, 1);
        EXPECT_EQ("brk_grow", syscall(SYS_brk, cur + 2 * PG) == cur + 2 * PG, 1);
        char *heap = (char *)cur;
        heap[0] = 'h';
        heap[2 * PG - 1] = 't';
        EXPECT_EQ("brk_grown_writable", heap[0] + heap[2 * PG - 1], 'h' + 't');
        EXPECT_EQ("brk_shrink", syscall(SYS_brk, cur + PG) == cur + PG, 1);
        EXPECT_EQ("brk_shrunk_faults", try_read(heap + PG + 10), SEGV_MAPERR);
        EXPECT_EQ("brk_regrow_zeroed", syscall(SYS_brk, cur + 2 * PG) == cur + 2 * PG ? heap[2 * PG - 1] : -1, 0);
        EXPECT_EQ("brk_below_start_unchanged", syscall(SYS_brk, 4096) == cur + 2 * PG, 1);
        EXPECT_EQ("brk_huge_unchanged", syscall(SYS_brk, 1UL << 46) == cur + 2 * PG, 1);
        SETUP(syscall(SYS_brk, cur));
    }

    COVERS("mlock", "munlock", "mlock2", "mlockall", "munlockall");
    {
        char *p = map(2 * PG, PROT_READ | PROT_WRITE);
        EXPECT_EQ("mlock_ok", mlock(p, PG), 0);
        CHECK("mlock_maps_still_rw", strcmp(perms_of(p), "rw-p") == 0, "perms %s", perms_of(p));
        EXPECT_EQ("munlock_ok", munlock(p, PG), 0);
        EXPECT_EQ("mlock2_onfault", syscall(SYS_mlock2, p, PG, MLOCK_ONFAULT), 0);
        EXPECT_ERRNO("mlock2_bad_flags_einval", syscall(SYS_mlock2, p, PG, 0x10), EINVAL);
        EXPECT_EQ("munlock_after_mlock2", munlock(p, 2 * PG), 0);
        munmap(p, 2 * PG);
        EXPECT_ERRNO("mlock_unmapped_enomem", mlock(p, PG), ENOMEM);
        EXPECT_ERRNO("mlockall_zero_einval", mlockall(0), EINVAL);
        EXPECT_ERRNO("mlockall_bad_flags_einval", mlockall(0x100), EINVAL);
        EXPECT_EQ("mlockall_future", mlockall(MCL_CURRENT | MCL_FUTURE), 0);
        EXPECT_EQ("munlockall_ok", munlockall(), 0);
    }
    return conf_end();
}

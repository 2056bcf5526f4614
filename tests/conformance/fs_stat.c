/* stat family, statx, access, chmod/chown families, utimensat and
 * friends, umask, statfs. */
#include "conformance.h"
#include <sys/statfs.h>
#include <sys/time.h>
#include <utime.h>

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

/* glibc routes stat, lstat and fstat to newfstatat and utime/utimes to
 * utimensat; these cases call the named syscalls themselves. */
#define sys_stat(p, st) syscall(SYS_stat, p, st)
#define sys_lstat(p, st) syscall(SYS_lstat, p, st)
#define sys_fstat(fd, st) syscall(SYS_fstat, fd, st)
#define sys_utimes(p, tv) syscall(SYS_utimes, p, tv)
#define sys_utime(p, ub) syscall(SYS_utime, p, ub)

static void nobody_cases(void)
{
    EXPECT_ERRNO("access_nobody_eacces_read", access("m000", R_OK), EACCES);
    EXPECT_ERRNO("access_nobody_eacces_write", access("m444", W_OK), EACCES);
    EXPECT_EQ("access_nobody_read_ok", access("m444", R_OK), 0);
    EXPECT_ERRNO("stat_nobody_eacces_search", sys_stat("noexec/f", &(struct stat){0}), EACCES);
    EXPECT_ERRNO("chmod_nobody_eperm", chmod("m444", 0777), EPERM);
    EXPECT_ERRNO("chown_nobody_eperm", chown("m444", NOBODY, NOBODY), EPERM);
    EXPECT_ERRNO("utimensat_nobody_eperm_times", utimensat(AT_FDCWD, "m444", (struct timespec[2]){{1, 0}, {1, 0}}, 0), EPERM);
    EXPECT_ERRNO("utimensat_nobody_eacces_now", utimensat(AT_FDCWD, "m444", NULL, 0), EACCES);
    EXPECT_ERRNO("faccessat_eaccess_flag_nobody", faccessat(AT_FDCWD, "m000", R_OK, AT_EACCESS), EACCES);
}

int main(void)
{
    conf_begin("fs_stat");
    struct stat st;
    make_file("f", "hello", 5);
    SETUP(mkdir("d", 0755));
    SETUP(symlink("f", "link_f"));
    SETUP(symlink("loop_b", "loop_a"));
    SETUP(symlink("loop_a", "loop_b"));

    COVERS("stat");
    EXPECT_EQ("stat_ok", sys_stat("f", &st), 0);
    EXPECT_EQ("stat_size", st.st_size, 5);
    EXPECT_EQ("stat_regular", S_ISREG(st.st_mode), 1);
    EXPECT_EQ("stat_nlink", st.st_nlink, 1);
    EXPECT_EQ("stat_uid_root", st.st_uid, 0);
    EXPECT_EQ("stat_blksize_positive", st.st_blksize > 0, 1);
    EXPECT_EQ("stat_follows_symlink", sys_stat("link_f", &st) == 0 && S_ISREG(st.st_mode), 1);
    EXPECT_EQ("stat_dir", sys_stat("d", &st) == 0 && S_ISDIR(st.st_mode), 1);
    EXPECT_ERRNO("stat_enoent", sys_stat("missing", &st), ENOENT);
    EXPECT_ERRNO("stat_enotdir", sys_stat("f/x", &st), ENOTDIR);
    EXPECT_ERRNO("stat_eloop", sys_stat("loop_a", &st), ELOOP);
    EXPECT_ERRNO("stat_efault_path", sys_stat(BAD_PTR, &st), EFAULT);
    EXPECT_ERRNO("stat_efault_buf", sys_stat("f", BAD_PTR), EFAULT);
    EXPECT_ERRNO("stat_enoent_empty", sys_stat("", &st), ENOENT);
    {
        struct stat a, b;
        SETUP(sys_stat("f", &a));
        SETUP(sys_stat("./d/../f", &b));
        EXPECT_EQ("stat_same_inode_via_dotdot", a.st_ino == b.st_ino && a.st_dev == b.st_dev, 1);
    }

    COVERS("lstat");
    EXPECT_EQ("lstat_symlink", sys_lstat("link_f", &st) == 0 && S_ISLNK(st.st_mode), 1);
    EXPECT_EQ("lstat_symlink_size", st.st_size, 1);
    EXPECT_EQ("lstat_loop_ok", sys_lstat("loop_a", &st), 0);
    EXPECT_ERRNO("lstat_enoent", sys_lstat("missing", &st), ENOENT);

    COVERS("fstat");
    {
        int fd = open("f", O_RDONLY);
        SETUP(fd);
        EXPECT_EQ("fstat_ok", sys_fstat(fd, &st), 0);
        EXPECT_EQ("fstat_size", st.st_size, 5);
        EXPECT_ERRNO("fstat_ebadf", sys_fstat(999, &st), EBADF);
        EXPECT_ERRNO("fstat_efault", sys_fstat(fd, BAD_PTR), EFAULT);
        int p[2];
        SETUP(pipe(p));
        EXPECT_EQ("fstat_pipe_fifo", sys_fstat(p[0], &st) == 0 && S_ISFIFO(st.st_mode), 1);
        close(p[0]);
        close(p[1]);
        close(fd);
    }

    COVERS("newfstatat");
    {
        int dfd = open("d", O_RDONLY | O_DIRECTORY);
        make_file("d/inner", "abc", 3);
        EXPECT_EQ("fstatat_relative", fstatat(dfd, "inner", &st, 0) == 0 ? st.st_size : -1, 3);
        EXPECT_EQ("fstatat_nofollow", fstatat(AT_FDCWD, "link_f", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode), 1);
        EXPECT_EQ("fstatat_empty_path", fstatat(dfd, "", &st, AT_EMPTY_PATH) == 0 && S_ISDIR(st.st_mode), 1);
        EXPECT_ERRNO("fstatat_empty_without_flag", fstatat(dfd, "", &st, 0), ENOENT);
        EXPECT_ERRNO("fstatat_einval_flags", fstatat(dfd, "inner", &st, 0x40000000), EINVAL);
        EXPECT_ERRNO("fstatat_ebadf", fstatat(999, "inner", &st, 0), EBADF);
        int ffd = open("f", O_RDONLY);
        EXPECT_ERRNO("fstatat_enotdir_dirfd", fstatat(ffd, "x", &st, 0), ENOTDIR);
        close(ffd);
        close(dfd);
    }

    COVERS("statx");
    {
        struct statx sx;
        EXPECT_EQ("statx_basic", statx(AT_FDCWD, "f", 0, STATX_BASIC_STATS, &sx), 0);
        EXPECT_EQ("statx_size", sx.stx_size, 5);
        EXPECT_EQ("statx_mask_has_basic", (sx.stx_mask & STATX_BASIC_STATS) == STATX_BASIC_STATS, 1);
        EXPECT_EQ("statx_mode_regular", S_ISREG(sx.stx_mode), 1);
        EXPECT_EQ("statx_nlink", sx.stx_nlink, 1);
        SETUP(stat("f", &st));
        EXPECT_EQ("statx_ino_matches_stat", sx.stx_ino == st.st_ino, 1);
        EXPECT_EQ("statx_mtime_matches_stat", sx.stx_mtime.tv_sec == st.st_mtim.tv_sec && sx.stx_mtime.tv_nsec == (uint32_t)st.st_mtim.tv_nsec, 1);
        EXPECT_EQ("statx_nofollow", statx(AT_FDCWD, "link_f", AT_SYMLINK_NOFOLLOW, STATX_TYPE, &sx) == 0 && S_ISLNK(sx.stx_mode), 1);
        EXPECT_EQ("statx_mask_zero_ok", statx(AT_FDCWD, "f", 0, 0, &sx), 0);
        EXPECT_ERRNO("statx_einval_reserved_mask", statx(AT_FDCWD, "f", 0, 0x80000000U, &sx), EINVAL);
        EXPECT_ERRNO("statx_einval_flags", statx(AT_FDCWD, "f", 0x40000000, STATX_BASIC_STATS, &sx), EINVAL);
        EXPECT_ERRNO("statx_einval_sync_both", statx(AT_FDCWD, "f", AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC, STATX_BASIC_STATS, &sx), EINVAL);
        EXPECT_ERRNO("statx_enoent", statx(AT_FDCWD, "missing", 0, STATX_BASIC_STATS, &sx), ENOENT);
        EXPECT_ERRNO("statx_efault", statx(AT_FDCWD, "f", 0, STATX_BASIC_STATS, BAD_PTR), EFAULT);
        int fd = open("f", O_RDONLY);
        EXPECT_EQ("statx_empty_path_fd", statx(fd, "", AT_EMPTY_PATH, STATX_SIZE, &sx) == 0 ? (long)sx.stx_size : -1, 5);
        close(fd);
        EXPECT_EQ("statx_dir", statx(AT_FDCWD, "d", 0, STATX_TYPE, &sx) == 0 && S_ISDIR(sx.stx_mode), 1);
    }

    COVERS("access");
    EXPECT_EQ("access_f_ok", access("f", F_OK), 0);
    EXPECT_EQ("access_rw_root", access("f", R_OK | W_OK), 0);
    EXPECT_ERRNO("access_x_root_no_x_bits", access("f", X_OK), EACCES);
    EXPECT_EQ("access_x_dir", access("d", X_OK), 0);
    EXPECT_ERRNO("access_enoent", access("missing", F_OK), ENOENT);
    EXPECT_ERRNO("access_einval_mode", access("f", 0x10), EINVAL);
    EXPECT_ERRNO("access_efault", access(BAD_PTR, F_OK), EFAULT);

    COVERS("faccessat", "faccessat2");
    EXPECT_EQ("faccessat_ok", faccessat(AT_FDCWD, "f", R_OK, 0), 0);
    EXPECT_EQ("faccessat2_nofollow", syscall(SYS_faccessat2, AT_FDCWD, "link_f", F_OK, AT_SYMLINK_NOFOLLOW), 0);
    EXPECT_ERRNO("faccessat2_einval_flags", syscall(SYS_faccessat2, AT_FDCWD, "f", F_OK, 0x1), EINVAL);
    EXPECT_EQ("faccessat2_empty_path", syscall(SYS_faccessat2, AT_FDCWD, "", F_OK, AT_EMPTY_PATH), 0);
    EXPECT_ERRNO("faccessat_ebadf", faccessat(999, "f", F_OK, 0), EBADF);
    EXPECT_EQ("faccessat2_eaccess", syscall(SYS_faccessat2, AT_FDCWD, "f", R_OK, AT_EACCESS), 0);

    COVERS("chmod");
    EXPECT_EQ("chmod_ok", chmod("f", 0640), 0);
    EXPECT_EQ("chmod_visible", stat("f", &st) == 0 ? (long)(st.st_mode & 07777) : -1, 0640);
    EXPECT_EQ("chmod_setuid_bits", chmod("f", 04755) == 0 && stat("f", &st) == 0 ? (long)(st.st_mode & 07777) : -1, 04755);
    EXPECT_EQ("chmod_follows_symlink", chmod("link_f", 0600) == 0 && stat("f", &st) == 0 ? (long)(st.st_mode & 07777) : -1, 0600);
    EXPECT_ERRNO("chmod_enoent", chmod("missing", 0600), ENOENT);
    EXPECT_ERRNO("chmod_efault", chmod(BAD_PTR, 0600), EFAULT);
    EXPECT_EQ("chmod_ignores_type_bits", chmod("f", S_IFDIR | 0644) == 0 && stat("f", &st) == 0 && S_ISREG(st.st_mode), 1);

    COVERS("fchmod");
    {
        int fd = open("f", O_RDONLY);
        EXPECT_EQ("fchmod_ok", fchmod(fd, 0604), 0);
        EXPECT_EQ("fchmod_visible", fstat(fd, &st) == 0 ? (long)(st.st_mode & 07777) : -1, 0604);
        EXPECT_ERRNO("fchmod_ebadf", fchmod(999, 0600), EBADF);
        close(fd);
        fd = open("f", O_PATH);
        EXPECT_ERRNO("fchmod_o_path_ebadf", fchmod(fd, 0600), EBADF);
        close(fd);
    }

    COVERS("fchmodat", "fchmodat2");
    EXPECT_EQ("fchmodat_ok", fchmodat(AT_FDCWD, "f", 0644, 0), 0);
    EXPECT_ERRNO("fchmodat_ebadf", fchmodat(999, "f", 0644, 0), EBADF);
    EXPECT_ERRNO("fchmodat2_nofollow_symlink", syscall(SYS_fchmodat2, AT_FDCWD, "link_f", 0644, AT_SYMLINK_NOFOLLOW), EOPNOTSUPP);
    EXPECT_EQ("fchmodat2_plain", syscall(SYS_fchmodat2, AT_FDCWD, "f", 0600, 0), 0);
    EXPECT_ERRNO("fchmodat2_einval_flags", syscall(SYS_fchmodat2, AT_FDCWD, "f", 0600, 0x1), EINVAL);
    {
        int fd = open("f", O_RDONLY);
        EXPECT_EQ("fchmodat2_empty_path", syscall(SYS_fchmodat2, fd, "", 0640, AT_EMPTY_PATH), 0);
        EXPECT_EQ("fchmodat2_empty_path_visible", fstat(fd, &st) == 0 ? (long)(st.st_mode & 07777) : -1, 0640);
        close(fd);
    }

    COVERS("chown");
    EXPECT_EQ("chown_ok", chown("f", 1234, 5678), 0);
    EXPECT_EQ("chown_visible", stat("f", &st) == 0 ? (long)st.st_uid * 10000 + st.st_gid : -1, 12345678);
    EXPECT_EQ("chown_minus1_keeps", chown("f", -1, 42) == 0 && stat("f", &st) == 0 ? (long)st.st_uid * 10000 + st.st_gid : -1, 12340042);
    SETUP(chmod("f", 06755));
    SETUP(chown("f", 1, 1));
    EXPECT_EQ("chown_clears_setuid", stat("f", &st) == 0 ? (long)(st.st_mode & 07777) : -1, 0755);
    EXPECT_ERRNO("chown_enoent", chown("missing", 0, 0), ENOENT);

    COVERS("lchown");
    EXPECT_EQ("lchown_symlink", lchown("link_f", 7, 8), 0);
    EXPECT_EQ("lchown_symlink_owner", lstat("link_f", &st) == 0 ? (long)st.st_uid * 100 + st.st_gid : -1, 708);
    EXPECT_EQ("lchown_target_untouched", stat("f", &st) == 0 ? (long)st.st_uid : -1, 1);

    COVERS("fchown");
    {
        int fd = open("f", O_RDONLY);
        EXPECT_EQ("fchown_ok", fchown(fd, 0, 0), 0);
        EXPECT_EQ("fchown_visible", fstat(fd, &st) == 0 ? (long)st.st_uid + st.st_gid : -1, 0);
        EXPECT_ERRNO("fchown_ebadf", fchown(999, 0, 0), EBADF);
        close(fd);
    }

    COVERS("fchownat");
    EXPECT_EQ("fchownat_nofollow", fchownat(AT_FDCWD, "link_f", 3, 3, AT_SYMLINK_NOFOLLOW), 0);
    EXPECT_EQ("fchownat_nofollow_visible", lstat("link_f", &st) == 0 ? (long)st.st_uid : -1, 3);
    EXPECT_ERRNO("fchownat_einval_flags", fchownat(AT_FDCWD, "f", 0, 0, 0x1), EINVAL);
    EXPECT_ERRNO("fchownat_ebadf", fchownat(999, "f", 0, 0, 0), EBADF);

    COVERS("utimensat");
    {
        struct timespec ts[2] = {{1000, 5}, {2000, 7}};
        EXPECT_EQ("utimensat_set", utimensat(AT_FDCWD, "f", ts, 0), 0);
        SETUP(stat("f", &st));
        EXPECT_EQ("utimensat_atime", st.st_atim.tv_sec * 10 + st.st_atim.tv_nsec, 10005);
        EXPECT_EQ("utimensat_mtime", st.st_mtim.tv_sec * 10 + st.st_mtim.tv_nsec, 20007);
        struct timespec omit[2] = {{0, UTIME_OMIT}, {3000, 0}};
        EXPECT_EQ("utimensat_omit_atime", utimensat(AT_FDCWD, "f", omit, 0), 0);
        SETUP(stat("f", &st));
        EXPECT_EQ("utimensat_omit_kept", st.st_atim.tv_sec * 10 + st.st_atim.tv_nsec, 10005);
        EXPECT_EQ("utimensat_omit_other_set", st.st_mtim.tv_sec, 3000);
        struct timespec now[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};
        EXPECT_EQ("utimensat_now", utimensat(AT_FDCWD, "f", now, 0), 0);
        SETUP(stat("f", &st));
        EXPECT_EQ("utimensat_now_recent", st.st_atim.tv_sec > 1000000000, 1);
        EXPECT_EQ("utimensat_null_now", utimensat(AT_FDCWD, "f", NULL, 0) == 0 && stat("f", &st) == 0 && st.st_mtim.tv_sec > 1000000000, 1);
        struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
        EXPECT_ERRNO("utimensat_einval_nsec", utimensat(AT_FDCWD, "f", bad, 0), EINVAL);
        EXPECT_ERRNO("utimensat_einval_flags", utimensat(AT_FDCWD, "f", ts, 0x1), EINVAL);
        EXPECT_ERRNO("utimensat_efault", utimensat(AT_FDCWD, "f", BAD_PTR, 0), EFAULT);
        EXPECT_ERRNO("utimensat_enoent", utimensat(AT_FDCWD, "missing", ts, 0), ENOENT);
        EXPECT_EQ("utimensat_nofollow", utimensat(AT_FDCWD, "link_f", ts, AT_SYMLINK_NOFOLLOW) == 0 && lstat("link_f", &st) == 0 ? st.st_mtim.tv_sec : -1, 2000);
        int fd = open("f", O_RDONLY);
        EXPECT_EQ("futimens_fd", futimens(fd, ts) == 0 && fstat(fd, &st) == 0 ? st.st_mtim.tv_sec : -1, 2000);
        close(fd);
        SETUP(stat("f", &st));
        struct timespec ctime_before = st.st_ctim;
        EXPECT_EQ("utimensat_both_omit_ok", utimensat(AT_FDCWD, "f", (struct timespec[2]){{0, UTIME_OMIT}, {0, UTIME_OMIT}}, 0), 0);
        SETUP(stat("f", &st));
        EXPECT_EQ("utimensat_both_omit_keeps_ctime", st.st_ctim.tv_sec == ctime_before.tv_sec && st.st_ctim.tv_nsec == ctime_before.tv_nsec, 1);
    }

    COVERS("utimes", "utime", "futimesat");
    {
        struct timeval tv[2] = {{111, 1}, {222, 2}};
        EXPECT_EQ("utimes_set", sys_utimes("f", tv), 0);
        EXPECT_EQ("utimes_visible", stat("f", &st) == 0 ? st.st_mtim.tv_sec * 10000 + st.st_mtim.tv_nsec / 1000 : -1, 2220002);
        struct timeval badtv[2] = {{0, 1000000}, {0, 0}};
        EXPECT_ERRNO("utimes_einval_usec", sys_utimes("f", badtv), EINVAL);
        struct utimbuf ub = {333, 444};
        EXPECT_EQ("utime_set", sys_utime("f", &ub), 0);
        EXPECT_EQ("utime_visible", stat("f", &st) == 0 ? st.st_mtim.tv_sec : -1, 444);
        EXPECT_EQ("futimesat_set", syscall(SYS_futimesat, AT_FDCWD, "f", tv), 0);
        EXPECT_EQ("futimesat_visible", stat("f", &st) == 0 ? st.st_atim.tv_sec : -1, 111);
    }

    COVERS("umask");
    {
        mode_t old = umask(027);
        EXPECT_EQ("umask_returns_previous", umask(old), 027);
        umask(0777 | 070000);
        EXPECT_EQ("umask_masks_to_0777", umask(old), 0777);
        umask(077);
        SETUP(mkdir("um", 0777));
        EXPECT_EQ("umask_applies_to_mkdir", stat("um", &st) == 0 ? (long)(st.st_mode & 0777) : -1, 0700);
        umask(old);
    }

    COVERS("statfs", "fstatfs");
    {
        struct statfs a, b;
        EXPECT_EQ("statfs_ok", statfs(".", &a), 0);
        EXPECT_EQ("statfs_bsize_positive", a.f_bsize > 0, 1);
        EXPECT_EQ("statfs_namelen", a.f_namelen, 255);
        int fd = open(".", O_RDONLY);
        EXPECT_EQ("fstatfs_ok", fstatfs(fd, &b), 0);
        EXPECT_EQ("fstatfs_same_type", a.f_type == b.f_type, 1);
        close(fd);
        EXPECT_ERRNO("statfs_enoent", statfs("missing", &a), ENOENT);
        EXPECT_ERRNO("statfs_efault", statfs(".", BAD_PTR), EFAULT);
        EXPECT_ERRNO("fstatfs_ebadf", fstatfs(999, &a), EBADF);
        EXPECT_EQ("statfs_proc_magic", statfs("/proc", &a) == 0 ? (long)a.f_type : -1, 0x9fa0);
    }

    make_perm_fixtures();
    EXPECT_EQ("access_root_mode000_read", access("m000", R_OK | W_OK), 0);
    int status = as_nobody(nobody_cases);
    CHECK("as_nobody_ran", status == 0, "status %d", status);
    return conf_end();
}

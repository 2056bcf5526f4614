/* open, openat, openat2, creat, close, close_range: flags, modes, path
 * resolution and error paths. */
#include "conformance.h"
#include <linux/openat2.h>

/* glibc's open() issues openat; the open cases call the open syscall. */
#define sys_open(...) syscall(SYS_open, __VA_ARGS__)

static long openat2_(int dirfd, const char *path, struct open_how *how, size_t size)
{
    return syscall(SYS_openat2, dirfd, path, how, size);
}

/* A path component one byte longer than NAME_MAX. */
static char long_name[NAME_MAX + 2];
/* A path longer than PATH_MAX, made of short components. */
static char long_path[PATH_MAX + 64];

static void nobody_cases(void)
{
    EXPECT_ERRNO("open_nobody_eacces_mode000", sys_open("m000", O_RDONLY), EACCES);
    EXPECT_ERRNO("open_nobody_eacces_wronly", sys_open("m444", O_WRONLY), EACCES);
    EXPECT_ERRNO("open_nobody_eacces_search", sys_open("noexec/f", O_RDONLY), EACCES);
    EXPECT_ERRNO("open_nobody_eacces_create_in_ro_dir", sys_open("ro_dir/new", O_CREAT | O_WRONLY, 0644), EACCES);
    EXPECT_OK("open_nobody_readable", sys_open("m444", O_RDONLY));
}

int main(void)
{
    conf_begin("fs_open");
    memset(long_name, 'n', NAME_MAX + 1);
    for (size_t i = 0; i + 2 < sizeof long_path - 1; i += 2) {
        long_path[i] = 'a';
        long_path[i + 1] = '/';
    }
    long_path[sizeof long_path - 1] = 0;
    make_file("f", "hello", 5);
    SETUP(mkdir("d", 0755));
    SETUP(symlink("f", "link_f"));
    SETUP(symlink("loop_b", "loop_a"));
    SETUP(symlink("loop_a", "loop_b"));
    SETUP(symlink("nowhere", "dangling"));
    SETUP(symlink("d", "link_d"));

    COVERS("open");
    EXPECT_ERRNO("open_enoent", sys_open("missing", O_RDONLY), ENOENT);
    EXPECT_ERRNO("open_enoent_empty_path", sys_open("", O_RDONLY), ENOENT);
    EXPECT_ERRNO("open_enotdir", sys_open("f/x", O_RDONLY), ENOTDIR);
    EXPECT_ERRNO("open_eisdir_write", sys_open("d", O_WRONLY), EISDIR);
    EXPECT_ERRNO("open_eisdir_rdwr", sys_open("d", O_RDWR), EISDIR);
    EXPECT_OK("open_dir_rdonly", sys_open("d", O_RDONLY));
    EXPECT_ERRNO("open_enotdir_o_directory", sys_open("f", O_RDONLY | O_DIRECTORY), ENOTDIR);
    EXPECT_OK("open_o_directory_on_dir", sys_open("d", O_RDONLY | O_DIRECTORY));
    EXPECT_ERRNO("open_eexist_excl", sys_open("f", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
    EXPECT_ERRNO("open_eexist_excl_dangling", sys_open("dangling", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
    EXPECT_ERRNO("open_eloop_loop", sys_open("loop_a", O_RDONLY), ELOOP);
    EXPECT_ERRNO("open_eloop_nofollow", sys_open("link_f", O_RDONLY | O_NOFOLLOW), ELOOP);
    EXPECT_OK("open_nofollow_regular", sys_open("f", O_RDONLY | O_NOFOLLOW));
    EXPECT_ERRNO("open_enametoolong_component", sys_open(long_name, O_RDONLY), ENAMETOOLONG);
    EXPECT_ERRNO("open_enametoolong_path", sys_open(long_path, O_RDONLY), ENAMETOOLONG);
    EXPECT_ERRNO("open_efault_path", sys_open(BAD_PTR, O_RDONLY), EFAULT);
    EXPECT_ERRNO("open_efault_guard_page", sys_open((char *)guard_page(), O_RDONLY), EFAULT);
    EXPECT_ERRNO("open_enoent_dangling", sys_open("dangling", O_RDONLY), ENOENT);
    EXPECT_ERRNO("open_einval_tmpfile_rdonly", sys_open("d", O_TMPFILE | O_RDONLY, 0600), EINVAL);
    EXPECT_ERRNO("open_eisdir_creat_trailing_slash", sys_open("newdir/", O_CREAT | O_WRONLY, 0644), EISDIR);
    EXPECT_ERRNO("open_enotdir_trailing_slash_file", sys_open("f/", O_RDONLY), ENOTDIR);
    EXPECT_OK("open_trailing_slash_dir", sys_open("d/", O_RDONLY));
    EXPECT_ERRNO("open_einval_creat_directory_existing", sys_open("d", O_CREAT | O_DIRECTORY | O_RDONLY, 0755), EINVAL);
    EXPECT_ERRNO("open_einval_creat_directory_new", sys_open("newd", O_CREAT | O_DIRECTORY | O_RDONLY, 0755), EINVAL);
    EXPECT_ERRNO("open_enoent_proc_create", sys_open("/proc/conf_new_file", O_CREAT | O_WRONLY, 0644), ENOENT);

    EXPECT_OK("open_through_dir_symlink", sys_open("link_d/", O_RDONLY));
    {
        /* Creating through a dangling symlink creates its target. */
        int fd = sys_open("dangling", O_CREAT | O_WRONLY, 0644);
        struct stat st;
        CHECK("open_creat_through_dangling", fd >= 0 && stat("nowhere", &st) == 0, "fd %d", fd >= 0);
        if (fd >= 0)
            close(fd);
    }
    {
        mode_t old = umask(022);
        int fd = sys_open("created", O_CREAT | O_WRONLY, 0777);
        struct stat st;
        SETUP(fd);
        SETUP(fstat(fd, &st));
        EXPECT_EQ("open_creat_mode_umask", st.st_mode & 07777, 0755);
        EXPECT_EQ("open_creat_regular", S_ISREG(st.st_mode), 1);
        EXPECT_EQ("open_creat_empty", st.st_size, 0);
        close(fd);
        umask(old);
    }
    {
        int fd = sys_open("f", O_RDONLY);
        char buf[8] = {0};
        SETUP(fd);
        EXPECT_ERRNO("open_rdonly_write_ebadf", write(fd, "x", 1), EBADF);
        EXPECT_EQ("open_rdonly_read", read(fd, buf, sizeof buf), 5);
        close(fd);
        fd = sys_open("f", O_WRONLY);
        SETUP(fd);
        EXPECT_ERRNO("open_wronly_read_ebadf", read(fd, buf, 1), EBADF);
        close(fd);
    }
    {
        /* O_TRUNC empties; O_APPEND writes at the end whatever the offset. */
        make_file("t", "0123456789", 10);
        int fd = sys_open("t", O_WRONLY | O_TRUNC);
        struct stat st;
        SETUP(fd);
        SETUP(fstat(fd, &st));
        EXPECT_EQ("open_o_trunc_size", st.st_size, 0);
        close(fd);
        make_file("a", "abc", 3);
        fd = sys_open("a", O_WRONLY | O_APPEND);
        SETUP(fd);
        SETUP(lseek(fd, 0, SEEK_SET));
        EXPECT_EQ("open_o_append_write", write(fd, "de", 2), 2);
        EXPECT_EQ("open_o_append_offset", lseek(fd, 0, SEEK_CUR), 5);
        char buf[8] = {0};
        int r = sys_open("a", O_RDONLY);
        SETUP(r);
        ssize_t n = read(r, buf, sizeof buf);
        CHECK("open_o_append_content", n == 5 && memcmp(buf, "abcde", 5) == 0, "read %zd", n);
        close(r);
        EXPECT_EQ("open_o_append_fcntl_flag", fcntl(fd, F_GETFL) & O_APPEND, O_APPEND);
        close(fd);
    }
    {
        int fd = sys_open("f", O_RDONLY | O_CLOEXEC);
        SETUP(fd);
        EXPECT_EQ("open_o_cloexec_fd_flag", fcntl(fd, F_GETFD), FD_CLOEXEC);
        close(fd);
        fd = sys_open("f", O_RDONLY);
        SETUP(fd);
        EXPECT_EQ("open_no_cloexec_fd_flag", fcntl(fd, F_GETFD), 0);
        EXPECT_EQ("open_getfl_accmode", fcntl(fd, F_GETFL) & O_ACCMODE, O_RDONLY);
        close(fd);
        fd = sys_open("f", O_RDWR | O_NONBLOCK);
        SETUP(fd);
        EXPECT_EQ("open_getfl_nonblock", fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDWR | O_NONBLOCK);
        close(fd);
    }
    {
        /* The lowest free descriptor is used. */
        int a = sys_open("f", O_RDONLY), b = sys_open("f", O_RDONLY);
        SETUP(a);
        SETUP(b);
        close(a);
        int c = sys_open("f", O_RDONLY);
        EXPECT_EQ("open_lowest_free_fd", c, a);
        close(b);
        close(c);
    }
    {
        /* O_PATH: no I/O, but fstat and use as a dirfd work. */
        int fd = sys_open("f", O_PATH);
        char c;
        struct stat st;
        SETUP(fd);
        EXPECT_ERRNO("open_o_path_read_ebadf", read(fd, &c, 1), EBADF);
        EXPECT_OK("open_o_path_fstat", fstat(fd, &st));
        close(fd);
        int dfd = sys_open("d", O_PATH | O_DIRECTORY);
        SETUP(dfd);
        int f2 = openat(dfd, "x", O_CREAT | O_WRONLY, 0600);
        CHECK("open_o_path_as_dirfd", f2 >= 0, "failed with %s", errname(errno));
        if (f2 >= 0)
            close(f2);
        close(dfd);
        fd = sys_open("link_f", O_PATH | O_NOFOLLOW);
        SETUP(fd);
        SETUP(fstat(fd, &st));
        EXPECT_EQ("open_o_path_nofollow_symlink", S_ISLNK(st.st_mode), 1);
        close(fd);
    }
    {
        /* O_TMPFILE: an unnamed file in a directory; linkat gives it a name. */
        int fd = sys_open("d", O_TMPFILE | O_RDWR, 0600);
        if (fd < 0 && errno == EOPNOTSUPP) {
            skip("open_o_tmpfile", "filesystem lacks O_TMPFILE");
        } else {
            struct stat st;
            CHECK("open_o_tmpfile", fd >= 0, "failed with %s", errname(errno));
            SETUP(fstat(fd, &st));
            EXPECT_EQ("open_o_tmpfile_nlink0", st.st_nlink, 0);
            EXPECT_EQ("open_o_tmpfile_write", write(fd, "tmp", 3), 3);
            char proc[64];
            snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
            EXPECT_OK("open_o_tmpfile_linkat", linkat(AT_FDCWD, proc, AT_FDCWD, "d/named", AT_SYMLINK_FOLLOW));
            EXPECT_EQ("open_o_tmpfile_linked_size", stat("d/named", &st) == 0 ? st.st_size : -1, 3);
            close(fd);
            fd = sys_open("d", O_TMPFILE | O_RDWR | O_EXCL, 0600);
            snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
            EXPECT_ERRNO("open_o_tmpfile_excl_no_link", linkat(AT_FDCWD, proc, AT_FDCWD, "d/named2", AT_SYMLINK_FOLLOW), ENOENT);
            close(fd);
        }
        EXPECT_ERRNO("open_o_tmpfile_on_file", sys_open("f", O_TMPFILE | O_RDWR, 0600), ENOTDIR);
    }

    COVERS("creat");
    {
        int fd = creat("c", 0600);
        struct stat st;
        CHECK("creat_new", fd >= 0, "failed with %s", errname(errno));
        EXPECT_EQ("creat_wronly", fcntl(fd, F_GETFL) & O_ACCMODE, O_WRONLY);
        close(fd);
        make_file("c2", "data", 4);
        fd = creat("c2", 0600);
        SETUP(fstat(fd, &st));
        EXPECT_EQ("creat_truncates", st.st_size, 0);
        close(fd);
        EXPECT_ERRNO("creat_eisdir", creat("d", 0600), EISDIR);
        EXPECT_ERRNO("creat_enoent_parent", creat("nodir/x", 0600), ENOENT);
    }

    COVERS("openat");
    {
        int dfd = open("d", O_RDONLY | O_DIRECTORY);
        int ffd = open("f", O_RDONLY);
        SETUP(dfd);
        SETUP(ffd);
        int fd = openat(dfd, "in_d", O_CREAT | O_WRONLY, 0644);
        struct stat st;
        CHECK("openat_relative_to_dirfd", fd >= 0, "failed with %s", errname(errno));
        EXPECT_EQ("openat_created_in_dir", stat("d/in_d", &st), 0);
        close(fd);
        EXPECT_ERRNO("openat_enotdir_dirfd_file", openat(ffd, "x", O_RDONLY), ENOTDIR);
        EXPECT_ERRNO("openat_ebadf", openat(999, "x", O_RDONLY), EBADF);
        EXPECT_ERRNO("openat_ebadf_negative", openat(-5, "x", O_RDONLY), EBADF);
        EXPECT_OK("openat_absolute_ignores_dirfd", openat(999, "/", O_RDONLY));
        EXPECT_OK("openat_at_fdcwd", openat(AT_FDCWD, "f", O_RDONLY));
        EXPECT_ERRNO("openat_efault", openat(AT_FDCWD, BAD_PTR, O_RDONLY), EFAULT);
        EXPECT_OK("openat_dotdot", openat(dfd, "../f", O_RDONLY));
        close(dfd);
        close(ffd);
    }

    COVERS("openat2");
    {
        int dfd = open("d", O_RDONLY | O_DIRECTORY);
        SETUP(dfd);
        SETUP(symlink("/etc", "d/abs_link"));
        SETUP(symlink("../f", "d/up_link"));
        struct open_how how = {.flags = O_RDONLY};
        long fd = openat2_(dfd, "in_d", &how, sizeof how);
        CHECK("openat2_plain", fd >= 0, "failed with %s", errname(errno));
        if (fd >= 0)
            close(fd);
        how = (struct open_how){.flags = O_RDONLY, .resolve = RESOLVE_BENEATH};
        EXPECT_ERRNO("openat2_beneath_dotdot_exdev", openat2_(dfd, "../f", &how, sizeof how), EXDEV);
        EXPECT_ERRNO("openat2_beneath_absolute_exdev", openat2_(dfd, "/etc/passwd", &how, sizeof how), EXDEV);
        EXPECT_ERRNO("openat2_beneath_symlink_up_exdev", openat2_(dfd, "up_link", &how, sizeof how), EXDEV);
        EXPECT_OK("openat2_beneath_inside", openat2_(dfd, "in_d", &how, sizeof how));
        how = (struct open_how){.flags = O_RDONLY, .resolve = RESOLVE_NO_SYMLINKS};
        EXPECT_ERRNO("openat2_no_symlinks_eloop", openat2_(AT_FDCWD, "link_f", &how, sizeof how), ELOOP);
        EXPECT_ERRNO("openat2_no_symlinks_dir_eloop", openat2_(AT_FDCWD, "link_d/in_d", &how, sizeof how), ELOOP);
        EXPECT_OK("openat2_no_symlinks_plain", openat2_(AT_FDCWD, "f", &how, sizeof how));
        how = (struct open_how){.flags = O_RDONLY, .resolve = RESOLVE_IN_ROOT};
        make_file("d/passwd_here", "x", 1);
        EXPECT_OK("openat2_in_root_absolute", openat2_(dfd, "/passwd_here", &how, sizeof how));
        EXPECT_OK("openat2_in_root_dotdot_clamped", openat2_(dfd, "../../in_d", &how, sizeof how));
        EXPECT_ERRNO("openat2_in_root_abs_symlink", openat2_(dfd, "abs_link/passwd", &how, sizeof how), ENOENT);
        how = (struct open_how){.flags = O_RDONLY, .resolve = RESOLVE_NO_MAGICLINKS};
        {
            char proc[64];
            int ffd = open("f", O_RDONLY);
            snprintf(proc, sizeof proc, "/proc/self/fd/%d", ffd);
            EXPECT_ERRNO("openat2_no_magiclinks", openat2_(AT_FDCWD, proc, &how, sizeof how), ELOOP);
            close(ffd);
        }
        how = (struct open_how){.flags = O_RDONLY, .resolve = RESOLVE_NO_XDEV};
        EXPECT_OK("openat2_no_xdev_same_mount", openat2_(AT_FDCWD, "f", &how, sizeof how));
        how = (struct open_how){.flags = O_RDONLY, .resolve = 0x1000};
        EXPECT_ERRNO("openat2_einval_unknown_resolve", openat2_(AT_FDCWD, "f", &how, sizeof how), EINVAL);
        how = (struct open_how){.flags = O_RDONLY | (1ULL << 40)};
        EXPECT_ERRNO("openat2_einval_unknown_flags", openat2_(AT_FDCWD, "f", &how, sizeof how), EINVAL);
        how = (struct open_how){.flags = O_RDONLY, .mode = 0644};
        EXPECT_ERRNO("openat2_einval_mode_without_creat", openat2_(AT_FDCWD, "f", &how, sizeof how), EINVAL);
        how = (struct open_how){.flags = O_CREAT | O_WRONLY, .mode = 010000};
        EXPECT_ERRNO("openat2_einval_bad_mode_bits", openat2_(AT_FDCWD, "nm", &how, sizeof how), EINVAL);
        how = (struct open_how){.flags = O_RDONLY};
        EXPECT_ERRNO("openat2_einval_small_size", openat2_(AT_FDCWD, "f", &how, 8), EINVAL);
        {
            struct {
                struct open_how how;
                uint64_t extra;
            } big = {.how = {.flags = O_RDONLY}, .extra = 1};
            EXPECT_ERRNO("openat2_e2big_nonzero_tail", openat2_(AT_FDCWD, "f", &big.how, sizeof big), E2BIG);
            big.extra = 0;
            EXPECT_OK("openat2_zero_tail_ok", openat2_(AT_FDCWD, "f", &big.how, sizeof big));
        }
        EXPECT_ERRNO("openat2_efault_how", openat2_(AT_FDCWD, "f", BAD_PTR, sizeof how), EFAULT);
        close(dfd);
    }

    COVERS("close");
    {
        int fd = open("f", O_RDONLY);
        SETUP(fd);
        EXPECT_EQ("close_ok", close(fd), 0);
        EXPECT_ERRNO("close_twice_ebadf", close(fd), EBADF);
        EXPECT_ERRNO("close_negative_ebadf", close(-1), EBADF);
        EXPECT_ERRNO("close_huge_ebadf", close(1 << 20), EBADF);
    }

    COVERS("close_range");
    {
        int base = open("f", O_RDONLY);
        SETUP(base);
        int fds[4];
        for (int i = 0; i < 4; i++)
            fds[i] = dup(base);
        EXPECT_EQ("close_range_closes", syscall(SYS_close_range, fds[0], fds[1], 0), 0);
        EXPECT_ERRNO("close_range_closed_first", fcntl(fds[0], F_GETFD), EBADF);
        EXPECT_ERRNO("close_range_closed_last", fcntl(fds[1], F_GETFD), EBADF);
        EXPECT_OK("close_range_kept_next", fcntl(fds[2], F_GETFD));
        EXPECT_EQ("close_range_cloexec", syscall(SYS_close_range, fds[2], fds[2], CLOSE_RANGE_CLOEXEC), 0);
        EXPECT_EQ("close_range_cloexec_set", fcntl(fds[2], F_GETFD), FD_CLOEXEC);
        EXPECT_ERRNO("close_range_einval_reversed", syscall(SYS_close_range, 10, 5, 0), EINVAL);
        EXPECT_ERRNO("close_range_einval_flags", syscall(SYS_close_range, fds[3], fds[3], 0x8), EINVAL);
        EXPECT_EQ("close_range_empty_ok", syscall(SYS_close_range, 5000, 6000, 0), 0);
        EXPECT_EQ("close_range_to_max", syscall(SYS_close_range, fds[3], ~0U, 0), 0);
        EXPECT_ERRNO("close_range_closed_to_max", fcntl(fds[3], F_GETFD), EBADF);
    }

    /* Unprivileged callers: permission bits apply. */
    make_perm_fixtures();
    SETUP(mkdir("ro_dir", 0555));
    EXPECT_OK("open_root_ignores_mode000", sys_open("m000", O_RDWR));
    int status = as_nobody(nobody_cases);
    CHECK("as_nobody_ran", status == 0, "status %d", status);
    return conf_end();
}

/* Directories: mkdir, rmdir, getdents, chdir, getcwd, mknod, chroot. */
#include "conformance.h"
#include <dirent.h>
#include <sys/sysmacros.h>

struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

/* Lists directory `fd` with getdents64 and a `bufsize` buffer; returns the
 * number of entries and the sorted names joined by ',' in `names`. */
static int list(int fd, size_t bufsize, char *names, size_t cap, int *calls)
{
    char buf[4096];
    char all[64][64];
    int n = 0;
    *calls = 0;
    for (;;) {
        long r = syscall(SYS_getdents64, fd, buf, bufsize);
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        (*calls)++;
        for (long off = 0; off < r;) {
            struct linux_dirent64 *d = (void *)(buf + off);
            if (n < 64)
                snprintf(all[n++], 64, "%s:%c", d->d_name, d->d_type == DT_DIR ? 'd' : d->d_type == DT_REG ? 'f' : d->d_type == DT_LNK ? 'l' : '?');
            off += d->d_reclen;
        }
    }
    qsort(all, n, 64, (int (*)(const void *, const void *))strcmp);
    names[0] = 0;
    for (int i = 0; i < n; i++) {
        strncat(names, all[i], cap - strlen(names) - 1);
        strncat(names, ",", cap - strlen(names) - 1);
    }
    return n;
}

/* glibc's mknod() issues mknodat; the mknod cases call mknod itself. */
#define sys_mknod(p, mode, dev) syscall(SYS_mknod, p, mode, dev)

static void nobody_cases(void)
{
    EXPECT_ERRNO("mkdir_nobody_eacces", mkdir("ro/x", 0755), EACCES);
    EXPECT_ERRNO("rmdir_nobody_eacces", rmdir("ro/sub"), EACCES);
    EXPECT_ERRNO("chdir_nobody_eacces", chdir("noexec"), EACCES);
    EXPECT_ERRNO("chroot_nobody_eperm", chroot("."), EPERM);
    EXPECT_ERRNO("mknod_nobody_eperm_chr", sys_mknod("sticky/cdev", S_IFCHR | 0600, makedev(1, 3)), EPERM);
    EXPECT_ERRNO("rmdir_nobody_sticky_eperm", rmdir("sticky/rootdir"), EPERM);
    EXPECT_ERRNO("opendir_nobody_eacces_read", open("noread", O_RDONLY | O_DIRECTORY), EACCES);
}

int main(void)
{
    conf_begin("fs_dir");
    struct stat st;
    char names[1024];
    int calls;

    COVERS("mkdir");
    EXPECT_EQ("mkdir_ok", mkdir("d", 0755), 0);
    EXPECT_EQ("mkdir_is_dir", stat("d", &st) == 0 && S_ISDIR(st.st_mode), 1);
    EXPECT_EQ("mkdir_nlink_2", st.st_nlink, 2);
    EXPECT_ERRNO("mkdir_eexist", mkdir("d", 0755), EEXIST);
    EXPECT_ERRNO("mkdir_enoent_parent", mkdir("nope/x", 0755), ENOENT);
    make_file("f", "x", 1);
    EXPECT_ERRNO("mkdir_enotdir", mkdir("f/x", 0755), ENOTDIR);
    EXPECT_ERRNO("mkdir_eexist_file", mkdir("f", 0755), EEXIST);
    EXPECT_ERRNO("mkdir_efault", mkdir(BAD_PTR, 0755), EFAULT);
    EXPECT_EQ("mkdir_trailing_slash", mkdir("d2/", 0755), 0);
    EXPECT_EQ("mkdir_parent_nlink_grows", stat(".", &st) == 0 ? (long)st.st_nlink : -1, 4);
    SETUP(symlink("d", "link_d"));
    EXPECT_ERRNO("mkdir_eexist_symlink", mkdir("link_d", 0755), EEXIST);
    {
        mode_t old = umask(0);
        SETUP(mkdir("sticky", 01777));
        EXPECT_EQ("mkdir_keeps_sticky", stat("sticky", &st) == 0 ? (long)(st.st_mode & 07777) : -1, 01777);
        umask(old);
    }

    COVERS("mkdirat");
    {
        int dfd = open("d", O_RDONLY | O_DIRECTORY);
        EXPECT_EQ("mkdirat_ok", mkdirat(dfd, "sub", 0700), 0);
        EXPECT_EQ("mkdirat_visible", stat("d/sub", &st) == 0 && S_ISDIR(st.st_mode), 1);
        EXPECT_ERRNO("mkdirat_ebadf", mkdirat(999, "x", 0700), EBADF);
        close(dfd);
    }

    COVERS("rmdir");
    SETUP(mkdir("e", 0755));
    EXPECT_EQ("rmdir_ok", rmdir("e"), 0);
    EXPECT_ERRNO("rmdir_gone", stat("e", &st), ENOENT);
    EXPECT_ERRNO("rmdir_enotempty", rmdir("d"), ENOTEMPTY);
    EXPECT_ERRNO("rmdir_enotdir", rmdir("f"), ENOTDIR);
    EXPECT_ERRNO("rmdir_enoent", rmdir("missing"), ENOENT);
    EXPECT_ERRNO("rmdir_einval_dot", rmdir("d/sub/."), EINVAL);
    EXPECT_ERRNO("rmdir_enotempty_dotdot", rmdir("d/sub/.."), ENOTEMPTY);
    EXPECT_ERRNO("rmdir_enotdir_symlink", rmdir("link_d"), ENOTDIR);
    EXPECT_ERRNO("rmdir_efault", rmdir(BAD_PTR), EFAULT);

    COVERS("getdents64");
    {
        SETUP(mkdir("ls", 0755));
        make_file("ls/a", "", 0);
        make_file("ls/bb", "", 0);
        SETUP(mkdir("ls/c", 0755));
        SETUP(symlink("a", "ls/l"));
        int fd = open("ls", O_RDONLY | O_DIRECTORY);
        SETUP(fd);
        int n = list(fd, 4096, names, sizeof names, &calls);
        EXPECT_EQ("getdents64_count", n, 6);
        CHECK("getdents64_names_types", strcmp(names, "..:d,.:d,a:f,bb:f,c:d,l:l,") == 0, "got %s", names);
        EXPECT_EQ("getdents64_eof_zero", syscall(SYS_getdents64, fd, names, 4096), 0);
        SETUP(lseek(fd, 0, SEEK_SET));
        n = list(fd, 32, names, sizeof names, &calls);
        EXPECT_EQ("getdents64_small_buffer_all_entries", n, 6);
        EXPECT_EQ("getdents64_small_buffer_one_per_call", calls, 6);
        SETUP(lseek(fd, 0, SEEK_SET));
        EXPECT_ERRNO("getdents64_einval_tiny_buffer", syscall(SYS_getdents64, fd, names, 8), EINVAL);
        EXPECT_ERRNO("getdents64_efault", syscall(SYS_getdents64, fd, BAD_PTR, 4096), EFAULT);
        EXPECT_ERRNO("getdents64_ebadf", syscall(SYS_getdents64, 999, names, 4096), EBADF);
        int ffd = open("f", O_RDONLY);
        EXPECT_ERRNO("getdents64_enotdir", syscall(SYS_getdents64, ffd, names, 4096), ENOTDIR);
        close(ffd);
        /* Entries created after a rewind appear; removed ones vanish. */
        SETUP(unlink("ls/bb"));
        make_file("ls/new", "", 0);
        SETUP(lseek(fd, 0, SEEK_SET));
        list(fd, 4096, names, sizeof names, &calls);
        CHECK("getdents64_after_changes", strcmp(names, "..:d,.:d,a:f,c:d,l:l,new:f,") == 0, "got %s", names);
        close(fd);
        /* An empty directory lists . and .. only; a removed one lists nothing. */
        SETUP(mkdir("empty", 0755));
        fd = open("empty", O_RDONLY | O_DIRECTORY);
        EXPECT_EQ("getdents64_empty_dir", list(fd, 4096, names, sizeof names, &calls), 2);
        SETUP(rmdir("empty"));
        SETUP(lseek(fd, 0, SEEK_SET));
        EXPECT_ERRNO("getdents64_removed_dir_enoent", syscall(SYS_getdents64, fd, names, sizeof names), ENOENT);
        close(fd);
    }

    COVERS("getdents");
    {
        char buf[4096];
        int fd = open("ls", O_RDONLY | O_DIRECTORY);
        long r = syscall(SYS_getdents, fd, buf, sizeof buf);
        EXPECT_EQ("getdents_returns_bytes", r > 0, 1);
        SETUP(lseek(fd, 0, SEEK_SET));
        EXPECT_ERRNO("getdents_einval_tiny", syscall(SYS_getdents, fd, buf, 4), EINVAL);
        EXPECT_ERRNO("getdents_ebadf", syscall(SYS_getdents, 999, buf, sizeof buf), EBADF);
        close(fd);
    }

    COVERS("getcwd");
    {
        char cwd[PATH_MAX], want[PATH_MAX + 8];
        EXPECT_EQ("getcwd_ok", getcwd(cwd, sizeof cwd) != NULL, 1);
        EXPECT_EQ("getcwd_is_tmpdir", strcmp(cwd, conf_tmpdir), 0);
        EXPECT_EQ("getcwd_syscall_len", syscall(SYS_getcwd, cwd, sizeof cwd), (long)strlen(conf_tmpdir) + 1);
        EXPECT_ERRNO("getcwd_erange", syscall(SYS_getcwd, cwd, 2), ERANGE);
        EXPECT_ERRNO("getcwd_erange_zero", syscall(SYS_getcwd, cwd, 0), ERANGE);
        EXPECT_ERRNO("getcwd_efault", syscall(SYS_getcwd, BAD_PTR, sizeof cwd), EFAULT);

        COVERS("chdir");
        EXPECT_EQ("chdir_ok", chdir("d"), 0);
        snprintf(want, sizeof want, "%s/d", conf_tmpdir);
        EXPECT_EQ("chdir_getcwd", getcwd(cwd, sizeof cwd) != NULL && strcmp(cwd, want) == 0, 1);
        EXPECT_EQ("chdir_dotdot", chdir(".."), 0);
        EXPECT_EQ("chdir_dotdot_getcwd", getcwd(cwd, sizeof cwd) != NULL && strcmp(cwd, conf_tmpdir) == 0, 1);
        EXPECT_EQ("chdir_symlink_resolved", chdir("link_d") == 0 && getcwd(cwd, sizeof cwd) != NULL && strcmp(cwd, want) == 0, 1);
        SETUP(chdir(conf_tmpdir));
        EXPECT_ERRNO("chdir_enotdir", chdir("f"), ENOTDIR);
        EXPECT_ERRNO("chdir_enoent", chdir("missing"), ENOENT);
        EXPECT_ERRNO("chdir_efault", chdir(BAD_PTR), EFAULT);
        EXPECT_EQ("chdir_root", chdir("/") == 0 && getcwd(cwd, sizeof cwd) != NULL && strcmp(cwd, "/") == 0, 1);
        EXPECT_EQ("chdir_root_dotdot_stays", chdir("..") == 0 && getcwd(cwd, sizeof cwd) != NULL && strcmp(cwd, "/") == 0, 1);
        SETUP(chdir(conf_tmpdir));

        COVERS("fchdir");
        int dfd = open("d", O_RDONLY | O_DIRECTORY);
        EXPECT_EQ("fchdir_ok", fchdir(dfd), 0);
        EXPECT_EQ("fchdir_getcwd", getcwd(cwd, sizeof cwd) != NULL && strcmp(cwd, want) == 0, 1);
        SETUP(chdir(conf_tmpdir));
        int ffd = open("f", O_RDONLY);
        EXPECT_ERRNO("fchdir_enotdir", fchdir(ffd), ENOTDIR);
        EXPECT_ERRNO("fchdir_ebadf", fchdir(999), EBADF);
        close(ffd);
        close(dfd);
        /* The cwd may be removed; getcwd then fails with ENOENT. */
        SETUP(mkdir("doomed", 0755));
        SETUP(chdir("doomed"));
        SETUP(rmdir("../doomed"));
        EXPECT_ERRNO("getcwd_removed_enoent", syscall(SYS_getcwd, cwd, sizeof cwd), ENOENT);
        EXPECT_ERRNO("removed_cwd_create_enoent", open("x", O_CREAT | O_WRONLY, 0644), ENOENT);
        SETUP(chdir(conf_tmpdir));
    }

    COVERS("mknod", "mknodat");
    EXPECT_EQ("mknod_fifo", sys_mknod("fifo", S_IFIFO | 0644, 0), 0);
    EXPECT_EQ("mknod_fifo_type", stat("fifo", &st) == 0 && S_ISFIFO(st.st_mode), 1);
    EXPECT_EQ("mknod_regular", sys_mknod("reg", S_IFREG | 0600, 0), 0);
    EXPECT_EQ("mknod_regular_type", stat("reg", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0, 1);
    EXPECT_EQ("mknod_zero_type_regular", sys_mknod("reg0", 0600, 0) == 0 && stat("reg0", &st) == 0 && S_ISREG(st.st_mode), 1);
    EXPECT_ERRNO("mknod_eexist", sys_mknod("fifo", S_IFIFO | 0644, 0), EEXIST);
    EXPECT_ERRNO("mknod_eperm_dir_type", sys_mknod("dd", S_IFDIR | 0755, 0), EPERM);
    EXPECT_ERRNO("mknod_einval_bad_type", sys_mknod("bt", 0170000 | 0644, 0), EINVAL);
    EXPECT_EQ("mknod_chr_root", sys_mknod("null", S_IFCHR | 0666, makedev(1, 3)), 0);
    EXPECT_EQ("mknod_chr_rdev", stat("null", &st) == 0 ? (long)(major(st.st_rdev) * 100 + minor(st.st_rdev)) : -1, 103);
    {
        int dfd = open("d", O_RDONLY | O_DIRECTORY);
        EXPECT_EQ("mknodat_fifo", mknodat(dfd, "fifo", S_IFIFO | 0600, 0), 0);
        EXPECT_EQ("mknodat_visible", stat("d/fifo", &st) == 0 && S_ISFIFO(st.st_mode), 1);
        EXPECT_ERRNO("mknodat_ebadf", mknodat(999, "x", S_IFIFO | 0600, 0), EBADF);
        close(dfd);
    }

    COVERS("chroot");
    EXPECT_ERRNO("chroot_enoent", chroot("missing"), ENOENT);
    EXPECT_ERRNO("chroot_enotdir", chroot("f"), ENOTDIR);
    EXPECT_ERRNO("chroot_efault", chroot(BAD_PTR), EFAULT);

    SETUP(mkdir("ro", 0555));
    SETUP(mkdir("ro/sub", 0755));
    SETUP(mkdir("noexec", 0644));
    SETUP(mkdir("noread", 0311));
    SETUP(mkdir("sticky/rootdir", 0755));
    SETUP(chmod(".", 0755));
    int status = as_nobody(nobody_cases);
    CHECK("as_nobody_ran", status == 0, "status %d", status);
    return conf_end();
}

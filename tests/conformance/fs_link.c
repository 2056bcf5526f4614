/* Names: link, unlink, symlink, readlink, rename and their *at forms. */
#include "conformance.h"
#include <linux/fs.h>

static char long_name[NAME_MAX + 2];

static int exists(const char *p)
{
    struct stat st;
    return lstat(p, &st) == 0;
}

static long content_of(const char *p)
{
    char c = 0;
    int fd = open(p, O_RDONLY);
    if (fd < 0)
        return -1;
    long n = read(fd, &c, 1);
    close(fd);
    return n == 1 ? c : -1;
}

static void nobody_cases(void)
{
    EXPECT_ERRNO("unlink_nobody_eacces", unlink("ro/f"), EACCES);
    EXPECT_ERRNO("unlink_nobody_sticky_eperm", unlink("sticky/rootfile"), EPERM);
    EXPECT_ERRNO("rename_nobody_eacces", rename("ro/f", "sticky/moved"), EACCES);
    EXPECT_ERRNO("symlink_nobody_eacces", symlink("x", "ro/l"), EACCES);
    EXPECT_ERRNO("link_nobody_protected_hardlinks", link("ro/f", "sticky/hl"), EPERM);
}

int main(void)
{
    conf_begin("fs_link");
    struct stat st;
    char buf[PATH_MAX];
    memset(long_name, 'n', NAME_MAX + 1);
    make_file("f", "F", 1);
    make_file("g", "G", 1);
    SETUP(mkdir("d", 0755));
    SETUP(mkdir("e", 0755));
    make_file("e/x", "X", 1);

    COVERS("link");
    EXPECT_EQ("link_ok", link("f", "f2"), 0);
    EXPECT_EQ("link_nlink_2", stat("f", &st) == 0 ? (long)st.st_nlink : -1, 2);
    EXPECT_EQ("link_same_inode", content_of("f2"), 'F');
    EXPECT_ERRNO("link_eexist", link("f", "g"), EEXIST);
    EXPECT_ERRNO("link_enoent", link("missing", "m2"), ENOENT);
    EXPECT_ERRNO("link_eperm_dir", link("d", "d2"), EPERM);
    EXPECT_ERRNO("link_enoent_target_parent", link("f", "nodir/x"), ENOENT);
    EXPECT_ERRNO("link_efault", link(BAD_PTR, "x"), EFAULT);
    EXPECT_ERRNO("link_enametoolong", link("f", long_name), ENAMETOOLONG);
    SETUP(symlink("f", "sl"));
    EXPECT_EQ("link_symlink_not_followed", link("sl", "sl2") == 0 && lstat("sl2", &st) == 0 && S_ISLNK(st.st_mode), 1);

    COVERS("linkat");
    EXPECT_EQ("linkat_follow", linkat(AT_FDCWD, "sl", AT_FDCWD, "fl", AT_SYMLINK_FOLLOW) == 0 && lstat("fl", &st) == 0 && S_ISREG(st.st_mode), 1);
    EXPECT_ERRNO("linkat_einval_flags", linkat(AT_FDCWD, "f", AT_FDCWD, "z", 0x1), EINVAL);
    {
        int fd = open("g", O_RDONLY);
        EXPECT_EQ("linkat_empty_path", linkat(fd, "", AT_FDCWD, "g2", AT_EMPTY_PATH), 0);
        EXPECT_EQ("linkat_empty_path_same", content_of("g2"), 'G');
        close(fd);
        int dfd = open("d", O_RDONLY | O_DIRECTORY);
        EXPECT_EQ("linkat_dirfds", linkat(AT_FDCWD, "f", dfd, "inner", 0), 0);
        EXPECT_EQ("linkat_dirfds_visible", content_of("d/inner"), 'F');
        EXPECT_ERRNO("linkat_ebadf", linkat(999, "f", AT_FDCWD, "q", 0), EBADF);
        close(dfd);
    }

    COVERS("unlink");
    EXPECT_EQ("unlink_ok", unlink("f2"), 0);
    EXPECT_EQ("unlink_gone", exists("f2"), 0);
    EXPECT_EQ("unlink_nlink_drops", stat("f", &st) == 0 ? (long)st.st_nlink : -1, 3);
    EXPECT_ERRNO("unlink_enoent", unlink("f2"), ENOENT);
    EXPECT_ERRNO("unlink_eisdir", unlink("d"), EISDIR);
    EXPECT_ERRNO("unlink_enotdir", unlink("f/x"), ENOTDIR);
    EXPECT_ERRNO("unlink_efault", unlink(BAD_PTR), EFAULT);
    EXPECT_EQ("unlink_symlink_not_target", unlink("sl2") == 0 && exists("f"), 1);
    {
        /* An open file stays readable after its last name is gone. */
        make_file("open_unlinked", "U", 1);
        int fd = open("open_unlinked", O_RDONLY);
        SETUP(unlink("open_unlinked"));
        char c = 0;
        EXPECT_EQ("unlink_open_file_readable", read(fd, &c, 1) == 1 ? c : -1, 'U');
        EXPECT_EQ("unlink_open_file_nlink0", fstat(fd, &st) == 0 ? (long)st.st_nlink : -1, 0);
        close(fd);
    }

    COVERS("unlinkat");
    {
        int dfd = open("d", O_RDONLY | O_DIRECTORY);
        EXPECT_EQ("unlinkat_file", unlinkat(dfd, "inner", 0), 0);
        SETUP(mkdir("d/sub", 0755));
        EXPECT_ERRNO("unlinkat_dir_without_flag", unlinkat(dfd, "sub", 0), EISDIR);
        EXPECT_EQ("unlinkat_removedir", unlinkat(dfd, "sub", AT_REMOVEDIR), 0);
        EXPECT_ERRNO("unlinkat_removedir_on_file", unlinkat(AT_FDCWD, "g2", AT_REMOVEDIR), ENOTDIR);
        EXPECT_ERRNO("unlinkat_einval_flags", unlinkat(dfd, "x", 0x1), EINVAL);
        EXPECT_ERRNO("unlinkat_ebadf", unlinkat(999, "x", 0), EBADF);
        EXPECT_ERRNO("unlinkat_removedir_enotempty", unlinkat(AT_FDCWD, "e", AT_REMOVEDIR), ENOTEMPTY);
        close(dfd);
    }

    COVERS("symlink");
    EXPECT_EQ("symlink_ok", symlink("target/does/not/exist", "dangling"), 0);
    EXPECT_EQ("symlink_is_link", lstat("dangling", &st) == 0 && S_ISLNK(st.st_mode), 1);
    EXPECT_EQ("symlink_size_is_target_len", st.st_size, 21);
    EXPECT_ERRNO("symlink_eexist", symlink("x", "f"), EEXIST);
    EXPECT_ERRNO("symlink_enoent_empty_target", symlink("", "empty"), ENOENT);
    EXPECT_ERRNO("symlink_enoent_parent", symlink("x", "nodir/l"), ENOENT);
    EXPECT_ERRNO("symlink_efault", symlink(BAD_PTR, "l"), EFAULT);
    EXPECT_ERRNO("symlink_enametoolong", symlink("x", long_name), ENAMETOOLONG);
    {
        /* Relative targets resolve from the link's directory. */
        SETUP(symlink("../g", "d/up"));
        EXPECT_EQ("symlink_relative_to_link_dir", content_of("d/up"), 'G');
        /* A chain of 40 links resolves; 41 is ELOOP. */
        char a[16], b[16];
        for (int i = 0; i < 41; i++) {
            snprintf(a, sizeof a, "c%d", i);
            snprintf(b, sizeof b, "c%d", i + 1);
            SETUP(symlink(i == 40 ? "g" : b, a));
        }
        EXPECT_EQ("symlink_chain_40_ok", content_of("c1"), 'G');
        EXPECT_ERRNO("symlink_chain_41_eloop", open("c0", O_RDONLY), ELOOP);
    }

    COVERS("symlinkat");
    {
        int dfd = open("d", O_RDONLY | O_DIRECTORY);
        EXPECT_EQ("symlinkat_ok", symlinkat("../f", dfd, "lf"), 0);
        EXPECT_EQ("symlinkat_resolves", content_of("d/lf"), 'F');
        EXPECT_ERRNO("symlinkat_ebadf", symlinkat("x", 999, "l"), EBADF);
        close(dfd);
    }

    COVERS("readlink");
    EXPECT_EQ("readlink_len", readlink("dangling", buf, sizeof buf), 21);
    CHECK("readlink_content", memcmp(buf, "target/does/not/exist", 21) == 0, "content");
    EXPECT_EQ("readlink_truncates", readlink("dangling", buf, 6), 6);
    CHECK("readlink_truncated_content", memcmp(buf, "target", 6) == 0, "content");
    EXPECT_ERRNO("readlink_einval_not_link", readlink("f", buf, sizeof buf), EINVAL);
    EXPECT_ERRNO("readlink_einval_zero_size", readlink("dangling", buf, 0), EINVAL);
    EXPECT_ERRNO("readlink_enoent", readlink("missing", buf, sizeof buf), ENOENT);
    EXPECT_ERRNO("readlink_efault_buf", readlink("dangling", BAD_PTR, sizeof buf), EFAULT);
    {
        int fd = open("g", O_RDONLY);
        char proc[64], want[PATH_MAX + 8];
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
        snprintf(want, sizeof want, "%s/g", conf_tmpdir);
        long n = readlink(proc, buf, sizeof buf);
        CHECK("readlink_proc_fd", n == (long)strlen(want) && memcmp(buf, want, n) == 0, "got %ld bytes", n);
        close(fd);
    }

    COVERS("readlinkat");
    {
        int dfd = open("d", O_RDONLY | O_DIRECTORY);
        EXPECT_EQ("readlinkat_relative", readlinkat(dfd, "lf", buf, sizeof buf), 4);
        SETUP(symlink("x", "ll"));
        int lfd = open("ll", O_PATH | O_NOFOLLOW);
        EXPECT_EQ("readlinkat_empty_path", readlinkat(lfd, "", buf, sizeof buf), 1);
        EXPECT_ERRNO("readlinkat_ebadf", readlinkat(999, "lf", buf, sizeof buf), EBADF);
        close(lfd);
        close(dfd);
    }

    COVERS("rename");
    make_file("r1", "1", 1);
    EXPECT_EQ("rename_ok", rename("r1", "r2"), 0);
    EXPECT_EQ("rename_old_gone", exists("r1"), 0);
    EXPECT_EQ("rename_new_there", content_of("r2"), '1');
    make_file("r3", "3", 1);
    EXPECT_EQ("rename_replaces", rename("r3", "r2"), 0);
    EXPECT_EQ("rename_replaced_content", content_of("r2"), '3');
    EXPECT_EQ("rename_same_file_noop", rename("r2", "r2"), 0);
    EXPECT_EQ("rename_hardlinks_same_inode_noop", link("r2", "r2b") == 0 && rename("r2", "r2b") == 0 && exists("r2"), 1);
    EXPECT_ERRNO("rename_enoent", rename("missing", "x"), ENOENT);
    EXPECT_ERRNO("rename_eisdir_file_over_dir", rename("r2", "d"), EISDIR);
    EXPECT_ERRNO("rename_enotdir_dir_over_file", rename("d", "r2"), ENOTDIR);
    EXPECT_ERRNO("rename_enotempty", rename("d", "e"), ENOTEMPTY);
    SETUP(mkdir("emptyd", 0755));
    EXPECT_EQ("rename_dir_over_empty_dir", rename("d", "emptyd"), 0);
    EXPECT_EQ("rename_dir_moved", exists("emptyd/lf") && !exists("d"), 1);
    EXPECT_ERRNO("rename_einval_into_self", rename("emptyd", "emptyd/sub"), EINVAL);
    EXPECT_ERRNO("rename_efault", rename(BAD_PTR, "x"), EFAULT);
    EXPECT_ERRNO("rename_ebusy_dot", rename("e/.", "ee"), EBUSY);

    EXPECT_ERRNO("rename_exdev_to_proc", rename("r2", "/proc/r2"), EXDEV);
    EXPECT_EQ("rename_file_into_other_dir", mkdir("other", 0755) == 0 && rename("r2", "other/r2") == 0 && content_of("other/r2") == '3', 1);
    EXPECT_ERRNO("rename_enoent_target_parent", rename("other/r2", "nodir/r2"), ENOENT);
    EXPECT_ERRNO("rename_enotdir_trailing_slash_file", rename("other/r2", "other/r3/"), ENOTDIR);

    COVERS("renameat");
    {
        int dfd = open("e", O_RDONLY | O_DIRECTORY);
        EXPECT_EQ("renameat_across_dirfds", renameat(dfd, "x", AT_FDCWD, "x_moved"), 0);
        EXPECT_EQ("renameat_moved", content_of("x_moved"), 'X');
        EXPECT_ERRNO("renameat_ebadf", renameat(999, "a", AT_FDCWD, "b"), EBADF);
        close(dfd);
    }

    COVERS("renameat2");
    make_file("n1", "a", 1);
    make_file("n2", "b", 1);
    EXPECT_ERRNO("renameat2_noreplace_eexist", renameat2(AT_FDCWD, "n1", AT_FDCWD, "n2", RENAME_NOREPLACE), EEXIST);
    EXPECT_EQ("renameat2_noreplace_new", renameat2(AT_FDCWD, "n1", AT_FDCWD, "n3", RENAME_NOREPLACE), 0);
    EXPECT_EQ("renameat2_exchange", renameat2(AT_FDCWD, "n2", AT_FDCWD, "n3", RENAME_EXCHANGE), 0);
    EXPECT_EQ("renameat2_exchange_swapped", content_of("n2") * 256 + content_of("n3"), 'a' * 256 + 'b');
    EXPECT_ERRNO("renameat2_exchange_missing", renameat2(AT_FDCWD, "n2", AT_FDCWD, "n9", RENAME_EXCHANGE), ENOENT);
    EXPECT_ERRNO("renameat2_einval_both", renameat2(AT_FDCWD, "n2", AT_FDCWD, "n3", RENAME_EXCHANGE | RENAME_NOREPLACE), EINVAL);
    EXPECT_ERRNO("renameat2_einval_flags", renameat2(AT_FDCWD, "n2", AT_FDCWD, "n3", 0x100), EINVAL);
    EXPECT_EQ("renameat2_exchange_dir_and_file", renameat2(AT_FDCWD, "e", AT_FDCWD, "n2", RENAME_EXCHANGE) == 0 && stat("e", &st) == 0 && S_ISREG(st.st_mode), 1);
    EXPECT_EQ("renameat2_zero_flags", renameat2(AT_FDCWD, "n3", AT_FDCWD, "n4", 0), 0);

    SETUP(mkdir("ro", 0555));
    SETUP(chmod("ro", 0755));
    make_file("ro/f", "x", 1);
    SETUP(chmod("ro", 0555));
    SETUP(mkdir("sticky", 01777));
    SETUP(chmod("sticky", 01777));
    make_file("sticky/rootfile", "x", 1);
    SETUP(chmod(".", 0755));
    int status = as_nobody(nobody_cases);
    CHECK("as_nobody_ran", status == 0, "status %d", status);
    return conf_end();
}

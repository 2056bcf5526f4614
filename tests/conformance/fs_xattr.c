/* Extended attributes: set/get/list/remove in path, link and fd forms. */
#include "conformance.h"
#include <sys/xattr.h>

static void nobody_cases(void)
{
    EXPECT_ERRNO("setxattr_nobody_eacces", setxattr("f", "user.n", "v", 1, 0), EACCES);
    EXPECT_ERRNO("setxattr_nobody_trusted_eperm", setxattr("mine", "trusted.t", "v", 1, 0), EPERM);
    EXPECT_EQ("getxattr_nobody_readable", getxattr("f", "user.a", NULL, 0), 3);
}

int main(void)
{
    conf_begin("fs_xattr");
    char buf[256];
    static char big[65537];
    make_file("f", "x", 1);
    SETUP(symlink("f", "l"));
    SETUP(mkdir("d", 0755));
    if (setxattr("f", "user.probe", "", 0, 0) != 0 && errno == EOPNOTSUPP) {
        skip("xattr_supported", "filesystem lacks user xattrs");
        return conf_end();
    }
    SETUP(removexattr("f", "user.probe"));

    COVERS("setxattr");
    EXPECT_EQ("setxattr_ok", setxattr("f", "user.a", "one", 3, 0), 0);
    EXPECT_EQ("setxattr_replace_existing", setxattr("f", "user.a", "two", 3, XATTR_REPLACE), 0);
    EXPECT_ERRNO("setxattr_create_eexist", setxattr("f", "user.a", "x", 1, XATTR_CREATE), EEXIST);
    EXPECT_ERRNO("setxattr_replace_enodata", setxattr("f", "user.none", "x", 1, XATTR_REPLACE), ENODATA);
    EXPECT_ERRNO("setxattr_einval_flags", setxattr("f", "user.b", "x", 1, 0x10), EINVAL);
    EXPECT_ERRNO("setxattr_eopnotsupp_namespace", setxattr("f", "bogus.b", "x", 1, 0), EOPNOTSUPP);
    EXPECT_ERRNO("setxattr_erange_empty_name", setxattr("f", "", "x", 1, 0), ERANGE);
    {
        char name[300];
        memset(name, 'a', sizeof name);
        memcpy(name, "user.", 5);
        name[299] = 0;
        EXPECT_ERRNO("setxattr_erange_long_name", setxattr("f", name, "x", 1, 0), ERANGE);
    }
    EXPECT_ERRNO("setxattr_enoent", setxattr("missing", "user.a", "x", 1, 0), ENOENT);
    EXPECT_ERRNO("setxattr_efault_value", setxattr("f", "user.c", BAD_PTR, 4, 0), EFAULT);
    EXPECT_ERRNO("setxattr_efault_name", setxattr("f", BAD_PTR, "x", 1, 0), EFAULT);
    EXPECT_EQ("setxattr_empty_value", setxattr("f", "user.empty", "", 0, 0), 0);
    EXPECT_EQ("setxattr_on_dir", setxattr("d", "user.dir", "dv", 2, 0), 0);
    EXPECT_EQ("setxattr_follows_symlink", setxattr("l", "user.via_link", "L", 1, 0), 0);
    EXPECT_ERRNO("setxattr_e2big_value", setxattr("f", "user.big", big, 65537, 0), E2BIG);
    EXPECT_EQ("setxattr_trusted_as_root", setxattr("f", "trusted.t", "T", 1, 0), 0);

    COVERS("getxattr");
    EXPECT_EQ("getxattr_size_query", getxattr("f", "user.a", NULL, 0), 3);
    EXPECT_EQ("getxattr_value", getxattr("f", "user.a", buf, sizeof buf), 3);
    CHECK("getxattr_content", memcmp(buf, "two", 3) == 0, "content");
    EXPECT_ERRNO("getxattr_erange_small", getxattr("f", "user.a", buf, 2), ERANGE);
    EXPECT_ERRNO("getxattr_enodata", getxattr("f", "user.none", buf, sizeof buf), ENODATA);
    EXPECT_EQ("getxattr_empty_value", getxattr("f", "user.empty", buf, sizeof buf), 0);
    EXPECT_EQ("getxattr_via_symlink", getxattr("l", "user.via_link", buf, sizeof buf), 1);
    EXPECT_EQ("getxattr_dir", getxattr("d", "user.dir", buf, sizeof buf), 2);
    EXPECT_ERRNO("getxattr_efault", getxattr("f", "user.a", BAD_PTR, sizeof buf), EFAULT);
    EXPECT_ERRNO("getxattr_enoent", getxattr("missing", "user.a", buf, sizeof buf), ENOENT);
    EXPECT_EQ("getxattr_trusted", getxattr("f", "trusted.t", buf, sizeof buf), 1);

    COVERS("lsetxattr", "lgetxattr");
    EXPECT_ERRNO("lsetxattr_user_on_symlink_eperm", lsetxattr("l", "user.x", "x", 1, 0), EPERM);
    EXPECT_EQ("lsetxattr_trusted_on_symlink", lsetxattr("l", "trusted.lt", "S", 1, 0), 0);
    EXPECT_EQ("lgetxattr_on_symlink", lgetxattr("l", "trusted.lt", buf, sizeof buf), 1);
    EXPECT_ERRNO("lgetxattr_not_target", lgetxattr("l", "user.a", buf, sizeof buf), ENODATA);
    EXPECT_EQ("lgetxattr_regular", lgetxattr("f", "user.a", buf, sizeof buf), 3);

    COVERS("fsetxattr", "fgetxattr");
    {
        int fd = open("f", O_RDONLY);
        EXPECT_EQ("fsetxattr_ok", fsetxattr(fd, "user.fd", "FD", 2, 0), 0);
        EXPECT_EQ("fgetxattr_ok", fgetxattr(fd, "user.fd", buf, sizeof buf), 2);
        EXPECT_ERRNO("fsetxattr_ebadf", fsetxattr(999, "user.fd", "x", 1, 0), EBADF);
        EXPECT_ERRNO("fgetxattr_ebadf", fgetxattr(999, "user.fd", buf, sizeof buf), EBADF);
        close(fd);
        fd = open("f", O_PATH);
        EXPECT_ERRNO("fgetxattr_o_path_ebadf", fgetxattr(fd, "user.fd", buf, sizeof buf), EBADF);
        close(fd);
    }

    COVERS("listxattr", "llistxattr", "flistxattr");
    {
        long n = listxattr("f", NULL, 0);
        /* user.a user.empty user.via_link user.fd trusted.t */
        long want = sizeof "user.a" + sizeof "user.empty" + sizeof "user.via_link" + sizeof "user.fd" + sizeof "trusted.t";
        EXPECT_EQ("listxattr_size_query", n, want);
        EXPECT_EQ("listxattr_list", listxattr("f", buf, sizeof buf), want);
        int found = 0;
        for (char *p = buf; p < buf + want; p += strlen(p) + 1)
            found += strcmp(p, "user.a") == 0 || strcmp(p, "user.fd") == 0;
        EXPECT_EQ("listxattr_names", found, 2);
        EXPECT_ERRNO("listxattr_erange", listxattr("f", buf, 3), ERANGE);
        EXPECT_ERRNO("listxattr_enoent", listxattr("missing", buf, sizeof buf), ENOENT);
        EXPECT_ERRNO("listxattr_efault", listxattr("f", BAD_PTR, sizeof buf), EFAULT);
        EXPECT_EQ("llistxattr_symlink", llistxattr("l", buf, sizeof buf), (long)sizeof "trusted.lt");
        int fd = open("d", O_RDONLY);
        EXPECT_EQ("flistxattr_dir", flistxattr(fd, buf, sizeof buf), (long)sizeof "user.dir");
        EXPECT_ERRNO("flistxattr_ebadf", flistxattr(999, buf, sizeof buf), EBADF);
        close(fd);
        make_file("plain", "", 0);
        EXPECT_EQ("listxattr_none", listxattr("plain", buf, sizeof buf), 0);
    }

    COVERS("removexattr", "lremovexattr", "fremovexattr");
    EXPECT_EQ("removexattr_ok", removexattr("f", "user.a"), 0);
    EXPECT_ERRNO("removexattr_gone", getxattr("f", "user.a", buf, sizeof buf), ENODATA);
    EXPECT_ERRNO("removexattr_enodata", removexattr("f", "user.a"), ENODATA);
    EXPECT_ERRNO("removexattr_enoent", removexattr("missing", "user.a"), ENOENT);
    EXPECT_EQ("lremovexattr_symlink", lremovexattr("l", "trusted.lt"), 0);
    EXPECT_EQ("lremovexattr_gone", llistxattr("l", buf, sizeof buf), 0);
    {
        int fd = open("f", O_RDONLY);
        EXPECT_EQ("fremovexattr_ok", fremovexattr(fd, "user.fd"), 0);
        EXPECT_ERRNO("fremovexattr_enodata", fremovexattr(fd, "user.fd"), ENODATA);
        EXPECT_ERRNO("fremovexattr_ebadf", fremovexattr(999, "user.fd"), EBADF);
        close(fd);
    }

    /* Unprivileged: the mode bits decide for user.*, trusted.* needs
     * CAP_SYS_ADMIN. */
    SETUP(chmod("f", 0644));
    make_file("mine", "", 0);
    SETUP(chown("mine", NOBODY, NOBODY));
    SETUP(chmod(".", 0755));
    SETUP(setxattr("f", "user.a", "abc", 3, 0));
    int status = as_nobody(nobody_cases);
    CHECK("as_nobody_ran", status == 0, "status %d", status);
    return conf_end();
}

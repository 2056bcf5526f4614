/* Credentials: uids, gids, supplementary groups, fsuid and capabilities.
 * Root drops its effective ids and capabilities reversibly (the saved ids
 * stay 0), so the permission checks run in this one process. */
#include "conformance.h"
#include <linux/capability.h>
#include <sys/fsuid.h>

static int capget_(struct __user_cap_header_struct *h, struct __user_cap_data_struct *d)
{
    return syscall(SYS_capget, h, d);
}

static int capset_(struct __user_cap_header_struct *h, struct __user_cap_data_struct *d)
{
    return syscall(SYS_capset, h, d);
}

int main(void)
{
    conf_begin("ids");
    uid_t r, e, s;
    gid_t gr, ge, gs;
    make_file("m000", "x", 1);
    SETUP(chmod("m000", 0));
    SETUP(chmod(".", 0755));

    COVERS("getuid", "geteuid", "getgid", "getegid");
    EXPECT_EQ("getuid_root", getuid(), 0);
    EXPECT_EQ("geteuid_root", geteuid(), 0);
    EXPECT_EQ("getgid_root", getgid(), 0);
    EXPECT_EQ("getegid_root", getegid(), 0);

    COVERS("getresuid", "getresgid");
    EXPECT_EQ("getresuid_ok", getresuid(&r, &e, &s) == 0 && r == 0 && e == 0 && s == 0, 1);
    EXPECT_EQ("getresgid_ok", getresgid(&gr, &ge, &gs) == 0 && gr == 0 && ge == 0 && gs == 0, 1);
    EXPECT_ERRNO("getresuid_efault", syscall(SYS_getresuid, BAD_PTR, &e, &s), EFAULT);
    EXPECT_ERRNO("getresgid_efault", syscall(SYS_getresgid, &gr, &ge, BAD_PTR), EFAULT);

    COVERS("setresuid");
    EXPECT_EQ("setresuid_effective_only", setresuid(-1, 1000, -1), 0);
    EXPECT_EQ("setresuid_visible", getresuid(&r, &e, &s) == 0 ? (long)r * 1000000 + e * 1000 + s : -1, 1000000);
    EXPECT_EQ("setresuid_getuid_unchanged", getuid(), 0);
    EXPECT_EQ("setresuid_geteuid", geteuid(), 1000);
    EXPECT_ERRNO("setresuid_euid_denies_mode000", open("m000", O_RDONLY), EACCES);
    EXPECT_ERRNO("setresuid_unpriv_cannot_take_other", setresuid(-1, 2000, -1), EPERM);
    EXPECT_ERRNO("setresgid_unpriv_eperm", setresgid(-1, 5, -1), EPERM);
    EXPECT_ERRNO("setgroups_unpriv_eperm", setgroups(0, NULL), EPERM);
    EXPECT_EQ("setresuid_back_to_saved", setresuid(-1, 0, -1), 0);
    EXPECT_EQ("setresuid_root_again", geteuid(), 0);
    EXPECT_OK("setresuid_root_opens_mode000", open("m000", O_RDONLY));
    EXPECT_EQ("setresuid_all_minus1", setresuid(-1, -1, -1), 0);

    COVERS("setresgid");
    EXPECT_EQ("setresgid_effective", setresgid(-1, 1000, -1), 0);
    EXPECT_EQ("setresgid_visible", getresgid(&gr, &ge, &gs) == 0 ? (long)gr * 1000000 + ge * 1000 + gs : -1, 1000000);
    EXPECT_EQ("setresgid_getegid", getegid(), 1000);
    {
        int fd = open("g_owned", O_CREAT | O_WRONLY, 0644);
        struct stat st;
        SETUP(fd);
        EXPECT_EQ("setresgid_new_file_group", fstat(fd, &st) == 0 ? (long)st.st_gid : -1, 1000);
        close(fd);
    }
    EXPECT_EQ("setresgid_back", setresgid(-1, 0, -1), 0);

    COVERS("setuid", "setgid");
    EXPECT_EQ("setuid_root_to_root", setuid(0), 0);
    EXPECT_EQ("setgid_root_to_root", setgid(0), 0);
    EXPECT_ERRNO("setuid_einval_minus1", setuid(-1), EINVAL);
    EXPECT_ERRNO("setgid_einval_minus1", setgid(-1), EINVAL);

    COVERS("setreuid", "setregid");
    EXPECT_EQ("setreuid_noop", setreuid(-1, -1), 0);
    EXPECT_EQ("setreuid_effective", setreuid(-1, 1234), 0);
    EXPECT_EQ("setreuid_effective_visible", geteuid(), 1234);
    /* setreuid with a new euid != ruid sets the saved uid to it: switch back
     * through setresuid, which may take the real uid (0). */
    EXPECT_EQ("setreuid_saved_follows", getresuid(&r, &e, &s) == 0 ? (long)s : -1, 1234);
    EXPECT_EQ("setreuid_back_via_real", setresuid(-1, 0, 0), 0);
    EXPECT_EQ("setregid_effective", setregid(-1, 77), 0);
    EXPECT_EQ("setregid_visible", getegid(), 77);
    EXPECT_EQ("setregid_back", setresgid(0, 0, 0), 0);

    COVERS("getgroups", "setgroups");
    {
        gid_t want[3] = {10, 20, 30}, got[8];
        EXPECT_EQ("setgroups_three", setgroups(3, want), 0);
        EXPECT_EQ("getgroups_count_query", getgroups(0, NULL), 3);
        EXPECT_EQ("getgroups_list", getgroups(8, got) == 3 && got[0] == 10 && got[2] == 30, 1);
        EXPECT_ERRNO("getgroups_einval_small", getgroups(2, got), EINVAL);
        EXPECT_ERRNO("getgroups_efault", getgroups(8, BAD_PTR), EFAULT);
        EXPECT_ERRNO("setgroups_einval_too_many", setgroups(65537, want), EINVAL);
        EXPECT_ERRNO("setgroups_efault", setgroups(2, BAD_PTR), EFAULT);
        EXPECT_ERRNO("getgroups_einval_negative", syscall(SYS_getgroups, -1, got), EINVAL);
        EXPECT_EQ("setgroups_empty", setgroups(0, NULL), 0);
        EXPECT_EQ("getgroups_empty", getgroups(0, NULL), 0);
    }

    COVERS("setfsuid", "setfsgid");
    EXPECT_EQ("setfsuid_returns_previous", setfsuid(1000), 0);
    EXPECT_ERRNO("setfsuid_denies_mode000", open("m000", O_RDONLY), EACCES);
    EXPECT_EQ("setfsuid_query_current", setfsuid(-1), 1000);
    EXPECT_EQ("setfsuid_back", setfsuid(0), 1000);
    EXPECT_OK("setfsuid_root_again_opens", open("m000", O_RDONLY));
    EXPECT_EQ("setfsgid_returns_previous", setfsgid(1000), 0);
    EXPECT_EQ("setfsgid_back", setfsgid(0), 1000);
    EXPECT_EQ("setfsuid_follows_euid", setresuid(-1, 1000, -1) == 0 ? setfsuid(-1) : -1, 1000);
    setresuid(-1, 0, -1);

    COVERS("capget", "capset");
    {
        struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
        struct __user_cap_data_struct d[2];
        EXPECT_EQ("capget_v3", capget_(&h, d), 0);
        EXPECT_EQ("capget_root_has_sys_admin", (d[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective & CAP_TO_MASK(CAP_SYS_ADMIN)) != 0, 1);
        EXPECT_EQ("capget_root_has_chown", (d[0].permitted & CAP_TO_MASK(CAP_CHOWN)) != 0, 1);
        struct __user_cap_header_struct bad = {0x12345678, 0};
        EXPECT_ERRNO("capget_bad_version_einval", capget_(&bad, d), EINVAL);
        EXPECT_EQ("capget_bad_version_rewritten", bad.version, _LINUX_CAPABILITY_VERSION_3);
        EXPECT_EQ("capget_null_data_probe", capget_(&(struct __user_cap_header_struct){_LINUX_CAPABILITY_VERSION_3, 0}, NULL), 0);
        EXPECT_ERRNO("capget_esrch_pid", capget_(&(struct __user_cap_header_struct){_LINUX_CAPABILITY_VERSION_3, 999999}, d), ESRCH);
        EXPECT_ERRNO("capget_efault", capget_(BAD_PTR, d), EFAULT);
        /* Drop CAP_CHOWN from the effective set, see chown refused, raise it again. */
        capget_(&h, d);
        d[0].effective &= ~CAP_TO_MASK(CAP_CHOWN);
        EXPECT_EQ("capset_drop_effective", capset_(&h, d), 0);
        make_file("owned", "", 0);
        EXPECT_ERRNO("capset_dropped_chown_eperm", chown("owned", 4321, -1), EPERM);
        d[0].effective |= CAP_TO_MASK(CAP_CHOWN);
        EXPECT_EQ("capset_raise_again", capset_(&h, d), 0);
        EXPECT_EQ("capset_chown_works_again", chown("owned", 4321, -1), 0);
        EXPECT_ERRNO("capset_eperm_other_pid", capset_(&(struct __user_cap_header_struct){_LINUX_CAPABILITY_VERSION_3, 999999}, d), EPERM);
        /* Out of the permitted set, a capability cannot come back. */
        d[0].permitted &= ~CAP_TO_MASK(CAP_MKNOD);
        d[0].effective &= ~CAP_TO_MASK(CAP_MKNOD);
        EXPECT_EQ("capset_drop_permitted", capset_(&h, d), 0);
        d[0].effective |= CAP_TO_MASK(CAP_MKNOD);
        EXPECT_ERRNO("capset_eperm_beyond_permitted", capset_(&h, d), EPERM);
        d[0].permitted |= CAP_TO_MASK(CAP_MKNOD);
        EXPECT_ERRNO("capset_eperm_regain_permitted", capset_(&h, d), EPERM);
    }
    return conf_end();
}

/* inotify: watches, the events file operations raise, and the error
 * paths. Reads are non-blocking: events are queued by the time the
 * operation that raises them returns. */
#include "conformance.h"
#include <sys/inotify.h>
#include <sys/ioctl.h>

/* Reads the queued events of `fd` and renders them as "mask:name,..." in
 * `out`; returns the number of events, or -1 on a read error. */
static int drain(int fd, char *out, size_t cap)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    int n = 0;
    out[0] = 0;
    long len = read(fd, buf, sizeof buf);
    if (len < 0)
        return errno == EAGAIN ? 0 : -1;
    for (char *p = buf; p < buf + len;) {
        struct inotify_event *e = (struct inotify_event *)p;
        char one[96];
        snprintf(one, sizeof one, "%x:%s,", e->mask, e->len ? e->name : "");
        strncat(out, one, cap - strlen(out) - 1);
        n++;
        p += sizeof *e + e->len;
    }
    return n;
}

int main(void)
{
    conf_begin("fs_notify");
    char ev[1024];
    SETUP(mkdir("w", 0755));

    COVERS("inotify_init", "inotify_init1");
    {
        int fd = syscall(SYS_inotify_init);
        CHECK("inotify_init_ok", fd >= 0, "failed with %s", errname(errno));
        if (fd >= 0)
            close(fd);
        EXPECT_ERRNO("inotify_init1_einval_flags", inotify_init1(0x1), EINVAL);
    }
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    CHECK("inotify_init1_ok", fd >= 0, "failed with %s", errname(errno));
    EXPECT_EQ("inotify_init1_cloexec", fcntl(fd, F_GETFD), FD_CLOEXEC);
    EXPECT_EQ("inotify_init1_nonblock", fcntl(fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);

    COVERS("inotify_add_watch");
    int wd = inotify_add_watch(fd, "w", IN_CREATE | IN_DELETE | IN_MODIFY | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB);
    CHECK("inotify_add_watch_dir", wd >= 0, "failed with %s", errname(errno));
    EXPECT_EQ("inotify_add_watch_same_wd", inotify_add_watch(fd, "w", IN_CREATE | IN_DELETE | IN_MODIFY | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB), wd);
    EXPECT_ERRNO("inotify_add_watch_enoent", inotify_add_watch(fd, "missing", IN_CREATE), ENOENT);
    EXPECT_ERRNO("inotify_add_watch_einval_mask0", inotify_add_watch(fd, "w", 0), EINVAL);
    EXPECT_ERRNO("inotify_add_watch_ebadf", inotify_add_watch(999, "w", IN_CREATE), EBADF);
    {
        int plain = open("w", O_RDONLY);
        EXPECT_ERRNO("inotify_add_watch_einval_not_inotify", inotify_add_watch(plain, "w", IN_CREATE), EINVAL);
        close(plain);
    }
    EXPECT_ERRNO("inotify_add_watch_efault", inotify_add_watch(fd, BAD_PTR, IN_CREATE), EFAULT);
    make_file("f", "", 0);
    EXPECT_ERRNO("inotify_add_watch_onlydir_enotdir", inotify_add_watch(fd, "f", IN_CREATE | IN_ONLYDIR), ENOTDIR);

    EXPECT_EQ("inotify_no_events_yet", drain(fd, ev, sizeof ev), 0);
    EXPECT_ERRNO("inotify_read_empty_eagain", read(fd, ev, sizeof ev), EAGAIN);
    make_file("w/a", "x", 1);
    EXPECT_EQ("inotify_create_modify_events", drain(fd, ev, sizeof ev), 2);
    CHECK("inotify_create_modify_names", strcmp(ev, "100:a,2:a,") == 0, "got %s", ev);
    SETUP(chmod("w/a", 0600));
    drain(fd, ev, sizeof ev);
    CHECK("inotify_attrib_event", strcmp(ev, "4:a,") == 0, "got %s", ev);
    SETUP(rename("w/a", "w/b"));
    EXPECT_EQ("inotify_rename_two_events", drain(fd, ev, sizeof ev), 2);
    CHECK("inotify_rename_from_to", strncmp(ev, "40:a,80:b,", 10) == 0, "got %s", ev);
    SETUP(unlink("w/b"));
    drain(fd, ev, sizeof ev);
    CHECK("inotify_delete_event", strcmp(ev, "200:b,") == 0, "got %s", ev);
    SETUP(mkdir("w/sub", 0755));
    drain(fd, ev, sizeof ev);
    CHECK("inotify_mkdir_isdir_flag", strcmp(ev, "40000100:sub,") == 0, "got %s", ev);
    {
        int n = -1;
        make_file("w/c", "", 0);
        EXPECT_EQ("inotify_fionread", ioctl(fd, FIONREAD, &n) == 0 ? n : -1, (int)(sizeof(struct inotify_event) + 16));
        EXPECT_ERRNO("inotify_read_small_einval", read(fd, ev, 8), EINVAL);
        drain(fd, ev, sizeof ev);
    }

    COVERS("inotify_rm_watch");
    EXPECT_EQ("inotify_rm_watch_ok", inotify_rm_watch(fd, wd), 0);
    drain(fd, ev, sizeof ev);
    CHECK("inotify_rm_watch_ignored_event", strcmp(ev, "8000:,") == 0, "got %s", ev);
    make_file("w/d", "", 0);
    EXPECT_EQ("inotify_no_events_after_rm", drain(fd, ev, sizeof ev), 0);
    EXPECT_ERRNO("inotify_rm_watch_einval_twice", inotify_rm_watch(fd, wd), EINVAL);
    EXPECT_ERRNO("inotify_rm_watch_ebadf", inotify_rm_watch(999, 1), EBADF);
    {
        int wf = inotify_add_watch(fd, "f", IN_OPEN | IN_CLOSE_WRITE | IN_ONESHOT);
        CHECK("inotify_watch_file", wf >= 0, "failed with %s", errname(errno));
        int f = open("f", O_WRONLY);
        close(f);
        drain(fd, ev, sizeof ev);
        CHECK("inotify_oneshot_first_event_only", strcmp(ev, "20:,8000:,") == 0, "got %s", ev);
    }
    close(fd);
    return conf_end();
}

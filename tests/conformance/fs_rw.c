/* read/write and friends, lseek, truncate, fallocate, sync, dup, fcntl,
 * ioctl and flock on regular files. */
#include "conformance.h"
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/uio.h>

/* Reads the whole file `path` into `buf` (at most `len`); returns the size. */
static long slurp(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    long n = read(fd, buf, len);
    close(fd);
    return n;
}

static int same(const char *path, const char *want)
{
    char buf[256];
    long n = slurp(path, buf, sizeof buf);
    return n == (long)strlen(want) && memcmp(buf, want, n) == 0;
}

int main(void)
{
    conf_begin("fs_rw");
    char buf[256];
    make_file("f", "0123456789", 10);
    SETUP(mkdir("d", 0755));
    int fd = open("f", O_RDWR);
    SETUP(fd);

    COVERS("read");
    EXPECT_EQ("read_partial", read(fd, buf, 4), 4);
    EXPECT_EQ("read_rest_short", read(fd, buf, sizeof buf), 6);
    EXPECT_EQ("read_at_eof_zero", read(fd, buf, sizeof buf), 0);
    EXPECT_EQ("read_zero_len", read(fd, buf, 0), 0);
    EXPECT_ERRNO("read_ebadf", read(999, buf, 1), EBADF);
    EXPECT_ERRNO("read_ebadf_negative", read(-1, buf, 1), EBADF);
    SETUP(lseek(fd, 0, SEEK_SET));
    EXPECT_ERRNO("read_efault", read(fd, BAD_PTR, 4), EFAULT);
    EXPECT_ERRNO("read_efault_guard", read(fd, guard_page(), 4), EFAULT);
    {
        int dfd = open("d", O_RDONLY);
        EXPECT_ERRNO("read_eisdir", read(dfd, buf, 1), EISDIR);
        close(dfd);
    }

    COVERS("write");
    SETUP(lseek(fd, 0, SEEK_END));
    EXPECT_EQ("write_appends_at_offset", write(fd, "ab", 2), 2);
    CHECK("write_content", same("f", "0123456789ab"), "content differs");
    EXPECT_EQ("write_zero_len", write(fd, buf, 0), 0);
    EXPECT_ERRNO("write_efault", write(fd, BAD_PTR, 4), EFAULT);
    EXPECT_ERRNO("write_ebadf", write(999, "x", 1), EBADF);
    {
        /* A write past the end leaves a hole of zeros. */
        int h = open("hole", O_RDWR | O_CREAT, 0644);
        SETUP(h);
        SETUP(lseek(h, 5, SEEK_SET));
        SETUP(write(h, "x", 1));
        char z[6];
        EXPECT_EQ("write_hole_pread", pread(h, z, 6, 0), 6);
        CHECK("write_hole_zeros", memcmp(z, "\0\0\0\0\0x", 6) == 0, "bytes differ");
        close(h);
    }

    COVERS("pread64");
    EXPECT_EQ("pread_at_offset", pread(fd, buf, 3, 2), 3);
    CHECK("pread_content", memcmp(buf, "234", 3) == 0, "content");
    EXPECT_EQ("pread_keeps_offset", lseek(fd, 0, SEEK_CUR), 12);
    EXPECT_EQ("pread_past_eof", pread(fd, buf, 3, 100), 0);
    EXPECT_ERRNO("pread_einval_negative", pread(fd, buf, 3, -1), EINVAL);
    EXPECT_ERRNO("pread_efault", pread(fd, BAD_PTR, 3, 0), EFAULT);
    EXPECT_ERRNO("pread_ebadf", pread(999, buf, 3, 0), EBADF);
    {
        int p[2];
        SETUP(pipe(p));
        EXPECT_ERRNO("pread_espipe_pipe", pread(p[0], buf, 1, 0), ESPIPE);
        EXPECT_ERRNO("pwrite_espipe_pipe", pwrite(p[1], "x", 1, 0), ESPIPE);
        EXPECT_ERRNO("lseek_espipe_pipe", lseek(p[0], 0, SEEK_SET), ESPIPE);
        close(p[0]);
        close(p[1]);
    }

    COVERS("pwrite64");
    EXPECT_EQ("pwrite_at_offset", pwrite(fd, "XY", 2, 1), 2);
    CHECK("pwrite_content", same("f", "0XY3456789ab"), "content");
    EXPECT_EQ("pwrite_keeps_offset", lseek(fd, 0, SEEK_CUR), 12);
    EXPECT_ERRNO("pwrite_einval_negative", pwrite(fd, "x", 1, -1), EINVAL);
    EXPECT_ERRNO("pwrite_efault", pwrite(fd, BAD_PTR, 2, 0), EFAULT);
    {
        /* On Linux, pwrite on an O_APPEND descriptor appends. */
        int a = open("f", O_WRONLY | O_APPEND);
        SETUP(a);
        EXPECT_EQ("pwrite_o_append_appends", pwrite(a, "Z", 1, 0), 1);
        CHECK("pwrite_o_append_content", same("f", "0XY3456789abZ"), "content");
        close(a);
    }

    COVERS("readv");
    {
        char a[3], b[4];
        struct iovec iov[2] = {{a, 3}, {b, 4}};
        SETUP(lseek(fd, 0, SEEK_SET));
        EXPECT_EQ("readv_two_buffers", readv(fd, iov, 2), 7);
        CHECK("readv_content", memcmp(a, "0XY", 3) == 0 && memcmp(b, "3456", 4) == 0, "content");
        EXPECT_ERRNO("readv_einval_negative_count", syscall(SYS_readv, fd, iov, -1), EINVAL);
        EXPECT_ERRNO("readv_einval_too_many", syscall(SYS_readv, fd, iov, IOV_MAX + 1), EINVAL);
        EXPECT_EQ("readv_zero_count", readv(fd, iov, 0), 0);
        EXPECT_ERRNO("readv_efault_iov", readv(fd, BAD_PTR, 1), EFAULT);
        struct iovec bad[1] = {{BAD_PTR, 4}};
        EXPECT_ERRNO("readv_efault_base", readv(fd, bad, 1), EFAULT);
        struct iovec neg[1] = {{a, (size_t)-1}};
        EXPECT_ERRNO("readv_einval_huge_len", readv(fd, neg, 1), EINVAL);
    }

    COVERS("writev");
    {
        int w = open("wv", O_RDWR | O_CREAT | O_TRUNC, 0644);
        SETUP(w);
        struct iovec iov[3] = {{"ab", 2}, {"", 0}, {"cde", 3}};
        EXPECT_EQ("writev_gathers", writev(w, iov, 3), 5);
        CHECK("writev_content", same("wv", "abcde"), "content");
        struct iovec bad[2] = {{"xy", 2}, {BAD_PTR, 3}};
        long n = writev(w, bad, 2);
        CHECK("writev_partial_before_fault", n == 2 || (n == -1 && errno == EFAULT), "returned %ld", n);
        EXPECT_ERRNO("writev_ebadf", writev(999, iov, 1), EBADF);

        COVERS("preadv", "preadv2");
        char a[2], b[2];
        struct iovec r[2] = {{a, 2}, {b, 2}};
        EXPECT_EQ("preadv_offset", preadv(w, r, 2, 1), 4);
        CHECK("preadv_content", memcmp(a, "bc", 2) == 0 && memcmp(b, "de", 2) == 0, "content");
        EXPECT_ERRNO("preadv_einval_negative", preadv(w, r, 2, -5), EINVAL);
        SETUP(lseek(w, 0, SEEK_SET));
        EXPECT_EQ("preadv2_minus1_uses_offset", preadv2(w, r, 1, -1, 0), 2);
        EXPECT_EQ("preadv2_minus1_advances", lseek(w, 0, SEEK_CUR), 2);
        EXPECT_ERRNO("preadv2_einval_flags", preadv2(w, r, 1, 0, 0x40000000), EOPNOTSUPP);
        EXPECT_EQ("preadv2_hipri", preadv2(w, r, 1, 0, RWF_HIPRI), 2);

        COVERS("pwritev", "pwritev2");
        struct iovec wr[2] = {{"Q", 1}, {"R", 1}};
        EXPECT_EQ("pwritev_offset", pwritev(w, wr, 2, 0), 2);
        CHECK("pwritev_content", same("wv", "QRcdexy") || same("wv", "QRcde"), "content");
        EXPECT_EQ("pwritev2_append_flag", pwritev2(w, wr, 1, 0, RWF_APPEND), 1);
        struct stat st;
        SETUP(fstat(w, &st));
        char last;
        SETUP(pread(w, &last, 1, st.st_size - 1));
        EXPECT_EQ("pwritev2_append_at_end", last, 'Q');
        EXPECT_ERRNO("pwritev2_einval_flags", pwritev2(w, wr, 1, 0, 0x40000000), EOPNOTSUPP);
        close(w);
    }

    COVERS("lseek");
    {
        int l = open("seek", O_RDWR | O_CREAT | O_TRUNC, 0644);
        SETUP(l);
        SETUP(write(l, "abcdef", 6));
        EXPECT_EQ("lseek_set", lseek(l, 2, SEEK_SET), 2);
        EXPECT_EQ("lseek_cur", lseek(l, 1, SEEK_CUR), 3);
        EXPECT_EQ("lseek_end", lseek(l, -1, SEEK_END), 5);
        EXPECT_EQ("lseek_past_end", lseek(l, 100, SEEK_END), 106);
        EXPECT_ERRNO("lseek_einval_negative", lseek(l, -1, SEEK_SET), EINVAL);
        EXPECT_ERRNO("lseek_einval_whence", lseek(l, 0, 42), EINVAL);
        EXPECT_ERRNO("lseek_ebadf", lseek(999, 0, SEEK_SET), EBADF);
        EXPECT_EQ("lseek_data_at_start", lseek(l, 0, SEEK_DATA), 0);
        EXPECT_EQ("lseek_hole_at_eof", lseek(l, 0, SEEK_HOLE), 6);
        EXPECT_ERRNO("lseek_data_past_eof_enxio", lseek(l, 6, SEEK_DATA), ENXIO);
        EXPECT_ERRNO("lseek_hole_past_eof_enxio", lseek(l, 7, SEEK_HOLE), ENXIO);
        close(l);
        int dfd = open("d", O_RDONLY);
        EXPECT_EQ("lseek_dir_rewind", lseek(dfd, 0, SEEK_SET), 0);
        close(dfd);
    }

    COVERS("ftruncate");
    {
        int t = open("tr", O_RDWR | O_CREAT | O_TRUNC, 0644);
        struct stat st;
        SETUP(t);
        SETUP(write(t, "abcdef", 6));
        EXPECT_EQ("ftruncate_shrink", ftruncate(t, 2), 0);
        EXPECT_EQ("ftruncate_shrink_size", fstat(t, &st) == 0 ? st.st_size : -1, 2);
        EXPECT_EQ("ftruncate_grow", ftruncate(t, 8), 0);
        char z[8];
        EXPECT_EQ("ftruncate_grow_read", pread(t, z, 8, 0), 8);
        CHECK("ftruncate_grow_zero_filled", memcmp(z, "ab\0\0\0\0\0\0", 8) == 0, "bytes");
        EXPECT_EQ("ftruncate_keeps_offset", lseek(t, 0, SEEK_CUR), 6);
        EXPECT_ERRNO("ftruncate_einval_negative", ftruncate(t, -1), EINVAL);
        EXPECT_ERRNO("ftruncate_ebadf", ftruncate(999, 0), EBADF);
        close(t);
        int r = open("tr", O_RDONLY);
        EXPECT_ERRNO("ftruncate_einval_rdonly", ftruncate(r, 0), EINVAL);
        close(r);
        int dfd = open("d", O_RDONLY);
        EXPECT_ERRNO("ftruncate_einval_dir", ftruncate(dfd, 0), EINVAL);
        close(dfd);

        COVERS("truncate");
        EXPECT_EQ("truncate_path", truncate("tr", 1), 0);
        EXPECT_EQ("truncate_size", stat("tr", &st) == 0 ? st.st_size : -1, 1);
        EXPECT_ERRNO("truncate_eisdir", truncate("d", 0), EISDIR);
        EXPECT_ERRNO("truncate_enoent", truncate("missing", 0), ENOENT);
        EXPECT_ERRNO("truncate_einval_negative", truncate("tr", -1), EINVAL);
        EXPECT_ERRNO("truncate_efault", truncate(BAD_PTR, 0), EFAULT);
    }

    COVERS("fallocate");
    {
        int a = open("fa", O_RDWR | O_CREAT | O_TRUNC, 0644);
        struct stat st;
        SETUP(a);
        EXPECT_EQ("fallocate_mode0", fallocate(a, 0, 0, 8192), 0);
        EXPECT_EQ("fallocate_mode0_size", fstat(a, &st) == 0 ? st.st_size : -1, 8192);
        EXPECT_EQ("fallocate_keep_size", fallocate(a, FALLOC_FL_KEEP_SIZE, 8192, 4096), 0);
        EXPECT_EQ("fallocate_keep_size_size", fstat(a, &st) == 0 ? st.st_size : -1, 8192);
        SETUP(pwrite(a, "xxxx", 4, 0));
        EXPECT_EQ("fallocate_punch_hole", fallocate(a, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096), 0);
        char z[4] = {1, 1, 1, 1};
        SETUP(pread(a, z, 4, 0));
        CHECK("fallocate_punch_hole_zeros", memcmp(z, "\0\0\0\0", 4) == 0, "bytes");
        EXPECT_ERRNO("fallocate_punch_without_keep_size", fallocate(a, FALLOC_FL_PUNCH_HOLE, 0, 4096), EOPNOTSUPP);
        EXPECT_ERRNO("fallocate_einval_len0", fallocate(a, 0, 0, 0), EINVAL);
        EXPECT_ERRNO("fallocate_einval_negative", fallocate(a, 0, -1, 10), EINVAL);
        EXPECT_ERRNO("fallocate_ebadf", fallocate(999, 0, 0, 10), EBADF);
        close(a);
        int r = open("fa", O_RDONLY);
        EXPECT_ERRNO("fallocate_ebadf_rdonly", fallocate(r, 0, 0, 10), EBADF);
        close(r);
        int p[2];
        SETUP(pipe(p));
        EXPECT_ERRNO("fallocate_espipe_pipe", fallocate(p[1], 0, 0, 10), ESPIPE);
        close(p[0]);
        close(p[1]);
    }

    COVERS("fadvise64", "readahead");
    EXPECT_EQ("fadvise_sequential", posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL), 0);
    EXPECT_EQ("fadvise_dontneed", posix_fadvise(fd, 0, 4096, POSIX_FADV_DONTNEED), 0);
    EXPECT_ERRNO("fadvise_einval_advice", syscall(SYS_fadvise64, fd, 0, 0, 42), EINVAL);
    EXPECT_ERRNO("fadvise_ebadf", syscall(SYS_fadvise64, 999, 0, 0, POSIX_FADV_NORMAL), EBADF);
    {
        int p[2];
        SETUP(pipe(p));
        EXPECT_ERRNO("fadvise_espipe_pipe", syscall(SYS_fadvise64, p[0], 0, 0, POSIX_FADV_NORMAL), ESPIPE);
        EXPECT_ERRNO("readahead_einval_pipe", readahead(p[0], 0, 10), EINVAL);
        close(p[0]);
        close(p[1]);
    }
    EXPECT_EQ("readahead_file", readahead(fd, 0, 4096), 0);
    EXPECT_ERRNO("readahead_ebadf", readahead(999, 0, 10), EBADF);

    COVERS("fsync", "fdatasync", "syncfs", "sync", "sync_file_range");
    EXPECT_EQ("fsync_file", fsync(fd), 0);
    EXPECT_EQ("fdatasync_file", fdatasync(fd), 0);
    EXPECT_ERRNO("fsync_ebadf", fsync(999), EBADF);
    EXPECT_ERRNO("fdatasync_ebadf", fdatasync(999), EBADF);
    {
        int p[2];
        SETUP(pipe(p));
        EXPECT_ERRNO("fsync_einval_pipe", fsync(p[0]), EINVAL);
        close(p[0]);
        close(p[1]);
    }
    EXPECT_EQ("syncfs_file", syncfs(fd), 0);
    EXPECT_ERRNO("syncfs_ebadf", syncfs(999), EBADF);
    sync();
    ok("sync_returns");
    EXPECT_EQ("sync_file_range_ok", sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE), 0);
    EXPECT_ERRNO("sync_file_range_einval_flags", sync_file_range(fd, 0, 0, 0x100), EINVAL);
    EXPECT_ERRNO("sync_file_range_einval_negative", sync_file_range(fd, -1, 0, 0), EINVAL);

    COVERS("sendfile");
    {
        int in = open("f", O_RDONLY);
        int out = open("sf", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        off_t off = 1;
        SETUP(in);
        SETUP(out);
        EXPECT_EQ("sendfile_with_offset", sendfile(out, in, &off, 4), 4);
        EXPECT_EQ("sendfile_offset_updated", off, 5);
        EXPECT_EQ("sendfile_file_offset_untouched", lseek(in, 0, SEEK_CUR), 0);
        EXPECT_EQ("sendfile_null_offset", sendfile(out, in, NULL, 2), 2);
        EXPECT_EQ("sendfile_null_offset_advances", lseek(in, 0, SEEK_CUR), 2);
        CHECK("sendfile_content", same("sf", "XY340X"), "content");
        EXPECT_ERRNO("sendfile_ebadf_in", sendfile(out, 999, NULL, 1), EBADF);
        EXPECT_ERRNO("sendfile_ebadf_out_rdonly", sendfile(in, in, NULL, 1), EBADF);
        EXPECT_ERRNO("sendfile_efault_offset", sendfile(out, in, BAD_PTR, 1), EFAULT);
        close(in);
        close(out);
    }

    COVERS("copy_file_range");
    {
        int in = open("f", O_RDONLY);
        int out = open("cfr", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        loff_t oi = 3, oo = 0;
        SETUP(in);
        SETUP(out);
        EXPECT_EQ("copy_file_range_copies", copy_file_range(in, &oi, out, &oo, 3, 0), 3);
        EXPECT_EQ("copy_file_range_offsets", oi * 100 + oo, 603);
        CHECK("copy_file_range_content", same("cfr", "345"), "content");
        EXPECT_ERRNO("copy_file_range_einval_flags", copy_file_range(in, &oi, out, &oo, 3, 1), EINVAL);
        EXPECT_ERRNO("copy_file_range_ebadf", copy_file_range(999, NULL, out, NULL, 3, 0), EBADF);
        EXPECT_EQ("copy_file_range_at_eof", copy_file_range(in, &(loff_t){1000}, out, NULL, 3, 0), 0);
        close(in);
        close(out);
    }

    COVERS("dup");
    {
        int d = dup(fd);
        CHECK("dup_ok", d >= 0, "failed with %s", errname(errno));
        SETUP(lseek(fd, 3, SEEK_SET));
        EXPECT_EQ("dup_shares_offset", lseek(d, 0, SEEK_CUR), 3);
        EXPECT_EQ("dup_clears_cloexec", fcntl(d, F_GETFD), 0);
        EXPECT_ERRNO("dup_ebadf", dup(999), EBADF);
        close(d);

        COVERS("dup2");
        EXPECT_EQ("dup2_target", dup2(fd, 50), 50);
        EXPECT_EQ("dup2_same_fd", dup2(fd, fd), fd);
        EXPECT_ERRNO("dup2_same_bad_fd", dup2(999, 999), EBADF);
        EXPECT_ERRNO("dup2_ebadf_target_negative", dup2(fd, -1), EBADF);
        EXPECT_EQ("dup2_replaces_open", dup2(fd, 50), 50);
        close(50);

        COVERS("dup3");
        EXPECT_EQ("dup3_cloexec", dup3(fd, 51, O_CLOEXEC), 51);
        EXPECT_EQ("dup3_cloexec_set", fcntl(51, F_GETFD), FD_CLOEXEC);
        EXPECT_ERRNO("dup3_einval_same", dup3(fd, fd, 0), EINVAL);
        EXPECT_ERRNO("dup3_einval_flags", dup3(fd, 52, O_NONBLOCK), EINVAL);
        close(51);
    }

    COVERS("fcntl");
    {
        EXPECT_OK("fcntl_dupfd", fcntl(fd, F_DUPFD, 60));
        EXPECT_EQ("fcntl_dupfd_min", fcntl(fd, F_DUPFD, 60), 61);
        EXPECT_EQ("fcntl_dupfd_cloexec", fcntl(fcntl(fd, F_DUPFD_CLOEXEC, 70), F_GETFD), FD_CLOEXEC);
        EXPECT_ERRNO("fcntl_dupfd_einval_negative", fcntl(fd, F_DUPFD, -1), EINVAL);
        EXPECT_EQ("fcntl_setfd", fcntl(fd, F_SETFD, FD_CLOEXEC), 0);
        EXPECT_EQ("fcntl_getfd", fcntl(fd, F_GETFD), FD_CLOEXEC);
        SETUP(fcntl(fd, F_SETFD, 0));
        EXPECT_EQ("fcntl_setfl_nonblock", fcntl(fd, F_SETFL, O_NONBLOCK | O_APPEND), 0);
        EXPECT_EQ("fcntl_getfl_after_setfl", fcntl(fd, F_GETFL) & (O_NONBLOCK | O_APPEND | O_ACCMODE), O_NONBLOCK | O_APPEND | O_RDWR);
        SETUP(fcntl(fd, F_SETFL, O_WRONLY));
        EXPECT_EQ("fcntl_setfl_ignores_accmode", fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
        EXPECT_ERRNO("fcntl_einval_cmd", fcntl(fd, 9999), EINVAL);
        EXPECT_ERRNO("fcntl_ebadf", fcntl(999, F_GETFD), EBADF);
        struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 4};
        EXPECT_EQ("fcntl_setlk", fcntl(fd, F_SETLK, &lk), 0);
        lk.l_type = F_RDLCK;
        EXPECT_EQ("fcntl_getlk_own_lock_unlocked", fcntl(fd, F_GETLK, &lk) == 0 ? lk.l_type : -1, F_UNLCK);
        lk.l_type = F_UNLCK;
        EXPECT_EQ("fcntl_unlock", fcntl(fd, F_SETLK, &lk), 0);
        lk.l_type = 42;
        EXPECT_ERRNO("fcntl_setlk_einval_type", fcntl(fd, F_SETLK, &lk), EINVAL);
        EXPECT_ERRNO("fcntl_setlk_efault", fcntl(fd, F_SETLK, BAD_PTR), EFAULT);
        int r = open("f", O_RDONLY);
        struct flock wl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        EXPECT_ERRNO("fcntl_setlk_write_on_rdonly_ebadf", fcntl(r, F_SETLK, &wl), EBADF);
        close(r);
        EXPECT_EQ("fcntl_getpipe_sz_file_ebadf", fcntl(fd, F_GETPIPE_SZ) == -1 ? errno : 0, EBADF);
    }

    COVERS("fcntl");
    {
        /* Open file description locks conflict between descriptions, even
         * in one process; POSIX record locks do not. */
        int a = open("f", O_RDWR), b = open("f", O_RDWR);
        struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
        EXPECT_EQ("fcntl_ofd_setlk", fcntl(a, F_OFD_SETLK, &lk), 0);
        struct flock q = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 5, .l_len = 1};
        EXPECT_EQ("fcntl_ofd_getlk_conflict", fcntl(b, F_OFD_GETLK, &q) == 0 ? q.l_type * 1000 + q.l_start * 10 + (q.l_pid == -1) : -1, F_WRLCK * 1000 + 0 * 10 + 1);
        struct flock w = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
        EXPECT_ERRNO("fcntl_ofd_setlk_conflict_eagain", fcntl(b, F_OFD_SETLK, &w), EAGAIN);
        struct flock pid0 = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_pid = 1};
        EXPECT_ERRNO("fcntl_ofd_setlk_einval_pid", fcntl(b, F_OFD_SETLK, &pid0), EINVAL);
        EXPECT_ERRNO("fcntl_posix_setlk_conflicts_with_ofd", fcntl(b, F_SETLK, &w), EAGAIN);
        lk.l_type = F_UNLCK;
        EXPECT_EQ("fcntl_ofd_unlock", fcntl(a, F_OFD_SETLK, &lk), 0);
        EXPECT_EQ("fcntl_ofd_setlk_after_unlock", fcntl(b, F_OFD_SETLK, &w), 0);
        close(a);
        close(b);
        EXPECT_EQ("fcntl_getown_default", fcntl(fd, F_GETOWN), 0);
        EXPECT_EQ("fcntl_setown_self", fcntl(fd, F_SETOWN, getpid()) == 0 && fcntl(fd, F_GETOWN) == getpid(), 1);
        EXPECT_ERRNO("fcntl_setown_esrch", fcntl(fd, F_SETOWN, 999999), ESRCH);
        fcntl(fd, F_SETOWN, 0);
    }

    COVERS("ioctl");
    {
        int n = -1;
        SETUP(lseek(fd, 0, SEEK_SET));
        EXPECT_EQ("ioctl_fionread_file", ioctl(fd, FIONREAD, &n) == 0 ? n : -1, 13);
        EXPECT_EQ("ioctl_fioclex", ioctl(fd, FIOCLEX), 0);
        EXPECT_EQ("ioctl_fioclex_set", fcntl(fd, F_GETFD), FD_CLOEXEC);
        EXPECT_EQ("ioctl_fionclex", ioctl(fd, FIONCLEX), 0);
        EXPECT_EQ("ioctl_fionclex_clear", fcntl(fd, F_GETFD), 0);
        EXPECT_ERRNO("ioctl_enotty_tcgets_file", ioctl(fd, TCGETS, buf), ENOTTY);
        EXPECT_ERRNO("ioctl_ebadf", ioctl(999, FIOCLEX), EBADF);
        EXPECT_ERRNO("ioctl_fionread_efault", ioctl(fd, FIONREAD, BAD_PTR), EFAULT);
    }

    COVERS("flock");
    {
        EXPECT_EQ("flock_ex", flock(fd, LOCK_EX), 0);
        EXPECT_EQ("flock_sh_upgrade_down", flock(fd, LOCK_SH | LOCK_NB), 0);
        EXPECT_EQ("flock_un", flock(fd, LOCK_UN), 0);
        EXPECT_ERRNO("flock_einval_op", flock(fd, 0), EINVAL);
        EXPECT_ERRNO("flock_ebadf", flock(999, LOCK_EX), EBADF);
        int other = open("f", O_RDONLY);
        flock(fd, LOCK_EX);
        EXPECT_ERRNO("flock_conflict_other_description", flock(other, LOCK_EX | LOCK_NB), EWOULDBLOCK);
        flock(fd, LOCK_UN);
        EXPECT_EQ("flock_after_unlock", flock(other, LOCK_EX | LOCK_NB), 0);
        close(other);
    }
    close(fd);
    return conf_end();
}

/* System V IPC (shared memory, semaphores, message queues) and POSIX
 * message queues. Every object is private to this program and removed
 * before it ends, so no state leaks between runs. */
#include "conformance.h"
#include <mqueue.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <time.h>

union semun {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
};

struct msg {
    long mtype;
    char mtext[16];
};

int main(void)
{
    conf_begin("misc_ipc");

    COVERS("shmget", "shmat", "shmdt", "shmctl");
    {
        int id = shmget(IPC_PRIVATE, 8192, IPC_CREAT | 0600);
        CHECK("shmget_private", id >= 0, "failed with %s", errname(errno));
        char *p = shmat(id, NULL, 0);
        CHECK("shmat_ok", p != (void *)-1, "%s", errname(errno));
        if (p != (void *)-1) {
            EXPECT_EQ("shmat_zero_filled", p[0] + p[8191], 0);
            strcpy(p, "shared");
            char *q = shmat(id, NULL, SHM_RDONLY);
            CHECK("shmat_second_view_shares", q != (void *)-1 && strcmp(q, "shared") == 0, "%s", q == (void *)-1 ? errname(errno) : "content");
            struct shmid_ds ds;
            EXPECT_EQ("shmctl_stat", shmctl(id, IPC_STAT, &ds), 0);
            EXPECT_EQ("shmctl_stat_size", ds.shm_segsz, 8192);
            EXPECT_EQ("shmctl_stat_nattch", ds.shm_nattch, 2);
            EXPECT_EQ("shmctl_stat_mode", ds.shm_perm.mode & 0777, 0600);
            ds.shm_perm.mode = 0640;
            EXPECT_EQ("shmctl_set_mode", shmctl(id, IPC_SET, &ds) == 0 && shmctl(id, IPC_STAT, &ds) == 0 ? (long)(ds.shm_perm.mode & 0777) : -1, 0640);
            if (q != (void *)-1)
                EXPECT_EQ("shmdt_second", shmdt(q), 0);
            EXPECT_EQ("shmdt_first", shmdt(p), 0);
            EXPECT_ERRNO("shmdt_not_attached_einval", shmdt(p), EINVAL);
            EXPECT_EQ("shmctl_nattch_zero", shmctl(id, IPC_STAT, &ds) == 0 ? (long)ds.shm_nattch : -1, 0);
        }
        EXPECT_EQ("shmctl_rmid", shmctl(id, IPC_RMID, NULL), 0);
        EXPECT_ERRNO("shmctl_after_rmid_einval", shmctl(id, IPC_STAT, &(struct shmid_ds){0}), EINVAL);
        EXPECT_ERRNO("shmget_einval_size_zero_create", shmget(IPC_PRIVATE, 0, IPC_CREAT | 0600), EINVAL);
        EXPECT_ERRNO("shmget_enoent_missing_key", shmget(0x5eed1234, 4096, 0600), ENOENT);
        EXPECT_ERRNO("shmat_einval_bad_id", (long)shmat(-1, NULL, 0), EINVAL);
        EXPECT_ERRNO("shmctl_einval_cmd", shmctl(0, 12345, NULL), EINVAL);
        int id2 = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
        EXPECT_ERRNO("shmctl_efault_stat", shmctl(id2, IPC_STAT, BAD_PTR), EFAULT);
        EXPECT_ERRNO("shmat_einval_unaligned", (long)shmat(id2, (void *)0x1001, 0), EINVAL);
        shmctl(id2, IPC_RMID, NULL);
    }

    COVERS("semget", "semop", "semctl", "semtimedop");
    {
        int id = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
        CHECK("semget_private", id >= 0, "failed with %s", errname(errno));
        EXPECT_EQ("semctl_getval_initial", semctl(id, 0, GETVAL), 0);
        EXPECT_EQ("semctl_setval", semctl(id, 0, SETVAL, (union semun){.val = 3}), 0);
        EXPECT_EQ("semctl_getval_after_set", semctl(id, 0, GETVAL), 3);
        struct sembuf down = {0, -2, IPC_NOWAIT};
        EXPECT_EQ("semop_decrement", semop(id, &down, 1), 0);
        EXPECT_EQ("semop_decrement_visible", semctl(id, 0, GETVAL), 1);
        EXPECT_ERRNO("semop_would_block_eagain", semop(id, &down, 1), EAGAIN);
        struct sembuf two[2] = {{0, 1, 0}, {1, 5, 0}};
        EXPECT_EQ("semop_atomic_pair", semop(id, two, 2), 0);
        unsigned short all[2];
        EXPECT_EQ("semctl_getall", semctl(id, 0, GETALL, (union semun){.array = all}) == 0 ? all[0] * 10 + all[1] : -1, 25);
        struct timespec ts = {0, 1000000};
        struct sembuf big = {1, -100, 0};
        EXPECT_ERRNO("semtimedop_timeout_eagain", semtimedop(id, &big, 1, &ts), EAGAIN);
        struct sembuf badnum = {7, 1, 0};
        EXPECT_ERRNO("semop_efbig_semnum", semop(id, &badnum, 1), EFBIG);
        EXPECT_ERRNO("semop_einval_nsops_zero", semop(id, &down, 0), EINVAL);
        struct semid_ds ds;
        EXPECT_EQ("semctl_ipc_stat_nsems", semctl(id, 0, IPC_STAT, (union semun){.buf = &ds}) == 0 ? (long)ds.sem_nsems : -1, 2);
        EXPECT_ERRNO("semctl_setval_erange", semctl(id, 0, SETVAL, (union semun){.val = 40000}), ERANGE);
        EXPECT_EQ("semctl_rmid", semctl(id, 0, IPC_RMID), 0);
        EXPECT_ERRNO("semop_after_rmid_einval", semop(id, two, 1), EINVAL);
        EXPECT_ERRNO("semget_einval_nsems", semget(IPC_PRIVATE, 100000, IPC_CREAT | 0600), EINVAL);
    }

    COVERS("msgget", "msgsnd", "msgrcv", "msgctl");
    {
        int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
        CHECK("msgget_private", id >= 0, "failed with %s", errname(errno));
        struct msg m = {2, "second"}, n = {1, "first"}, r;
        EXPECT_EQ("msgsnd_type2", msgsnd(id, &m, sizeof m.mtext, 0), 0);
        EXPECT_EQ("msgsnd_type1", msgsnd(id, &n, sizeof n.mtext, 0), 0);
        struct msqid_ds ds;
        EXPECT_EQ("msgctl_stat_qnum", msgctl(id, IPC_STAT, &ds) == 0 ? (long)ds.msg_qnum : -1, 2);
        EXPECT_EQ("msgrcv_by_type", msgrcv(id, &r, sizeof r.mtext, 1, 0), (long)sizeof r.mtext);
        CHECK("msgrcv_by_type_content", strcmp(r.mtext, "first") == 0, "content");
        EXPECT_EQ("msgrcv_any", msgrcv(id, &r, sizeof r.mtext, 0, 0) == (long)sizeof r.mtext ? r.mtype : -1, 2);
        EXPECT_ERRNO("msgrcv_empty_nowait_enomsg", msgrcv(id, &r, sizeof r.mtext, 0, IPC_NOWAIT), ENOMSG);
        EXPECT_EQ("msgsnd_again", msgsnd(id, &m, sizeof m.mtext, 0), 0);
        EXPECT_ERRNO("msgrcv_e2big_small_buffer", msgrcv(id, &r, 2, 0, IPC_NOWAIT), E2BIG);
        EXPECT_EQ("msgrcv_noerror_truncates", msgrcv(id, &r, 2, 0, IPC_NOWAIT | MSG_NOERROR), 2);
        m.mtype = 0;
        EXPECT_ERRNO("msgsnd_einval_type0", msgsnd(id, &m, sizeof m.mtext, 0), EINVAL);
        EXPECT_ERRNO("msgsnd_efault", msgsnd(id, BAD_PTR, 8, 0), EFAULT);
        EXPECT_EQ("msgctl_rmid", msgctl(id, IPC_RMID, NULL), 0);
        EXPECT_ERRNO("msgsnd_after_rmid_einval", msgsnd(id, &n, sizeof n.mtext, 0), EINVAL);
        EXPECT_ERRNO("msgget_enoent", msgget(0x5eed1235, 0600), ENOENT);
    }

    COVERS("mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_getsetattr");
    {
        char name[64];
        snprintf(name, sizeof name, "/%s", strrchr(conf_tmpdir, '/') + 1);
        struct mq_attr attr = {.mq_maxmsg = 4, .mq_msgsize = 32};
        mqd_t q = mq_open(name, O_CREAT | O_EXCL | O_RDWR | O_NONBLOCK, 0600, &attr);
        CHECK("mq_open_create", q >= 0, "failed with %s", errname(errno));
        EXPECT_ERRNO("mq_open_excl_eexist", mq_open(name, O_CREAT | O_EXCL | O_RDWR, 0600, &attr), EEXIST);
        EXPECT_EQ("mq_send_prio1", mq_send(q, "low", 3, 1), 0);
        EXPECT_EQ("mq_send_prio5", mq_send(q, "high", 4, 5), 0);
        struct mq_attr got = {0};
        EXPECT_EQ("mq_getattr_curmsgs", mq_getattr(q, &got) == 0 ? got.mq_curmsgs : -1, 2);
        EXPECT_EQ("mq_getattr_msgsize", got.mq_msgsize, 32);
        char buf[64];
        unsigned prio = 0;
        EXPECT_EQ("mq_receive_highest_first", mq_receive(q, buf, sizeof buf, &prio), 4);
        EXPECT_EQ("mq_receive_prio", prio, 5);
        EXPECT_ERRNO("mq_receive_emsgsize_small", mq_receive(q, buf, 8, NULL), EMSGSIZE);
        EXPECT_EQ("mq_receive_second", mq_receive(q, buf, sizeof buf, NULL), 3);
        EXPECT_ERRNO("mq_receive_empty_eagain", mq_receive(q, buf, sizeof buf, NULL), EAGAIN);
        EXPECT_ERRNO("mq_send_emsgsize", mq_send(q, buf, 64, 0), EMSGSIZE);
        struct mq_attr set = {.mq_flags = 0}, old;
        EXPECT_EQ("mq_setattr_blocking", mq_setattr(q, &set, &old) == 0 ? old.mq_flags & O_NONBLOCK : -1, O_NONBLOCK);
        struct timespec past = {1, 0};
        EXPECT_ERRNO("mq_timedreceive_past_etimedout", mq_timedreceive(q, buf, sizeof buf, NULL, &past), ETIMEDOUT);
        EXPECT_EQ("mq_close", mq_close(q), 0);
        EXPECT_EQ("mq_unlink_ok", mq_unlink(name), 0);
        EXPECT_ERRNO("mq_unlink_enoent", mq_unlink(name), ENOENT);
        EXPECT_ERRNO("mq_open_enoent", mq_open(name, O_RDONLY), ENOENT);
        EXPECT_ERRNO("mq_open_eacces_slash_in_name", mq_open("/a/b", O_CREAT | O_RDWR, 0600, &attr), EACCES);
        struct mq_attr bad = {.mq_maxmsg = 0, .mq_msgsize = 32};
        EXPECT_ERRNO("mq_open_einval_maxmsg", mq_open(name, O_CREAT | O_RDWR, 0600, &bad), EINVAL);
    }
    return conf_end();
}

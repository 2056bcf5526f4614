/* Conformance: System V message queues (selection, limits, processes). */
#include "proc_util.h"

#include <sys/ipc.h>
#include <sys/msg.h>

struct m8 {
    long mtype;
    char mtext[8];
};

static int send_one(void *arg)
{
    struct m8 m = {9, "wake"};
    return msgsnd(*(int *)arg, &m, sizeof m.mtext, 0) == 0 ? 0 : 1;
}

static long send(int id, long type)
{
    struct m8 m = {type, "x"};
    return msgsnd(id, &m, sizeof m.mtext, IPC_NOWAIT);
}

static long recv_type(int id, long typ, int flags)
{
    struct m8 r;
    return msgrcv(id, &r, sizeof r.mtext, typ, flags | IPC_NOWAIT) == sizeof r.mtext ? r.mtype : -1;
}

COVERS("msgget", "msgsnd", "msgrcv", "msgctl")
static void test_queue(void)
{
    int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    SETUP(id);
    SETUP(send(id, 3));
    SETUP(send(id, 1));
    SETUP(send(id, 2));
    EXPECT_EQ("copy_by_index", recv_type(id, 2, MSG_COPY), 2);
    EXPECT_ERRNO("copy_needs_nowait", ({
                     struct m8 r;
                     msgrcv(id, &r, sizeof r.mtext, 0, MSG_COPY);
                 }),
                 EINVAL);
    EXPECT_EQ("except_skips_type", recv_type(id, 3, MSG_EXCEPT), 1);
    EXPECT_EQ("negative_takes_lowest", recv_type(id, -3, 0), 2);
    EXPECT_EQ("remaining_message", recv_type(id, 0, 0), 3);
    EXPECT_ERRNO("type_absent_enomsg", recv_type(id, 7, 0), ENOMSG);

    struct msqid_ds ds;
    SETUP(msgctl(id, IPC_STAT, &ds));
    ds.msg_qbytes = 16;
    EXPECT_EQ("set_qbytes", msgctl(id, IPC_SET, &ds), 0);
    EXPECT_EQ("fits_in_queue", send(id, 1), 0);
    EXPECT_EQ("fits_second", send(id, 1), 0);
    EXPECT_ERRNO("queue_full_eagain", send(id, 1), EAGAIN);
    memset(&ds, 0, sizeof ds);
    SETUP(msgctl(id, IPC_STAT, &ds));
    EXPECT_EQ("stat_cbytes", ds.msg_cbytes, 16);
    EXPECT_EQ("stat_lspid", ds.msg_lspid, getpid());
    EXPECT_EQ("stat_qbytes", ds.msg_qbytes, 16);
    EXPECT_ERRNO("size_over_msgmax_einval", ({
                     static struct {
                         long t;
                         char b[9000];
                     } big = {1, ""};
                     msgsnd(id, &big, sizeof big.b, IPC_NOWAIT);
                 }),
                 EINVAL);
    EXPECT_ERRNO("msgctl_bad_cmd", msgctl(id, 4242, NULL), EINVAL);
    SETUP(msgctl(id, IPC_RMID, NULL));

    id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    SETUP(id);
    pid_t child = pu_spawn(send_one, &id);
    struct m8 r;
    EXPECT_EQ("receive_waits_for_sender", msgrcv(id, &r, sizeof r.mtext, 9, 0), sizeof r.mtext);
    EXPECT_EQ("sender_exits", pu_wait(child), PU_EXITED(0));
    SETUP(msgctl(id, IPC_STAT, &ds));
    EXPECT_EQ("stat_lrpid", ds.msg_lrpid, getpid());
    EXPECT_EQ("stat_lspid_other", ds.msg_lspid, child);
    SETUP(msgctl(id, IPC_RMID, NULL));

    key_t key = 0x5eed3e55;
    int k = msgget(key, IPC_CREAT | IPC_EXCL | 0600);
    CHECK("key_create", k >= 0, "failed with %s", errname(errno));
    EXPECT_EQ("key_finds_same", msgget(key, 0), k);
    EXPECT_ERRNO("key_excl_eexist", msgget(key, IPC_CREAT | IPC_EXCL | 0600), EEXIST);
    msgctl(k, IPC_RMID, NULL);
}

int main(void)
{
    conf_begin("sysv_msg");
    pu_setup();
    test_queue();
    return conf_end();
}

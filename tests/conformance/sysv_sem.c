/* Conformance: System V semaphores across processes (undo, wake-ups, keys). */
#include "proc_util.h"

#include <sys/ipc.h>
#include <sys/sem.h>

union semun {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
};

static int sem_up(void *arg)
{
    struct sembuf up = {0, 1, 0};
    return semop(*(int *)arg, &up, 1) == 0 ? 0 : 1;
}

static int sem_down_undo(void *arg)
{
    struct sembuf down = {0, -2, SEM_UNDO};
    return semop(*(int *)arg, &down, 1) == 0 ? 0 : 1;
}

COVERS("semget", "semop", "semctl")
static void test_processes(void)
{
    int id = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
    SETUP(id);
    SETUP(semctl(id, 0, SETVAL, (union semun){.val = 5}));
    EXPECT_EQ("undo_child_exits", pu_run(sem_down_undo, &id), PU_EXITED(0));
    EXPECT_EQ("undo_applied_at_exit", semctl(id, 0, GETVAL), 5);
    EXPECT_EQ("getpid_is_last_operator", semctl(id, 0, GETPID) > 0, 1);

    SETUP(semctl(id, 0, SETVAL, (union semun){.val = 0}));
    pid_t child = pu_spawn(sem_up, &id);
    struct sembuf down = {0, -1, 0};
    EXPECT_EQ("semop_woken_by_other_process", semop(id, &down, 1), 0);
    EXPECT_EQ("waker_exits", pu_wait(child), PU_EXITED(0));
    EXPECT_EQ("value_back_to_zero", semctl(id, 0, GETVAL), 0);

    struct sembuf zero_nowait = {0, 0, IPC_NOWAIT};
    EXPECT_EQ("wait_for_zero_ready", semop(id, &zero_nowait, 1), 0);
    SETUP(semctl(id, 0, SETVAL, (union semun){.val = 1}));
    EXPECT_ERRNO("wait_for_zero_nowait_eagain", semop(id, &zero_nowait, 1), EAGAIN);
    SETUP(semctl(id, 0, SETVAL, (union semun){.val = 0}));

    pu_tick_start(2000, 1);
    EXPECT_ERRNO("semop_eintr_despite_sa_restart", semop(id, &down, 1), EINTR);
    pu_tick_stop();

    struct semid_ds ds;
    SETUP(semctl(id, 0, IPC_STAT, (union semun){.buf = &ds}));
    ds.sem_perm.mode = 0640;
    EXPECT_EQ("ipc_set_mode", semctl(id, 0, IPC_SET, (union semun){.buf = &ds}), 0);
    memset(&ds, 0, sizeof ds);
    EXPECT_EQ("ipc_stat_mode", semctl(id, 0, IPC_STAT, (union semun){.buf = &ds}) == 0 ?
                                   (long)(ds.sem_perm.mode & 0777) : -1, 0640);
    EXPECT_ERRNO("getval_bad_semnum", semctl(id, 3, GETVAL), EINVAL);
    EXPECT_ERRNO("semctl_bad_cmd", semctl(id, 0, 4242), EINVAL);
    SETUP(semctl(id, 0, IPC_RMID));
    EXPECT_ERRNO("semctl_after_rmid", semctl(id, 0, GETVAL), EINVAL);
}

COVERS("semget")
static void test_keys(void)
{
    key_t key = 0x5eed5e11;
    int id = semget(key, 2, IPC_CREAT | IPC_EXCL | 0600);
    CHECK("key_create", id >= 0, "failed with %s", errname(errno));
    EXPECT_EQ("key_finds_same", semget(key, 1, 0600), id);
    EXPECT_EQ("key_zero_nsems_finds", semget(key, 0, 0), id);
    EXPECT_ERRNO("key_excl_eexist", semget(key, 2, IPC_CREAT | IPC_EXCL | 0600), EEXIST);
    EXPECT_ERRNO("key_more_nsems_einval", semget(key, 3, 0600), EINVAL);
    EXPECT_ERRNO("private_zero_nsems_einval", semget(IPC_PRIVATE, 0, IPC_CREAT | 0600), EINVAL);
    EXPECT_ERRNO("negative_nsems_einval", semget(IPC_PRIVATE, -1, IPC_CREAT | 0600), EINVAL);
    semctl(id, 0, IPC_RMID);
    EXPECT_ERRNO("key_gone_after_rmid", semget(key, 1, 0600), ENOENT);
}

int main(void)
{
    conf_begin("sysv_sem");
    pu_setup();
    test_processes();
    test_keys();
    return conf_end();
}

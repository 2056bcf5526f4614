/* Copy-on-write under concurrent faults: after fork, the parent overwrites
 * every page while the child writes one byte of each page and checks that
 * the rest still holds what was there at fork time. Prints "ok" or the
 * number of pages where the child saw the parent's later writes. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGES 512
#define PAGE 4096

int main(void)
{
    char *buf = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED)
        return 2;
    for (int round = 0; round < 20; round++) {
        memset(buf, 7, PAGES * PAGE);
        pid_t c = fork();
        if (c == 0) {
            int bad = 0;
            for (int p = 0; p < PAGES; p++) {
                char *page = buf + (long)p * PAGE;
                page[0] = 'C';
                for (int i = 1; i < PAGE; i++)
                    if (page[i] != 7) {
                        bad++;
                        break;
                    }
            }
            _exit(bad > 255 ? 255 : bad);
        }
        for (int p = 0; p < PAGES; p++)
            memset(buf + (long)p * PAGE, 'P', PAGE);
        int st;
        waitpid(c, &st, 0);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            printf("round %d: child saw the parent's writes on %d pages\n", round, WEXITSTATUS(st));
            return 1;
        }
    }
    puts("ok");
    return 0;
}

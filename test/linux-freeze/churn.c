// The target of test/linux-freeze.test.ts: without pause, the main thread opens and closes a descriptor and
// maps and unmaps a page, and a second thread starts and joins short-lived threads, so a capture that is
// not of one instant meets descriptors and threads that vanish while it reads them. Prints a counter.
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

static volatile unsigned long ticks;

static void *nothing(void *arg) { return arg; }

static void *spawner(void *arg) {
  for (;;) {
    pthread_t t;
    if (pthread_create(&t, NULL, nothing, NULL) == 0) pthread_join(t, NULL);
  }
  return arg;
}

int main(void) {
  pthread_t s;
  pthread_create(&s, NULL, spawner, NULL);
  printf("ready\n");
  fflush(stdout);
  for (;;) {
    int fd = open("/dev/null", O_RDONLY);
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED) munmap(p, 4096);
    if (fd >= 0) close(fd);
    if (++ticks % 2000 == 0) {
      printf("tick %lu\n", ticks);
      fflush(stdout);
    }
  }
}

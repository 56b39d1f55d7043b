/* A target for the Linux holding, register and minidump tests (test/linux-hold*.test.ts, test/minidump*.test.ts).
 * Built with `gcc -g -O0 -pthread` by test/helpers/chain-target.ts. The main thread blocks in read() inside a
 * known chain of three functions, chain_outer -> chain_middle -> chain_inner, so a debugger given its stack can
 * show that backtrace; a second thread ticks every 5 ms (its context switches show whether it runs); a third
 * sleeps. The marker file named by argv[1] is written once every thread has started. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile unsigned long ticks;
static int block_pipe[2];

static void *ticker(void *arg) {
  (void)arg;
  struct timespec pause = {0, 5 * 1000 * 1000};
  for (;;) {
    ticks++;
    nanosleep(&pause, NULL);
  }
  return NULL;
}

static void *sleeper(void *arg) {
  (void)arg;
  for (;;) sleep(1000);
  return NULL;
}

__attribute__((noinline)) int chain_inner(int depth) {
  char byte;
  /* Nobody writes the pipe: read() blocks here forever. */
  ssize_t got = read(block_pipe[0], &byte, 1);
  return depth + (int)got;
}

__attribute__((noinline)) int chain_middle(int depth) {
  return chain_inner(depth + 1) + 1;
}

__attribute__((noinline)) int chain_outer(int depth) {
  return chain_middle(depth + 1) + 1;
}

int main(int argc, char **argv) {
  pthread_t a, b;
  if (pipe(block_pipe) != 0) return 2;
  if (pthread_create(&a, NULL, ticker, NULL) != 0) return 3;
  if (pthread_create(&b, NULL, sleeper, NULL) != 0) return 4;
  if (argc > 1) {
    FILE *ready = fopen(argv[1], "w");
    if (!ready) return 5;
    fprintf(ready, "%d\n", (int)getpid());
    fclose(ready);
  }
  return chain_outer(0);
}

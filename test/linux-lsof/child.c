// The process the lsof/ss oracle test captures (test/linux-lsof.test.ts): one of every kind of descriptor
// issue 16 names, opened in <dir>; prints the ports, then holds everything until stdin closes.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <stddef.h>
#include <unistd.h>

static void die(const char *what) { perror(what); exit(1); }

static int tcp_listen(int family, int *port) {
  int s = socket(family, SOCK_STREAM, 0);
  if (s < 0) die("socket");
  struct sockaddr_storage ss; socklen_t len;
  memset(&ss, 0, sizeof ss);
  if (family == AF_INET) { struct sockaddr_in *a = (void *)&ss; a->sin_family = AF_INET; a->sin_addr.s_addr = htonl(INADDR_LOOPBACK); len = sizeof *a; }
  else { struct sockaddr_in6 *a = (void *)&ss; a->sin6_family = AF_INET6; a->sin6_addr = in6addr_loopback; len = sizeof *a; }
  if (bind(s, (void *)&ss, len) < 0) die("bind");
  if (listen(s, 8) < 0) die("listen");
  getsockname(s, (void *)&ss, &len);
  *port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port : ((struct sockaddr_in6 *)&ss)->sin6_port);
  return s;
}

static int connect_to(int family, int type, int port) {
  int s = socket(family, type, 0);
  if (s < 0) die("socket");
  struct sockaddr_storage ss; socklen_t len;
  memset(&ss, 0, sizeof ss);
  if (family == AF_INET) { struct sockaddr_in *a = (void *)&ss; a->sin_family = AF_INET; a->sin_addr.s_addr = htonl(INADDR_LOOPBACK); a->sin_port = htons(port); len = sizeof *a; }
  else { struct sockaddr_in6 *a = (void *)&ss; a->sin6_family = AF_INET6; a->sin6_addr = in6addr_loopback; a->sin6_port = htons(port); len = sizeof *a; }
  if (connect(s, (void *)&ss, len) < 0) die("connect");
  return s;
}

static int udp_bound(int family, int *port) {
  int s = socket(family, SOCK_DGRAM, 0);
  struct sockaddr_storage ss; socklen_t len;
  memset(&ss, 0, sizeof ss);
  if (family == AF_INET) { struct sockaddr_in *a = (void *)&ss; a->sin_family = AF_INET; a->sin_addr.s_addr = htonl(INADDR_LOOPBACK); len = sizeof *a; }
  else { struct sockaddr_in6 *a = (void *)&ss; a->sin6_family = AF_INET6; a->sin6_addr = in6addr_loopback; len = sizeof *a; }
  if (bind(s, (void *)&ss, len) < 0) die("bind udp");
  getsockname(s, (void *)&ss, &len);
  *port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port : ((struct sockaddr_in6 *)&ss)->sin6_port);
  return s;
}

static int unix_bound(int type, const char *path, int abstract) {
  int s = socket(AF_UNIX, type, 0);
  struct sockaddr_un a; memset(&a, 0, sizeof a); a.sun_family = AF_UNIX;
  socklen_t len;
  if (abstract) { a.sun_path[0] = 0; strcpy(a.sun_path + 1, path); len = offsetof(struct sockaddr_un, sun_path) + 1 + strlen(path); }
  else { unlink(path); strcpy(a.sun_path, path); len = sizeof a; }
  if (bind(s, (void *)&a, len) < 0) die("bind unix");
  if (type == SOCK_STREAM && listen(s, 4) < 0) die("listen unix");
  return s;
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  const char *dir = argv[1];
  char path[4096];
  snprintf(path, sizeof path, "%s/regular.txt", dir);
  int reg = open(path, O_RDWR | O_CREAT, 0600); write(reg, "hello", 5);
  int d = open(dir, O_RDONLY | O_DIRECTORY);
  snprintf(path, sizeof path, "%s/gone.txt", dir);
  int gone = open(path, O_RDWR | O_CREAT, 0600); unlink(path);
  static char page[4096]; write(gone, page, sizeof page);
  void *gone_map = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, gone, 0); /* a mapping of a deleted file */
  snprintf(path, sizeof path, "%s/named (deleted)", dir);
  int named = open(path, O_RDWR | O_CREAT, 0600); /* a live file whose name only looks deleted */
  void *anon = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#define PR_SET_VMA_ANON_NAME 0
#endif
  int labelled = prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, anon, 8192, "pssnap-h16") == 0;
  int p4, p6, u4, u6;
  int l4 = tcp_listen(AF_INET, &p4), l6 = tcp_listen(AF_INET6, &p6);
  int c4 = connect_to(AF_INET, SOCK_STREAM, p4), a4 = accept(l4, NULL, NULL);
  int c6 = connect_to(AF_INET6, SOCK_STREAM, p6), a6 = accept(l6, NULL, NULL);
  write(c4, "abc", 3); /* queued, unread on a4 */
  int ub4 = udp_bound(AF_INET, &u4), ub6 = udp_bound(AF_INET6, &u6);
  int uc4 = connect_to(AF_INET, SOCK_DGRAM, u4), uc6 = connect_to(AF_INET6, SOCK_DGRAM, u6);
  snprintf(path, sizeof path, "%s/stream.sock", dir);
  int us = unix_bound(SOCK_STREAM, path, 0);
  snprintf(path, sizeof path, "%s/dgram.sock", dir);
  int ud = unix_bound(SOCK_DGRAM, path, 0);
  char abs[64]; snprintf(abs, sizeof abs, "pssnap-h16-%d", (int)getpid());
  int ua = unix_bound(SOCK_STREAM, abs, 1);
  int sp[2]; socketpair(AF_UNIX, SOCK_STREAM, 0, sp);
  int dp[2]; socketpair(AF_UNIX, SOCK_DGRAM, 0, dp);
  int pp[2]; pipe(pp);
  snprintf(path, sizeof path, "%s/fifo", dir);
  mkfifo(path, 0600);
  int fifo = open(path, O_RDWR);
  int ev = eventfd(7, EFD_CLOEXEC);
  int tf = timerfd_create(CLOCK_MONOTONIC, 0);
  struct itimerspec its = { { 5, 0 }, { 100, 0 } }; timerfd_settime(tf, 0, &its, NULL);
  sigset_t mask; sigemptyset(&mask); sigaddset(&mask, SIGUSR1); sigaddset(&mask, SIGTERM); sigprocmask(SIG_BLOCK, &mask, NULL);
  int sf = signalfd(-1, &mask, 0);
  int in = inotify_init1(0); inotify_add_watch(in, dir, IN_CREATE | IN_DELETE);
  int mf = memfd_create("pssnap-h16-memfd", 0); ftruncate(mf, 4096);
  void *map = mmap(NULL, 4096, PROT_READ, MAP_SHARED, mf, 0);
  (void)map; (void)gone_map; (void)named; (void)reg; (void)d; (void)gone; (void)c6; (void)a6; (void)a4; (void)ub4; (void)ub6; (void)uc4; (void)uc6; (void)us; (void)ud; (void)ua; (void)fifo; (void)ev; (void)sf;
  printf("ready %d %d %d %d %d\n", p4, p6, u4, u6, labelled);
  fflush(stdout);
  char buf[16];
  while (read(0, buf, sizeof buf) > 0) {}
  return 0;
}

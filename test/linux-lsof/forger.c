// A hostile target for test/linux-lsof.test.ts: it binds an abstract unix socket whose name holds a newline followed by
// a line of /proc/net/unix's format that claims its socketpair's inode for a listening /etc/victim socket.
// The kernel writes the path's bytes as they are, so the table then lists that inode twice.
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int main(void) {
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0) return 1;
  struct stat st;
  fstat(pair[0], &st);
  struct sockaddr_un a;
  memset(&a, 0, sizeof a);
  a.sun_family = AF_UNIX;
  // Abstract (first byte NUL): no directory needed; the kernel shows it as @ and the bytes as they are.
  int n = snprintf(a.sun_path + 1, sizeof a.sun_path - 1, "f\n0000000000000000: 00000002 00000000 00010000 0001 01 %lu /etc/victim", (unsigned long)st.st_ino);
  int s = socket(AF_UNIX, SOCK_DGRAM, 0);
  if (bind(s, (struct sockaddr *)&a, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)) != 0) return 2;
  printf("ready %lu\n", (unsigned long)st.st_ino);
  fflush(stdout);
  char buf[16];
  while (read(0, buf, sizeof buf) > 0) {}
  return 0;
}

// errno values that differ between Darwin and Linux, compared by name, and their messages
#include <stdio.h>
#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

#define CHECK(call, want) do { errno = 0; int r_ = (call); \
    printf("%-40s r=%d errno==%s:%d (%s)\n", #call, r_, #want, errno == (want), strerror(errno)); } while (0)

int main(void) {
    mkdir("dir", 0755);
    close(open("dir/file", O_CREAT | O_WRONLY, 0644));
    symlink("loop2", "loop1");
    symlink("loop1", "loop2");
    CHECK(open("missing", O_RDONLY), ENOENT);
    CHECK(open("dir/file", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
    CHECK(open("dir/file/sub", O_RDONLY), ENOTDIR);
    CHECK(open("dir", O_WRONLY), EISDIR);
    CHECK(rmdir("dir"), ENOTEMPTY);
    CHECK(open("loop1", O_RDONLY), ELOOP);
    CHECK(read(-1, NULL, 0), EBADF);
    CHECK(mkdir("dir", 0755), EEXIST);
    CHECK(unlink("dir"), EISDIR);
    int p[2];
    pipe(p);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    char c;
    CHECK((int)read(p[0], &c, 1), EAGAIN);
    printf("EAGAIN==EWOULDBLOCK: %d\n", EAGAIN == EWOULDBLOCK);
    errno = ENOENT;
    perror("perror goes to stderr");
    errno = 0;
    printf("strerror(EINVAL)=%s\n", strerror(EINVAL));
    char buf[64];
    int r = strerror_r(EACCES, buf, sizeof buf);
    printf("strerror_r=%d %s\n", r, buf);
    return 0;
}

// open flags, O_APPEND, O_TRUNC, pread/pwrite, lseek SEEK_END, dup/dup2, fcntl flags, pipe,
// ftruncate, umask, writev/readv
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/uio.h>

int main(void) {
    int fd = open("f.txt", O_CREAT | O_RDWR | O_TRUNC, 0600);
    write(fd, "abcdefghij", 10);
    printf("lseek end=%ld cur=%ld\n", (long)lseek(fd, 0, SEEK_END), (long)lseek(fd, -3, SEEK_CUR));
    char buf[16] = {0};
    printf("pread=%zd [%.4s]\n", pread(fd, buf, 4, 2), buf);
    printf("pwrite=%zd\n", pwrite(fd, "XY", 2, 0));
    int fl = fcntl(fd, F_GETFL);
    printf("accmode rdwr=%d append=%d\n", (fl & O_ACCMODE) == O_RDWR, !!(fl & O_APPEND));
    fcntl(fd, F_SETFL, fl | O_APPEND);
    printf("append now=%d\n", !!(fcntl(fd, F_GETFL) & O_APPEND));
    printf("cloexec=%d\n", fcntl(fd, F_GETFD) & FD_CLOEXEC);
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    printf("cloexec now=%d\n", fcntl(fd, F_GETFD) & FD_CLOEXEC);
    write(fd, "END", 3);
    int d = dup(fd);
    printf("dup shares offset: %d\n", lseek(d, 0, SEEK_CUR) == lseek(fd, 0, SEEK_CUR));
    lseek(fd, 0, SEEK_SET);
    memset(buf, 0, sizeof buf);
    read(d, buf, 15);
    printf("content=%s\n", buf);
    ftruncate(fd, 5);
    struct stat st;
    fstat(fd, &st);
    printf("ftruncate size=%lld\n", (long long)st.st_size);
    int d2 = dup2(fd, 20);
    printf("dup2=%d\n", d2);
    close(d); close(d2); close(fd);
    int c = open("cl.txt", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    printf("O_CLOEXEC set=%d\n", !!(fcntl(c, F_GETFD) & FD_CLOEXEC));
    close(c);
    int p[2];
    pipe(p);
    struct iovec iov[2] = {{"hello ", 6}, {"pipe", 4}};
    printf("writev=%zd\n", writev(p[1], iov, 2));
    char a[6] = {0}, b[8] = {0};
    struct iovec in[2] = {{a, 5}, {b, 7}};
    printf("readv=%zd [%s][%s]\n", readv(p[0], in, 2), a, b);
    close(p[1]);
    printf("read at eof=%zd\n", read(p[0], a, 1));
    mode_t old = umask(077);
    int u = open("masked", O_CREAT | O_WRONLY, 0666);
    fstat(u, &st);
    printf("umask old=%03o mode=%03o\n", (unsigned)old, (unsigned)(st.st_mode & 0777));
    return 0;
}

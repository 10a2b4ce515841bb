// mmap anonymous and file-backed, MAP_SHARED visibility, mprotect, msync, munmap, madvise
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/mman.h>

int main(void) {
    size_t pg = (size_t)getpagesize();
    char *a = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON, -1, 0);
    printf("anon ok=%d zeroed=%d\n", a != MAP_FAILED, a[0] == 0 && a[4 * pg - 1] == 0);
    strcpy(a, "anonymous");
    printf("mprotect=%d\n", mprotect(a, pg, PROT_READ));
    printf("madvise=%d\n", madvise(a + pg, pg, MADV_DONTNEED));
    printf("still=%s\n", a);
    munmap(a, 4 * pg);
    int fd = open("m.bin", O_CREAT | O_RDWR | O_TRUNC, 0644);
    ftruncate(fd, (off_t)pg);
    char *s = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    strcpy(s, "written through mmap");
    printf("msync=%d\n", msync(s, pg, MS_SYNC));
    char buf[32] = {0};
    pread(fd, buf, 20, 0);
    printf("file sees: %s\n", buf);
    munmap(s, pg);
    char *p = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, fd, 0);
    printf("private read: %.7s\n", p);
    munmap(p, pg);
    void *bad = mmap(NULL, pg, PROT_READ, MAP_SHARED, -1, 0);
    printf("bad fd fails=%d\n", bad == MAP_FAILED);
    close(fd);
    return 0;
}

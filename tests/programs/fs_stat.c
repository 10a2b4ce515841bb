// stat/lstat/fstat/fstatat fields that are portable; symlinks, readlink, realpath, access
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>

static void show(const char *what, const struct stat *st) {
    printf("%-8s size=%lld dir=%d reg=%d lnk=%d mode=%04o nlink=%d\n", what, (long long)st->st_size,
           S_ISDIR(st->st_mode), S_ISREG(st->st_mode), S_ISLNK(st->st_mode),
           (unsigned)(st->st_mode & 07777), (int)st->st_nlink);
}

int main(void) {
    umask(022);
    int fd = open("data.bin", O_CREAT | O_WRONLY | O_TRUNC, 0640);
    write(fd, "0123456789", 10);
    struct stat st, st2;
    fstat(fd, &st);
    show("fstat", &st);
    close(fd);
    stat("data.bin", &st2);
    show("stat", &st2);
    printf("same inode: %d same dev: %d\n", st.st_ino == st2.st_ino, st.st_dev == st2.st_dev);
    struct timespec times[2] = {{1000000000, 0}, {1234567890, 500000000}};
    utimensat(AT_FDCWD, "data.bin", times, 0);
    stat("data.bin", &st);
#ifdef __APPLE__
    printf("mtime=%ld.%09ld atime=%ld\n", (long)st.st_mtimespec.tv_sec, st.st_mtimespec.tv_nsec, (long)st.st_atimespec.tv_sec);
#else
    printf("mtime=%ld.%09ld atime=%ld\n", (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, (long)st.st_atim.tv_sec);
#endif
    link("data.bin", "hard.bin");
    stat("data.bin", &st);
    printf("after link nlink=%d\n", (int)st.st_nlink);
    symlink("data.bin", "soft.lnk");
    lstat("soft.lnk", &st);
    show("lstat", &st);
    stat("soft.lnk", &st);
    show("statlnk", &st);
    fstatat(AT_FDCWD, "soft.lnk", &st, AT_SYMLINK_NOFOLLOW);
    show("fstatat", &st);
    char buf[256];
    ssize_t n = readlink("soft.lnk", buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    printf("readlink=%s (%zd)\n", buf, n);
    mkdir("sub", 0700);
    stat("sub", &st);
    show("dir", &st);
    char *rp = realpath("sub/../data.bin", NULL), *cwd = getcwd(NULL, 0);
    printf("realpath relative to cwd: %s\n", rp && cwd && !strncmp(rp, cwd, strlen(cwd)) ? rp + strlen(cwd) : "?");
    free(rp); free(cwd);
    printf("access R=%d W=%d X=%d missing=%d\n", access("data.bin", R_OK), access("data.bin", W_OK),
           access("data.bin", X_OK), access("nothing", F_OK));
    chmod("data.bin", 0755);
    stat("data.bin", &st);
    printf("after chmod mode=%04o X=%d\n", (unsigned)(st.st_mode & 07777), access("data.bin", X_OK));
    truncate("data.bin", 4);
    stat("data.bin", &st);
    printf("after truncate size=%lld\n", (long long)st.st_size);
    return 0;
}

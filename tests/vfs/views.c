// Paths as the guest sees them, one query per argument:
//   read:PATH  the first line of a file (or the error)     cwd  the current directory
//   cd:PATH    chdir                                        write:PATH:TEXT  create a file
//   link:TARGET:PATH  symlink                               rename:FROM:TO
//   stat:PATH  owner, and the inode for comparisons         chown:PATH:UID:GID
//   xattr:PATH set, get and list an attribute               real:PATH  realpath
//   ls:DIR     the entries, sorted                          ids  user and group ids
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

ssize_t getxattr(const char *, const char *, void *, size_t, unsigned, int);
int setxattr(const char *, const char *, const void *, size_t, unsigned, int);
ssize_t listxattr(const char *, char *, size_t, int);

static int cmp(const void *a, const void *b) { return strcmp(*(char **)a, *(char **)b); }

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        char *arg = strdup(argv[i]), *op = strtok(arg, ":"), *a = strtok(NULL, ":"),
             *b = strtok(NULL, ":"), *c = strtok(NULL, ":");
        errno = 0;
        if (!strcmp(op, "read")) {
            char buf[256] = "";
            FILE *f = fopen(a, "r");
            if (f && fgets(buf, sizeof buf, f)) buf[strcspn(buf, "\n")] = 0;
            printf("read %s: %s\n", a, f ? buf : strerror(errno));
            if (f) fclose(f);
        } else if (!strcmp(op, "cwd")) {
            char buf[4096];
            printf("cwd: %s\n", getcwd(buf, sizeof buf));
        } else if (!strcmp(op, "cd")) {
            printf("cd %s: %d\n", a, chdir(a));
        } else if (!strcmp(op, "write")) {
            int fd = open(a, O_CREAT | O_WRONLY | O_TRUNC, 0644);
            if (fd >= 0) { write(fd, b, strlen(b)); write(fd, "\n", 1); close(fd); }
            printf("write %s: %s\n", a, fd >= 0 ? "ok" : strerror(errno));
        } else if (!strcmp(op, "link")) {
            unlink(b);
            printf("link %s -> %s: %d\n", b, a, symlink(a, b));
        } else if (!strcmp(op, "rename")) {
            printf("rename %s %s: %d\n", a, b, rename(a, b));
        } else if (!strcmp(op, "stat")) {
            struct stat st;
            int r = stat(a, &st);
            printf("stat %s: %s uid=%d gid=%d ino=%llu\n", a, r ? strerror(errno) : "ok",
                   r ? -1 : (int)st.st_uid, r ? -1 : (int)st.st_gid,
                   r ? 0ULL : (unsigned long long)st.st_ino);
        } else if (!strcmp(op, "chown")) {
            printf("chown %s: %d\n", a, chown(a, (uid_t)atoi(b), (gid_t)atoi(c)));
        } else if (!strcmp(op, "xattr")) {
            int s = setxattr(a, "com.example.note", "hello", 5, 0, 0);
            char v[16] = "", names[256] = "";
            ssize_t g = getxattr(a, "com.example.note", v, sizeof v, 0, 0);
            ssize_t l = listxattr(a, names, sizeof names, 0);
            errno = 0;
            ssize_t m = getxattr(a, "com.example.missing", v, sizeof v, 0, 0);
            printf("xattr %s: set=%d get=%zd [%.5s] list=%zd [%s] missing=%zd errno=%d\n", a, s,
                   g, v, l, names, m, errno);
        } else if (!strcmp(op, "real")) {
            char buf[4096];
            char *r = realpath(a, buf);
            printf("real %s: %s\n", a, r ? r : strerror(errno));
        } else if (!strcmp(op, "ids")) {
            printf("ids: uid=%d euid=%d gid=%d egid=%d\n", (int)getuid(), (int)geteuid(),
                   (int)getgid(), (int)getegid());
        } else if (!strcmp(op, "ls")) {
            DIR *d = opendir(a);
            char *names[256];
            int n = 0;
            struct dirent *e;
            while (d && (e = readdir(d)) && n < 256)
                if (e->d_name[0] != '.') names[n++] = strdup(e->d_name);
            qsort(names, (size_t)n, sizeof *names, cmp);
            printf("ls %s:", a);
            for (int k = 0; k < n; k++) printf(" %s", names[k]);
            printf("%s\n", d ? "" : " (cannot open)");
            if (d) closedir(d);
        }
        free(arg);
    }
    return 0;
}

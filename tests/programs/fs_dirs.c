// opendir/readdir/rewinddir/closedir with sorted names and d_type, scandir, chdir/getcwd,
// rename, rmdir, unlink
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

static int cmp(const void *a, const void *b) { return strcmp(*(char **)a, *(char **)b); }

static void list(const char *path) {
    DIR *d = opendir(path);
    if (!d) { printf("opendir %s failed\n", path); return; }
    char *names[64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64) {
        char item[300];
        snprintf(item, sizeof item, "%s:%c", e->d_name,
                 e->d_type == DT_DIR ? 'd' : e->d_type == DT_REG ? 'f' : e->d_type == DT_LNK ? 'l' : '?');
        names[n++] = strdup(item);
    }
    qsort(names, n, sizeof names[0], cmp);
    printf("%s:", path);
    for (int i = 0; i < n; i++) { printf(" %s", names[i]); free(names[i]); }
    printf("\n");
    rewinddir(d);
    int again = 0;
    while (readdir(d)) again++;
    printf("after rewind: %d entries, dirfd ok: %d\n", again, dirfd(d) >= 0);
    closedir(d);
}

static int not_dot(const struct dirent *e) { return e->d_name[0] != '.'; }

int main(void) {
    mkdir("tree", 0755);
    mkdir("tree/sub", 0755);
    for (int i = 0; i < 5; i++) {
        char p[64];
        snprintf(p, sizeof p, "tree/file%d.txt", i);
        close(open(p, O_CREAT | O_WRONLY, 0644));
    }
    symlink("file0.txt", "tree/link");
    list("tree");
    struct dirent **ents;
    int n = scandir("tree", &ents, not_dot, alphasort);
    printf("scandir %d:", n);
    for (int i = 0; i < n; i++) { printf(" %s", ents[i]->d_name); free(ents[i]); }
    free(ents);
    printf("\n");
    rename("tree/file1.txt", "tree/sub/moved.txt");
    unlink("tree/file2.txt");
    list("tree");
    list("tree/sub");
    chdir("tree/sub");
    char cwd[4096];
    getcwd(cwd, sizeof cwd);
    printf("cwd ends with tree/sub: %d\n", strlen(cwd) > 8 && !strcmp(cwd + strlen(cwd) - 8, "tree/sub"));
    chdir("../..");
    unlink("tree/sub/moved.txt");
    printf("rmdir sub=%d rmdir tree=%d\n", rmdir("tree/sub"), rmdir("tree") == 0);
    return 0;
}

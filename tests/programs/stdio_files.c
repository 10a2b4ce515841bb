// fopen modes, fread/fwrite, fseek/ftell/rewind, feof/ferror/clearerr, tmpfile, fdopen,
// freopen, setvbuf, getline, ungetc, fmemopen, open_memstream, fgetpos/fsetpos
// files: out.txt
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

int main(void) {
    FILE *f = fopen("out.txt", "w");
    if (!f) { perror("fopen"); return 1; }
    setvbuf(f, NULL, _IOFBF, 1024);
    fprintf(f, "line one\nline two\n");
    fwrite("third\n", 1, 6, f);
    fputc('4', f);
    fputs("th line\n", f);
    printf("ftell after writes: %ld\n", ftell(f));
    fclose(f);

    f = fopen("out.txt", "r+");
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) > 0)
        printf("getline %zd: %s", len, line);
    printf("feof=%d ferror=%d\n", feof(f) != 0, ferror(f) != 0);
    clearerr(f);
    printf("after clearerr feof=%d\n", feof(f) != 0);
    rewind(f);
    int c = fgetc(f);
    ungetc(c, f);
    printf("ungetc then fgetc: %c\n", fgetc(f));
    fseek(f, -9, SEEK_END);
    char buf[32] = {0};
    size_t got = fread(buf, 1, sizeof buf - 1, f);
    printf("tail %zu: [%s]\n", got, buf);
    fpos_t pos;
    fseek(f, 5, SEEK_SET);
    fgetpos(f, &pos);
    fgetc(f);
    fsetpos(f, &pos);
    printf("after fsetpos: %c (ftell %ld)\n", fgetc(f), ftell(f));
    fclose(f);

    f = fopen("out.txt", "a");
    fputs("appended\n", f);
    fclose(f);
    f = fopen("out.txt", "r");
    int lines = 0;
    while ((c = getc(f)) != EOF) lines += c == '\n';
    printf("lines now %d\n", lines);
    fclose(f);

    FILE *t = tmpfile();
    fputs("temporary", t);
    rewind(t);
    char tb[16] = {0};
    fgets(tb, sizeof tb, t);
    printf("tmpfile: %s\n", tb);
    fclose(t);

    int fd = open("out.txt", O_RDONLY);
    FILE *fdf = fdopen(fd, "r");
    char first[16];
    fgets(first, sizeof first, fdf);
    printf("fdopen: %s", first);
    printf("fileno matches: %d\n", fileno(fdf) == fd);
    fclose(fdf);

    FILE *m = fmemopen(buf, sizeof buf, "w");
    fprintf(m, "mem %d", 42);
    fclose(m);
    printf("fmemopen: %s\n", buf);

    char *ms = NULL;
    size_t msz = 0;
    FILE *o = open_memstream(&ms, &msz);
    fprintf(o, "memstream %s %d", "ok", 7);
    fclose(o);
    printf("open_memstream: %s (%zu)\n", ms, msz);
    free(ms);
    free(line);

    if (!freopen("out.txt", "r", stdin)) return 2;
    char again[16];
    if (fgets(again, sizeof again, stdin)) printf("freopen stdin: %s", again);
    printf("fopen missing: %s\n", fopen("nope/nothing", "r") ? "opened" : "NULL");
    return 0;
}

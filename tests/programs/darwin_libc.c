// darwin-only
// libc where Darwin differs from glibc: regex flags and regmatch_t (REG_NOSUB and
// REG_NEWLINE swap bits, offsets are 64-bit), regerror, confstr's Darwin names, the
// __assert_rtn message, and backtrace through the program's own frames
#undef NDEBUG /* zig's optimised builds define it */
#include <assert.h>
#include <execinfo.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int sink;
__attribute__((noinline)) static int depth3(void) {
    void *frames[32];
    int n = backtrace(frames, 32);
    sink = n;
    return n;
}
__attribute__((noinline)) static int depth2(void) { int n = depth3(); sink++; return n; }
__attribute__((noinline)) static int depth1(void) { int n = depth2(); sink++; return n; }

int main(void) {
    printf("sizes: regex_t=%zu regmatch_t=%zu REG_NOSUB=%d REG_NEWLINE=%d\n", sizeof(regex_t),
           sizeof(regmatch_t), REG_NOSUB, REG_NEWLINE);
    regex_t re;
    int r = regcomp(&re, "([a-z]+)@([a-z]+)\\.com", REG_EXTENDED | REG_ICASE);
    regmatch_t m[3];
    const char *text = "mail: Someone@Example.com today";
    int x = regexec(&re, text, 3, m, 0);
    printf("regcomp=%d nsub=%zu regexec=%d whole=%lld-%lld user=%.*s host=%.*s\n", r, re.re_nsub,
           x, (long long)m[0].rm_so, (long long)m[0].rm_eo, (int)(m[1].rm_eo - m[1].rm_so),
           text + m[1].rm_so, (int)(m[2].rm_eo - m[2].rm_so), text + m[2].rm_so);
    printf("no match: %d (REG_NOMATCH=%d)\n", regexec(&re, "nothing here", 0, NULL, 0),
           REG_NOMATCH);
    regfree(&re);
    regcomp(&re, "^b", REG_NEWLINE | REG_NOSUB);
    printf("REG_NEWLINE anchors after a newline: %d\n", regexec(&re, "a\nb", 0, NULL, 0));
    regfree(&re);
    r = regcomp(&re, "a(b", REG_EXTENDED);
    char err[64];
    regerror(r, &re, err, sizeof err);
    printf("bad pattern: %d (REG_EPAREN=%d) message nonempty=%d\n", r, REG_EPAREN, err[0] != 0);

    char buf[1024];
    size_t n = confstr(_CS_PATH, buf, sizeof buf);
    printf("_CS_PATH: %s (%zu)\n", buf, n);
    n = confstr(_CS_DARWIN_USER_TEMP_DIR, buf, sizeof buf);
    struct stat st;
    printf("_CS_DARWIN_USER_TEMP_DIR: ends in /T/=%d exists=%d length ok=%d\n",
           strlen(buf) > 3 && strcmp(buf + strlen(buf) - 3, "/T/") == 0,
           stat(buf, &st) == 0 && S_ISDIR(st.st_mode), n == strlen(buf) + 1);

    int depth = depth1();
    printf("backtrace depth>=4: %d\n", depth >= 4);

    int p[2];
    pipe(p);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 2);
        assert(1 + 1 == 3);
        _exit(0);
    }
    close(p[1]);
    char msg[256] = {0};
    read(p[0], msg, sizeof msg - 1);
    int status;
    waitpid(pid, &status, 0);
    char *file = strstr(msg, ", file ");  /* __FILE__ is the path the compiler was given */
    if (file) strcpy(file, "\n");
    printf("assert: %s", msg);
    printf("assert killed by SIGABRT: %d\n", WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
    return 0;
}

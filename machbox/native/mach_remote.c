/* Mach IPC across processes: the connection to the prefix's server and the bootstrap calls.
 *
 * A process connects the first time a right has to leave it (a send to a port another
 * process owns, a local port exported in such a message) or it calls the bootstrap server.
 * No server listening means none runs: the client starts one (`python3 -m machbox.server`,
 * which daemonises and takes the prefix's lock, so racing clients get one server) and
 * retries until it answers. A reader thread (all signals blocked, no Python) takes what
 * the server sends: messages for this process's ports go into their queues (mach_ipc.c),
 * so a receiver blocked in mach_msg, a kqueue or a dispatch source wakes as for a local
 * message; deaths of other processes' ports turn rights into dead names; replies to
 * bootstrap requests wake the thread waiting for them.
 *
 * Locks: conn_lock guards the connection, writes and the waiting requests. A caller may
 * hold mach_ipc.c's lock when it takes conn_lock; the reader never holds conn_lock when
 * it calls into mach_ipc.c.
 */
#define _GNU_SOURCE
#include "runtime.h"
#include "ownfd.h"
#include "darwin_abi.h"
#include "mach_remote.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef int kern_return_t;
#define KR(x) ((kern_return_t)DARWIN_##x)
#define SEND_INVALID_DEST ((kern_return_t)DARWIN_MACH_SEND_INVALID_DEST)
#define START_TIMEOUT_MS 10000
#define RETRY_AFTER_MS 5000 /* after a server failed to start: no new attempt before */

/* launchd's return codes (liblaunch's bootstrap.h; zig's SDK has no servers/bootstrap.h) */
#define BOOTSTRAP_SUCCESS 0
#define BOOTSTRAP_NOT_PRIVILEGED 1100
#define BOOTSTRAP_NAME_IN_USE 1101
#define BOOTSTRAP_UNKNOWN_SERVICE 1102
#define BOOTSTRAP_SERVICE_ACTIVE 1103
#define BOOTSTRAP_BAD_COUNT 1104
#define BOOTSTRAP_NO_MEMORY 1105
#define BOOTSTRAP_MAX_NAME_LEN 128

struct pending {                 /* a thread waiting for the server's answer */
    uint32_t id;
    int done;
    int32_t kr;
    uint64_t port;
    uint32_t name;               /* a receive right the reader adopted */
    int fd;                      /* the connection it was asked on */
    struct pending *next;
};

static pthread_mutex_t conn_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t conn_cond = PTHREAD_COND_INITIALIZER;
static int conn_fd = -1;
static uint32_t client_id, next_request = 1;
static uint64_t next_port;
static struct pending *waiting;
static char *socket_path, *server_python, *server_pythonpath, *prefix_path;

/* ---- configuration (machbox.loader.launch) ---------------------------------------------- */

MB_HIDDEN void mb_remote_configure(const char *prefix, const char *python, const char *pythonpath)
{
    free(prefix_path), free(socket_path), free(server_python), free(server_pythonpath);
    prefix_path = strdup(prefix);
    server_python = strdup(python);
    server_pythonpath = strdup(pythonpath);
    if (asprintf(&socket_path, "%s/private/var/run/machbox/server.sock", prefix) < 0)
        socket_path = NULL;
}

/* ---- the connection ------------------------------------------------------------------------ */

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n, len -= (size_t)n;
    }
    return 0;
}

static int read_all(int fd, void *data, size_t len)
{
    char *p = data;
    while (len) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n, len -= (size_t)n;
    }
    return 0;
}

static int write_frame(int fd, int op, const void *a, size_t alen, const void *b, size_t blen)
{
    uint32_t head[2] = {(uint32_t)(alen + blen + 4), (uint32_t)op};
    if (write_all(fd, head, sizeof head) || (alen && write_all(fd, a, alen)) ||
        (blen && write_all(fd, b, blen)))
        return -1;
    return 0;
}

/* A socket path that fits sun_path: a long one is reached through /proc/self/fd. */
static int try_connect(void)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    int dirfd = -1;
    if (strlen(socket_path) < sizeof a.sun_path) {
        strcpy(a.sun_path, socket_path);
    } else {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/private/var/run/machbox", prefix_path);
        dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        snprintf(a.sun_path, sizeof a.sun_path, "/proc/self/fd/%d/server.sock", dirfd);
    }
    int r = connect(fd, (struct sockaddr *)&a, sizeof a);
    if (dirfd >= 0)
        close(dirfd);
    if (r < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

extern char **environ;

/* Starts `python -m machbox.server --prefix P --daemon`: it forks away from us (never our
 * child for a guest's wait to find) and exits if another server already holds the lock. */
static void spawn_server(void)
{
    char pp[4200], timeout[128];
    snprintf(pp, sizeof pp, "PYTHONPATH=%s", server_pythonpath);
    const char *idle = getenv("MACHBOX_SERVER_IDLE_TIMEOUT");
    snprintf(timeout, sizeof timeout, "MACHBOX_SERVER_IDLE_TIMEOUT=%s", idle ? idle : "");
    char *envp[] = {pp, "PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C.UTF-8",
                    idle ? timeout : NULL, NULL};
    char *argv[] = {server_python, "-m", "machbox.server", "--prefix", prefix_path, "--daemon",
                    NULL};
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    for (int i = 0; i < 3; i++)
        posix_spawn_file_actions_addopen(&fa, i, "/dev/null", O_RDWR, 0);
    posix_spawnattr_init(&attr);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid;
    if (posix_spawn(&pid, server_python, &fa, &attr, argv, envp) == 0)
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
}

static void *reader(void *arg);

/* Clients that find no server queue on this lock: the first starts one, the others find it
 * running when their turn comes (the server's own lock keeps it single regardless). */
static int take_spawn_lock(void)
{
    char dir[4096], path[4200];
    snprintf(dir, sizeof dir, "%s/private/var/run", prefix_path);
    mkdir(dir, 0755);
    snprintf(dir, sizeof dir, "%s/private/var/run/machbox", prefix_path);
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/spawn.lock", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    while (flock(fd, LOCK_EX) < 0 && errno == EINTR)
        ;
    return fd;
}

/* Connects (starting the server if none answers) and says hello; conn_lock held. */
static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static long failed_at = -RETRY_AFTER_MS; /* when starting a server last failed */

static int ensure_connected(void)
{
    if (conn_fd >= 0)
        return 0;
    if (!socket_path)
        return -1; /* no prefix: no server */
    int fd = try_connect();
    if (fd < 0 && now_ms() - failed_at < RETRY_AFTER_MS)
        return -1; /* (a read-only prefix): each call would wait START_TIMEOUT_MS again */
    int spawn_lock = fd < 0 ? take_spawn_lock() : -1;
    if (spawn_lock >= 0)
        fd = try_connect(); /* started by the client that had the lock before us */
    long start = now_ms(), last_spawn = -1000;
    while (fd < 0) {
        long ms = now_ms() - start;
        if (ms > START_TIMEOUT_MS) {
            failed_at = now_ms();
            break;
        }
        if (ms - last_spawn >= 1000) { /* a server that lost the race to exit: start again */
            spawn_server();
            last_spawn = ms;
        }
        fd = try_connect();
        if (fd < 0)
            usleep(5000);
    }
    if (spawn_lock >= 0)
        close(spawn_lock); /* releases it */
    if (fd < 0)
        return -1;
    /* machbox's, out of the program's way (ownfd.c); the reader thread holds it by
     * number, so a dup2 onto it fails rather than moving it */
    fd = mb_fd_move_high(fd);
    uint32_t pid = (uint32_t)getpid(), head[2], id;
    if (write_frame(fd, RP_HELLO, &pid, 4, NULL, 0) || read_all(fd, head, 8) ||
        head[1] != RP_WELCOME || head[0] != 8 || read_all(fd, &id, 4)) {
        close(fd);
        return -1;
    }
    conn_fd = fd;
    mb_fd_own(&conn_fd, 0);
    client_id = id;
    next_port = 0;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    int r = pthread_create(&t, &attr, reader, (void *)(intptr_t)fd);
    pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (r) {
        close(fd);
        conn_fd = -1;
        return -1;
    }
    return 0;
}

MB_HIDDEN uint64_t mb_remote_new_port(void)
{
    pthread_mutex_lock(&conn_lock);
    uint64_t port = 0;
    if (ensure_connected() == 0)
        port = ((uint64_t)client_id << RP_CLIENT_SHIFT) | ++next_port;
    pthread_mutex_unlock(&conn_lock);
    return port;
}

MB_HIDDEN int mb_remote_send(int op, const void *body, size_t len)
{
    pthread_mutex_lock(&conn_lock);
    int r = ensure_connected() == 0 ? write_frame(conn_fd, op, body, len, NULL, 0) : -1;
    pthread_mutex_unlock(&conn_lock);
    return r;
}

MB_HIDDEN void mb_remote_notify(int op, const void *body, size_t len)
{
    pthread_mutex_lock(&conn_lock);
    if (conn_fd >= 0)
        write_frame(conn_fd, op, body, len, NULL, 0);
    pthread_mutex_unlock(&conn_lock);
}

static void forget(struct pending *p)
{
    for (struct pending **at = &waiting; *at; at = &(*at)->next)
        if (*at == p) {
            *at = p->next;
            return;
        }
}

MB_HIDDEN void *mb_remote_begin(int op, const void *body, size_t len)
{
    struct pending *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    pthread_mutex_lock(&conn_lock);
    uint32_t head[2] = {next_request, 0};
    if (ensure_connected() != 0 || write_frame(conn_fd, op, head, sizeof head, body, len)) {
        pthread_mutex_unlock(&conn_lock);
        free(p);
        return NULL;
    }
    p->id = next_request++;
    p->fd = conn_fd;
    p->next = waiting;
    waiting = p;
    pthread_mutex_unlock(&conn_lock);
    return p;
}

/* Waits for the server to pass a begun message on; past `wait_ms` it is cancelled, and the
 * server's answer says whether that was in time (MACH_SEND_TIMED_OUT) or not (success). */
MB_HIDDEN int32_t mb_remote_wait(void *begun, long wait_ms)
{
    struct pending *p = begun;
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    if (wait_ms > 0) {
        deadline.tv_sec += wait_ms / 1000;
        deadline.tv_nsec += (wait_ms % 1000) * 1000000;
        if (deadline.tv_nsec >= 1000000000) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000;
        }
    }
    pthread_mutex_lock(&conn_lock);
    int cancelled = 0;
    while (!p->done && conn_fd == p->fd) {
        if (wait_ms < 0 || cancelled) {
            pthread_cond_wait(&conn_cond, &conn_lock);
        } else if (pthread_cond_timedwait(&conn_cond, &conn_lock, &deadline) == ETIMEDOUT &&
                   !p->done) {
            uint32_t id[2] = {p->id, 0};
            cancelled = 1;
            if (write_frame(conn_fd, RP_CANCEL, id, sizeof id, NULL, 0))
                break;
        }
    }
    forget(p);
    int32_t kr = p->done ? p->kr : SEND_INVALID_DEST;
    pthread_mutex_unlock(&conn_lock);
    free(p);
    return kr;
}

/* Sends a bootstrap request and waits for its answer. */
static int32_t request(int op, uint64_t port, int with_port, const char *name,
                       struct pending *out)
{
    size_t nlen = strnlen(name, BOOTSTRAP_MAX_NAME_LEN);
    pthread_mutex_lock(&conn_lock);
    if (ensure_connected() != 0) {
        pthread_mutex_unlock(&conn_lock);
        return SEND_INVALID_DEST;
    }
    *out = (struct pending){.id = next_request++};
    unsigned char head[16];
    uint32_t zero = 0;
    memcpy(head, &out->id, 4);
    memcpy(head + 4, &zero, 4);
    memcpy(head + 8, &port, 8);
    if (write_frame(conn_fd, op, head, with_port ? 16 : 8, name, nlen)) {
        pthread_mutex_unlock(&conn_lock);
        return SEND_INVALID_DEST;
    }
    out->next = waiting;
    waiting = out;
    out->fd = conn_fd;
    while (!out->done && conn_fd == out->fd)
        pthread_cond_wait(&conn_cond, &conn_lock);
    forget(out);
    pthread_mutex_unlock(&conn_lock);
    return out->done ? out->kr : SEND_INVALID_DEST;
}

/* ---- the reader thread --------------------------------------------------------------------- */

static void answer(uint32_t id, int32_t kr, uint64_t port, uint32_t name)
{
    pthread_mutex_lock(&conn_lock);
    for (struct pending *p = waiting; p; p = p->next)
        if (p->id == id) {
            p->kr = kr, p->port = port, p->name = name, p->done = 1;
            break;
        }
    pthread_cond_broadcast(&conn_cond);
    pthread_mutex_unlock(&conn_lock);
}

static void handle(uint32_t op, const unsigned char *body, size_t len)
{
    uint32_t id;
    int32_t kr;
    uint64_t port;
    if (op == RP_DELIVER) {
        mb_ipc_deliver(body, len);
    } else if (op == RP_DEAD && len >= 8) {
        memcpy(&port, body, 8);
        mb_ipc_port_dead(port);
    } else if (op == RP_NO_SENDERS && len >= 12) {
        uint32_t exported;
        memcpy(&port, body, 8);
        memcpy(&exported, body + 8, 4);
        mb_ipc_no_senders(port, exported);
    } else if ((op == RP_RESULT || op == RP_RECEIVE) && len >= 16) {
        memcpy(&id, body, 4);
        memcpy(&kr, body + 4, 4);
        memcpy(&port, body + 8, 8);
        /* a receive right is adopted before anything else is read: messages for it follow */
        uint32_t name = op == RP_RECEIVE && kr == 0 ? mb_ipc_adopt_receive(port) : 0;
        answer(id, kr, port, name);
    }
}

static void *reader(void *arg)
{
    int fd = (int)(intptr_t)arg;
    unsigned char *buf = NULL;
    size_t cap = 0;
    uint32_t head[2];
    while (read_all(fd, head, 8) == 0 && head[0] >= 4 && head[0] <= RP_MAX_FRAME) {
        size_t len = head[0] - 4;
        if (len > cap) {
            unsigned char *b = realloc(buf, len);
            if (!b)
                break;
            buf = b, cap = len;
        }
        if (read_all(fd, buf, len))
            break;
        handle(head[1], buf, len);
    }
    free(buf);
    /* the server went away (shutdown, killed): every other process's port is gone for us */
    pthread_mutex_lock(&conn_lock);
    int ours = conn_fd == fd;
    uint32_t client = client_id;
    if (ours)
        conn_fd = -1;
    pthread_cond_broadcast(&conn_cond);
    pthread_mutex_unlock(&conn_lock);
    if (ours)
        mb_ipc_server_gone(client);
    close(fd);
    return NULL;
}

/* ---- fork ---------------------------------------------------------------------------------- */

/* The child has its own task: its own connection, made when it first needs one (the
 * parent's socket stays the parent's; darlingserver's clients do the same). */
static void remote_after_fork(void)
{
    pthread_mutex_init(&conn_lock, NULL);
    pthread_cond_init(&conn_cond, NULL);
    if (conn_fd >= 0)
        close(conn_fd);
    conn_fd = -1;
    waiting = NULL;
    client_id = 0;
}

static void __attribute__((constructor)) init_remote(void)
{
    pthread_atfork(NULL, NULL, remote_after_fork);
}

/* ---- the bootstrap calls (liblaunch's, answered by the server as launchd would) ----------- */

/* look_up (a send right comes back) or check_in (the receive right, adopted already). */
static kern_return_t ask(int op, uint32_t bp, const char *name, uint32_t *sp)
{
    if (!mb_ipc_is_bootstrap(bp))
        return SEND_INVALID_DEST;
    struct pending p;
    int32_t kr = request(op, 0, 0, name, &p);
    *sp = kr != 0 ? 0 : op == RP_CHECK_IN ? p.name : mb_ipc_name_global_send(p.port);
    return kr;
}

static kern_return_t look_up(uint32_t bp, const char *name, uint32_t *sp)
{
    return ask(RP_LOOK_UP, bp, name, sp);
}

MB_EXPORT kern_return_t mb_bootstrap_look_up(uint32_t bp, const char *name, uint32_t *sp)
{
    return look_up(bp, name, sp);
}

MB_EXPORT kern_return_t mb_bootstrap_look_up2(uint32_t bp, const char *name, uint32_t *sp,
                                              int pid, uint64_t flags)
{
    (void)pid, (void)flags; /* per-pid namespaces: one namespace here */
    return look_up(bp, name, sp);
}

MB_EXPORT kern_return_t mb_bootstrap_look_up3(uint32_t bp, const char *name, uint32_t *sp,
                                              int pid, const void *instance, uint64_t flags)
{
    (void)pid, (void)instance, (void)flags;
    return look_up(bp, name, sp);
}

static kern_return_t check_in(uint32_t bp, const char *name, uint32_t *sp)
{
    return ask(RP_CHECK_IN, bp, name, sp);
}

MB_EXPORT kern_return_t mb_bootstrap_check_in(uint32_t bp, const char *name, uint32_t *sp)
{
    return check_in(bp, name, sp);
}

MB_EXPORT kern_return_t mb_bootstrap_check_in2(uint32_t bp, const char *name, uint32_t *sp,
                                               uint64_t flags)
{
    (void)flags;
    return check_in(bp, name, sp);
}

MB_EXPORT kern_return_t mb_bootstrap_check_in3(uint32_t bp, const char *name, uint32_t *sp,
                                               const void *instance, uint64_t flags)
{
    (void)instance, (void)flags;
    return check_in(bp, name, sp);
}

static kern_return_t do_register(uint32_t bp, const char *name, uint32_t sp)
{
    if (!mb_ipc_is_bootstrap(bp))
        return SEND_INVALID_DEST;
    uint64_t port = 0;
    if (sp && !(port = mb_ipc_global_send(sp)))
        return BOOTSTRAP_NOT_PRIVILEGED; /* no send right there, or no server to export to */
    struct pending p;
    return request(RP_REGISTER, port, 1, name, &p);
}

MB_EXPORT kern_return_t mb_bootstrap_register(uint32_t bp, const char *name, uint32_t sp)
{
    return do_register(bp, name, sp);
}

MB_EXPORT kern_return_t mb_bootstrap_register2(uint32_t bp, const char *name, uint32_t sp,
                                               uint64_t flags)
{
    (void)flags;
    return do_register(bp, name, sp);
}

/* One namespace per prefix: the bootstrap port is its own parent, as launchd's root is. */
MB_EXPORT kern_return_t mb_bootstrap_parent(uint32_t bp, uint32_t *parent)
{
    if (!mb_ipc_is_bootstrap(bp))
        return SEND_INVALID_DEST;
    *parent = mb_ipc_name_global_send(RP_BOOTSTRAP_PORT);
    return KR(KERN_SUCCESS);
}

MB_EXPORT const char *mb_mach_error_string(kern_return_t kr);

MB_EXPORT const char *mb_bootstrap_strerror(kern_return_t r)
{
    switch (r) {
    case BOOTSTRAP_SUCCESS: return "Success";
    case BOOTSTRAP_NOT_PRIVILEGED: return "Permission denied";
    case BOOTSTRAP_NAME_IN_USE:
    case BOOTSTRAP_SERVICE_ACTIVE: return "Service name already exists";
    case BOOTSTRAP_UNKNOWN_SERVICE: return "Unknown service name";
    case BOOTSTRAP_BAD_COUNT: return "Too many lookups were requested in one request";
    case BOOTSTRAP_NO_MEMORY: return "Out of memory";
    default: return mb_mach_error_string(r);
    }
}

/* ---- the task's special ports --------------------------------------------------------------- */

#define TASK_SELF_PORT 0x103
#define HOST_SELF_PORT 0x203

MB_HIDDEN kern_return_t mb_ipc_set_bootstrap_special(uint32_t name);
MB_HIDDEN uint32_t mb_ipc_get_bootstrap_special(void);

MB_EXPORT kern_return_t mb_task_get_special_port(uint32_t task, int which, uint32_t *port)
{
    if (task != TASK_SELF_PORT)
        return KR(KERN_INVALID_ARGUMENT);
    switch (which) {
    case DARWIN_TASK_KERNEL_PORT:
    case DARWIN_TASK_NAME_PORT:
        *port = TASK_SELF_PORT;
        return KR(KERN_SUCCESS);
    case DARWIN_TASK_HOST_PORT:
        *port = HOST_SELF_PORT;
        return KR(KERN_SUCCESS);
    case DARWIN_TASK_BOOTSTRAP_PORT:
        *port = mb_ipc_get_bootstrap_special();
        return KR(KERN_SUCCESS);
    default:
        return KR(KERN_INVALID_ARGUMENT);
    }
}

MB_EXPORT kern_return_t mb_task_set_special_port(uint32_t task, int which, uint32_t port)
{
    if (task != TASK_SELF_PORT)
        return KR(KERN_INVALID_ARGUMENT);
    if (which != DARWIN_TASK_BOOTSTRAP_PORT)
        return KR(KERN_INVALID_ARGUMENT); /* the others are the kernel's own */
    return mb_ipc_set_bootstrap_special(port);
}

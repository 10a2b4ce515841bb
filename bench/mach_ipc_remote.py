#!/usr/bin/env python3
"""Mach message round trips: between two processes through the prefix's server (a forked
child looked up through the bootstrap namespace, replies on send-once rights) against the
same round trip between two threads of one process (which never leaves the process), and
against a pipe round trip between two processes of the Linux build (the host's floor).
Shows what the Python server costs per message."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import MACHBOX, build_both, prefix_env  # noqa: E402

PINGPONG = r"""
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __APPLE__
#include <mach/mach.h>
extern mach_port_t bootstrap_port;
kern_return_t bootstrap_check_in(mach_port_t, const char *, mach_port_t *);
kern_return_t bootstrap_look_up(mach_port_t, const char *, mach_port_t *);
struct msg { mach_msg_header_t h; int n; mach_msg_max_trailer_t t; };
static long rounds;

static void serve(mach_port_t port) {
    struct msg m;
    for (long i = 0; i < rounds; i++) {
        mach_msg(&m.h, MACH_RCV_MSG, 0, sizeof m, port, 0, 0);
        m.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0);
        m.h.msgh_local_port = 0;
        m.h.msgh_size = sizeof m.h + 4;
        mach_msg(&m.h, MACH_SEND_MSG, m.h.msgh_size, 0, 0, 0, 0);
    }
}

static double ping(mach_port_t service) {
    mach_port_t reply;
    mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &reply);
    struct msg m;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long i = 0; i < rounds; i++) {
        m.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
        m.h.msgh_size = sizeof m.h + 4;
        m.h.msgh_remote_port = service;
        m.h.msgh_local_port = reply;
        m.h.msgh_id = 1;
        m.n = (int)i;
        mach_msg(&m.h, MACH_SEND_MSG | MACH_RCV_MSG, m.h.msgh_size, sizeof m, reply, 0, 0);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    return ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / rounds / 1000;
}

static void *thread_main(void *p) { serve((mach_port_t)(long)p); return NULL; }

int main(int argc, char **argv) {
    rounds = atol(argv[2]);
    mach_port_t service;
    if (!strcmp(argv[1], "threads")) {
        mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &service);
        mach_port_insert_right(mach_task_self(), service, service, MACH_MSG_TYPE_MAKE_SEND);
        pthread_t t;
        pthread_create(&t, NULL, thread_main, (void *)(long)service);
        printf("%.2f\n", ping(service));
        pthread_join(t, NULL);
        return 0;
    }
    bootstrap_check_in(bootstrap_port, "com.machbox.bench.pingpong", &service);
    pid_t pid = fork();
    if (pid == 0) {
        mach_port_t s;
        bootstrap_look_up(bootstrap_port, "com.machbox.bench.pingpong", &s);
        printf("%.2f\n", ping(s));
        return 0;
    }
    serve(service);
    waitpid(pid, NULL, 0);
    return 0;
}
#else
int main(int argc, char **argv) {
    long rounds = atol(argv[2]);
    int a[2], b[2];
    char c = 0;
    if (pipe(a) || pipe(b)) return 1;
    if (fork() == 0) {
        for (long i = 0; i < rounds; i++) { read(a[0], &c, 1); write(b[1], &c, 1); }
        return 0;
    }
    struct timespec x, y;
    clock_gettime(CLOCK_MONOTONIC, &x);
    for (long i = 0; i < rounds; i++) { write(a[1], &c, 1); read(b[0], &c, 1); }
    clock_gettime(CLOCK_MONOTONIC, &y);
    printf("%.2f\n", ((y.tv_sec - x.tv_sec) * 1e9 + (y.tv_nsec - x.tv_nsec)) / rounds / 1000);
    wait(NULL);
    return 0;
}
#endif
"""
ROUNDS = 5000


def main() -> None:
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        exe = build_both(tmp, "pingpong", PINGPONG)
        env = prefix_env(tmp)

        def run(cmd: list[str], **kw) -> float:
            out = subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)
            return float(out.stdout.split()[0])

        try:
            remote = run(MACHBOX + [exe["x86_64-macos"], "processes", str(ROUNDS)], env=env)
            local = run(MACHBOX + [exe["x86_64-macos"], "threads", str(ROUNDS)], env=env)
        finally:
            subprocess.run(MACHBOX[:-1] + ["shutdown"], env=env, capture_output=True)
        pipe = run([exe["x86_64-linux-gnu"], "processes", str(ROUNDS)])
        print(f"== Mach message round trip (request + send-once reply), {ROUNDS} rounds")
        print(f"  two processes, through the server   {remote:8.1f} us")
        print(f"  two threads of one process          {local:8.1f} us")
        print(f"  Linux build, pipe between processes {pipe:8.1f} us")


if __name__ == "__main__":
    main()

// darwin-only
// libproc and kern.proc as a Mac answers them for this program and a child it forked:
// proc_pidinfo (BSD info, task info), proc_name, proc_pidpath, proc_listallpids,
// proc_listchildpids, sysctl kern.proc.pid; a missing pid fails with ESRCH
#include <errno.h>
#include <libproc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysctl.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    int fds[2];
    pipe(fds);
    pid_t child = fork();
    if (child == 0) {
        close(fds[0]);
        write(fds[1], "x", 1);
        pause();
        _exit(0);
    }
    char c;
    read(fds[0], &c, 1);  // the child is running

    struct proc_bsdinfo bsd;
    int n = proc_pidinfo(child, PROC_PIDTBSDINFO, 0, &bsd, sizeof bsd);
    printf("bsdinfo: size ok=%d pid ok=%d ppid is me=%d uid ok=%d comm=%s name=%s "
           "status running or sleeping=%d started recently=%d\n",
           n == (int)sizeof bsd, bsd.pbi_pid == (uint32_t)child, bsd.pbi_ppid == (uint32_t)getpid(),
           bsd.pbi_uid == getuid(), bsd.pbi_comm, bsd.pbi_name,
           bsd.pbi_status == SRUN || bsd.pbi_status == SSLEEP,
           bsd.pbi_start_tvsec + 600 > (uint64_t)time(NULL));
    n = proc_pidinfo(child, PROC_PIDTBSDINFO, 0, &bsd, sizeof bsd - 1);
    printf("bsdinfo small buffer: %d errno=%d (ENOMEM=%d)\n", n, errno, ENOMEM);

    struct proc_taskinfo task;
    n = proc_pidinfo(getpid(), PROC_PIDTASKINFO, 0, &task, sizeof task);
    printf("taskinfo: size ok=%d threads>=1=%d resident>0=%d virtual>=resident=%d\n",
           n == (int)sizeof task, task.pti_threadnum >= 1, task.pti_resident_size > 0,
           task.pti_virtual_size >= task.pti_resident_size);

    char name[64] = "";
    n = proc_name(getpid(), name, sizeof name);
    printf("proc_name: %s length ok=%d\n", name, n == (int)strlen(name));
    char path[PROC_PIDPATHINFO_MAXSIZE] = "";
    n = proc_pidpath(getpid(), path, sizeof path);
    const char *slash = strrchr(path, '/');
    printf("proc_pidpath: absolute=%d file=%s length ok=%d\n", path[0] == '/',
           slash ? slash + 1 : path, n == (int)strlen(path));
    n = proc_pidpath(getpid(), path, 16);
    printf("proc_pidpath small buffer: %d errno=%d\n", n, errno);

    int pids[8192];
    n = proc_listallpids(pids, sizeof pids);
    int me = 0, kid = 0;
    for (int i = 0; i < n; i++) {
        me |= pids[i] == getpid();
        kid |= pids[i] == child;
    }
    printf("proc_listallpids: count>1=%d has me=%d has child=%d\n", n > 1, me, kid);
    n = proc_listchildpids(getpid(), pids, sizeof pids);
    printf("proc_listchildpids: count=%d is child=%d\n", n, n == 1 && pids[0] == child);

    int mib[4] = {CTL_KERN, KERN_PROC, KERN_PROC_PID, child};
    struct kinfo_proc kp;
    size_t len = sizeof kp;
    memset(&kp, 0, sizeof kp);
    int r = sysctl(mib, 4, &kp, &len, NULL, 0);
    printf("kern.proc.pid: r=%d len ok=%d pid ok=%d ppid is me=%d comm=%s uid ok=%d\n", r,
           len == sizeof kp, kp.kp_proc.p_pid == child, kp.kp_eproc.e_ppid == getpid(),
           kp.kp_proc.p_comm, kp.kp_eproc.e_ucred.cr_uid == getuid());

    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    errno = 0;
    n = proc_pidinfo(child, PROC_PIDTBSDINFO, 0, &bsd, sizeof bsd);
    printf("reaped child: proc_pidinfo=%d errno=%d (ESRCH=%d)\n", n, errno, ESRCH);
    mib[3] = child;
    len = sizeof kp;
    r = sysctl(mib, 4, &kp, &len, NULL, 0);
    printf("kern.proc.pid of reaped child: r=%d len=%zu\n", r, len);
    return 0;
}

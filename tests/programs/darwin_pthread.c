// darwin-only
// Darwin's pthread extensions and layouts: static initialiser signatures, TSD slots at
// %gs (pthread_self in slot 0, keys in their slots), pthread_threadid_np, one-argument
// pthread_setname_np, pthread_main_np, stack address and size, recursive and errorcheck
// mutexes, attr stack size; named semaphores; sem_init fails with ENOSYS as on macOS
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void *gs_slot(unsigned long slot) {
    void *v;
    __asm__ volatile("movq %%gs:(,%1,8), %0" : "=r"(v) : "r"(slot));
    return v;
}

static uint64_t main_tid;

static void *thread_body(void *arg) {
    uint64_t tid = 0;
    pthread_threadid_np(NULL, &tid);
    printf("thread: main_np=%d tid differs from main=%d slot0 is self=%d\n", pthread_main_np(),
           tid != main_tid && tid != 0, gs_slot(0) == (void *)pthread_self());
    pthread_setname_np("worker-7");
    char name[64] = "";
    pthread_getname_np(pthread_self(), name, sizeof name);
    printf("thread: name=%s\n", name);
    size_t size = pthread_get_stacksize_np(pthread_self());
    char *top = pthread_get_stackaddr_np(pthread_self());
    char here;
    printf("thread: stack size=%zu local inside stack=%d\n", size,
           &here < top && &here > top - size);
    return arg;
}

int main(void) {
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t c = PTHREAD_COND_INITIALIZER;
    pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
    pthread_once_t once = PTHREAD_ONCE_INIT;
    printf("sizes: mutex=%zu cond=%zu rwlock=%zu once=%zu attr=%zu\n", sizeof m, sizeof c,
           sizeof rw, sizeof once, sizeof(pthread_attr_t));
    printf("signatures: mutex=%#lx cond=%#lx rwlock=%#lx once=%#lx\n", m.__sig, c.__sig,
           rw.__sig, once.__sig);
    pthread_mutex_lock(&m);
    pthread_mutex_unlock(&m);

    printf("main: main_np=%d slot0 is self=%d\n", pthread_main_np(),
           gs_slot(0) == (void *)pthread_self());
    pthread_threadid_np(NULL, &main_tid);
    pthread_key_t key;
    pthread_key_create(&key, NULL);
    pthread_setspecific(key, (void *)0x1234);
    printf("key: in its %%gs slot=%d\n", gs_slot(key) == (void *)0x1234);

    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_t rec;
    pthread_mutex_init(&rec, &ma);
    printf("recursive: %d %d %d %d\n", pthread_mutex_lock(&rec), pthread_mutex_lock(&rec),
           pthread_mutex_unlock(&rec), pthread_mutex_unlock(&rec));
    pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ERRORCHECK);
    pthread_mutex_t chk;
    pthread_mutex_init(&chk, &ma);
    pthread_mutex_lock(&chk);
    int again = pthread_mutex_lock(&chk);
    pthread_mutex_unlock(&chk);
    int unowned = pthread_mutex_unlock(&chk);
    printf("errorcheck: relock=%d (EDEADLK=%d) unlock unowned=%d (EPERM=%d)\n", again, EDEADLK,
           unowned, EPERM);

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 1 << 20);
    size_t ss = 0;
    pthread_attr_getstacksize(&attr, &ss);
    pthread_t t;
    void *ret;
    pthread_create(&t, &attr, thread_body, (void *)5);
    pthread_join(t, &ret);
    printf("attr stacksize=%zu joined=%ld\n", ss, (long)ret);

    sem_t unnamed;
    errno = 0;
#pragma clang diagnostic ignored "-Wdeprecated-declarations"
    int r = sem_init(&unnamed, 0, 1);
    printf("sem_init=%d errno=%d (ENOSYS=%d)\n", r, errno, ENOSYS);

    char name[64];
    snprintf(name, sizeof name, "/mbtest-%d", (int)getpid());
    sem_t *s = sem_open(name, O_CREAT | O_EXCL, 0600, 1);
    printf("sem_open ok=%d\n", s != SEM_FAILED);
    errno = 0;
    sem_t *dup = sem_open(name, O_CREAT | O_EXCL, 0600, 1);
    printf("sem_open exclusive again failed=%d errno=%d (EEXIST=%d)\n", dup == SEM_FAILED, errno,
           EEXIST);
    int waited = sem_wait(s);
    int busy = sem_trywait(s);
    int busy_errno = errno;
    int posted = sem_post(s);
    printf("wait=%d trywait=%d errno=%d (EAGAIN=%d) post=%d trywait=%d\n", waited, busy,
           busy_errno, EAGAIN, posted, sem_trywait(s));
    printf("close=%d unlink=%d\n", sem_close(s), sem_unlink(name));
    errno = 0;
    printf("unlink again=%d errno=%d (ENOENT=%d)\n", sem_unlink(name), errno, ENOENT);
    return 0;
}

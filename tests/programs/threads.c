// pthreads: a mutex-protected counter, a condition variable queue, once, keys with
// destructors, __thread variables, static initialisers, join values, detach
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>

#define THREADS 4
#define ROUNDS 20000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
#ifdef __APPLE__
static pthread_mutex_t rlock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER;
#else
static pthread_mutex_t rlock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
#endif
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static long counter;
static int queue[64], head, tail, done;
static int once_runs;
static __thread int tls_value = 7;
static pthread_key_t key;
static int destructed;

static void init_once(void) { once_runs++; }
static void key_dtor(void *v) { pthread_mutex_lock(&lock); destructed += *(int *)v; pthread_mutex_unlock(&lock); free(v); }

static void *worker(void *arg) {
    long id = (long)arg;
    pthread_once(&once, init_once);
    tls_value += (int)id;
    int *mine = malloc(sizeof *mine);
    *mine = 1;
    pthread_setspecific(key, mine);
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&lock);
        counter++;
        pthread_mutex_unlock(&lock);
    }
    pthread_rwlock_rdlock(&rw);
    pthread_rwlock_unlock(&rw);
    return (void *)(long)tls_value;
}

static void *consumer(void *arg) {
    (void)arg;
    long sum = 0;
    pthread_mutex_lock(&lock);
    for (;;) {
        while (head == tail && !done) pthread_cond_wait(&cond, &lock);
        if (head == tail && done) break;
        sum += queue[head++ % 64];
    }
    pthread_mutex_unlock(&lock);
    return (void *)sum;
}

int main(void) {
    pthread_key_create(&key, key_dtor);
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, worker, (void *)i);
    long tls_sum = 0;
    for (int i = 0; i < THREADS; i++) {
        void *r;
        pthread_join(t[i], &r);
        tls_sum += (long)r;
    }
    printf("counter=%ld (want %d) once_runs=%d tls_sum=%ld main tls=%d destructors=%d\n", counter,
           THREADS * ROUNDS, once_runs, tls_sum, tls_value, destructed);

    pthread_t c;
    pthread_create(&c, NULL, consumer, NULL);
    for (int i = 1; i <= 50; i++) {
        pthread_mutex_lock(&lock);
        while (tail - head >= 64) { pthread_mutex_unlock(&lock); pthread_mutex_lock(&lock); }
        queue[tail++ % 64] = i;
        pthread_cond_signal(&cond);
        pthread_mutex_unlock(&lock);
    }
    pthread_mutex_lock(&lock);
    done = 1;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
    void *sum;
    pthread_join(c, &sum);
    printf("consumer sum=%ld\n", (long)sum);

    pthread_mutex_lock(&rlock);
    int again = pthread_mutex_lock(&rlock);
    pthread_mutex_unlock(&rlock);
    pthread_mutex_unlock(&rlock);
    printf("recursive relock=%d\n", again);
    printf("trylock free=%d\n", pthread_mutex_trylock(&lock));
    pthread_mutex_unlock(&lock);
    printf("self equal=%d\n", pthread_equal(pthread_self(), pthread_self()) != 0);
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setstacksize(&a, 1 << 20);
    size_t ss;
    pthread_attr_getstacksize(&a, &ss);
    printf("stacksize=%zu\n", ss);
    pthread_attr_destroy(&a);
    return 0;
}

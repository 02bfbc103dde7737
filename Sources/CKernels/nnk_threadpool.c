// nnk_threadpool.c — a fork-join pool for the runtime's parallel kernels: threads-1 persistent workers
// plus the calling thread. A parallel region costs a few hundred nanoseconds when the workers are
// awake, instead of a thread wake-up (tens of microseconds in this VM) per region: after a region
// each worker keeps polling for the next one for NNK_THREADPOOL_SPIN_NS, then sleeps on a condition
// variable (an idle pool burns no CPU).
//
// Jobs are published as (generation << 32 | next task) in one atomic word: a participant claims a
// task with a compare-and-swap of the whole word, so it never runs a task of a job that has ended,
// and a finished job is closed (next task set past any task count) before the next one's fields
// are written. Claiming (rather than a fixed share per thread) means a worker that is slow to wake
// or descheduled (a 2-core VM, a busy machine) costs the caller nothing: it runs the remaining
// tasks itself. Scratch belongs to participants, not tasks. One job at a time: a caller that finds
// the pool busy (another run on another thread) runs its tasks itself.
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include "nnk_internal.h"
#if NNK_HAVE_AVX2
#include <immintrin.h>
#define NNK_PAUSE() _mm_pause()
#else
#define NNK_PAUSE() ((void)0)
#endif

/// How long a worker keeps polling after a region before it sleeps (consecutive layers of a run
/// follow each other within microseconds).
#define NNK_THREADPOOL_SPIN_NS 200000

struct nnk_threadpool {
    int32_t workers;
    pthread_t *threads;
    _Atomic uint64_t word;                 // generation << 32 | next task (NNK_CLOSED: closed)
    _Atomic int64_t done;                  // tasks finished in the current job
    _Atomic int32_t busy;                  // a caller owns the pool
    _Atomic int32_t sleepers;
    _Atomic int32_t stop;
    // the current job (written while no job is open)
    _Atomic(nnk_task_fn) fn;
    _Atomic(void *) ctx;
    _Atomic int64_t tasks;
    pthread_mutex_t mutex;
    pthread_cond_t wake;
};

typedef struct {
    nnk_threadpool *pool;
    int32_t index;                         // 1..workers (the caller is 0)
} nnk_worker;

static int64_t nnk_now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

#define NNK_CLOSED 0xFFFFFFFFu
#define NNK_GEN(w) ((w) >> 32)
#define NNK_NEXT(w) ((w) & 0xFFFFFFFFu)

/// Participant i claims and runs tasks of the job whose word was w until none is left (or the job
/// is no longer w's). The job's fields are read before the first claim; a successful claim proves
/// the job was still open, so they were its fields.
static void nnk_threadpool_work(nnk_threadpool *p, uint64_t w, int32_t i) {
    const uint64_t gen = NNK_GEN(w);
    nnk_task_fn fn = atomic_load(&p->fn);
    void *ctx = atomic_load(&p->ctx);
    const uint64_t tasks = (uint64_t)atomic_load(&p->tasks);
    for (;;) {
        if (NNK_GEN(w) != gen || NNK_NEXT(w) >= tasks) return;   // another job, all claimed, or closed
        if (!atomic_compare_exchange_weak(&p->word, &w, w + 1)) continue;   // w is the current word now
        fn(ctx, (int64_t)NNK_NEXT(w), i);
        atomic_fetch_add(&p->done, 1);
        w += 1;                                  // the next claim's guess
    }
}

static void *nnk_threadpool_main(void *arg) {
    nnk_worker *self = arg;
    nnk_threadpool *p = self->pool;
    uint64_t seen = 0;                         // generation 0 is the initial closed state, never a job
    for (;;) {
        uint64_t w = atomic_load(&p->word);
        if (w >> 32 == seen) {                 // poll for a while, then sleep
            const int64_t until = nnk_now_ns() + NNK_THREADPOOL_SPIN_NS;
            for (int i = 1; (w = atomic_load(&p->word)) >> 32 == seen && !atomic_load(&p->stop); i++) {
                NNK_PAUSE();
                if (i % 256 == 0 && nnk_now_ns() > until) break;
                if (i % 4096 == 0) sched_yield();  // lets other threads have this core meanwhile
            }
            if (w >> 32 == seen) {
                pthread_mutex_lock(&p->mutex);
                atomic_fetch_add(&p->sleepers, 1);
                while ((w = atomic_load(&p->word)) >> 32 == seen && !atomic_load(&p->stop))
                    pthread_cond_wait(&p->wake, &p->mutex);
                atomic_fetch_sub(&p->sleepers, 1);
                pthread_mutex_unlock(&p->mutex);
            }
        }
        if (atomic_load(&p->stop)) break;
        seen = w >> 32;
        nnk_threadpool_work(p, w, self->index);
    }
    free(self);
    return NULL;
}

nnk_threadpool *nnk_threadpool_create(int32_t threads) {
    nnk_threadpool *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    const int32_t want = threads > 1 ? threads - 1 : 0;
    p->threads = calloc((size_t)(want > 0 ? want : 1), sizeof(pthread_t));
    if (!p->threads) {
        free(p);
        return NULL;
    }
    atomic_store(&p->word, NNK_CLOSED);        // generation 0, closed
    pthread_mutex_init(&p->mutex, NULL);
    pthread_cond_init(&p->wake, NULL);
    int32_t started = 0;
    for (; started < want; started++) {
        nnk_worker *w = malloc(sizeof *w);
        if (!w) break;
        *w = (nnk_worker){.pool = p, .index = started + 1};
        p->workers = started + 1;              // read by the worker: set before it starts
        if (pthread_create(&p->threads[started], NULL, nnk_threadpool_main, w) != 0) {
            free(w);
            p->workers = started;
            break;
        }
    }
    return p;
}

void nnk_threadpool_destroy(nnk_threadpool *p) {
    if (!p) return;
    pthread_mutex_lock(&p->mutex);
    atomic_store(&p->stop, 1);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mutex);
    for (int32_t i = 0; i < p->workers; i++) pthread_join(p->threads[i], NULL);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->mutex);
    free(p->threads);
    free(p);
}

int32_t nnk_threadpool_threads(const nnk_threadpool *p) { return p ? p->workers + 1 : 1; }

void nnk_threadpool_run(nnk_threadpool *p, int64_t tasks, nnk_task_fn fn, void *ctx) {
    int32_t idle = 0;
    if (tasks <= 1 || tasks >= NNK_CLOSED || !p || p->workers == 0 ||
        !atomic_compare_exchange_strong(&p->busy, &idle, 1)) {
        for (int64_t t = 0; t < tasks; t++) fn(ctx, t, 0);
        return;
    }
    atomic_store(&p->fn, fn);
    atomic_store(&p->ctx, ctx);
    atomic_store(&p->tasks, tasks);
    atomic_store(&p->done, 0);
    const uint64_t gen = NNK_GEN(atomic_load(&p->word)) + 1;
    const uint64_t open = gen << 32;
    atomic_store(&p->word, open);             // publishes the job (seq_cst, before reading sleepers)
    if (atomic_load(&p->sleepers) > 0) {
        pthread_mutex_lock(&p->mutex);
        pthread_cond_broadcast(&p->wake);
        pthread_mutex_unlock(&p->mutex);
    }
    nnk_threadpool_work(p, open, 0);
    // Tasks the workers claimed: poll, yielding the core now and then (on a busy machine a worker
    // may be waiting for this very core).
    for (int i = 1; atomic_load(&p->done) < tasks; i++) {
        NNK_PAUSE();
        if (i % 1024 == 0) sched_yield();
    }
    atomic_store(&p->word, open | NNK_CLOSED); // closed before the next job's fields are written
    atomic_store(&p->busy, 0);
}

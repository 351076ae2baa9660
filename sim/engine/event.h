/*
 * event: the discrete-event kernel's queue (ARCHITECTURE.md, "From scenario
 * file to HDF5 result", step 3: the event loop).
 *
 * Events come out in (time, seq) order: earliest time first, and among events
 * at the same time, the one pushed first. seq is assigned by the queue at
 * push and strictly increases over the queue's life, so the order depends on
 * nothing but the sequence of calls: the same run pops the same events in the
 * same order on any machine.
 *
 * Time never goes back: pushing an event earlier than the last one popped is
 * a bug in the caller and fails without changing the queue. Events at the
 * time of the last pop are allowed (a cascade at one instant) and come out
 * after everything already queued for that instant.
 *
 * There is no cancel. A caller whose pending event may go stale (an agent
 * that re-plans its wake-up) keeps a generation number in the payload and
 * ignores an event whose generation is old; that costs one pop, where a
 * cancel by seq would need a seq -> position map updated on every move of
 * the heap, or a tombstone set looked up on every pop.
 */
#ifndef PERPSIM_EVENT_H
#define PERPSIM_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "perr.h"

/* One event: 32 bytes, so that four siblings of the heap fill two cache
 * lines exactly. */
typedef struct event {
    int64_t time;     /* ms since the scenario's start */
    uint64_t seq;     /* order of push; ties in time pop in seq order */
    uint32_t kind;    /* what happens: the kernel's own enumeration */
    uint32_t target;  /* whom it concerns: a population, a venue, ... */
    uint64_t payload; /* opaque to the queue */
} event;

typedef struct event_queue {
    event *heap;       /* heap[EVENT_ROOT ..] hold the events; see event.c */
    size_t count;      /* events queued */
    size_t capacity;   /* events heap can hold before it grows */
    uint64_t next_seq; /* seq of the next push */
    int64_t now;       /* time of the last pop; INT64_MIN before the first */
} event_queue;

/* Makes an empty queue with room for capacity_hint events (at least a few;
 * 0 is allowed) before its first growth. Fails only when out of memory, and
 * then leaves q safe to pass to event_queue_free. */
int event_queue_init(event_queue *q, size_t capacity_hint, perr *e);

/* Releases the queue's memory; q may then be initialized again. Safe on a
 * zeroed queue and on one whose init failed. */
void event_queue_free(event_queue *q);

/* Queues an event and returns its seq (>= 0, the count of earlier pushes).
 * Fails with PERR_STATE when time is before the last popped event's time,
 * and with PERR_NOMEM when the queue cannot grow; either way the queue is
 * unchanged and no seq is used up. Doubles the queue's memory when full;
 * otherwise allocates nothing. */
int64_t event_push(event_queue *q, int64_t time, uint32_t kind, uint32_t target,
                   uint64_t payload, perr *e);

/* Moves the earliest event into *out and returns 1, or returns 0 and leaves
 * *out alone when the queue is empty. Can't fail. */
int event_pop(event_queue *q, event *out);

/* Time of the event event_pop would return, or INT64_MAX when empty. */
int64_t event_peek_time(const event_queue *q);

/* Events queued. */
size_t event_count(const event_queue *q);

/* Time of the last popped event, INT64_MIN before the first pop: the
 * earliest time event_push accepts. */
int64_t event_now(const event_queue *q);

#endif

/*
 * Tests of event: (time, seq) pop order with ties in push order, a long
 * random interleaving of pushes and pops against a sorted-array reference,
 * refusal of pushes into the past, the empty queue, growth from a tiny
 * capacity, and times near INT64_MAX / 2.
 */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "pcg.h"

Test(event, pops_by_time_then_push_order)
{
    event_queue q;
    cr_assert_eq(event_queue_init(&q, 8, NULL), 0);
    /* (time, payload): payload is the expected pop position. Ties at 20 and
     * 5 must come out in the order they were pushed, not reversed or mixed. */
    const int64_t times[] = {20, 5, 20, 30, 5, 20, 10, 5};
    const uint64_t rank[] = {4, 0, 5, 7, 1, 6, 3, 2};
    for (size_t i = 0; i < 8; i++)
        cr_assert_eq(event_push(&q, times[i], 1, 2, rank[i], NULL), (int64_t)i,
                     "push %zu should get seq %zu", i, i);
    event ev;
    for (uint64_t want = 0; want < 8; want++) {
        cr_assert_eq(event_pop(&q, &ev), 1);
        cr_expect_eq(ev.payload, want, "pop %llu gave the event ranked %llu",
                     (unsigned long long)want, (unsigned long long)ev.payload);
        cr_expect_eq(ev.kind, 1u);
        cr_expect_eq(ev.target, 2u);
    }
    cr_expect_eq(event_pop(&q, &ev), 0);
    event_queue_free(&q);
}

Test(event, event_fits_in_32_bytes)
{
    cr_expect_leq(sizeof(event), 32u);
}

Test(event, many_ties_pop_in_seq_order)
{
    /* Enough equal-time events to fill several heap levels: the heap shape
     * must never show through the tie order. */
    event_queue q;
    cr_assert_eq(event_queue_init(&q, 0, NULL), 0);
    for (uint64_t i = 0; i < 5000; i++)
        cr_assert_geq(event_push(&q, 7, 0, 0, i, NULL), 0);
    event ev;
    for (uint64_t i = 0; i < 5000; i++) {
        cr_assert_eq(event_pop(&q, &ev), 1);
        cr_assert_eq(ev.payload, i, "pop %llu gave push %llu",
                     (unsigned long long)i, (unsigned long long)ev.payload);
        cr_assert_eq(ev.seq, i);
    }
    event_queue_free(&q);
}

/* The reference: an array kept sorted by (time, seq); pushes insert in
 * place, pops take the front. */
typedef struct reference {
    event *items;
    size_t count;
} reference;

static int reference_before(const event *a, const event *b)
{
    return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

static void reference_push(reference *r, event ev)
{
    size_t at = r->count;
    while (at > 0 && reference_before(&ev, &r->items[at - 1]))
        at--;
    memmove(&r->items[at + 1], &r->items[at], (r->count - at) * sizeof(event));
    r->items[at] = ev;
    r->count++;
}

static event reference_pop(reference *r)
{
    event ev = r->items[0];
    memmove(&r->items[0], &r->items[1], (r->count - 1) * sizeof(event));
    r->count--;
    return ev;
}

Test(event, random_interleaving_matches_sorted_reference)
{
    enum { OPS = 40000 };
    reference ref = {calloc(OPS, sizeof(event)), 0};
    cr_assert_not_null(ref.items);
    event_queue q;
    cr_assert_eq(event_queue_init(&q, 4, NULL), 0);
    pcg32 rng;
    pcg32_seed(&rng, 2024, 7);
    int64_t now = 0;
    uint64_t pushes = 0, pops = 0;
    for (int op = 0; op < OPS; op++) {
        /* Phases lean towards pushes, then pops, so the size swings between
         * empty and a few thousand; times have many ties (range 50). */
        int push_share = (op / 5000) % 2 ? 35 : 65;
        if (ref.count == 0 || (int)pcg32_bounded(&rng, 100) < push_share) {
            int64_t time = now + (int64_t)pcg32_bounded(&rng, 50);
            uint32_t kind = pcg32_next(&rng), target = pcg32_next(&rng);
            uint64_t payload = ((uint64_t)pcg32_next(&rng) << 32) | pcg32_next(&rng);
            int64_t seq = event_push(&q, time, kind, target, payload, NULL);
            cr_assert_eq(seq, (int64_t)pushes, "op %d: seq %lld, want %llu", op,
                         (long long)seq, (unsigned long long)pushes);
            reference_push(&ref, (event){time, (uint64_t)seq, kind, target, payload});
            pushes++;
        } else {
            cr_assert_eq(event_peek_time(&q), ref.items[0].time, "op %d", op);
            event got, want = reference_pop(&ref);
            cr_assert_eq(event_pop(&q, &got), 1, "op %d", op);
            cr_assert_eq(got.time, want.time, "op %d: time", op);
            cr_assert_eq(got.seq, want.seq, "op %d: seq", op);
            cr_assert_eq(got.kind, want.kind, "op %d: kind", op);
            cr_assert_eq(got.target, want.target, "op %d: target", op);
            cr_assert_eq(got.payload, want.payload, "op %d: payload", op);
            now = got.time;
            pops++;
        }
        cr_assert_eq(event_count(&q), ref.count, "op %d: count", op);
    }
    cr_expect_gt(pops, 10000u, "the run should pop a lot");
    event got;
    while (ref.count) {
        event want = reference_pop(&ref);
        cr_assert_eq(event_pop(&q, &got), 1);
        cr_assert_eq(got.seq, want.seq);
    }
    cr_expect_eq(event_pop(&q, &got), 0);
    event_queue_free(&q);
    free(ref.items);
}

Test(event, push_into_the_past_fails_and_changes_nothing)
{
    event_queue q;
    cr_assert_eq(event_queue_init(&q, 4, NULL), 0);
    cr_assert_eq(event_push(&q, 100, 0, 0, 0, NULL), 0);
    cr_assert_eq(event_push(&q, 300, 0, 0, 1, NULL), 1);
    event ev;
    cr_assert_eq(event_pop(&q, &ev), 1);
    cr_assert_eq(event_now(&q), 100);

    perr err = {0};
    int64_t rc = event_push(&q, 99, 0, 0, 2, &err);
    cr_expect_eq(rc, PERR_STATE);
    cr_expect_eq(err.code, PERR_STATE);
    cr_expect(strstr(err.msg, "99") && strstr(err.msg, "100"),
              "message should name both times: %s", err.msg);
    cr_expect_eq(event_count(&q), 1u);
    cr_expect_eq(event_peek_time(&q), 300);

    /* The failed push used no seq, and the present instant is still open. */
    cr_expect_eq(event_push(&q, 100, 0, 0, 3, NULL), 2);
    cr_assert_eq(event_pop(&q, &ev), 1);
    cr_expect_eq(ev.time, 100);
    cr_expect_eq(ev.payload, 3u);
    event_queue_free(&q);
}

Test(event, empty_queue)
{
    event_queue q;
    cr_assert_eq(event_queue_init(&q, 0, NULL), 0);
    event ev = {.time = 5, .seq = 6, .kind = 7, .target = 8, .payload = 9};
    cr_expect_eq(event_pop(&q, &ev), 0);
    cr_expect_eq(ev.time, 5, "an empty pop must leave *out alone");
    cr_expect_eq(ev.payload, 9u);
    cr_expect_eq(event_count(&q), 0u);
    cr_expect_eq(event_peek_time(&q), INT64_MAX);
    cr_expect_eq(event_now(&q), INT64_MIN);
    /* Emptied after use, it behaves the same. */
    cr_assert_eq(event_push(&q, 42, 0, 0, 0, NULL), 0);
    cr_expect_eq(event_peek_time(&q), 42);
    cr_assert_eq(event_pop(&q, &ev), 1);
    cr_expect_eq(event_pop(&q, &ev), 0);
    cr_expect_eq(event_peek_time(&q), INT64_MAX);
    cr_expect_eq(event_count(&q), 0u);
    event_queue_free(&q);
    event_queue_free(&q); /* twice is harmless */
}

Test(event, grows_from_tiny_capacity)
{
    event_queue q;
    cr_assert_eq(event_queue_init(&q, 1, NULL), 0);
    size_t first_capacity = q.capacity;
    enum { N = 100000 };
    /* Descending times: every push climbs to the root across growths. */
    for (int64_t i = 0; i < N; i++)
        cr_assert_eq(event_push(&q, N - i, 0, 0, (uint64_t)i, NULL), i);
    cr_expect_gt(q.capacity, first_capacity);
    cr_expect_eq(event_count(&q), (size_t)N);
    event ev;
    for (int64_t t = 1; t <= N; t++) {
        cr_assert_eq(event_pop(&q, &ev), 1);
        cr_assert_eq(ev.time, t);
        cr_assert_eq(ev.payload, (uint64_t)(N - t));
    }
    cr_expect_eq(event_count(&q), 0u);
    event_queue_free(&q);
}

Test(event, times_near_int64_max_over_2)
{
    event_queue q;
    cr_assert_eq(event_queue_init(&q, 2, NULL), 0);
    const int64_t base = INT64_MAX / 2;
    /* Times differing only in the low bits, and one in the top bit range,
     * so that no narrowing or overflow in the ordering goes unnoticed. */
    const int64_t times[] = {base + 3, base, INT64_MAX - 1, base + 1,
                             base - ((int64_t)1 << 40), base};
    const uint64_t rank[] = {4, 1, 5, 3, 0, 2};
    for (size_t i = 0; i < 6; i++)
        cr_assert_geq(event_push(&q, times[i], 0, 0, rank[i], NULL), 0);
    event ev;
    for (uint64_t want = 0; want < 6; want++) {
        cr_assert_eq(event_pop(&q, &ev), 1);
        cr_expect_eq(ev.payload, want, "pop %llu: time %lld",
                     (unsigned long long)want, (long long)ev.time);
    }
    cr_expect_eq(event_now(&q), INT64_MAX - 1);
    cr_expect_eq(event_push(&q, base, 0, 0, 0, NULL), PERR_STATE);
    event_queue_free(&q);
}

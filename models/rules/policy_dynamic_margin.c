/*
 * The venue risk policy `dynamic_margin` (models/rule.h; mechanics.md 8):
 * the venue's margin follows the realised volatility of its mark, as
 * clearing houses' margin models raise margin in volatile markets (with
 * anti-procyclicality limits on how fast), here as one multiplier of the
 * maintenance rates and of the least initial margin (the brackets'
 * maximum leverage divided by it; venue_set_margin_multiplier, which
 * holds a scaled rate at VENUE_MMR_SCALED_MAX).
 *
 * The measure: the mark is sampled at the first pass at or after each
 * multiple of `update`; each sample adds the log return since the last
 * (one return however long the gap), and the realised volatility is
 * sqrt(mean of the squared returns over the last window / update samples
 * x the updates in a year of 365 days). The target multiplier is
 * volatility / vol_ref, within [min, max]; at each sample the multiplier
 * moves toward it by at most `step`, and is kept in whole hundredths (the
 * target rounded to the nearest), so that a change re-keys the positions
 * exactly and seldom. The multiplier starts at min, from the first pass,
 * and stays there until a full window of samples is in.
 *
 * Records: margin (value: the new multiplier), one per change.
 */
#include <math.h>
#include <stddef.h>

#include "rule.h"

/* The most samples a window holds (window / update). */
#define DM_SAMPLES_MAX 1024
#define DM_YEAR_MS (365.0 * 24 * 3600 * 1000)

typedef struct dynamic_margin {
    int enabled;
    int64_t window_ms;
    int64_t update_ms;
    double vol_ref; /* annualised */
    double min, max, step;
} dynamic_margin;

typedef struct dm_state {
    int64_t next;   /* ms: the next sample is due at or after this */
    int64_t last;   /* the mark at the last sample; 0 before any */
    int64_t mult;   /* RULE_POLICY_MARGIN_ONE = 1 */
    size_t n, head; /* returns held, the next slot */
    double r[DM_SAMPLES_MAX];
} dm_state;

static const param_key keys[] = {
    RULE_POLICY_ENABLED_KEY(dynamic_margin),
    {"window", PARAM_SPAN, offsetof(dynamic_margin, window_ms), "ms", NULL},
    {"update", PARAM_SPAN, offsetof(dynamic_margin, update_ms), "ms", NULL},
    {"vol_ref", PARAM_DOUBLE, offsetof(dynamic_margin, vol_ref),
     "annualised", NULL},
    {"min", PARAM_DOUBLE, offsetof(dynamic_margin, min), "multiplier", NULL},
    {"max", PARAM_DOUBLE, offsetof(dynamic_margin, max), "multiplier", NULL},
    {"step", PARAM_DOUBLE, offsetof(dynamic_margin, step), "per update",
     NULL},
    PARAM_END,
};

static const dynamic_margin defaults = {
    1, 60 * 60 * 1000, 60 * 1000, 0.5, 1, 3, 0.25,
};

/* x in whole hundredths, rounded to the nearest. */
static int64_t hundredths(double x)
{
    return (int64_t)llround(x * RULE_POLICY_MARGIN_ONE);
}

static int check(const void *params, const profile *p, perr *e)
{
    const dynamic_margin *d = params;
    if (!(d->update_ms >= 1000))
        return perr_set(e, PERR_INVALID, "update: must be at least 1s");
    if (!(d->window_ms >= 2 * d->update_ms
          && d->window_ms / d->update_ms <= DM_SAMPLES_MAX))
        return perr_set(e, PERR_INVALID,
                        "window: must hold 2 to %d updates (got %lld ms "
                        "for updates of %lld ms)",
                        DM_SAMPLES_MAX, (long long)d->window_ms,
                        (long long)d->update_ms);
    if (!(d->vol_ref > 0 && d->vol_ref < 100))
        return perr_set(e, PERR_INVALID,
                        "vol_ref: must be above 0 (an annualised "
                        "volatility such as 0.5)");
    if (!(d->min >= 1 && d->min <= d->max))
        return perr_set(e, PERR_INVALID,
                        "min: must be at least 1 and at most max");
    (void)p; /* venue_set_margin_multiplier holds every rate below 1 */
    if (!(d->max <= 100))
        return perr_set(e, PERR_INVALID, "max: must be at most 100");
    if (!(d->step >= 0.01))
        return perr_set(e, PERR_INVALID, "step: must be at least 0.01");
    return 0;
}

static void init(const rule_policy_ctx *c)
{
    dm_state *s = c->state;
    s->mult = hundredths(((const dynamic_margin *)c->params)->min);
}

/* The multiplier after one sample: toward the target by at most step. */
static int64_t moved(const dynamic_margin *d, const dm_state *s)
{
    double sum = 0;
    for (size_t i = 0; i < s->n; i++)
        sum += s->r[i] * s->r[i];
    double vol = sqrt(sum / (double)s->n * (DM_YEAR_MS / (double)d->update_ms));
    double target = vol / d->vol_ref;
    target = target < d->min ? d->min : target > d->max ? d->max : target;
    int64_t want = hundredths(target), step = hundredths(d->step);
    if (want > s->mult + step)
        return s->mult + step;
    if (want < s->mult - step)
        return s->mult - step;
    return want;
}

static rule_policy_action mark(const rule_policy_ctx *c, double *value)
{
    const dynamic_margin *d = c->params;
    dm_state *s = c->state;
    int64_t now = venue_time(c->v), m = venue_mark(c->v);
    (void)value;
    if (now < s->next)
        return RULE_POLICY_NONE;
    s->next = now - now % d->update_ms + d->update_ms;
    if (s->last > 0) {
        size_t cap = (size_t)(d->window_ms / d->update_ms);
        s->r[s->head] = log((double)m / (double)s->last);
        s->head = (s->head + 1) % cap;
        if (s->n < cap)
            s->n++;
        if (s->n == cap)
            s->mult = moved(d, s);
    }
    s->last = m;
    return RULE_POLICY_NONE;
}

static int64_t margin(const rule_policy_ctx *c)
{
    return ((const dm_state *)c->state)->mult;
}

const rule_policy rule_policy_dynamic_margin = {
    {"dynamic_margin",
     "scales maintenance margin (and the least initial margin) by a "
     "multiplier that follows the mark's realised volatility over window, "
     "within [min, max], by at most step per update (clearing houses' "
     "volatility-scaled margin)",
     keys},
    sizeof(dynamic_margin),
    &defaults,
    sizeof(dm_state),
    check,
    init,
    mark,
    NULL,
    NULL,
    NULL,
    margin,
};

/*
 * index: the parts every index model shares (index.h states the contract):
 * parameter checks, the grid clock, scheduled shocks and the freeze.
 *
 * State and invariants:
 *   - done_ms is the last instant advanced to (-1 before the first call);
 *     every event at or before done_ms has been applied, none after it.
 *   - Stepped models: grid_ms is the last grid point simulated, with
 *     grid_ms <= done_ms < grid_ms + step_ms once advanced, and `level` the
 *     price there times every jump applied since. Path models: `level` is
 *     the product of the jumps applied, the price is path(t) x level.
 *   - events[] holds the jumps and freeze starts, sorted by (instant,
 *     kind: freeze before jump), ties in scheduling order; events[0 ..
 *     next_event) have been applied. bursts[] is unordered and few: a step
 *     multiplies the k of every burst whose window holds the step's start.
 *   - While `holding`, the published price is hold_value until hold_until.
 * The shocks are the scenario shocks (models/README.md, "Shocks")
 * index_jump, vol burst and oracle freeze; the freeze models an oracle that
 * stops publishing (a stale
 * index), which is what dYdX's and Hyperliquid's marks read through
 * (mechanics.md 2).
 */
#include "index.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "index_model.h"
#include "pcg.h"
#include "suggest.h"

enum { EVENT_FREEZE = 0, EVENT_JUMP = 1 }; /* the order at one instant */

typedef struct index_event {
    int64_t at;
    int64_t until; /* freeze: the end of the hold */
    double factor; /* jump: 1 + pct / 100 */
    int kind;
} index_event;

typedef struct index_burst {
    int64_t from, until;
    double k;
} index_burst;

struct index_process {
    index_model model;
    const index_model_ops *ops;
    void *state;
    gsl_rng *rng; /* NULL for path models: they draw nothing */
    int64_t step_ms;

    int64_t done_ms;
    int64_t grid_ms;
    double level;
    double underlying;
    double published;

    bool holding;
    int64_t hold_until;
    double hold_value;

    index_event *events;
    size_t event_count, event_cap, next_event;
    index_burst *bursts;
    size_t burst_count, burst_cap;
};

static const index_model_ops *const model_ops[] = {
    [INDEX_GBM] = &index_gbm_ops,
    [INDEX_JUMP_DIFFUSION] = &index_merton_ops,
    [INDEX_GARCH] = &index_garch_ops,
    [INDEX_REPLAY] = &index_replay_ops,
};
enum { MODEL_COUNT = sizeof model_ops / sizeof model_ops[0] };

void index_params_default(index_params *p)
{
    memset(p, 0, sizeof *p);
    p->model = INDEX_GARCH;
    p->seed = 0;
    p->stream = "index";
    p->step_ms = 1000;
    p->price = 60000.0;
    p->drift_annual = 0.0;
    p->vol_annual = 0.55;
    p->jumps.per_day = 2.0;
    p->jumps.mean = 0.0;
    p->jumps.stdev = 0.02;
    p->garch.alpha = 0.01;
    p->garch.persistence = 0.9999;
    p->garch.nu = 4.0;
    p->file = NULL;
    p->start_utc_ms = 0;
}

_Static_assert(sizeof(index_model) == sizeof(int),
               "index.model is a PARAM_ENUM, stored as int");

/* The scenario's `model:` values, in index_model order. */
static const char *const model_names[] = {"gbm", "jump_diffusion", "garch",
                                          "replay", NULL};

#define INDEX_KEY(key, type, member, unit)                                   \
    {key, type, offsetof(index_keyed, params.member), unit, NULL}

const param_key index_param_keys[] = {
    {"model", PARAM_ENUM, offsetof(index_keyed, params.model), NULL,
     model_names},
    INDEX_KEY("price", PARAM_DOUBLE, price, "quote"),
    INDEX_KEY("step", PARAM_DURATION, step_ms, "ms"),
    INDEX_KEY("drift_annual", PARAM_DOUBLE, drift_annual, "per year"),
    INDEX_KEY("vol_annual", PARAM_DOUBLE, vol_annual, "per sqrt(year)"),
    INDEX_KEY("jumps.per_day", PARAM_DOUBLE, jumps.per_day, "jumps a day"),
    INDEX_KEY("jumps.mean", PARAM_DOUBLE, jumps.mean, "log return"),
    INDEX_KEY("jumps.stdev", PARAM_DOUBLE, jumps.stdev, "log return"),
    INDEX_KEY("garch.alpha", PARAM_DOUBLE, garch.alpha, "per step"),
    INDEX_KEY("garch.persistence", PARAM_DOUBLE, garch.persistence,
              "per step"),
    INDEX_KEY("garch.nu", PARAM_DOUBLE, garch.nu, "degrees of freedom"),
    {"file", PARAM_TEXT, offsetof(index_keyed, file), "path", NULL},
    PARAM_END,
};

const char *index_model_name(index_model m)
{
    if ((unsigned)m >= MODEL_COUNT)
        return "unknown";
    return model_names[m];
}

int index_model_parse(const char *name, index_model *m, perr *e)
{
    for (size_t i = 0; i < MODEL_COUNT; i++)
        if (name && strcmp(name, model_names[i]) == 0) {
            *m = (index_model)i;
            return PERR_OK;
        }
    const char *near =
        name ? suggest_nearest(name, model_names, MODEL_COUNT) : NULL;
    return perr_set(e, PERR_INVALID,
                    "index.model: unknown model '%s'%s%s%s; the models are gbm, "
                    "jump_diffusion, garch, replay",
                    name ? name : "(none)", near ? " (did you mean '" : "",
                    near ? near : "", near ? "'?)" : "");
}

/* size bytes of zeroed memory for the index or a model's state, or NULL
 * with e filled. */
static void *index_alloc(size_t size, perr *e)
{
    return perr_zalloc(e, size, "index: out of memory");
}

double index_step_years(const index_params *p)
{
    return (double)p->step_ms / (double)INDEX_MS_PER_YEAR;
}

int index_check_finite(const char *key, double v, perr *e)
{
    if (!isfinite(v))
        return perr_set(e, PERR_INVALID, "index.%s: must be a finite number (got %g)",
                        key, v);
    return PERR_OK;
}

int index_check_nonnegative(const char *key, double v, perr *e)
{
    if (!isfinite(v) || v < 0)
        return perr_set(e, PERR_INVALID, "index.%s: must be >= 0 (got %g)", key, v);
    return PERR_OK;
}

static bool is_stepped(const index_model_ops *ops)
{
    return ops->step != NULL;
}

int index_check(const index_params *p, perr *e)
{
    if ((unsigned)p->model >= MODEL_COUNT)
        return perr_set(e, PERR_INVALID, "index.model: unknown model number %d",
                        (int)p->model);
    const index_model_ops *ops = model_ops[p->model];
    if (is_stepped(ops)) {
        if (!p->stream || !p->stream[0])
            return perr_set(e, PERR_INVALID,
                            "index: the rng stream needs a component name");
        if (p->step_ms <= 0)
            return perr_set(e, PERR_INVALID, "index.step: must be > 0 ms (got %lld)",
                            (long long)p->step_ms);
        if (!isfinite(p->price) || p->price <= 0)
            return perr_set(e, PERR_INVALID, "index.price: must be > 0 (got %g)",
                            p->price);
    }
    return ops->check(p, e);
}

index_process *index_new(const index_params *p, perr *e)
{
    if (index_check(p, e) != PERR_OK)
        return NULL;
    index_process *ix = index_alloc(sizeof *ix, e);
    if (!ix)
        return NULL;
    ix->model = p->model;
    ix->ops = model_ops[p->model];
    ix->step_ms = p->step_ms;
    ix->done_ms = -1;
    if (is_stepped(ix->ops)) {
        ix->rng = pcg32_gsl_alloc(p->seed, p->stream);
        if (!ix->rng) {
            perr_set(e, PERR_NOMEM, "index: out of memory");
            index_free(ix);
            return NULL;
        }
    }
    ix->state = index_alloc(ix->ops->state_size, e);
    if (!ix->state || ix->ops->init(ix->state, p, e) != PERR_OK) {
        index_free(ix);
        return NULL;
    }
    if (is_stepped(ix->ops)) {
        ix->level = p->price;
        ix->underlying = p->price;
    } else {
        ix->level = 1.0;
        ix->underlying = ix->ops->path(ix->state, 0);
    }
    ix->published = ix->underlying;
    return ix;
}

void index_free(index_process *ix)
{
    if (!ix)
        return;
    if (ix->state && ix->ops->release)
        ix->ops->release(ix->state);
    free(ix->state);
    if (ix->rng)
        gsl_rng_free(ix->rng);
    free(ix->events);
    free(ix->bursts);
    free(ix);
}

/* The price the process stands at after everything applied so far, at t
 * (the last grid point for stepped models, t itself for paths). */
static double underlying_at(index_process *ix, int64_t t)
{
    if (is_stepped(ix->ops))
        return ix->level;
    return ix->ops->path(ix->state, t) * ix->level;
}

static double burst_scale(const index_process *ix, int64_t step_start)
{
    double scale = 1.0;
    for (size_t i = 0; i < ix->burst_count; i++) {
        const index_burst *b = &ix->bursts[i];
        if (b->from <= step_start && step_start < b->until)
            scale *= b->k;
    }
    return scale;
}

static void apply_event(index_process *ix, const index_event *ev)
{
    if (ev->kind == EVENT_JUMP) {
        ix->level *= ev->factor;
        return;
    }
    /* A freeze keeps what was published just before ev->at: the held value
     * if a hold runs up to (or past) this instant, else the process there,
     * before any step or jump at this instant. */
    if (ix->holding && ev->at <= ix->hold_until) {
        if (ev->until > ix->hold_until)
            ix->hold_until = ev->until;
        return;
    }
    ix->holding = true;
    ix->hold_value = underlying_at(ix, ev->at);
    ix->hold_until = ev->until;
}

double index_advance(index_process *ix, int64_t now_ms)
{
    if (now_ms <= ix->done_ms)
        return ix->published;
    const bool stepped = is_stepped(ix->ops);
    for (;;) {
        const index_event *ev =
            ix->next_event < ix->event_count ? &ix->events[ix->next_event] : NULL;
        bool event_due = ev && ev->at <= now_ms;
        /* Written as a difference: grid_ms + step_ms may overflow. */
        bool step_due = stepped && now_ms - ix->grid_ms >= ix->step_ms;
        if (!event_due && !step_due)
            break;
        bool event_first = event_due;
        if (event_due && step_due) {
            int64_t step_at = ix->grid_ms + ix->step_ms;
            event_first =
                ev->at < step_at || (ev->at == step_at && ev->kind == EVENT_FREEZE);
        }
        if (event_first) {
            apply_event(ix, ev);
            ix->next_event++;
        } else {
            double scale = ix->burst_count ? burst_scale(ix, ix->grid_ms) : 1.0;
            ix->level *= exp(ix->ops->step(ix->state, ix->rng, scale));
            ix->grid_ms += ix->step_ms;
        }
    }
    ix->done_ms = now_ms;
    ix->underlying = underlying_at(ix, now_ms);
    if (ix->holding && now_ms >= ix->hold_until)
        ix->holding = false;
    ix->published = ix->holding ? ix->hold_value : ix->underlying;
    return ix->published;
}

double index_price(const index_process *ix)
{
    return ix->published;
}

double index_underlying(const index_process *ix)
{
    return ix->underlying;
}

bool index_frozen(const index_process *ix)
{
    return ix->holding;
}

uint64_t index_jump_count(const index_process *ix)
{
    return ix->ops->jump_count ? ix->ops->jump_count(ix->state) : 0;
}

/* ---- scheduling ----------------------------------------------------------- */

static int check_instant(const index_process *ix, const char *what, int64_t at, perr *e)
{
    if (at < 0)
        return perr_set(e, PERR_INVALID, "%s at %lld ms: before the scenario start", what,
                        (long long)at);
    if (at <= ix->done_ms)
        return perr_set(e, PERR_STATE,
                        "%s at %lld ms: the index has already been advanced to %lld ms",
                        what, (long long)at, (long long)ix->done_ms);
    return PERR_OK;
}

static int check_window(int64_t from, int64_t len, const char *what, perr *e)
{
    if (len <= 0)
        return perr_set(e, PERR_INVALID, "%s: the duration must be > 0 ms (got %lld)",
                        what, (long long)len);
    if (len > INT64_MAX - from)
        return perr_set(e, PERR_RANGE, "%s: the window ends beyond the clock's range",
                        what);
    return PERR_OK;
}

static int insert_event(index_process *ix, const index_event *ev, perr *e)
{
    index_event *events = grow_for_one(ix->events, ix->event_count,
                                       &ix->event_cap, sizeof *events, 8);
    if (!events)
        return perr_set(e, PERR_NOMEM, "index: out of memory for shocks");
    ix->events = events;
    /* After every event that sorts before or level with it: pending events
     * only, since applied ones are all at or before done_ms < ev->at. */
    size_t pos = ix->event_count;
    while (pos > ix->next_event) {
        const index_event *prev = &ix->events[pos - 1];
        if (prev->at < ev->at || (prev->at == ev->at && prev->kind <= ev->kind))
            break;
        pos--;
    }
    memmove(&ix->events[pos + 1], &ix->events[pos],
            (ix->event_count - pos) * sizeof *ix->events);
    ix->events[pos] = *ev;
    ix->event_count++;
    return PERR_OK;
}

int index_jump(index_process *ix, int64_t at_ms, double pct, perr *e)
{
    int rc = check_instant(ix, "index_jump", at_ms, e);
    if (rc != PERR_OK)
        return rc;
    if (!isfinite(pct) || pct <= -100)
        return perr_set(e, PERR_INVALID,
                        "index_jump: pct must be > -100 so the price stays positive "
                        "(got %g)",
                        pct);
    index_event ev = {
        .at = at_ms, .until = at_ms, .factor = 1 + pct / 100, .kind = EVENT_JUMP};
    return insert_event(ix, &ev, e);
}

int index_freeze(index_process *ix, int64_t from_ms, int64_t for_ms, perr *e)
{
    int rc = check_instant(ix, "index_freeze", from_ms, e);
    if (rc == PERR_OK)
        rc = check_window(from_ms, for_ms, "index_freeze", e);
    if (rc != PERR_OK)
        return rc;
    index_event ev = {
        .at = from_ms, .until = from_ms + for_ms, .factor = 1, .kind = EVENT_FREEZE};
    return insert_event(ix, &ev, e);
}

int index_vol_burst(index_process *ix, int64_t from_ms, int64_t for_ms, double k, perr *e)
{
    if (!is_stepped(ix->ops))
        return perr_set(e, PERR_STATE,
                        "index_vol_burst: the %s index has no volatility to scale",
                        model_names[ix->model]);
    int rc = check_instant(ix, "index_vol_burst", from_ms, e);
    if (rc == PERR_OK)
        rc = check_window(from_ms, for_ms, "index_vol_burst", e);
    if (rc != PERR_OK)
        return rc;
    if (!isfinite(k) || k < 0)
        return perr_set(e, PERR_INVALID, "index_vol_burst: k must be >= 0 (got %g)", k);
    index_burst *bursts = grow_for_one(ix->bursts, ix->burst_count,
                                       &ix->burst_cap, sizeof *bursts, 4);
    if (!bursts)
        return perr_set(e, PERR_NOMEM, "index: out of memory for shocks");
    ix->bursts = bursts;
    ix->bursts[ix->burst_count++] =
        (index_burst){.from = from_ms, .until = from_ms + for_ms, .k = k};
    return PERR_OK;
}

/*
 * arrival: Poisson and Hawkes arrival processes of agent populations
 * (arrival.h states the contract).
 *
 * State and invariants:
 *   - base_s is the instant the pending arrival was drawn from (the last
 *     arrival handed out, the last excitation, or 0), base_excess the
 *     intensity above rate just after it, including any jump there.
 *   - pending_s > base_s is the next arrival, drawn from (base_s,
 *     base_excess) with no arrival in between; between base_s and
 *     pending_s the excess decays as base_excess exp(-beta (t - base_s)).
 *   - Times are seconds since the start as doubles (53 bits: sub-microsecond
 *     over a century) and become ms only when reported.
 *
 * The draw is the exact simulation of Dassios and Zhao, "Exact simulation
 * of Hawkes process with exponentially decaying intensity", Electronic
 * Communications in Probability 18 (2013), no. 62, section 3 (their
 * algorithm with constant jumps alpha beta and no self-decay beyond beta).
 * From an instant with excess E, the next arrival is the first of two
 * independent candidates:
 *   - the baseline's: an exponential gap of rate mu;
 *   - the excess's: the excess integrates to E (1 - exp(-beta s)) / beta
 *     over s, which stays below E / beta, so with probability
 *     exp(-E / beta) it never fires; otherwise its gap solves
 *     E (1 - exp(-beta s)) / beta = -ln U, i.e. s = -ln(1 + beta ln U / E)
 *     / beta, and D = 1 + beta ln U / E <= 0 is the "never" case.
 * Unlike Ogata's thinning this rejects nothing: two uniforms per arrival
 * (one while the excess is zero). The method also gives the redraw after
 * arrival_excite, since the future depends on the past only through the
 * excess at the excitation instant.
 */
#include "arrival.h"

#include <math.h>
#include <string.h>

#include "pcg.h"

void arrival_params_default(arrival_params *p)
{
    static const arrival_params defaults = ARRIVAL_PARAMS_DEFAULTS(1.0);
    memcpy(p, &defaults, sizeof *p);
}

const char *const arrival_kind_names[] = {"poisson", "hawkes", NULL};

const char *arrival_kind_name(arrival_kind kind)
{
    size_t n = sizeof arrival_kind_names / sizeof *arrival_kind_names - 1;
    return (size_t)kind < n ? arrival_kind_names[kind] : "unknown";
}

int arrival_check(const arrival_params *p, const char *key_prefix, perr *e)
{
    const char *at = key_prefix ? key_prefix : "arrival";
    if (p->kind != ARRIVAL_POISSON && p->kind != ARRIVAL_HAWKES)
        return perr_set(e, PERR_INVALID,
                        "%s.kind: unknown kind number %d; the kinds are poisson, hawkes",
                        at, (int)p->kind);
    if (!isfinite(p->rate) || p->rate <= 0)
        return perr_set(e, PERR_INVALID, "%s.rate: must be > 0 per second (got %g)", at,
                        p->rate);
    if (p->kind == ARRIVAL_HAWKES && !(p->alpha >= 0 && p->alpha < 1))
        return perr_set(e, PERR_INVALID,
                        "%s.alpha: must be in [0, 1) for a stationary hawkes process "
                        "(got %g)",
                        at, p->alpha);
    if (!isfinite(p->beta) || p->beta <= 0)
        return perr_set(e, PERR_INVALID, "%s.beta: must be > 0 per second (got %g)", at,
                        p->beta);
    return PERR_OK;
}

/* Seconds since the start to reported ms, saturating at ARRIVAL_NEVER. */
static int64_t to_ms(const arrival *a, double t_s)
{
    double ms = floor(t_s * 1000.0);
    if (!(ms < (double)(ARRIVAL_NEVER - a->start_ms)))
        return ARRIVAL_NEVER;
    return a->start_ms + (int64_t)ms;
}

/* The gap to the next arrival from an instant with excess excess (see the
 * comment at the top). Draws the excess's uniform first, and only when
 * there is an excess, so a pure Poisson stream spends one draw an arrival. */
static double draw_gap(arrival *a, double excess)
{
    double gap = INFINITY;
    if (excess > 0) {
        double d = 1.0 + a->beta * log(gsl_rng_uniform_pos(a->rng)) / excess;
        if (d > 0)
            gap = -log(d) / a->beta;
    }
    double baseline = -log(gsl_rng_uniform_pos(a->rng)) / a->rate;
    return baseline < gap ? baseline : gap;
}

static void draw_pending(arrival *a)
{
    a->pending_s = a->base_s + draw_gap(a, a->base_excess);
}

int arrival_init(arrival *a, const arrival_params *p, uint64_t seed,
                 const char *stream_name, int64_t start_ms, perr *e)
{
    memset(a, 0, sizeof *a);
    int rc = arrival_check(p, "arrival", e);
    if (rc != PERR_OK)
        return rc;
    if (!stream_name || !stream_name[0])
        return perr_set(e, PERR_INVALID, "arrival: the rng stream needs a component name");
    if (start_ms < 0)
        return perr_set(e, PERR_INVALID,
                        "arrival: start %lld ms is before the scenario start",
                        (long long)start_ms);
    a->rng = pcg32_gsl_alloc(seed, stream_name);
    if (!a->rng)
        return perr_set(e, PERR_NOMEM, "arrival: out of memory for %s's generator",
                        stream_name);
    a->start_ms = start_ms;
    a->rate = p->rate;
    a->beta = p->beta;
    a->jump = p->kind == ARRIVAL_HAWKES ? p->alpha * p->beta : 0.0;
    a->base_s = 0.0;
    a->base_excess = 0.0;
    draw_pending(a);
    return PERR_OK;
}

void arrival_free(arrival *a)
{
    if (a->rng)
        gsl_rng_free(a->rng);
    a->rng = NULL;
}

int64_t arrival_peek(const arrival *a)
{
    return to_ms(a, a->pending_s);
}

int64_t arrival_next(arrival *a)
{
    double t = a->pending_s;
    a->base_excess = a->base_excess * exp(-a->beta * (t - a->base_s)) + a->jump;
    a->base_s = t;
    draw_pending(a);
    return to_ms(a, t);
}

int arrival_excite(arrival *a, int64_t at_ms, double amount, perr *e)
{
    if (!isfinite(amount) || amount < 0)
        return perr_set(e, PERR_INVALID,
                        "arrival_excite: amount must be >= 0 per second (got %g)", amount);
    int64_t base_ms = to_ms(a, a->base_s), pending_ms = to_ms(a, a->pending_s);
    if (at_ms < base_ms || at_ms > pending_ms)
        return perr_set(e, PERR_STATE,
                        "arrival_excite at %lld ms: outside [%lld, %lld] ms, from the last "
                        "arrival or excitation to the pending arrival",
                        (long long)at_ms, (long long)base_ms, (long long)pending_ms);
    /* Within the base's millisecond the excitation follows the base. */
    double t = (double)(at_ms - a->start_ms) / 1000.0;
    if (t < a->base_s)
        t = a->base_s;
    a->base_excess = a->base_excess * exp(-a->beta * (t - a->base_s)) + amount;
    a->base_s = t;
    draw_pending(a);
    return PERR_OK;
}

double arrival_intensity(const arrival *a)
{
    return a->rate + a->base_excess;
}

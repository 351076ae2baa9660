/*
 * What several rules share: Binance's interest term with its dampener,
 * used by the limit rules fixed, mmr and imf_mmf; the factor key of mmr and
 * imf_mmf; the basis keys and checks of the mark rules that sample the
 * basis, and the median they take of their components; the whole-position
 * step and the unlimited admission of the liquidation policies
 * (mechanics.md 1, 2 and 4).
 */
#include <math.h>
#include <stddef.h>

#include "rule.h"

static int64_t clamp64(int64_t x, int64_t lo, int64_t hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

int64_t rule_limit_dampened_rate(const profile *p, int64_t premium,
                                 int64_t interest, int64_t *interest_part)
{
    *interest_part = clamp64(interest - premium, -p->funding_clamp,
                             p->funding_clamp);
    return premium + *interest_part;
}

double rule_median(const double *v, int n)
{
    double w[3];
    int k = 0;
    for (int i = 0; i < n && i < 3; i++)
        if (isfinite(v[i]))
            w[k++] = v[i];
    if (k == 0)
        return NAN;
    if (k == 1)
        return w[0];
    if (k == 2)
        return (w[0] + w[1]) / 2.0;
    double lo = fmin(w[0], w[1]), hi = fmax(w[0], w[1]);
    return w[2] < lo ? lo : w[2] > hi ? hi : w[2];
}

int rule_check_nothing(const profile *p, perr *e)
{
    (void)p;
    (void)e;
    return 0;
}

const param_key rule_limit_factor_keys[] = {
    {"funding.limit.factor", PARAM_RATE,
     offsetof(profile, funding_cap_factor), "rate", NULL},
    PARAM_END,
};

int rule_limit_check_factor(const profile *p, perr *e)
{
    if (!(p->funding_cap_factor > 0
          && p->funding_cap_factor <= 1000 * PROFILE_RATE_ONE))
        return perr_set(e, PERR_INVALID,
                        "funding.limit.factor: must lie in (0, 1000]");
    return 0;
}

const param_key rule_mark_basis_keys[] = {
    {"mark.sample_period", PARAM_SPAN, offsetof(profile, mark_sample_ms),
     "ms", NULL},
    {"mark.window", PARAM_SPAN, offsetof(profile, mark_window_ms), "ms",
     NULL},
    PARAM_END,
};

int rule_mark_check_average(const profile *p, perr *e)
{
    if (p->mark_sample_ms < 1)
        return perr_set(e, PERR_INVALID,
                        "mark.sample_period: must be >= 1 ms");
    if (p->mark_window_ms < p->mark_sample_ms
        || p->mark_window_ms % p->mark_sample_ms != 0)
        return perr_set(e, PERR_INVALID,
                        "mark.window: must be a whole number (>= 1) of "
                        "mark.sample_period");
    return 0;
}

rule_liq_step rule_liq_step_whole(const rule_liq_inputs *in)
{
    int64_t size = in->pos->size;
    rule_liq_step s = {size < 0 ? -size : size, 0, 0};
    return s;
}

int rule_liq_admit_all(const profile *p, rule_liq_window *w, int64_t now)
{
    (void)p;
    (void)w;
    (void)now;
    return 1;
}

void rule_liq_window_roll(rule_liq_window *w, int64_t now, int64_t interval)
{
    if (now >= w->start + interval) {
        w->start = now - (now % interval);
        w->count = 0;
        w->notional = 0;
    }
}

/* ---- venue risk policies ------------------------------------------------ */

const char *const rule_policy_action_names[] = {
    "halt", "resume", "reject", "clip", "trim", "defer", "margin", NULL,
};

const char *const rule_policy_enabled_names[] = {"no", "yes", NULL};

int rule_policy_check_fraction(int64_t rate, const char *key, perr *e)
{
    if (rate > 0 && rate < PROFILE_RATE_ONE)
        return 0;
    return perr_set(e, PERR_INVALID, "%s: must be above 0 and below 100%%",
                    key);
}

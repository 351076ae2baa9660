/*
 * What several rules share: Binance's interest term with its dampener,
 * used by the limit rules fixed, mmr and imf_mmf, and the median the mark
 * rules take of their components (mechanics.md 1 and 2).
 */
#include <math.h>

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

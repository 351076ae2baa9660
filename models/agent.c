/*
 * agent: what every kind's set-up shares (agent.h): opening a population's
 * block of consecutive accounts, the check of a fixed leverage against the
 * venue's maximum, the arbitrageurs' sizing checks and quote amounts in
 * cash units, the checks of a population's count and arrival keys, and the
 * start of a population (its type, markets, arrival process and generator).
 * Each kind keeps only what is its own.
 */
#include "agent.h"

#include <math.h>
#include <stdio.h>

#include "margin.h"
#include "pcg.h"

int agent_open_accounts(venue *v, uint32_t count, int64_t deposit,
                        int32_t leverage, const char *name, uint32_t *first,
                        perr *e)
{
    for (uint32_t i = 0; i < count; i++) {
        uint32_t id;
        int rc = venue_open(v, deposit, ACCOUNT_CROSS, leverage, &id, e);
        if (rc != 0)
            return rc;
        if (i == 0)
            *first = id;
        else if (id != *first + i)
            return perr_set(e, PERR_STATE,
                            "%s: accounts were opened on the venue while the "
                            "population's accounts were", name);
    }
    return 0;
}

int agent_check_sizing(double threshold_bps, double exit_bps,
                       double order_notional, double max_position_notional,
                       uint32_t leverage, double capital,
                       const char *key_prefix, perr *e)
{
    const char *k = key_prefix;
    if (!(threshold_bps >= 0 && threshold_bps <= 10000))
        return perr_set(e, PERR_INVALID,
                        "%s.threshold_bps: must be in [0, 10000] (got %g)", k,
                        threshold_bps);
    if (!(exit_bps >= 0 && exit_bps <= threshold_bps))
        return perr_set(e, PERR_INVALID,
                        "%s.exit_bps: must be in [0, threshold_bps = %g] (got %g)",
                        k, threshold_bps, exit_bps);
    if (!(order_notional > 0 && order_notional < 1e15))
        return perr_set(e, PERR_INVALID,
                        "%s.order_notional: must be > 0 and < 1e15 quote "
                        "currency (got %g)", k, order_notional);
    if (!(max_position_notional >= order_notional
          && max_position_notional < 1e15))
        return perr_set(e, PERR_INVALID,
                        "%s.max_position_notional: must be >= order_notional "
                        "= %g and < 1e15 quote currency (got %g)", k,
                        order_notional, max_position_notional);
    if (leverage < 1 || leverage > 10000)
        return perr_set(e, PERR_INVALID,
                        "%s.leverage: must be in [1, 10000] (got %u)", k,
                        (unsigned)leverage);
    if (!(capital * leverage >= max_position_notional && capital < 1e15))
        return perr_set(e, PERR_INVALID,
                        "%s.capital: must be at least max_position_notional / "
                        "leverage = %g and < 1e15 quote currency (got %g)", k,
                        max_position_notional / leverage, capital);
    return 0;
}

int agent_check_sizing_venue(double max_position_notional, uint32_t leverage,
                             double capital, const profile *p,
                             const char *key_prefix, perr *e)
{
    int64_t max_cash = agent_quote_cash(p, max_position_notional);
    if (max_cash < 0 || agent_quote_cash(p, capital) < 0)
        return perr_set(e, PERR_INVALID,
                        "%s.max_position_notional: %g (or capital %g) is not a "
                        "representable amount of %s's cash units", key_prefix,
                        max_position_notional, capital, p->name);
    int32_t most = margin_max_leverage(p, max_cash);
    if ((int64_t)leverage > most)
        return perr_set(e, PERR_INVALID,
                        "%s.leverage: must be <= %d, %s's maximum for a "
                        "position of max_position_notional %g (got %u)",
                        key_prefix, (int)most, p->name, max_position_notional,
                        (unsigned)leverage);
    return 0;
}

int64_t agent_quote_cash(const profile *p, double amount)
{
    double cash = amount / profile_cash_to_quote(p, 1);
    if (!(cash >= 1 && cash < 4e18))
        return -1;
    return (int64_t)llround(cash);
}

int agent_check_leverage(uint32_t leverage, const profile *p,
                         const char *key_prefix, perr *e)
{
    int32_t most = p->brackets[0].max_leverage;
    if (leverage > (uint32_t)most)
        return perr_set(e, PERR_INVALID,
                        "%s.leverage: must be <= %d, %s's maximum leverage "
                        "(got %u)", key_prefix, (int)most, p->name,
                        (unsigned)leverage);
    return 0;
}

int agent_check_count(uint32_t count, const char *key_prefix, perr *e)
{
    if (count < 1 || count > ACCOUNT_MAX - ACCOUNT_FIRST_TRADER)
        return perr_set(e, PERR_INVALID, "%s.count: must be in [1, %u] (got %u)",
                        key_prefix,
                        (unsigned)(ACCOUNT_MAX - ACCOUNT_FIRST_TRADER),
                        (unsigned)count);
    return 0;
}

int agent_check_arrival(const arrival_params *a, const char *key_prefix,
                        perr *e)
{
    char arrival_key[256];
    snprintf(arrival_key, sizeof arrival_key, "%s.arrival", key_prefix);
    return arrival_check(a, arrival_key, e);
}

int agent_pop_init(agent_pop *pop, const agent_pop_type *type,
                   const arrival_params *arrivals, const agent_setup *s,
                   perr *e)
{
    pop->type = type;
    pop->market = s->market;
    pop->other_market = s->other_market;
    return arrival_init(&pop->arrival, arrivals, s->seed, s->name, s->start_ms,
                        e);
}

gsl_rng *agent_rng_alloc(const agent_setup *s)
{
    char stream[256];
    snprintf(stream, sizeof stream, "%s/agents", s->name);
    return pcg32_gsl_alloc(s->seed, stream);
}

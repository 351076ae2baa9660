/*
 * agent: what every kind's set-up shares (agent.h): opening a population's
 * block of consecutive accounts, and the check of a fixed leverage against
 * the venue's maximum. Each kind keeps only what is its own.
 */
#include "agent.h"

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

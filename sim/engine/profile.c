/*
 * profile: the invariants of a venue profile and the exact unit
 * conversions.
 *
 * profile_check keeps the invariants profile.h states, and the
 * consistency of the funding and mark-price fields (mechanics.md sections
 * 1 and 2): an interval that divides a day and the period its rate is
 * stated for, samples that divide it; each rule the profile names checks
 * its own keys (models/rule.h). Its messages name the key path of
 * models/venues/README.md, so a loader can point at the line that set the
 * value. Reading profiles from YAML, the built-in ones included, is
 * profile_yaml's business: this file reads no text.
 */
#include "profile.h"

#include <string.h>

#include "rule.h"

__extension__ typedef __int128 i128;

static int scale_exact(profile_decimal amount, profile_decimal unit,
                       int64_t *out)
{
    return param_decimal_scale(amount, unit, out);
}

int profile_quote_to_cash(const profile *p, profile_decimal amount,
                          int64_t *cash, perr *e)
{
    int rc = scale_exact(amount, p->cash_unit, cash);
    if (rc == PERR_INVALID)
        return perr_set(e, rc, "%s: an amount finer than the cash unit (1e%d)",
                        p->name, p->cash_unit.exp);
    if (rc)
        return perr_set(e, rc, "%s: amount too large", p->name);
    return 0;
}

int profile_base_to_lots(const profile *p, profile_decimal amount,
                         int64_t *lots, perr *e)
{
    int rc = scale_exact(amount, p->lot, lots);
    if (rc == PERR_INVALID)
        return perr_set(e, rc, "%s: not a whole number of lots (lot %lldE%d)",
                        p->name, (long long)p->lot.mant, p->lot.exp);
    if (rc)
        return perr_set(e, rc, "%s: size too large", p->name);
    return 0;
}

double profile_price_to_ticks(const profile *p, profile_decimal price)
{
    return param_decimal_value(price) / param_decimal_value(p->tick);
}

double profile_ticks_to_price(const profile *p, double ticks)
{
    return ticks * param_decimal_value(p->tick);
}

double profile_cash_to_quote(const profile *p, int64_t cash)
{
    return (double)cash * param_decimal_value(p->cash_unit);
}

int profile_fill_cum(profile *p, perr *e)
{
    int64_t cum = 0;
    for (int i = 0; i < p->nbrackets; i++) {
        if (i > 0) {
            const profile_bracket *prev = &p->brackets[i - 1];
            if (p->brackets[i].cap <= prev->cap
                || p->brackets[i].mmr < prev->mmr)
                return perr_set(e, PERR_INVALID,
                                "%s: margin.brackets[%d]: caps must rise and "
                                "rates must not fall",
                                p->name, i);
            i128 step = (i128)prev->cap * (p->brackets[i].mmr - prev->mmr);
            cum += (int64_t)((step + PROFILE_RATE_ONE - 1) / PROFILE_RATE_ONE);
        }
        p->brackets[i].cum = cum;
    }
    return 0;
}

/* Fails profile_check_fields with "KEY: what". */
#define CHECK(cond, ...)                                                     \
    do {                                                                     \
        if (!(cond))                                                         \
            return perr_set(e, PERR_INVALID, __VA_ARGS__);                   \
    } while (0)

static int check_units(const profile *p, perr *e)
{
    CHECK(p->tick.mant > 0, "units.tick: must be > 0");
    CHECK(p->lot.mant > 0, "units.lot: must be > 0");
    CHECK(p->cash_unit.mant > 0, "units.cash_unit: must be > 0");
    i128 k = (i128)p->tick.mant * p->lot.mant;
    int kexp = p->tick.exp + p->lot.exp;
    int64_t expect = 0;
    int rc = k <= INT64_MAX ? scale_exact((profile_decimal){(int64_t)k, kexp},
                                          p->cash_unit, &expect)
                            : PERR_RANGE;
    CHECK(rc == 0 && expect >= 1,
          "units.cash_unit: tick x lot must be a whole number of cash units");
    CHECK(expect == p->cash_per_tick_lot,
          "units.cash_unit: cash_per_tick_lot %lld does not equal tick x lot "
          "/ cash unit (%lld)",
          (long long)p->cash_per_tick_lot, (long long)expect);
    return 0;
}

static int check_margin(const profile *p, perr *e)
{
    CHECK(p->maker_fee > -PROFILE_RATE_ONE && p->maker_fee < PROFILE_RATE_ONE,
          "fees.maker: must lie in (-1, 1)");
    CHECK(p->taker_fee > -PROFILE_RATE_ONE && p->taker_fee < PROFILE_RATE_ONE,
          "fees.taker: must lie in (-1, 1)");
    CHECK(p->mm_basis != NULL, "margin.basis: no basis");
    CHECK(p->nbrackets >= 1 && p->nbrackets <= PROFILE_BRACKETS_MAX,
          "margin.brackets: needs 1 to %d brackets", PROFILE_BRACKETS_MAX);
    int last = p->nbrackets - 1;
    for (int i = 0; i < p->nbrackets; i++) {
        const profile_bracket *b = &p->brackets[i];
        CHECK(b->cap > 0, "margin.brackets[%d].cap: must be > 0", i);
        CHECK(i == 0 || b->cap > p->brackets[i - 1].cap,
              "margin.brackets[%d].cap: caps must rise", i);
        CHECK(b->mmr > 0 && b->mmr < PROFILE_RATE_ONE,
              "margin.brackets[%d].mmr: must lie in (0, 1)", i);
        CHECK(i == 0 || b->mmr >= p->brackets[i - 1].mmr,
              "margin.brackets[%d].mmr: rates must not fall", i);
        CHECK(b->max_leverage >= 1
                  && (i == 0 || b->max_leverage <= p->brackets[i - 1].max_leverage),
              "margin.brackets[%d].max_leverage: must be >= 1 and not rise",
              i);
    }
    CHECK(p->brackets[last].cap == PROFILE_NOTIONAL_UNBOUNDED,
          "margin.brackets[%d].cap: the last bracket must be unbounded", last);
    profile copy = *p;
    if (profile_fill_cum(&copy, NULL) != 0)
        return perr_set(e, PERR_INVALID, "margin.brackets: out of order");
    for (int i = 0; i < p->nbrackets; i++)
        CHECK(p->brackets[i].cum == copy.brackets[i].cum,
              "margin.brackets[%d].cum: is %lld cash units, the formula gives "
              "%lld",
              i, (long long)p->brackets[i].cum,
              (long long)copy.brackets[i].cum);
    return 0;
}

static int check_liquidation(const profile *p, perr *e)
{
    CHECK(p->liq_style != NULL, "liquidation.style: no style");
    CHECK(p->liq_fee >= 0 && p->liq_fee < PROFILE_RATE_ONE,
          "liquidation.fee: must lie in [0, 1)");
    CHECK(p->surplus_to_trader == 0 || p->surplus_to_trader == 1,
          "liquidation.surplus: must be fund or trader");
    CHECK(p->price_band >= 0 && p->price_band < PROFILE_RATE_ONE,
          "liquidation.price_band: must lie in [0, 1)");
    CHECK(p->unwind_band > 0 && p->unwind_band < PROFILE_RATE_ONE,
          "liquidation.unwind_band: must lie in (0, 1)");
    int rc = p->liq_style->check(p, e);
    if (rc != 0)
        return rc;
    CHECK(p->adl_rank != NULL, "adl.rank: no ranking");
    CHECK(p->adl_price != NULL, "adl.price: no price");
    CHECK(p->insurance_fund >= 0, "insurance_fund: must be >= 0");
    CHECK(p->has_backstop == 0 || p->has_backstop == 1,
          "backstop.enabled: must be true or false");
    CHECK(p->backstop_below >= 0 && p->backstop_below <= PROFILE_RATE_ONE,
          "backstop.below: must lie in [0, 1]");
    CHECK(p->has_backstop || p->backstop_below == 0,
          "backstop.below: set without a backstop (backstop.enabled is "
          "false)");
    CHECK(p->backstop_vault >= 0, "backstop.vault: must be >= 0");
    return 0;
}

static int check_mark(const profile *p, perr *e)
{
    CHECK(p->mark_rule != NULL, "mark.rule: no rule");
    return p->mark_rule->check(p, e);
}

#define DAY_MS INT64_C(86400000)

static int check_funding(const profile *p, perr *e)
{
    int64_t interval = p->funding_interval_ms;
    CHECK(interval > 0 && DAY_MS % interval == 0,
          "funding.interval: must divide 24h");
    CHECK(p->funding_period_ms > 0
              && p->funding_period_ms % interval == 0,
          "funding.period: must be a whole number of funding.interval");
    CHECK(p->funding_offset_ms >= 0 && p->funding_offset_ms < interval,
          "funding.offset: must lie in [0, funding.interval)");
    CHECK(p->funding_divides == 0 || p->funding_divides == 1,
          "funding.divides: must be true or false");
    CHECK(p->funding_known_ahead == 0 || p->funding_known_ahead == 1,
          "funding.known_ahead: must be true or false");
    CHECK(p->premium_source != NULL, "funding.premium.source: no source");
    CHECK(p->premium_sample_ms > 0 && interval % p->premium_sample_ms == 0
              && p->funding_offset_ms % p->premium_sample_ms == 0,
          "funding.premium.sample_period: must divide funding.interval and "
          "funding.offset");
    CHECK(p->premium_average != NULL, "funding.premium.average: no average");
    int rc = p->premium_source->check(p, e);
    if (rc != 0)
        return rc;
    CHECK(p->interest_rate > -PROFILE_RATE_ONE
              && p->interest_rate < PROFILE_RATE_ONE,
          "funding.interest: must lie in (-1, 1)");
    CHECK(p->funding_clamp >= 0 && p->funding_clamp < PROFILE_RATE_ONE,
          "funding.clamp: must lie in [0, 1)");
    CHECK(p->funding_cap_rule != NULL, "funding.limit.rule: no rule");
    if ((rc = p->funding_cap_rule->check(p, e)) != 0)
        return rc;
    CHECK(p->funding_cap_per_interval == 0 || p->funding_cap_per_interval == 1,
          "funding.limit.per_interval: must be true or false");
    CHECK(p->funding_price != NULL, "funding.price: no price");
    return 0;
}

/* 1 when a name field of size bytes holds 1 to size - 1 characters. */
static int is_name(const char *s, size_t size)
{
    return s[0] != '\0' && memchr(s, '\0', size) != NULL;
}

int profile_check_fields(const profile *p, perr *e)
{
    int rc;
    CHECK(is_name(p->name, sizeof p->name),
          "name: must be 1 to %d characters", (int)sizeof p->name - 1);
    CHECK(is_name(p->quote, sizeof p->quote),
          "units.quote: must be 1 to %d characters", (int)sizeof p->quote - 1);
    CHECK(is_name(p->base, sizeof p->base),
          "units.base: must be 1 to %d characters", (int)sizeof p->base - 1);
    if ((rc = check_units(p, e)) != 0 || (rc = check_margin(p, e)) != 0
        || (rc = check_liquidation(p, e)) != 0 || (rc = check_mark(p, e)) != 0
        || (rc = check_funding(p, e)) != 0)
        return rc;
    return 0;
}

int profile_check(const profile *p, perr *e)
{
    perr why;
    perr_clear(&why);
    int rc = profile_check_fields(p, &why);
    if (rc != 0)
        return perr_set(e, rc, "%.31s: %s", p->name, why.msg);
    return 0;
}

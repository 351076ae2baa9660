/*
 * profile: the built-in venue profiles and the exact unit conversions.
 *
 * Each built-in profile is one BTC-margined-in-stablecoin perpetual, with
 * the figures its venue publishes. Sources, per field, in the comments;
 * "mechanics.md" is ../shared/mechanics.md and "notes" is
 * notes/venue-examples.md, the research notes with each figure's page.
 * Where a venue publishes nothing (a price band, a fee), the choice made here
 * says so. The insurance fund and backstop vault start empty: their size is
 * a property of a scenario, not of a venue. Every venue's fund and vault
 * unwind what they took over within 2.5% of the mark, the band Binance's
 * insurance fund documentation states for its own orders (notes 1.4); the
 * other venues do not publish theirs.
 */
#include "profile.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__extension__ typedef __int128 i128;

/* A percentage with up to six decimals, as a rate: PCT(0.4) == 0.4%. */
#define PCT(x) ((int64_t)((x) * 1000000.0 + 0.5))
/* Quote amounts in USD(T/C) to cash units of 1e-6. */
#define USD(x) ((int64_t)(x) * INT64_C(1000000))

/* Binance BTCUSDT, USD-M. Brackets: mechanics.md section 3 (late 2024),
 * with its cum column, which profile_check confirms follows the formula.
 * Tick 0.1 USDT, lot 0.001 BTC (exchangeInfo). Fees 0.02% / 0.05% (the base
 * VIP 0 rates). Liquidation fee 1.25%: the liquidationFee field of BTCUSDT in
 * exchangeInfo (notes 1.4; historically 0.3%). Price band 5%: its
 * marketTakeBound (notes 1.4). Whole position per liquidation, surplus to the
 * fund, ADL by PnL% x margin ratio at the bankruptcy price (mechanics.md 4). */
static const profile binance = {
    .name = "binance",
    .tick = {1, -1},
    .lot = {1, -3},
    .cash_unit = {1, -6},
    .cash_per_tick_lot = 100,
    .maker_fee = PCT(0.02),
    .taker_fee = PCT(0.05),
    .nbrackets = 12,
    .brackets = {
        {USD(50000), PCT(0.40), USD(0), 125},
        {USD(600000), PCT(0.50), USD(50), 100},
        {USD(3000000), PCT(0.65), USD(950), 75},
        {USD(12000000), PCT(1.00), USD(11450), 50},
        {USD(70000000), PCT(2.00), USD(131450), 25},
        {USD(100000000), PCT(2.50), USD(481450), 20},
        {USD(230000000), PCT(5.00), USD(2981450), 10},
        {USD(480000000), PCT(10.0), USD(14481450), 5},
        {USD(600000000), PCT(12.5), USD(26481450), 4},
        {USD(800000000), PCT(15.0), USD(41481450), 3},
        {USD(1200000000), PCT(25.0), USD(121481450), 2},
        {PROFILE_NOTIONAL_UNBOUNDED, PCT(50.0), USD(421481450), 1},
    },
    .mm_basis = PROFILE_MM_AT_MARK,
    .liq_style = PROFILE_LIQ_FULL,
    .liq_fee = PCT(1.25),
    .surplus_to_trader = 0,
    .price_band = PCT(5.0),
    .unwind_band = PCT(2.5),
    .adl_rank = PROFILE_ADL_BINANCE,
    .adl_price = PROFILE_ADL_AT_BANKRUPTCY,
};

/* Bybit BTCUSDT, USDT perpetual. Risk-limit tiers: Bybit's "Margin
 * Parameters" table (notes 2.5; every deduction follows the formula). The
 * liquidation price formula measures maintenance on the position value at
 * entry (notes 2.1). Tick 0.1, lot 0.001. Fees 0.02% / 0.055% (non-VIP).
 * Liquidation steps down the risk-limit tiers, then takes over at the
 * bankruptcy price; no separate liquidation fee, the surplus goes to the
 * insurance fund (notes 2.6). Bybit publishes no price band for liquidation
 * orders, so none beyond the bankruptcy price. ADL by profit and effective
 * leverage at the bankruptcy price (mechanics.md 4). */
static const profile bybit = {
    .name = "bybit",
    .tick = {1, -1},
    .lot = {1, -3},
    .cash_unit = {1, -6},
    .cash_per_tick_lot = 100,
    .maker_fee = PCT(0.02),
    .taker_fee = PCT(0.055),
    .nbrackets = 20,
    .brackets = {
        {USD(2000000), PCT(0.50), USD(0), 100},
        {USD(2600000), PCT(0.56), USD(1200), 90},
        {USD(3200000), PCT(0.63), USD(3020), 80},
        {USD(3800000), PCT(0.67), USD(4300), 75},
        {USD(4400000), PCT(0.71), USD(5820), 70},
        {USD(5000000), PCT(0.77), USD(8460), 65},
        {USD(5600000), PCT(0.91), USD(15460), 55},
        {USD(8500000), PCT(1.00), USD(20500), 50},
        {USD(10000000), PCT(1.30), USD(46000), 45},
        {USD(14000000), PCT(1.50), USD(66000), 40},
        {USD(20000000), PCT(1.60), USD(80000), 35},
        {USD(28000000), PCT(2.00), USD(160000), 30},
        {USD(38000000), PCT(2.50), USD(300000), 25},
        {USD(50000000), PCT(2.90), USD(452000), 20},
        {USD(55000000), PCT(3.00), USD(502000), 19},
        {USD(60000000), PCT(3.50), USD(777000), 18},
        {USD(65000000), PCT(3.60), USD(837000), 17},
        {USD(70000000), PCT(3.80), USD(967000), 16},
        {USD(75000000), PCT(4.00), USD(1107000), 15},
        {PROFILE_NOTIONAL_UNBOUNDED, PCT(4.50), USD(1482000), 14},
    },
    .mm_basis = PROFILE_MM_AT_ENTRY,
    .liq_style = PROFILE_LIQ_TIERED,
    .liq_fee = 0,
    .surplus_to_trader = 0,
    .price_band = 0,
    .unwind_band = PCT(2.5),
    .adl_rank = PROFILE_ADL_BYBIT,
    .adl_price = PROFILE_ADL_AT_BANKRUPTCY,
};

/* Hyperliquid BTC. Margin tiers 0-150M at 40x, above at 20x; maintenance is
 * half the initial margin at the tier's maximum leverage, with the deduction
 * formula (notes 3.3: 1.25%, 2.5%, deduction 1,875,000). Tick 1 USD, lot
 * 0.00001 BTC (5 size decimals). Fees 0.015% / 0.045% (base tier). Positions
 * above 100k USDC liquidate 20% at a time with a 30 s cooldown; no clearance
 * fee and the remaining collateral stays with the trader; below 2/3 of the
 * maintenance margin the liquidator vault takes the position over (notes
 * 3.1). ADL ranked by (mark / entry) x (notional / account value) at the
 * mark (mechanics.md 4). No published band beyond the bankruptcy price. */
static const profile hyperliquid = {
    .name = "hyperliquid",
    .tick = {1, 0},
    .lot = {1, -5},
    .cash_unit = {1, -6},
    .cash_per_tick_lot = 10,
    .maker_fee = PCT(0.015),
    .taker_fee = PCT(0.045),
    .nbrackets = 2,
    .brackets = {
        {USD(150000000), PCT(1.25), USD(0), 40},
        {PROFILE_NOTIONAL_UNBOUNDED, PCT(2.50), USD(1875000), 20},
    },
    .mm_basis = PROFILE_MM_AT_MARK,
    .liq_style = PROFILE_LIQ_CHUNKED,
    .liq_fee = 0,
    .surplus_to_trader = 1,
    .price_band = 0,
    .chunk_rate = PCT(20.0),
    .chunk_above = USD(100000),
    .cooldown_ms = 30000,
    .has_backstop = 1,
    .backstop_below = (PROFILE_RATE_ONE * 2 + 2) / 3,
    .unwind_band = PCT(2.5),
    .adl_rank = PROFILE_ADL_HYPERLIQUID,
    .adl_price = PROFILE_ADL_AT_MARK,
};

/* dYdX v4 BTC-USD. One bracket: initial margin fraction 5% (20x) and
 * maintenance fraction 3%, the market's genesis parameters. Tick 1 USD, step
 * 0.0001 BTC. Fees 0.01% / 0.05% (tier 1). Liquidation penalty at most 1.5%
 * to the insurance fund, the rest of the account stays the trader's
 * (notes 4.4); at most 50 liquidations per block (notes 4.5, the later
 * default), a block taken as one second. Deleveraging at the bankruptcy
 * price (notes 4.6), ranked by profit and leverage, as Bybit ranks. */
static const profile dydx = {
    .name = "dydx",
    .tick = {1, 0},
    .lot = {1, -4},
    .cash_unit = {1, -6},
    .cash_per_tick_lot = 100,
    .maker_fee = PCT(0.01),
    .taker_fee = PCT(0.05),
    .nbrackets = 1,
    .brackets = {
        {PROFILE_NOTIONAL_UNBOUNDED, PCT(3.0), 0, 20},
    },
    .mm_basis = PROFILE_MM_AT_MARK,
    .liq_style = PROFILE_LIQ_CAPPED,
    .liq_fee = PCT(1.5),
    .surplus_to_trader = 1,
    .price_band = 0,
    .per_interval_cap = 50,
    .cap_interval_ms = 1000,
    .unwind_band = PCT(2.5),
    .adl_rank = PROFILE_ADL_BYBIT,
    .adl_price = PROFILE_ADL_AT_BANKRUPTCY,
};

static const profile *const builtins[] = {&binance, &bybit, &hyperliquid,
                                          &dydx};
static const char *const builtin_names[] = {"binance", "bybit", "hyperliquid",
                                            "dydx", NULL};

const profile *profile_builtin(const char *name)
{
    for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
        if (strcmp(builtins[i]->name, name) == 0)
            return builtins[i];
    return NULL;
}

const char *const *profile_builtin_names(void)
{
    return builtin_names;
}

/* mant x 10^exp / (unit.mant x 10^unit.exp) as an exact integer, if it is one. */
static int scale_exact(profile_decimal amount, profile_decimal unit,
                       int64_t *out)
{
    int shift = amount.exp - unit.exp;
    i128 num = amount.mant, den = unit.mant;
    if (shift > 36 || shift < -36)
        return PERR_RANGE;
    for (int i = 0; i < shift; i++)
        num *= 10;
    for (int i = 0; i < -shift; i++)
        den *= 10;
    if (num % den != 0)
        return PERR_INVALID;
    i128 v = num / den;
    if (v > (i128)INT64_MAX || v < -(i128)INT64_MAX)
        return PERR_RANGE;
    *out = (int64_t)v;
    return 0;
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

static double decimal_value(profile_decimal d)
{
    return (double)d.mant * pow(10.0, d.exp);
}

double profile_price_to_ticks(const profile *p, profile_decimal price)
{
    return decimal_value(price) / decimal_value(p->tick);
}

double profile_ticks_to_price(const profile *p, double ticks)
{
    return ticks * decimal_value(p->tick);
}

double profile_cash_to_quote(const profile *p, int64_t cash)
{
    return (double)cash * decimal_value(p->cash_unit);
}

int profile_parse_decimal(const char *what, const char *text,
                          profile_decimal *out, perr *e)
{
    const char *s = text;
    int neg = 0;
    if (*s == '-' || *s == '+')
        neg = *s++ == '-';
    int64_t mant = 0;
    int exp = 0, digits = 0, dot = 0;
    for (; *s; s++) {
        if (*s == '.' && !dot) {
            dot = 1;
            continue;
        }
        if (*s == '_' || *s == ',')
            continue; /* 1,370,000 and 1_370_000 read as written */
        if (*s < '0' || *s > '9')
            break;
        if (mant > (INT64_MAX - 9) / 10)
            return perr_set(e, PERR_RANGE, "%s: '%s' has too many digits",
                            what, text);
        mant = mant * 10 + (*s - '0');
        digits++;
        if (dot)
            exp--;
    }
    if (*s == 'e' || *s == 'E') {
        char *end;
        errno = 0;
        long x = strtol(s + 1, &end, 10);
        if (end == s + 1 || *end || errno || x > 18 || x < -18)
            return perr_set(e, PERR_INVALID,
                            "%s: expected a number such as 8000 or 0.5, got "
                            "'%s'",
                            what, text);
        exp += (int)x;
        s = end;
    }
    if (digits == 0 || *s)
        return perr_set(e, PERR_INVALID,
                        "%s: expected a number such as 8000 or 0.5, got '%s'",
                        what, text);
    while (exp > 0) {
        if (mant > INT64_MAX / 10)
            return perr_set(e, PERR_RANGE, "%s: '%s' is too large", what,
                            text);
        mant *= 10;
        exp--;
    }
    out->mant = neg ? -mant : mant;
    out->exp = exp;
    return 0;
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
                                "%s: brackets[%d]: caps must rise and rates "
                                "must not fall",
                                p->name, i);
            i128 step = (i128)prev->cap * (p->brackets[i].mmr - prev->mmr);
            cum += (int64_t)((step + PROFILE_RATE_ONE - 1) / PROFILE_RATE_ONE);
        }
        p->brackets[i].cum = cum;
    }
    return 0;
}

int profile_check(const profile *p, perr *e)
{
    const char *n = p->name;
    if (p->cash_per_tick_lot < 1)
        return perr_set(e, PERR_INVALID, "%s: tick x lot must be a whole "
                        "number of cash units", n);
    i128 k = (i128)p->tick.mant * p->lot.mant;
    int kexp = p->tick.exp + p->lot.exp;
    profile_decimal tl = {(int64_t)k, kexp};
    int64_t expect;
    if (scale_exact(tl, p->cash_unit, &expect) != 0
        || expect != p->cash_per_tick_lot)
        return perr_set(e, PERR_INVALID,
                        "%s: cash_per_tick_lot %lld does not equal tick x lot "
                        "/ cash unit",
                        n, (long long)p->cash_per_tick_lot);
    if (p->nbrackets < 1 || p->nbrackets > PROFILE_BRACKETS_MAX)
        return perr_set(e, PERR_INVALID, "%s: needs 1 to %d brackets", n,
                        PROFILE_BRACKETS_MAX);
    if (p->brackets[p->nbrackets - 1].cap != PROFILE_NOTIONAL_UNBOUNDED)
        return perr_set(e, PERR_INVALID,
                        "%s: the last bracket must be unbounded", n);
    profile copy = *p;
    if (profile_fill_cum(&copy, e) != 0)
        return PERR_INVALID;
    for (int i = 0; i < p->nbrackets; i++) {
        const profile_bracket *b = &p->brackets[i];
        if (b->mmr <= 0 || b->mmr >= PROFILE_RATE_ONE)
            return perr_set(e, PERR_INVALID,
                            "%s: brackets[%d].mmr must lie in (0, 1)", n, i);
        if (b->max_leverage < 1
            || (i > 0 && b->max_leverage > p->brackets[i - 1].max_leverage))
            return perr_set(e, PERR_INVALID,
                            "%s: brackets[%d].max_leverage must be >= 1 and "
                            "not rise",
                            n, i);
        if (b->cum != copy.brackets[i].cum)
            return perr_set(e, PERR_INVALID,
                            "%s: brackets[%d].cum is %lld, the formula gives "
                            "%lld",
                            n, i, (long long)b->cum,
                            (long long)copy.brackets[i].cum);
    }
    if (p->liq_fee < 0 || p->liq_fee >= PROFILE_RATE_ONE)
        return perr_set(e, PERR_INVALID, "%s: liq_fee must lie in [0, 1)", n);
    if (p->price_band < 0 || p->price_band >= PROFILE_RATE_ONE)
        return perr_set(e, PERR_INVALID, "%s: price_band must lie in [0, 1)",
                        n);
    if (p->liq_style == PROFILE_LIQ_CHUNKED
        && (p->chunk_rate <= 0 || p->chunk_rate > PROFILE_RATE_ONE
            || p->cooldown_ms < 0))
        return perr_set(e, PERR_INVALID,
                        "%s: chunked liquidation needs chunk_rate in (0, 1] "
                        "and a cooldown >= 0",
                        n);
    if (p->liq_style == PROFILE_LIQ_CAPPED
        && (p->per_interval_cap < 1 || p->cap_interval_ms < 1))
        return perr_set(e, PERR_INVALID,
                        "%s: capped liquidation needs a cap >= 1 per interval "
                        ">= 1 ms",
                        n);
    if (p->unwind_band <= 0 || p->unwind_band >= PROFILE_RATE_ONE)
        return perr_set(e, PERR_INVALID, "%s: unwind_band must lie in (0, 1)",
                        n);
    if (p->backstop_below < 0 || p->backstop_below > PROFILE_RATE_ONE)
        return perr_set(e, PERR_INVALID,
                        "%s: backstop_below must lie in [0, 1]", n);
    if (p->insurance_fund < 0 || p->backstop_vault < 0)
        return perr_set(e, PERR_INVALID,
                        "%s: the fund and the vault start at >= 0", n);
    return 0;
}

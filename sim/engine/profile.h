/*
 * profile: what a venue is, as data. Units, fees, risk brackets, the
 * liquidation policy and the auto-deleveraging rule of one perpetual
 * contract on one venue.
 *
 * The engine knows no venue by name: everything venue-specific that margin,
 * accounts and the liquidation engine need is a field here, and the rules
 * that vary between venues (funding limits, premium sampling, mark price,
 * the margin basis, the liquidation policy, ADL ranking and price) are
 * pointers to function tables (models/rule.h). The
 * built-in profiles (profile_builtin, profile_yaml.h) are the files
 * models/venues/NAME.yaml, compiled into the program; each value there
 * cites its source (mechanics.md sections 1 to 4, notes/venue-examples.md,
 * a venue page), and models/venues/README.md documents every key
 * (profile_yaml.h reads them).
 *
 * Units (ARCHITECTURE.md, "Units and exactness"): a price is in ticks, a
 * size in lots, cash in cash units, and tick x lot is a whole number of
 * cash units (cash_per_tick_lot). A notional is |lots| x ticks x
 * cash_per_tick_lot cash units. Rates (margin rates, fees, funding) are int64 in units of
 * PROFILE_RATE_ONE = 1e8, i.e. 1e-6 percent; 0.4% is 400,000.
 *
 * Invariants of a valid profile (profile_check): brackets sorted by notional
 * cap, maintenance rates non-decreasing and below 1, maximum leverage
 * non-increasing, each bracket's cum equal to the formula of mechanics.md
 * (so maintenance margin is continuous in the notional and the liquidation
 * price of a position is unique).
 */
#ifndef PERPSIM_PROFILE_H
#define PERPSIM_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "param.h"
#include "perr.h"

#define PROFILE_RATE_ONE PARAM_RATE_ONE
#define PROFILE_BRACKETS_MAX 24
/* The last bracket's cap: no notional exceeds it. */
#define PROFILE_NOTIONAL_UNBOUNDED INT64_MAX

/* A decimal quantity mant x 10^exp, exact (tick sizes such as 0.5 included). */
typedef param_decimal profile_decimal;

/* The venue rules a profile names, each a function table of its kind
 * (models/rule.h, where they are defined and registered). */
typedef struct rule_limit rule_limit;
typedef struct rule_premium rule_premium;
typedef struct rule_average rule_average;
typedef struct rule_pay_price rule_pay_price;
typedef struct rule_mark rule_mark;
typedef struct rule_mm_basis rule_mm_basis;
typedef struct rule_liq rule_liq;
typedef struct rule_adl_rank rule_adl_rank;
typedef struct rule_adl_fill rule_adl_fill;

typedef struct profile_bracket {
    int64_t cap;          /* upper bound of the bracket's notional, cash units,
                             inclusive; the first bracket starts at 0 */
    int64_t mmr;          /* maintenance margin rate, PROFILE_RATE_ONE = 1 */
    int64_t cum;          /* maintenance amount: MM = notional x mmr - cum */
    int32_t max_leverage; /* the most leverage a position in the bracket may use */
} profile_bracket;

typedef struct profile {
    char name[32];
    char quote[32];            /* the quote currency's name: "USDT", "USDC" */
    char base[32];             /* the base currency's name: "BTC" */
    profile_decimal tick;      /* quote currency per tick */
    profile_decimal lot;       /* base currency per lot */
    profile_decimal cash_unit; /* quote currency per cash unit */
    int64_t cash_per_tick_lot; /* tick x lot / cash_unit, a whole number */

    int64_t maker_fee; /* rates; negative is a rebate */
    int64_t taker_fee;

    int nbrackets;
    profile_bracket brackets[PROFILE_BRACKETS_MAX];
    const rule_mm_basis *mm_basis; /* where maintenance is measured: the
                                      notional at the mark or at entry */

    /* Liquidation policy. */
    const rule_liq *liq_style; /* how much of a triggered position one
                                  step closes, how many start per interval */
    int64_t liq_fee;         /* rate of the liquidated notional, to the fund */
    int surplus_to_trader;   /* 1: what is left after a full liquidation is
                                the trader's (Hyperliquid); 0: the fund's */
    int64_t price_band;      /* a liquidation order never fills further than
                                this rate from the mark; 0: no band beyond
                                the bankruptcy price */
    int64_t unwind_band;     /* the fund and the vault work positions they
                                took over into the book within this rate of
                                the mark */
    int64_t chunk_rate;      /* chunked: the part closed per step */
    int64_t chunk_above;     /* chunked: notional (cash) above which */
    int64_t cooldown_ms;     /* chunked: wait between chunks */
    int32_t per_interval_cap;/* capped: liquidations per interval */
    int64_t cap_interval_ms; /* capped */
    int has_backstop;        /* a vault takes over what the book cannot fill */
    int64_t backstop_below;  /* rate of maintenance: below margin balance <
                                backstop_below x MM the vault takes the
                                position over at once (2/3 on Hyperliquid);
                                0 for none */

    const rule_adl_rank *adl_rank; /* how the opposite side is ranked */
    const rule_adl_fill *adl_price; /* the price ADL closes at */

    int64_t insurance_fund; /* cash at the start */
    int64_t backstop_vault; /* cash at the start */

    /* Mark price (mechanics.md 2): the rule and its basis sampling. */
    const rule_mark *mark_rule;
    int64_t mark_sample_ms; /* basis sampling period */
    int64_t mark_window_ms; /* moving-average window, or EMA time constant */

    /* Funding (mechanics.md 1). The rate of a period is, by the limit rule
     * (funding_cap_rule) of every venue today,
     *   F = avg(P) + clamp(I - avg(P), -funding_clamp, +funding_clamp)
     * (funding_clamp 0: F = avg(P)), capped by the rule's bounds; an interval of
     * N ms pays F x N / funding_period_ms when funding_divides (Binance
     * since 2025-09-18, Hyperliquid, dYdX), else F. Settlements fall at
     * funding_offset_ms + k x funding_interval_ms after 00:00 UTC. */
    int64_t funding_interval_ms;  /* 8h, 4h, 1h */
    int64_t funding_offset_ms;    /* 0; BitMEX 4h (04/12/20 UTC) */
    int64_t funding_period_ms;    /* the period F and I are stated for: 8h */
    int funding_divides;          /* 1: paid as F x interval / period */
    const rule_premium *premium_source; /* what a sample measures */
    int64_t premium_sample_ms;    /* 5 s, 60 s */
    const rule_average *premium_average; /* sample weights */
    int funding_known_ahead;      /* 1: an interval pays the rate of the
                                     previous interval's samples (BitMEX) */
    int64_t interest_rate;        /* I per funding period, a rate; a venue
                                     that does not divide scales it to an
                                     N-ms interval as I x N / period */
    int64_t funding_clamp;        /* rate; 0: no interest term */
    const rule_limit *funding_cap_rule; /* how F is formed and capped */
    int64_t funding_cap;          /* fixed, premium_clamp: rate, >= 0 */
    int64_t funding_floor;        /* fixed: rate, <= 0 */
    int64_t funding_cap_factor;   /* mmr, imf_mmf: a rate (0.75 ->
                                     75,000,000) */
    int funding_cap_per_interval; /* 1: the cap bounds the rate paid per
                                     interval (Hyperliquid's 4%/h); 0: F */
    int64_t impact_notional;      /* cash units; 0: impact_margin / the
                                     initial-margin rate at the first
                                     bracket's maximum leverage */
    int64_t impact_margin;        /* cash units (Binance 200 USDT, dYdX 500) */
    const rule_pay_price *funding_price; /* what a payment is valued at */
} profile;

/* Checks the invariants above and that the mark-price and funding fields
 * agree with each other (an interval dividing a day and the period, an
 * offset inside the interval, samples dividing both, caps of the right
 * sign, an impact size for impact premiums, the fields a liquidation style
 * needs). The message names the profile and the key path of the field at
 * fault ("bitmex: funding.offset: must lie in [0, funding.interval)"). */
int profile_check(const profile *p, perr *e);

/* As profile_check, with the message starting at the key path ("funding.
 * offset: ..."), so a loader can prefix the place the key was written. */
int profile_check_fields(const profile *p, perr *e);

/* Fills each bracket's cum from its floor and rate by mechanics.md's
 * cum_n = floor_n x (mmr_n - mmr_(n-1)) + cum_(n-1), rounding up to a whole
 * cash unit. Fails (PERR_INVALID) on brackets out of order. */
int profile_fill_cum(profile *p, perr *e);

/* Converts a decimal amount of the quote currency to cash units, exactly;
 * PERR_INVALID when it is not a whole number of cash units (finer than the
 * profile can hold) and PERR_RANGE when it overflows. */
int profile_quote_to_cash(const profile *p, profile_decimal amount,
                          int64_t *cash, perr *e);

/* Converts a decimal base-currency quantity to lots, exactly; PERR_INVALID
 * when it is not a whole number of lots. */
int profile_base_to_lots(const profile *p, profile_decimal amount,
                         int64_t *lots, perr *e);

/* Converts a decimal price (quote per base) to ticks as a double (an entry
 * price need not lie on the grid), and back. */
double profile_price_to_ticks(const profile *p, profile_decimal price);
double profile_ticks_to_price(const profile *p, double ticks);

/* Cash units to the quote currency, for printing. */
double profile_cash_to_quote(const profile *p, int64_t cash);


#endif

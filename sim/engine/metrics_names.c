/*
 * metrics_names: the names and units of the output series and audit
 * columns (metrics.h), kept apart from the arithmetic of metrics.c so that
 * the scenario loader and the summary can name metrics without it. The
 * names are the output's dataset names (/venues/<v>/series/NAME and
 * /venues/<v>/audit/NAME, README.md "Commands"), the 2% depths of issue
 * #7 among them.
 */
#include "metrics.h"

static const struct {
    const char *name, *unit, *what;
} series[METRICS_SERIES_COUNT] = {
    [METRICS_T] = {"t", "s",
        "time since the start of the run"},
    [METRICS_INDEX] = {"index", "quote/base",
        "the index price (the spot reference)"},
    [METRICS_MARK] = {"mark", "quote/base",
        "the mark price, which liquidations test margin at"},
    [METRICS_LAST] = {"last", "quote/base",
        "the last trade's price; NaN before the first trade"},
    [METRICS_MID] = {"mid", "quote/base",
        "the middle of the best bid and ask; NaN with a side empty"},
    [METRICS_SPREAD_BPS] = {"spread_bps", "bp",
        "best ask - best bid, in basis points of the mid"},
    [METRICS_BID_DEPTH_1PCT] = {"bid_depth_1pct", "quote",
        "resting bid notional within 1% of the mid"},
    [METRICS_ASK_DEPTH_1PCT] = {"ask_depth_1pct", "quote",
        "resting ask notional within 1% of the mid"},
    [METRICS_BID_DEPTH_2PCT] = {"bid_depth_2pct", "quote",
        "resting bid notional within 2% of the mid"},
    [METRICS_ASK_DEPTH_2PCT] = {"ask_depth_2pct", "quote",
        "resting ask notional within 2% of the mid"},
    [METRICS_DEPTH_Z] = {"depth_z", "1",
        "rolling z-score of bid + ask depth within 1%"},
    [METRICS_TAKER_BUY_NOTIONAL] = {"taker_buy_notional", "quote",
        "notional bought by takers in the sample interval"},
    [METRICS_TAKER_SELL_NOTIONAL] = {"taker_sell_notional", "quote",
        "notional sold by takers in the sample interval"},
    [METRICS_TAKER_BUY_SELL_RATIO] = {"taker_buy_sell_ratio", "1",
        "taker buy / sell notional over the interval; NaN when nothing sold"},
    [METRICS_TAKER_IMBALANCE_Z] = {"taker_imbalance_z", "1",
        "rolling z-score of taker buy - sell notional"},
    [METRICS_OPEN_INTEREST] = {"open_interest", "quote",
        "long lots valued at the mark"},
    [METRICS_OPEN_INTEREST_Z] = {"open_interest_z", "1",
        "rolling z-score of the open interest"},
    [METRICS_LIQ_LONG_NOTIONAL] = {"liq_long_notional", "quote",
        "notional of long positions liquidated in the interval, every route"},
    [METRICS_LIQ_SHORT_NOTIONAL] = {"liq_short_notional", "quote",
        "notional of short positions liquidated in the interval, every route"},
    [METRICS_LIQ_Z] = {"liq_z", "1",
        "rolling z-score of the liquidated notional, longs + shorts"},
    [METRICS_PREMIUM_INDEX] = {"premium_index", "fraction",
        "(mid - index) / index"},
    [METRICS_FUNDING_RATE] = {"funding_rate", "fraction",
        "the estimate of the next settlement's funding rate"},
    [METRICS_INSURANCE_FUND] = {"insurance_fund", "quote",
        "the insurance fund's margin balance at the mark"},
    [METRICS_ADL_NOTIONAL] = {"adl_notional", "quote",
        "notional closed by auto-deleveraging in the interval"},
};

static const struct {
    const char *name, *unit, *what;
} audit[METRICS_AUDIT_COUNT] = {
    [METRICS_LONG_LOTS] = {"long_lots", "lots",
        "long lots held, exact"},
    [METRICS_SHORT_LOTS] = {"short_lots", "lots",
        "short lots held, exact (equal to long_lots)"},
    [METRICS_CASH_TOTAL] = {"cash_total", "cash units",
        "every ledger entry's cash summed, exact"},
    [METRICS_DEPOSITS] = {"deposits", "cash units",
        "cash put in by traders so far, exact"},
    [METRICS_WITHDRAWALS] = {"withdrawals", "cash units",
        "cash taken out by traders so far, exact"},
};

const char *metrics_series_name(int i)
{
    return i >= 0 && i < METRICS_SERIES_COUNT ? series[i].name : NULL;
}

const char *metrics_series_unit(int i)
{
    return i >= 0 && i < METRICS_SERIES_COUNT ? series[i].unit : NULL;
}

const char *metrics_series_what(int i)
{
    return i >= 0 && i < METRICS_SERIES_COUNT ? series[i].what : NULL;
}

const char *metrics_audit_what(int i)
{
    return i >= 0 && i < METRICS_AUDIT_COUNT ? audit[i].what : NULL;
}

const char *metrics_audit_name(int i)
{
    return i >= 0 && i < METRICS_AUDIT_COUNT ? audit[i].name : NULL;
}

const char *metrics_audit_unit(int i)
{
    return i >= 0 && i < METRICS_AUDIT_COUNT ? audit[i].unit : NULL;
}

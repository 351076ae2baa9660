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
    const char *name, *unit;
} series[METRICS_SERIES_COUNT] = {
    [METRICS_T] = {"t", "s"},
    [METRICS_INDEX] = {"index", "quote/base"},
    [METRICS_MARK] = {"mark", "quote/base"},
    [METRICS_LAST] = {"last", "quote/base"},
    [METRICS_MID] = {"mid", "quote/base"},
    [METRICS_SPREAD_BPS] = {"spread_bps", "bp"},
    [METRICS_BID_DEPTH_1PCT] = {"bid_depth_1pct", "quote"},
    [METRICS_ASK_DEPTH_1PCT] = {"ask_depth_1pct", "quote"},
    [METRICS_BID_DEPTH_2PCT] = {"bid_depth_2pct", "quote"},
    [METRICS_ASK_DEPTH_2PCT] = {"ask_depth_2pct", "quote"},
    [METRICS_DEPTH_Z] = {"depth_z", "1"},
    [METRICS_TAKER_BUY_NOTIONAL] = {"taker_buy_notional", "quote"},
    [METRICS_TAKER_SELL_NOTIONAL] = {"taker_sell_notional", "quote"},
    [METRICS_TAKER_BUY_SELL_RATIO] = {"taker_buy_sell_ratio", "1"},
    [METRICS_TAKER_IMBALANCE_Z] = {"taker_imbalance_z", "1"},
    [METRICS_OPEN_INTEREST] = {"open_interest", "quote"},
    [METRICS_OPEN_INTEREST_Z] = {"open_interest_z", "1"},
    [METRICS_LIQ_LONG_NOTIONAL] = {"liq_long_notional", "quote"},
    [METRICS_LIQ_SHORT_NOTIONAL] = {"liq_short_notional", "quote"},
    [METRICS_LIQ_Z] = {"liq_z", "1"},
    [METRICS_PREMIUM_INDEX] = {"premium_index", "fraction"},
    [METRICS_FUNDING_RATE] = {"funding_rate", "fraction"},
    [METRICS_INSURANCE_FUND] = {"insurance_fund", "quote"},
    [METRICS_ADL_NOTIONAL] = {"adl_notional", "quote"},
};

static const struct {
    const char *name, *unit;
} audit[METRICS_AUDIT_COUNT] = {
    [METRICS_LONG_LOTS] = {"long_lots", "lots"},
    [METRICS_SHORT_LOTS] = {"short_lots", "lots"},
    [METRICS_CASH_TOTAL] = {"cash_total", "cash units"},
    [METRICS_DEPOSITS] = {"deposits", "cash units"},
    [METRICS_WITHDRAWALS] = {"withdrawals", "cash units"},
};

const char *metrics_series_name(int i)
{
    return i >= 0 && i < METRICS_SERIES_COUNT ? series[i].name : NULL;
}

const char *metrics_series_unit(int i)
{
    return i >= 0 && i < METRICS_SERIES_COUNT ? series[i].unit : NULL;
}

const char *metrics_audit_name(int i)
{
    return i >= 0 && i < METRICS_AUDIT_COUNT ? audit[i].name : NULL;
}

const char *metrics_audit_unit(int i)
{
    return i >= 0 && i < METRICS_AUDIT_COUNT ? audit[i].unit : NULL;
}

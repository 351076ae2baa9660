/*
 * The ADL ranking `pnl_leverage`: PnL% x effective leverage for a profit,
 * PnL% / effective leverage for a loss, PnL% = unrealized PnL / |entry
 * notional| and effective leverage = |mark value| / margin balance (Bybit,
 * BitMEX; mechanics.md 4).
 */
#include <math.h>

#include "rule.h"

static double score(const rule_adl_inputs *in)
{
    double pnl_pct = in->upnl / fmax(1.0, fabs(in->cost));
    double lev = in->balance > 0 ? fabs(in->mark_value) / in->balance : 1e12;
    return pnl_pct >= 0 ? pnl_pct * lev : pnl_pct / lev;
}

const rule_adl_rank rule_adl_pnl_leverage = {
    {"pnl_leverage", "PnL% x or / effective leverage (Bybit, BitMEX)", NULL},
    score,
};

/*
 * The ADL ranking `pnl_margin_ratio`: PnL% x margin ratio, PnL% = max(0,
 * unrealized PnL) / max(wallet balance, one quote unit) and margin ratio =
 * maintenance margin / margin balance (Binance; mechanics.md 4).
 */
#include <math.h>

#include "rule.h"

static double score(const rule_adl_inputs *in)
{
    const profile *p = in->p;
    double one = pow(10.0, -p->cash_unit.exp) / (double)p->cash_unit.mant;
    double pnl_pct = (in->upnl > 0 ? in->upnl : 0)
                     / (in->wallet > one ? in->wallet : one);
    double mm = (double)margin_position_maintenance(p, in->pos, in->mark);
    double ratio = in->wallet + in->upnl > 0 ? mm / (in->wallet + in->upnl)
                                             : 0;
    return pnl_pct * ratio;
}

const rule_adl_rank rule_adl_pnl_margin_ratio = {
    {"pnl_margin_ratio", "PnL% x margin ratio (Binance)", NULL},
    score,
};

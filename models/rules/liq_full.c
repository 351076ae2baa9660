/*
 * The liquidation policy `full`: a triggered position is closed whole, as
 * many at a time as trigger (Binance; mechanics.md 4).
 */
#include "rule.h"

const rule_liq rule_liq_full = {
    {"full", "all of a triggered position at once (Binance)", NULL},
    rule_check_nothing,
    rule_liq_step_whole,
    rule_liq_admit_all,
};

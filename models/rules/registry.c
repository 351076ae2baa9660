/*
 * registry: the venue rules of each kind (models/rule.h). A rule written
 * in its own file here is made known to profiles by one line in its
 * kind's list; the order is the order models/venues/README.md lists the
 * values in.
 */
#include "rule.h"

const param_choice *const rule_limits[] = {
    &rule_limit_fixed.info,
    &rule_limit_mmr.info,
    &rule_limit_imf_mmf.info,
    &rule_limit_premium_clamp.info,
    NULL,
};

const param_choice *const rule_premiums[] = {
    &rule_premium_impact.info,
    &rule_premium_mid.info,
    NULL,
};

const param_choice *const rule_averages[] = {
    &rule_average_linear.info,
    &rule_average_mean.info,
    NULL,
};

const param_choice *const rule_pay_prices[] = {
    &rule_pay_price_mark.info,
    &rule_pay_price_oracle.info,
    NULL,
};

const param_choice *const rule_marks[] = {
    &rule_mark_median3.info,
    &rule_mark_fair.info,
    &rule_mark_basis_ma.info,
    &rule_mark_hl.info,
    &rule_mark_oracle.info,
    NULL,
};

const param_choice *const rule_mm_bases[] = {
    &rule_mm_basis_mark.info,
    &rule_mm_basis_entry.info,
    NULL,
};

const param_choice *const rule_liqs[] = {
    &rule_liq_full.info,
    &rule_liq_tiered.info,
    &rule_liq_chunked.info,
    &rule_liq_capped.info,
    NULL,
};

const param_choice *const rule_adl_ranks[] = {
    &rule_adl_pnl_margin_ratio.info,
    &rule_adl_pnl_leverage.info,
    &rule_adl_price_leverage.info,
    NULL,
};

const param_choice *const rule_adl_fills[] = {
    &rule_adl_fill_bankruptcy.info,
    &rule_adl_fill_mark.info,
    NULL,
};

const param_choice *const rule_policies[] = {
    &rule_policy_circuit_breaker.info,
    &rule_policy_price_band.info,
    &rule_policy_liquidation_throttle.info,
    &rule_policy_oi_cap.info,
    &rule_policy_dynamic_margin.info,
    NULL,
};

/*
 * Tests of the venue rule registries (models/rule.h, models/rules/): every
 * rule is named once, documented in its file and in models/venues/
 * README.md, a profile naming an unknown rule is told the nearest, the
 * funding limit rule premium_clamp computes F = clamp(avg(P), -cap, +cap)
 * exactly, as a profile file or an override states it, and the margin
 * bases, liquidation policies and ADL prices compute what their venues'
 * rules say, exactly.
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "funding.h"
#include "margin.h"
#include "profile.h"
#include "profile_yaml.h"
#include "rule.h"

#define PCT(x) ((int64_t)((x) * 1000000.0 + 0.5)) /* PCT(0.05) == 0.05% */
#define HOUR_MS INT64_C(3600000)

/* Each registry with the profile key that names its rules. */
static const struct {
    const char *key;
    const param_choice *const *rules;
} kinds[] = {
    {"funding.limit.rule", rule_limits},
    {"funding.premium.source", rule_premiums},
    {"funding.premium.average", rule_averages},
    {"funding.price", rule_pay_prices},
    {"mark.rule", rule_marks},
    {"adl.rank", rule_adl_ranks},
    {"margin.basis", rule_mm_bases},
    {"liquidation.style", rule_liqs},
    {"adl.price", rule_adl_fills},
};

#define NKINDS (sizeof kinds / sizeof kinds[0])

/* Sets key of p to value as a profile file would, or fails the test. */
static void set_ok(profile *p, const char *key, const char *value)
{
    perr e = {0, ""};
    cr_assert_eq(profile_set(p, key, value, &e), 0, "%s: %s", key, e.msg);
}

Test(rule, each_registry_names_its_rules_once_with_a_doc)
{
    for (size_t i = 0; i < NKINDS; i++) {
        size_t n = 0;
        for (const param_choice *const *r = kinds[i].rules; *r; r++, n++) {
            cr_expect_gt(strlen((*r)->name), 0, "%s", kinds[i].key);
            cr_expect_gt(strlen((*r)->doc), 20, "%s: %s has no doc",
                         kinds[i].key, (*r)->name);
            for (const param_choice *const *q = kinds[i].rules; q < r; q++)
                cr_expect_str_neq((*q)->name, (*r)->name, "%s: twice",
                                  kinds[i].key);
            cr_expect_eq(param_choice_find(kinds[i].rules, (*r)->name), *r);
        }
        cr_expect_geq(n, 2, "%s", kinds[i].key);
    }
}

Test(rule, every_rule_is_documented_in_its_keys_row)
{
    /* The row of the key that names the rules lists each rule's name, and
     * each key a rule adds has its own row (the order is
     * profile_yaml.the_readme_documents_every_key_in_order's). */
    char *text = support_read_source("models/venues/README.md");
    for (size_t i = 0; i < NKINDS; i++) {
        char row[80];
        snprintf(row, sizeof row, "| `%s` |", kinds[i].key);
        const char *at = strstr(text, row);
        cr_assert_not_null(at, "README.md has no row %s", row);
        const char *end = strchr(at + 1, '\n');
        cr_assert_not_null(end);
        for (const param_choice *const *r = kinds[i].rules; *r; r++) {
            char name[64];
            snprintf(name, sizeof name, "`%s`", (*r)->name);
            const char *hit = strstr(at + strlen(row), name);
            cr_expect(hit && hit < end, "the row of %s does not name %s",
                      kinds[i].key, name);
            for (const param_key *k = (*r)->keys; k && k->key; k++) {
                snprintf(row, sizeof row, "| `%s` |", k->key);
                cr_expect_not_null(strstr(text, row),
                                   "README.md has no row %s (of %s)", row,
                                   (*r)->name);
            }
        }
    }
    free(text);
}

Test(rule, an_unknown_rule_name_suggests_the_nearest)
{
    profile p = *profile_builtin("binance");
    perr e = {0, ""};
    cr_expect_eq(profile_set(&p, "funding.limit.rule", "imf_mfm", &e),
                 PERR_INVALID);
    cr_expect_str_eq(e.msg,
                     "funding.limit.rule: expected one of fixed, mmr, "
                     "imf_mmf or premium_clamp, got \"imf_mfm\" (did you "
                     "mean 'imf_mmf'?)");
    cr_expect_eq(profile_set(&p, "mark.rule", "median", &e), PERR_INVALID);
    cr_expect_not_null(strstr(e.msg, "(did you mean 'median3'?)"), "%s",
                       e.msg);
    cr_expect_eq(profile_set(&p, "adl.rank", "pnl_leverge", &e),
                 PERR_INVALID);
    cr_expect_not_null(strstr(e.msg, "(did you mean 'pnl_leverage'?)"), "%s",
                       e.msg);
    cr_expect_eq(p.funding_cap_rule, &rule_limit_mmr, "a failed set changed "
                                                      "the rule");
}

Test(rule, a_set_rule_name_selects_its_table)
{
    profile p = *profile_builtin("binance");
    perr e = {0, ""};
    set_ok(&p, "funding.premium.source", "mid");
    cr_expect_eq(p.premium_source, &rule_premium_mid);
    set_ok(&p, "mark.rule", "oracle");
    cr_expect_eq(p.mark_rule, &rule_mark_oracle);
    set_ok(&p, "funding.price", "oracle");
    cr_expect_eq(p.funding_price, &rule_pay_price_oracle);
    cr_expect_eq(profile_check(&p, &e), 0, "%s", e.msg);
}

/* ---- premium_clamp ------------------------------------------------------ */

/* Binance with the premium_clamp rule and a cap of cap: its interest
 * (0.01%) and dampener (0.05%) stay in the profile, unread. */
static profile clamp_only(int64_t cap)
{
    profile p = *profile_builtin("binance");
    p.funding_cap_rule = &rule_limit_premium_clamp;
    p.funding_cap = cap;
    perr e = {0, ""};
    cr_assert_eq(profile_check(&p, &e), 0, "%s", e.msg);
    return p;
}

Test(rule, premium_clamp_is_the_premium_without_interest_or_dampener)
{
    /* F = clamp(avg(P), -0.3%, +0.3%). A premium of 0.02% pays 0.02%,
     * where Binance's own rule pays 0.02% + clamp(0.01% - 0.02%) = 0.01%. */
    profile p = clamp_only(PCT(0.3));
    funding_parts parts;
    cr_expect_eq(funding_rate_of(&p, 8 * HOUR_MS, PCT(0.02), &parts),
                 PCT(0.02));
    cr_expect_eq(parts.premium, PCT(0.02));
    cr_expect_eq(parts.interest, 0);
    cr_expect_eq(parts.rate_period, PCT(0.02));
    profile binance = *profile_builtin("binance");
    cr_expect_eq(funding_rate_of(&binance, 8 * HOUR_MS, PCT(0.02), NULL),
                 PCT(0.01));
    /* A zero premium pays nothing: no interest term. */
    cr_expect_eq(funding_rate_of(&p, 8 * HOUR_MS, 0, &parts), 0);
    /* Beyond the cap, either side. */
    cr_expect_eq(funding_rate_of(&p, 8 * HOUR_MS, PCT(0.5), NULL), PCT(0.3));
    cr_expect_eq(funding_rate_of(&p, 8 * HOUR_MS, -PCT(0.5), NULL),
                 -PCT(0.3));
    cr_expect_eq(funding_rate_of(&p, 8 * HOUR_MS, -PCT(0.3), NULL),
                 -PCT(0.3));
    int64_t floor, cap;
    funding_cap_bounds(&p, &floor, &cap);
    cr_expect_eq(floor, -PCT(0.3));
    cr_expect_eq(cap, PCT(0.3));
}

Test(rule, premium_clamp_divides_and_caps_per_interval_like_any_rule)
{
    /* An hourly interval of an 8h period pays F / 8, half away from zero:
     * 0.0123% / 8 = 0.0015375% -> 1538 rate units. */
    profile p = clamp_only(PCT(0.3));
    p.funding_interval_ms = HOUR_MS;
    funding_parts parts;
    cr_expect_eq(funding_rate_of(&p, HOUR_MS, 12300, &parts), 1538);
    cr_expect_eq(parts.rate_period, 12300);
    cr_expect_eq(funding_rate_of(&p, HOUR_MS, -12300, NULL), -1538);
    /* Capped per interval: F = 4% is not capped, F / 8 = 0.5% is, to 0.3%. */
    p.funding_cap_per_interval = 1;
    cr_expect_eq(funding_rate_of(&p, HOUR_MS, PCT(4), &parts), PCT(0.3));
    cr_expect_eq(parts.rate_period, PCT(4));
}

Test(rule, premium_clamp_equals_fixed_without_interest_and_a_mirrored_floor)
{
    profile clamp = clamp_only(PCT(0.375));
    profile fixed = clamp;
    fixed.funding_cap_rule = &rule_limit_fixed;
    fixed.funding_floor = -PCT(0.375);
    fixed.interest_rate = 0;
    fixed.funding_clamp = 0;
    for (int64_t premium = -PCT(1); premium <= PCT(1); premium += 7919)
        cr_assert_eq(funding_rate_of(&clamp, 8 * HOUR_MS, premium, NULL),
                     funding_rate_of(&fixed, 8 * HOUR_MS, premium, NULL),
                     "premium %lld", (long long)premium);
}

Test(rule, premium_clamp_refuses_a_negative_cap_naming_the_key)
{
    profile p = *profile_builtin("binance");
    p.funding_cap_rule = &rule_limit_premium_clamp;
    p.funding_cap = -1;
    perr e = {0, ""};
    cr_expect_eq(profile_check(&p, &e), PERR_INVALID);
    cr_expect_str_eq(e.msg, "binance: funding.limit.cap: a premium clamp "
                            "must lie in [0, 1)");
}

/* The text of tests/data/profiles/valid.yaml with its funding.limit
 * section (an mmr rule) replaced by limit. */
static size_t with_limit(const char *limit, char *out, size_t size)
{
    char path[512];
    snprintf(path, sizeof path, "%s/tests/data/profiles/valid.yaml",
             PERPSIM_SOURCE_DIR);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    char text[16384];
    size_t len = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[len] = '\0';
    const char *old = "  limit:\n    rule: mmr\n    factor: 0.75\n";
    char *at = strstr(text, old);
    cr_assert_not_null(at, "valid.yaml's limit section changed");
    int n = snprintf(out, size, "%.*s%s%s", (int)(at - text), text, limit,
                     at + strlen(old));
    cr_assert(n > 0 && (size_t)n < size);
    return (size_t)n;
}

Test(rule, a_profile_file_states_premium_clamp_with_its_cap_alone)
{
    char text[16384];
    size_t len = with_limit("  limit:\n    rule: premium_clamp\n"
                            "    cap: 0.3%\n",
                            text, sizeof text);
    profile p;
    perr e = {0, ""};
    cr_assert_eq(profile_load_text("clamp.yaml", text, len, &p, &e), 0, "%s",
                 e.msg);
    cr_expect_eq(p.funding_cap_rule, &rule_limit_premium_clamp);
    cr_expect_eq(p.funding_cap, PCT(0.3));
    cr_assert_eq(p.funding_interval_ms, p.funding_period_ms);
    cr_expect_eq(funding_rate_of(&p, p.funding_interval_ms, PCT(1), NULL),
                 PCT(0.3));
    cr_expect_eq(funding_rate_of(&p, p.funding_interval_ms, PCT(0.02), NULL),
                 PCT(0.02));
    /* Without its cap the file is refused there, naming the key. */
    len = with_limit("  limit:\n    rule: premium_clamp\n", text,
                     sizeof text);
    cr_expect_eq(profile_load_text("clamp.yaml", text, len, &p, &e),
                 PERR_INVALID);
    cr_expect_not_null(strstr(e.msg, "funding.limit.cap: required key "
                                     "missing"),
                       "%s", e.msg);
}

Test(rule, a_rule_set_over_a_builtin_profile_takes_its_own_key)
{
    profile p = *profile_builtin("binance");
    perr e = {0, ""};
    set_ok(&p, "funding.limit.rule", "premium_clamp");
    set_ok(&p, "funding.limit.cap", "0.25%");
    cr_assert_eq(profile_check(&p, &e), 0, "%s", e.msg);
    cr_expect_eq(funding_rate_of(&p, p.funding_interval_ms, PCT(0.1), NULL),
                 PCT(0.1));
    cr_expect_eq(funding_rate_of(&p, p.funding_interval_ms, PCT(0.4), NULL),
                 PCT(0.25));
}

/* ---- margin bases ------------------------------------------------------ */

Test(rule, the_mark_basis_measures_the_notional_at_the_mark_beyond_2_63)
{
    const profile *p = profile_builtin("binance"); /* K = 100 */
    margin_position pos = {-INT64_C(1000000000000), 0, 0};
    rule_i128 want = (rule_i128)INT64_C(1000000000000) * 1000000 * 100;
    cr_expect(rule_mm_basis_mark.notional(p, &pos, 1000000) == want,
              "10^20 cash units, past int64");
    pos.size = 1000;
    cr_expect(rule_mm_basis_mark.notional(p, &pos, 600000) == 60000000000);
    cr_expect(rule_mm_basis_mark.funded_long_is_safe);
}

Test(rule, the_entry_basis_measures_the_cost_whatever_the_mark)
{
    profile p = *profile_builtin("binance");
    p.mm_basis = &rule_mm_basis_entry;
    margin_position pos = {1000, 50000000000, 0}; /* 1 BTC at 50,000, 1x */
    cr_expect(rule_mm_basis_entry.notional(&p, &pos, 1) == 50000000000);
    cr_expect(rule_mm_basis_entry.notional(&p, &pos, 900000) == 50000000000);
    pos.cost = -pos.cost;
    cr_expect(rule_mm_basis_entry.notional(&p, &pos, 7) == 50000000000);
    /* Its maintenance (0.4% of the cost: 200 USDT) outlasts a fully funded
     * long's value as the mark falls, so no shortcut says "never". */
    pos.cost = -pos.cost;
    cr_expect_not(rule_mm_basis_entry.funded_long_is_safe);
    cr_expect(margin_liquidatable(&p, &pos, 1));
    cr_expect_eq(margin_position_maintenance(&p, &pos, 1), 200000000);
}

Test(rule, the_entry_basis_liquidation_price_is_where_balance_meets_maintenance)
{
    /* 1 BTC long at 50,000 USDT with 2,500 USDT: MM = 200 USDT, so
     * cash + 1000 x LP x 100 = 200e6 with cash = 2,500e6 - 50,000e6,
     * LP = 477,000 ticks (47,700 USDT), in the first bracket. */
    profile p = *profile_builtin("binance");
    p.mm_basis = &rule_mm_basis_entry;
    margin_position pos = {1000, 50000000000, 2500000000 - 50000000000};
    int bracket = -1;
    cr_expect_eq(rule_mm_basis_entry.liq_price(&p, &pos, &bracket), 477000.0);
    cr_expect_eq(bracket, 0);
    cr_expect_eq(margin_trigger(&p, &pos, 1000000), 476999,
                 "liquidatable strictly below maintenance");
}

/* ---- liquidation policies ---------------------------------------------- */

static rule_liq_step liq_step_of(const profile *p, int64_t size,
                                 int64_t cost, int64_t mark, int64_t now,
                                 int64_t pause_until)
{
    margin_position pos = {size, cost, 0};
    rule_liq_inputs in = {p, &pos, mark, now, pause_until};
    return p->liq_style->step(&in);
}

Test(rule, full_closes_the_whole_position_and_admits_every_one)
{
    const profile *p = profile_builtin("binance");
    cr_assert_eq(p->liq_style, &rule_liq_full);
    rule_liq_step s = liq_step_of(p, -37, -2220000000, 600000, 0, 0);
    cr_expect_eq(s.lots, 37);
    cr_expect_eq(s.pause, 0);
    rule_liq_window w = {0, 1000000, 0};
    cr_expect(rule_liq_full.admits(p, &w, 5));
    cr_expect_eq(w.count, 1000000, "nothing counted");
}

Test(rule, tiered_closes_down_to_the_next_lower_brackets_cap)
{
    /* 1,000 lots at a mark of 60,000 USDT: 60,000 USDT of notional, in
     * Binance's second bracket; the first's cap, 50,000, keeps
     * floor(50,000 / 60,000 x 1,000) = 833 lots, so 167 close. */
    profile p = *profile_builtin("binance");
    p.liq_style = &rule_liq_tiered;
    int64_t cost = 1000 * INT64_C(500000) * 100; /* entered at 50,000 */
    rule_liq_step s = liq_step_of(&p, 1000, cost, 600000, 0, 0);
    cr_expect_eq(s.lots, 167);
    cr_expect_eq(s.pause, 0);
    /* In the first bracket: all of it. */
    cr_expect_eq(liq_step_of(&p, 800, cost, 600000, 0, 0).lots, 800);
    /* On the entry basis the notional is the cost, 50,000: the first
     * bracket, all of it. */
    p.mm_basis = &rule_mm_basis_entry;
    cr_expect_eq(liq_step_of(&p, 1000, cost, 600000, 0, 0).lots, 1000);
    /* A short steps down the same way. */
    p.mm_basis = &rule_mm_basis_mark;
    cr_expect_eq(liq_step_of(&p, -1000, -cost, 600000, 0, 0).lots, 167);
}

Test(rule, chunked_closes_a_fifth_of_a_large_position_then_pauses)
{
    /* Hyperliquid: 20% above 100,000 USDC of notional, then 30 s. At
     * 60,000 USDC (K = 10), 200,001 lots are 120,000.6 USDC: a chunk of
     * ceil(40,000.2) = 40,001 lots. */
    const profile *p = profile_builtin("hyperliquid");
    cr_assert_eq(p->liq_style, &rule_liq_chunked);
    rule_liq_step s = liq_step_of(p, 200001, 0, 60000, 7000, 0);
    cr_expect_eq(s.lots, 40001);
    cr_expect_eq(s.pause, 1);
    cr_expect_eq(s.pause_until, 37000);
    /* Within the pause: the whole position, no new pause. */
    s = liq_step_of(p, 200001, 0, 60000, 36999, 37000);
    cr_expect_eq(s.lots, 200001);
    cr_expect_eq(s.pause, 0);
    /* At its end, a chunk again; at or below 100,000 USDC, all of it. */
    cr_expect_eq(liq_step_of(p, -200001, 0, 60000, 37000, 37000).lots,
                 40001);
    s = liq_step_of(p, 166666, 0, 60000, 0, 0); /* 99,999.6 USDC */
    cr_expect_eq(s.lots, 166666);
    cr_expect_eq(s.pause, 0);
}

Test(rule, capped_admits_per_interval_cap_liquidations_per_aligned_interval)
{
    /* dYdX: 50 per 1 s block, the blocks aligned to whole seconds. */
    const profile *p = profile_builtin("dydx");
    cr_assert_eq(p->liq_style, &rule_liq_capped);
    rule_liq_window w = {0, 0, 0};
    int admitted = 0;
    while (rule_liq_capped.admits(p, &w, 2500) && admitted < 100) {
        w.count++;
        admitted++;
    }
    cr_expect_eq(admitted, 50);
    cr_expect_eq(w.start, 2000);
    cr_expect_not(rule_liq_capped.admits(p, &w, 2999));
    cr_expect(rule_liq_capped.admits(p, &w, 3000));
    cr_expect_eq(w.start, 3000);
    cr_expect_eq(w.count, 0);
    /* It closes positions whole. */
    cr_expect_eq(liq_step_of(p, -12345, 0, 60000, 0, 0).lots, 12345);
}

Test(rule, a_policys_keys_are_required_and_checked_naming_the_key)
{
    profile p = *profile_builtin("binance");
    perr e = {0, ""};
    set_ok(&p, "liquidation.style", "chunked");
    cr_expect_eq(p.liq_style, &rule_liq_chunked);
    cr_expect_eq(profile_check(&p, &e), PERR_INVALID);
    cr_expect_str_eq(e.msg, "binance: liquidation.chunk_rate: chunked "
                            "liquidation needs a rate in (0, 1]");
    set_ok(&p, "liquidation.chunk_rate", "20%");
    cr_expect_eq(profile_check(&p, &e), 0, "%s", e.msg);
    set_ok(&p, "liquidation.style", "capped");
    cr_expect_eq(profile_check(&p, &e), PERR_INVALID);
    cr_expect_str_eq(e.msg, "binance: liquidation.per_interval_cap: capped "
                            "liquidation needs a cap >= 1");
}

/* ---- ADL prices -------------------------------------------------------- */

Test(rule, adl_at_the_mark_never_passes_the_bankruptcy_price)
{
    /* 10 lots bankrupt at 50,000 USDT (K = 100); 4 of them close. */
    const profile *p = profile_builtin("binance");
    margin_position long_pos = {10, 0, -500000000};
    margin_position short_pos = {-10, 0, 500000000};
    int64_t at_bp = 200000000;
    cr_assert_eq(margin_bankruptcy_value(&long_pos, 4), at_bp);
    cr_assert_eq(margin_bankruptcy_value(&short_pos, 4), at_bp);
    /* A long sells at the mark above its bankruptcy price, at it below. */
    cr_expect_eq(rule_adl_fill_mark.value(p, &long_pos, 4, 510000),
                 204000000);
    cr_expect_eq(rule_adl_fill_mark.value(p, &long_pos, 4, 490000), at_bp);
    /* A short buys back at the mark below, at its bankruptcy price above. */
    cr_expect_eq(rule_adl_fill_mark.value(p, &short_pos, 4, 490000),
                 196000000);
    cr_expect_eq(rule_adl_fill_mark.value(p, &short_pos, 4, 510000), at_bp);
    /* The bankruptcy price ignores the mark. */
    cr_expect_eq(rule_adl_fill_bankruptcy.value(p, &long_pos, 4, 510000),
                 at_bp);
    cr_expect_eq(rule_adl_fill_bankruptcy.value(p, &short_pos, 4, 490000),
                 at_bp);
}

Test(rule, the_venues_name_their_margin_liquidation_and_adl_rules)
{
    cr_expect_eq(profile_builtin("bybit")->mm_basis, &rule_mm_basis_entry);
    cr_expect_eq(profile_builtin("binance")->mm_basis, &rule_mm_basis_mark);
    cr_expect_eq(profile_builtin("okx")->liq_style, &rule_liq_tiered);
    cr_expect_eq(profile_builtin("hyperliquid")->adl_price,
                 &rule_adl_fill_mark);
    cr_expect_eq(profile_builtin("dydx")->adl_price,
                 &rule_adl_fill_bankruptcy);
}

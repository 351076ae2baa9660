/*
 * Tests of the venue profile files (models/venues/NAME.yaml) and their
 * loader (sim/io/profile_yaml.c): every built-in file loads and passes
 * profile_check, its values are the figures its comments cite, the copy
 * compiled into the program is the file on disk, overrides change one field
 * or fail naming the key, and each malformed file of tests/data/profiles/
 * fails with a message that names file:line and the key path.
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "profile.h"
#include "profile_yaml.h"
#include "rule.h"

#define PCT(x) ((int64_t)((x) * 1000000.0 + 0.5)) /* PCT(0.05) == 0.05% */
#define USD(x) ((int64_t)(x) * INT64_C(1000000))  /* cash units of 1e-6 */
#define HOUR_MS INT64_C(3600000)

static profile load_venue(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/models/venues/%s.yaml",
             PERPSIM_SOURCE_DIR, name);
    profile p;
    perr e = {0, ""};
    cr_assert_eq(profile_load_file(path, &p, &e), 0, "%s", e.msg);
    return p;
}

/* The message of loading tests/data/profiles/NAME.yaml, which must fail. */
static const char *load_error(const char *name, perr *e)
{
    char path[512];
    snprintf(path, sizeof path, "%s/tests/data/profiles/%s.yaml",
             PERPSIM_SOURCE_DIR, name);
    profile p;
    perr_clear(e);
    cr_assert_eq(profile_load_file(path, &p, e), PERR_INVALID,
                 "%s.yaml loaded", name);
    return e->msg;
}

static void expect_contains(const char *text, const char *part)
{
    cr_expect_not_null(strstr(text, part), "no '%s' in: %s", part, text);
}

/* ---- the built-in files ------------------------------------------------ */

Test(profile_yaml, six_builtin_venues_in_order)
{
    static const char *const want[] = {"binance", "bybit", "hyperliquid",
                                       "dydx",    "okx",   "bitmex"};
    const char *const *names = profile_builtin_names();
    size_t n = 0;
    for (; names[n]; n++) {
        cr_assert_lt(n, 6);
        cr_expect_str_eq(names[n], want[n]);
    }
    cr_expect_eq(n, 6);
    cr_expect_null(profile_builtin("deribit"));
}

Test(profile_yaml, every_venue_file_loads_and_passes_its_checks)
{
    for (const char *const *n = profile_builtin_names(); *n; n++) {
        profile p = load_venue(*n);
        cr_expect_str_eq(p.name, *n, "the file's name is its file name");
        perr e = {0, ""};
        cr_expect_eq(profile_check(&p, &e), 0, "%s: %s", *n, e.msg);
    }
}

Test(profile_yaml, the_builtin_copy_is_the_file_on_disk)
{
    /* Both go through the same loader, which starts from a zeroed profile
     * and writes members one by one, so padding compares equal too. */
    for (const char *const *n = profile_builtin_names(); *n; n++) {
        profile disk = load_venue(*n);
        const profile *built = profile_builtin(*n);
        cr_assert_not_null(built, "%s", *n);
        cr_expect_eq(memcmp(&disk, built, sizeof disk), 0,
                     "%s: the compiled-in profile differs from the file", *n);
    }
}

Test(profile_yaml, binance_values_are_the_cited_figures)
{
    const profile *p = profile_builtin("binance");
    /* mechanics.md 3: the bracket table with its cum column. */
    cr_expect_eq(p->nbrackets, 12);
    cr_expect_eq(p->brackets[2].cap, USD(3000000));
    cr_expect_eq(p->brackets[2].mmr, PCT(0.65));
    cr_expect_eq(p->brackets[2].cum, USD(950));
    cr_expect_eq(p->brackets[11].cum, USD(421481450));
    cr_expect_eq(p->liq_fee, PCT(1.25));
    cr_expect_eq(p->cash_per_tick_lot, 100);
    /* mechanics.md 1 and 2. */
    cr_expect_eq(p->funding_interval_ms, 8 * HOUR_MS);
    cr_expect_eq(p->funding_offset_ms, 0);
    cr_expect_eq(p->funding_period_ms, 8 * HOUR_MS);
    cr_expect(p->funding_divides);
    cr_expect_eq(p->premium_sample_ms, 5000);
    cr_expect_eq(p->premium_average, &rule_average_linear);
    cr_expect_eq(p->interest_rate, PCT(0.01));
    cr_expect_eq(p->funding_clamp, PCT(0.05));
    cr_expect_eq(p->funding_cap_rule, &rule_limit_mmr);
    cr_expect_eq(p->funding_cap_factor, PROFILE_RATE_ONE * 3 / 4);
    cr_expect_eq(p->impact_notional, 0);
    cr_expect_eq(p->impact_margin, USD(200));
    cr_expect_eq(p->mark_rule, &rule_mark_median3);
    cr_expect_eq(p->mark_sample_ms, 1000);
    cr_expect_eq(p->mark_window_ms, 30000);
    cr_expect_eq(p->funding_price, &rule_pay_price_mark);
}

Test(profile_yaml, bybit_values_are_the_cited_figures)
{
    const profile *p = profile_builtin("bybit");
    cr_expect_eq(p->mm_basis, &rule_mm_basis_entry);
    cr_expect_eq(p->nbrackets, 20);
    cr_expect_eq(p->brackets[19].cum, USD(1482000));
    cr_expect_eq(p->taker_fee, PCT(0.055));
    cr_expect_eq(p->premium_sample_ms, 60000);
    cr_expect_eq(p->premium_average, &rule_average_linear);
    cr_expect_eq(p->funding_cap_rule, &rule_limit_fixed);
    cr_expect_eq(p->funding_cap, PCT(0.375));
    cr_expect_eq(p->funding_floor, -PCT(0.375));
    cr_expect_eq(p->mark_window_ms, 5 * 60000);
    cr_expect_not(p->funding_divides);
}

Test(profile_yaml, hyperliquid_pays_hourly_at_the_oracle_with_a_4pct_cap)
{
    const profile *p = profile_builtin("hyperliquid");
    cr_expect_eq(p->funding_interval_ms, HOUR_MS);
    cr_expect_eq(p->funding_period_ms, 8 * HOUR_MS);
    cr_expect(p->funding_divides);
    cr_expect_eq(p->funding_price, &rule_pay_price_oracle);
    cr_expect_eq(p->funding_cap_rule, &rule_limit_fixed);
    cr_expect_eq(p->funding_cap, PCT(4));
    cr_expect_eq(p->funding_floor, -PCT(4));
    cr_expect(p->funding_cap_per_interval);
    cr_expect_eq(p->premium_sample_ms, 5000);
    cr_expect_eq(p->impact_notional, USD(20000));
    cr_expect_eq(p->mark_rule, &rule_mark_hl);
    cr_expect_eq(p->mark_window_ms, 150000);
    /* notes 3.1: below 2/3 of maintenance, as profile.c had it. */
    cr_expect_eq(p->backstop_below, (PROFILE_RATE_ONE * 2 + 2) / 3);
    cr_expect_eq(p->chunk_above, USD(100000));
    cr_expect_eq(p->cooldown_ms, 30000);
}

Test(profile_yaml, dydx_caps_funding_at_six_times_imf_minus_mmf)
{
    const profile *p = profile_builtin("dydx");
    cr_expect_eq(p->funding_cap_rule, &rule_limit_imf_mmf);
    cr_expect_eq(p->funding_cap_factor, 6 * PROFILE_RATE_ONE);
    cr_expect_eq(p->funding_interval_ms, HOUR_MS);
    cr_expect(p->funding_divides);
    cr_expect_eq(p->interest_rate, 0);
    cr_expect_eq(p->premium_sample_ms, 60000);
    cr_expect_eq(p->premium_average, &rule_average_mean);
    cr_expect_eq(p->impact_margin, USD(500));
    cr_expect_eq(p->mark_rule, &rule_mark_oracle);
    /* 6 x (5% - 3%) = 12% per 8h (dYdX docs, notes 4.7). */
    int64_t imf = PROFILE_RATE_ONE / p->brackets[0].max_leverage;
    cr_expect_eq(p->funding_cap_factor / PROFILE_RATE_ONE
                     * (imf - p->brackets[0].mmr),
                 PCT(12));
    cr_expect_eq(p->per_interval_cap, 50);
}

Test(profile_yaml, bitmex_settles_at_04_12_20_with_the_rate_known_ahead)
{
    const profile *p = profile_builtin("bitmex");
    cr_expect_eq(p->funding_interval_ms, 8 * HOUR_MS);
    cr_expect_eq(p->funding_offset_ms, 4 * HOUR_MS);
    cr_expect(p->funding_known_ahead);
    cr_expect_eq(p->premium_average, &rule_average_mean);
    cr_expect_eq(p->premium_sample_ms, 60000);
    cr_expect_eq(p->mark_rule, &rule_mark_fair);
    cr_expect_eq(p->liq_style, &rule_liq_tiered);
    cr_expect_eq(p->maker_fee, -PCT(0.01));
    cr_expect_eq(p->cash_per_tick_lot, 500); /* 0.5 USDT x 0.001 XBT */
    /* 75% x (1% - 0.5%) = 0.375%, BitMEX's example (notes 9.4). */
    cr_expect_eq(p->funding_cap_rule, &rule_limit_imf_mmf);
    int64_t imf = PROFILE_RATE_ONE / p->brackets[0].max_leverage;
    cr_expect_eq(p->funding_cap_factor * (imf - p->brackets[0].mmr)
                     / PROFILE_RATE_ONE,
                 PCT(0.375));
    /* Each risk step adds the base maintenance margin (notes 9.2). */
    for (int i = 0; i < p->nbrackets; i++)
        cr_expect_eq(p->brackets[i].mmr, (i + 1) * PCT(0.5));
}

Test(profile_yaml, okx_takes_its_premium_from_the_mid_without_interest)
{
    const profile *p = profile_builtin("okx");
    cr_expect_eq(p->premium_source, &rule_premium_mid);
    cr_expect_eq(p->interest_rate, 0);
    cr_expect_eq(p->funding_clamp, 0);
    cr_expect_eq(p->funding_cap, PCT(0.375));
    cr_expect_eq(p->funding_floor, -PCT(0.375));
    cr_expect_eq(p->cash_per_tick_lot, 1000); /* 0.1 USDT x 0.01 BTC */
    cr_expect_eq(p->liq_style, &rule_liq_tiered);
    cr_expect_eq(p->adl_price, &rule_adl_fill_mark);
}

Test(profile_yaml, the_readme_documents_every_key_in_order)
{
    char *text = support_read_source("models/venues/README.md");
    /* Each key has a table row, in the loader's order. */
    const char *last = text;
    for (const char *const *k = profile_yaml_keys(); *k; k++) {
        char row[80];
        snprintf(row, sizeof row, "| `%s` |", *k);
        const char *at = strstr(text, row);
        cr_expect_not_null(at, "README.md has no row %s", row);
        if (at) {
            cr_expect_gt(at, last, "README.md documents %s out of order",
                         *k);
            last = at;
        }
    }
    free(text);
}

/* ---- overrides --------------------------------------------------------- */

Test(profile_yaml, set_changes_one_field)
{
    profile p = *profile_builtin("binance");
    perr e = {0, ""};
    cr_assert_eq(profile_set(&p, "funding.interval", "4h", &e), 0, "%s",
                 e.msg);
    cr_expect_eq(p.funding_interval_ms, 4 * HOUR_MS);
    cr_assert_eq(profile_check(&p, &e), 0, "%s", e.msg);
    cr_assert_eq(profile_set(&p, "fees.taker", "4.5bp", &e), 0, "%s", e.msg);
    cr_expect_eq(p.taker_fee, PCT(0.045));
    cr_assert_eq(profile_set(&p, "funding.premium.impact_margin", "1.5k", &e),
                 0, "%s", e.msg);
    cr_expect_eq(p.impact_margin, USD(1500));
    cr_assert_eq(profile_set(&p, "liquidation.style", "tiered", &e), 0, "%s",
                 e.msg);
    cr_expect_eq(p.liq_style, &rule_liq_tiered);
    cr_assert_eq(profile_set(&p, "mark.window", "1.5m", &e), 0, "%s", e.msg);
    cr_expect_eq(p.mark_window_ms, 90000);
    cr_assert_eq(profile_set(&p, "funding.known_ahead", "true", &e), 0, "%s",
                 e.msg);
    cr_expect(p.funding_known_ahead);
    cr_expect_eq(profile_check(&p, &e), 0, "%s", e.msg);
}

Test(profile_yaml, set_bracket_field_refills_the_maintenance_amounts)
{
    profile p = *profile_builtin("binance");
    perr e = {0, ""};
    cr_assert_eq(profile_set(&p, "margin.brackets[1].mmr", "0.45%", &e), 0,
                 "%s", e.msg);
    cr_expect_eq(p.brackets[1].mmr, PCT(0.45));
    /* 50,000 x (0.45% - 0.40%) = 25 */
    cr_expect_eq(p.brackets[1].cum, USD(25));
    cr_expect_eq(profile_check(&p, &e), 0, "%s", e.msg);
    cr_expect_eq(profile_set(&p, "margin.brackets[12].mmr", "1%", &e),
                 PERR_INVALID);
    expect_contains(e.msg, "margin.brackets[12].mmr");
}

Test(profile_yaml, set_leaves_a_contradiction_for_profile_check)
{
    profile p = *profile_builtin("binance");
    perr e = {0, ""};
    cr_assert_eq(profile_set(&p, "funding.offset", "8h", &e), 0, "%s", e.msg);
    cr_assert_eq(profile_check(&p, &e), PERR_INVALID);
    expect_contains(e.msg, "binance: funding.offset:");
}

Test(profile_yaml, bad_overrides_fail_naming_the_key)
{
    profile p = *profile_builtin("bitmex");
    profile before = p;
    perr e = {0, ""};
    cr_expect_eq(profile_set(&p, "funding.interval", "eight", &e),
                 PERR_INVALID);
    expect_contains(e.msg,
                    "funding.interval: expected a duration such as 8h, got "
                    "\"eight\"");
    cr_expect_eq(profile_set(&p, "funding.intervall", "1h", &e),
                 PERR_INVALID);
    expect_contains(e.msg, "funding.intervall: unknown key (did you mean "
                           "'funding.interval'?)");
    cr_expect_eq(profile_set(&p, "liquidation.style", "chunkd", &e),
                 PERR_INVALID);
    expect_contains(e.msg, "liquidation.style:");
    expect_contains(e.msg, "did you mean 'chunked'");
    cr_expect_eq(profile_set(&p, "fees.taker", "0.0000000001", &e),
                 PERR_INVALID);
    expect_contains(e.msg, "fees.taker:");
    cr_expect_eq(profile_set(&p, "insurance_fund", "0.0000001", &e),
                 PERR_INVALID);
    expect_contains(e.msg, "insurance_fund: \"0.0000001\" is finer than the "
                           "cash unit");
    cr_expect_eq(profile_set(&p, "mark.window", "1.5ms", &e), PERR_INVALID);
    expect_contains(e.msg, "mark.window:");
    cr_expect_eq(profile_set(&p, "margin.brackets", "[]", &e), PERR_INVALID);
    expect_contains(e.msg, "margin.brackets:");
    cr_expect_eq(profile_set(&p, "interval", "1h", &e), PERR_INVALID);
    expect_contains(e.msg, "did you mean 'funding.interval'");
    cr_expect_eq(memcmp(&p, &before, sizeof p), 0,
                 "a failed override changed the profile");
}

/* ---- malformed files --------------------------------------------------- */

Test(profile_yaml, the_valid_sample_loads)
{
    char path[512];
    snprintf(path, sizeof path, "%s/tests/data/profiles/valid.yaml",
             PERPSIM_SOURCE_DIR);
    profile p;
    perr e = {0, ""};
    cr_assert_eq(profile_load_file(path, &p, &e), 0, "%s", e.msg);
    cr_expect_str_eq(p.name, "sample");
}

/* Each malformed file: the place and the key path its message must name,
 * and what it must say. Line 1 of each file is a comment saying what is
 * wrong with it. */
static const struct {
    const char *file, *where, *says;
} malformed[] = {
    {"wrong_type", "wrong_type.yaml:36:3: funding.interval:",
     "expected a duration such as 8h, got \"eight\""},
    {"wrong_enum", "wrong_enum.yaml:19:3: liquidation.style:",
     "expected one of full, tiered, chunked or capped, got \"partial\""},
    {"unknown_key", "unknown_key.yaml:36:3: funding.intervall:",
     "unknown key (did you mean 'funding.interval'?)"},
    {"unknown_section", "unknown_section.yaml:35:1: fundng:",
     "unknown key (did you mean 'funding'?)"},
    {"missing_key", "missing_key.yaml:36:3: funding.offset:",
     "required key missing"},
    {"missing_style_key", "missing_style_key.yaml:19:3: "
                          "liquidation.chunk_rate:",
     "required key missing"},
    {"duplicate_key", "duplicate_key.yaml:12:3: fees.taker:",
     "duplicate key (first at line 11)"},
    {"broken_yaml", "broken_yaml.yaml:17:", "broken YAML"},
    {"offset_too_large", "offset_too_large.yaml:37:3: funding.offset:",
     "must lie in [0, funding.interval)"},
    {"interval_not_dividing_day",
     "interval_not_dividing_day.yaml:36:3: funding.interval:",
     "must divide 24h"},
    {"interval_not_dividing_period",
     "interval_not_dividing_period.yaml:38:3: funding.period:",
     "must be a whole number of funding.interval"},
    {"sample_not_dividing",
     "sample_not_dividing.yaml:46:5: funding.premium.sample_period:",
     "must divide funding.interval"},
    {"negative_cap", "negative_cap.yaml:52:5: funding.limit.cap:",
     "must lie in [0, 1)"},
    {"positive_floor", "positive_floor.yaml:53:5: funding.limit.floor:",
     "must lie in (-1, 0]"},
    {"no_impact_size",
     "no_impact_size.yaml:48:5: funding.premium.impact_notional:",
     "need an impact notional or an impact margin"},
    {"cum_mismatch", "cum_mismatch.yaml:17:54: margin.brackets[2].cum:",
     "900 is not the formula's 950"},
    {"negative_tick", "negative_tick.yaml:6:3: units.tick:", "must be > 0"},
    {"caps_fall", "caps_fall.yaml:16:8: margin.brackets[1].cap:",
     "caps must rise"},
    {"bracket_unknown_key",
     "bracket_unknown_key.yaml:15:20: margin.brackets[0].mmrr:",
     "unknown key (did you mean 'mmr'?)"},
    {"unbounded_not_last",
     "unbounded_not_last.yaml:16:8: margin.brackets[1].cap:",
     "only the last bracket may be unbounded"},
    {"finer_than_cash_unit",
     "finer_than_cash_unit.yaml:49:5: funding.premium.impact_margin:",
     "is finer than the cash unit"},
    {"section_not_mapping", "section_not_mapping.yaml:28:1: backstop:",
     "expected a mapping of keys"},
    {"not_a_mapping", "not_a_mapping.yaml:2:1:", "a profile is a mapping"},
    {"two_documents", "two_documents.yaml:55:1:", "a second YAML document"},
    {"sample_period_finer", "sample_period_finer.yaml:34:3: mark.window:",
     "a whole number (>= 1) of mark.sample_period"},
    {"dotted_key", "dotted_key.yaml:54:1: funding.interval:",
     "write the sections as nested mappings"},
};

Test(profile_yaml, each_malformed_file_fails_at_its_line_and_key)
{
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        perr e;
        const char *msg = load_error(malformed[i].file, &e);
        char where[256];
        snprintf(where, sizeof where, "tests/data/profiles/%s",
                 malformed[i].where);
        expect_contains(msg, where);
        expect_contains(msg, malformed[i].says);
    }
}

Test(profile_yaml, a_missing_file_is_an_io_error_naming_it)
{
    profile p;
    perr e = {0, ""};
    cr_expect_eq(profile_load_file("/nonexistent/venue.yaml", &p, &e),
                 PERR_IO);
    expect_contains(e.msg, "/nonexistent/venue.yaml");
}

Test(profile_yaml, text_loads_under_the_given_name)
{
    static const char text[] =
        "name: x\nunits: {quote: USDT, base: BTC, tick: 1}\n";
    profile p;
    perr e = {0, ""};
    cr_expect_eq(profile_load_text("inline", text, sizeof text - 1, &p, &e),
                 PERR_INVALID);
    expect_contains(e.msg, "inline:2:8: units.lot: required key missing");
    cr_expect_eq(profile_load_text("empty", "", 0, &p, &e), PERR_INVALID);
    expect_contains(e.msg, "empty:1:1:");
}

/*
 * Tests of the venue rule registries (models/rule.h, models/rules/): every
 * rule is named once, documented in its file and in models/venues/
 * README.md, a profile naming an unknown rule is told the nearest, and the
 * funding limit rule premium_clamp computes F = clamp(avg(P), -cap, +cap)
 * exactly, as a profile file or an override states it.
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "funding.h"
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
};

#define NKINDS (sizeof kinds / sizeof kinds[0])

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
    cr_assert_eq(profile_set(&p, "funding.premium.source", "mid", &e), 0,
                 "%s", e.msg);
    cr_expect_eq(p.premium_source, &rule_premium_mid);
    cr_assert_eq(profile_set(&p, "mark.rule", "oracle", &e), 0, "%s", e.msg);
    cr_expect_eq(p.mark_rule, &rule_mark_oracle);
    cr_assert_eq(profile_set(&p, "funding.price", "oracle", &e), 0, "%s",
                 e.msg);
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
    cr_assert_eq(profile_set(&p, "funding.limit.rule", "premium_clamp", &e),
                 0, "%s", e.msg);
    cr_assert_eq(profile_set(&p, "funding.limit.cap", "0.25%", &e), 0, "%s",
                 e.msg);
    cr_assert_eq(profile_check(&p, &e), 0, "%s", e.msg);
    cr_expect_eq(funding_rate_of(&p, p.funding_interval_ms, PCT(0.1), NULL),
                 PCT(0.1));
    cr_expect_eq(funding_rate_of(&p, p.funding_interval_ms, PCT(0.4), NULL),
                 PCT(0.25));
}

/*
 * rule: the venue rules behind small function tables, one registry per
 * kind (docs/mechanics.md sections 1, 2 and 4).
 *
 * A venue profile (profile.h) names its rules, and the engine knows them
 * only through these tables, in the manner of gsl_rng_type and of the agent
 * kinds (agent.h):
 *
 *   kind             profile key              engine that calls it
 *   rule_limit       funding.limit.rule       funding.c: cap bounds and F
 *   rule_premium     funding.premium.source   funding.c: a premium sample
 *   rule_average     funding.premium.average  funding.c: sample weights
 *   rule_pay_price   funding.price            funding.c: a payment's price
 *   rule_mark        mark.rule                mark.c: the mark price
 *   rule_mm_basis    margin.basis             margin.c: the notional of
 *                                             maintenance, the liquidation
 *                                             price
 *   rule_liq         liquidation.style        venue_liq.c: a step's size,
 *                                             the per-interval cap
 *   rule_adl_rank    adl.rank                 venue_liq.c: the ADL score
 *   rule_adl_fill    adl.price                venue_liq.c: an ADL fill's
 *                                             value
 *   rule_policy      a scenario's             venue_policy.c: the venue
 *                    venues[i].policies       risk policies' hooks
 *
 * Each table begins with a param_choice (param.h): the rule's name (the
 * value a profile file writes), a paragraph of documentation, and the keys
 * the rule adds to the profile's common ones (a fixed cap's
 * funding.limit.cap and floor, a basis average's mark.window), as a
 * param_key table into `profile`. A file must state exactly the keys its
 * rules add (profile_yaml.c asks the chosen rule); there are no defaults,
 * because a venue profile states every figure with its source. `check`
 * validates those keys (and whatever else the rule needs of the profile)
 * with a message that starts with the key path at fault
 * ("funding.limit.cap: ..."), so the loader can point at its line.
 *
 * The profile holds a pointer to its rule of each kind; a rule is
 * stateless and pure, and the state it needs (the basis ring or EMA of a
 * mark rule, the running average of premiums) is the engine's, chosen by
 * what the rule declares (rule_mark.basis).
 *
 * Adding a rule (one file, one registry line):
 *   1. models/rules/KIND_NAME.c defines `const rule_KIND rule_KIND_NAME`
 *      with its name, doc, keys (fields of `profile`; a rule that needs a
 *      figure no profile field holds adds the field to profile.h; rules
 *      that read the same keys share a table of models/rules/common.c),
 *      check and computation, and declares nothing else public;
 *   2. one line in models/rules/registry.c puts it in its kind's list
 *      (the order the docs list values in), and one `extern` line below;
 *   3. models/venues/README.md documents the value (and any key it adds:
 *      the test profile_yaml.the_readme_documents_every_key_in_order and
 *      rule.every_rule_is_documented keep the two together);
 *   4. a test in tests/test_rule.c pins its computation exactly.
 * CMakeLists.txt lists the file in perpsim_lib's sources.
 *
 * How to add a liquidation policy (a value of liquidation.style): write
 * models/rules/liq_NAME.c defining `const rule_liq rule_liq_NAME`. Its
 * keys are the figures only it reads (chunked's liquidation.chunk_rate,
 * chunk_above and cooldown; capped's per_interval_cap and cap_interval),
 * each a field of `profile` (add one to profile.h if no field holds it),
 * and its check says what values they may take. `step` decides how many
 * lots of a triggered position one liquidation closes and whether the
 * position, if left open, then waits (out of the trigger index until the
 * next instant, and closed whole until pause_until); `admits` decides
 * whether another liquidation may start now, keeping its count in the
 * engine's rule_liq_window (rule_liq_admit_all where nothing limits
 * them). Everything else (the price band, the fee, the insurance fund,
 * the backstop, ADL) is the engine's and the same for every policy. Then
 * one line in rule_liqs (registry.c) and its `extern` below, the value in
 * the `liquidation.style` row of models/venues/README.md with a row for
 * each key it adds (after liquidation.unwind_band, in registry order), a
 * test of its step in tests/test_rule.c, and the file in CMakeLists.txt.
 *
 * Adding a venue risk policy (one file, one registry line): write
 * models/rules/policy_NAME.c defining `const rule_policy
 * rule_policy_NAME` (the section "venue risk policies" below says what
 * each member is; its keys are its own params struct's, starting with
 * `enabled`, not the profile's), one line in rule_policies (registry.c)
 * and its `extern` below, its keys in scenarios/README.md ("Venue risk
 * policies"; policy.every_policy_and_key_is_documented), tests of its
 * edges in tests/test_policy.c, and the file in CMakeLists.txt.
 *
 * Not every venue choice is a rule: liquidation.surplus (fund or trader)
 * and backstop.enabled stay plain data, each one yes-or-no the engine
 * reads where the cash goes, with no formula a third value could bring.
 */
#ifndef PERPSIM_RULE_H
#define PERPSIM_RULE_H

#include <stdint.h>

#include "book.h"
#include "margin.h"
#include "param.h"
#include "perr.h"
#include "profile.h"
#include "venue.h"

/* ---- funding (mechanics.md 1) ------------------------------------------ */

/* How the rate of a funding period F is formed and bounded. */
struct rule_limit {
    param_choice info;
    /* The rule's keys and what it needs of the profile. */
    int (*check)(const profile *p, perr *e);
    /* The bounds [*floor, *cap] that F (or the rate per interval, where
     * funding.limit.per_interval says so) is capped to. */
    void (*bounds)(const profile *p, int64_t *floor, int64_t *cap);
    /* F before the cap, from the average premium and the interest rate of
     * the interval (both in PROFILE_RATE_ONE units); *interest_part is
     * what F adds to the premium. Exact integer arithmetic. */
    int64_t (*rate)(const profile *p, int64_t premium, int64_t interest,
                    int64_t *interest_part);
};

/* What a premium sample measures. */
struct rule_premium {
    param_choice info;
    int (*check)(const profile *p, perr *e);
    /* The notional (ticks x lots, rounded up) the sample walks the book
     * for; 0 for none. */
    int64_t (*impact)(const profile *p);
    /* One sample of book b against index (ticks, > 0), a fraction; impact
     * is what impact(p) gave. */
    double (*sample)(const book *b, double index, int64_t impact);
};

/* How an interval's premium samples are averaged: sum w_n P_n / sum w_n. */
struct rule_average {
    param_choice info;
    double (*weight)(int64_t n); /* of the n-th sample, n >= 1 */
};

/* The price a funding payment is valued at. */
struct rule_pay_price {
    param_choice info;
    /* In ticks, from the index (ticks) and the venue's mark. */
    int64_t (*price)(double index, int64_t mark);
};

/* ---- mark price (mechanics.md 2) --------------------------------------- */

/* The state of the basis (mid - index) a mark rule reads, which mark.c
 * keeps: none, the moving average of mark.window / mark.sample_period
 * samples, or an EMA with time constant mark.window. */
typedef enum rule_basis {
    RULE_BASIS_NONE,
    RULE_BASIS_AVERAGE,
    RULE_BASIS_EMA,
} rule_basis;

/* What a mark rule combines (mark.h computes them at each update); NaN
 * for what is missing, which a median leaves out. */
typedef struct rule_mark_inputs {
    double index;        /* ticks, > 0 */
    double p1;           /* index x (1 + rate x to next settlement / interval) */
    double p2;           /* index + the basis average (or EMA) */
    double book_median;  /* median(bid, ask, last) */
    double last;         /* the last trade */
    double external_mid; /* other venues' perp mid */
} rule_mark_inputs;

struct rule_mark {
    param_choice info;
    int (*check)(const profile *p, perr *e);
    rule_basis basis;
    /* The mark in ticks before rounding; NaN when it cannot be formed. */
    double (*value)(const rule_mark_inputs *in);
};

/* The median of the finite values among the n <= 3 of v: of two their
 * mean, of one the value, of none NaN (the mark rules' median). */
double rule_median(const double *v, int n);

/* rule_median of a, b and c: a mark rule's median of three prices. */
static inline double rule_median3(double a, double b, double c)
{
    double v[3] = {a, b, c};
    return rule_median(v, 3);
}

/* ---- margin (mechanics.md 3) ------------------------------------------- */

/* Exact 128-bit arithmetic, as margin.c's (GCC and Clang). */
__extension__ typedef __int128 rule_i128;

/* Where the maintenance margin of the liquidation test is measured. */
struct rule_mm_basis {
    param_choice info;
    /* The notional of pos whose bracket and rate give its maintenance
     * margin at mark, cash units, exact (|size| x mark x K may pass
     * 2^63). */
    rule_i128 (*notional)(const profile *p, const margin_position *pos,
                          int64_t mark);
    /* The mark at which pos's margin balance meets its maintenance
     * (margin.h's liquidation price), and the bracket used, in *bracket. */
    double (*liq_price)(const profile *p, const margin_position *pos,
                        int *bracket);
    /* 1 when maintenance never exceeds the position's value at the mark,
     * so a long whose cash is >= 0 is never liquidated (margin_trigger
     * answers such a long without a search). */
    int funded_long_is_safe;
};

/* ---- liquidation (mechanics.md 4) -------------------------------------- */

/* A triggered position, as a liquidation policy reads it. */
typedef struct rule_liq_inputs {
    const profile *p;
    const margin_position *pos; /* size != 0 */
    int64_t mark;               /* ticks */
    int64_t now;                /* ms */
    int64_t pause_until;        /* ms: the account's last pause ends */
} rule_liq_inputs;

/* What one liquidation step does. */
typedef struct rule_liq_step {
    int64_t lots;        /* to close, 1 .. |size| */
    int pause;           /* 1: if the position stays open, it leaves the
                            trigger index until the next instant and is
                            closed whole until pause_until */
    int64_t pause_until; /* ms */
} rule_liq_step;

/* The count of liquidations in the current interval, which a
 * per-interval cap reads and resets; the engine adds one per liquidation
 * (the profile's window), and the liquidation_throttle policy keeps one of
 * its own, with the notional. */
typedef struct rule_liq_window {
    int64_t start;    /* ms */
    int32_t count;
    int64_t notional; /* cash, where the window's owner counts it */
} rule_liq_window;

/* Starts a new interval when now has left the current one: the intervals
 * are aligned to multiples of interval (ms, >= 1) from time 0, and a new
 * one starts empty. */
void rule_liq_window_roll(rule_liq_window *w, int64_t now, int64_t interval);

/* How much of a triggered position one step closes, and how many
 * liquidations may start in an interval. */
struct rule_liq {
    param_choice info;
    int (*check)(const profile *p, perr *e);
    rule_liq_step (*step)(const rule_liq_inputs *in);
    /* 1 while another liquidation may start at now. */
    int (*admits)(const profile *p, rule_liq_window *w, int64_t now);
};

/* ---- auto-deleveraging (mechanics.md 4) -------------------------------- */

/* One position of the side ADL ranks, as the score reads it (cash units;
 * doubles are model arithmetic, never the ledger's). */
typedef struct rule_adl_inputs {
    const profile *p;
    const margin_position *pos; /* for maintenance at the mark */
    int64_t mark;               /* ticks */
    int64_t size;               /* lots, signed */
    double cost;                /* signed entry notional */
    double mark_value;          /* size x mark x cash_per_tick_lot */
    double upnl;                /* mark_value - cost */
    double wallet;              /* cash + cost */
    double balance;             /* margin balance at the mark */
} rule_adl_inputs;

struct rule_adl_rank {
    param_choice info;
    /* Higher ranks first (ties by account id, the engine's). */
    double (*score)(const rule_adl_inputs *in);
};

/* The price auto-deleveraging closes a bankrupt position at. */
struct rule_adl_fill {
    param_choice info;
    /* The cash of closing lots of pos0 (the bankrupt position, of side
     * sign(pos0->size)), whose liquidation began at mark_ref, never past
     * its bankruptcy value (which would leave the bankrupt side in
     * deficit). */
    int64_t (*value)(const profile *p, const margin_position *pos0,
                     int64_t lots, int64_t mark_ref);
};

/* ---- venue risk policies (mechanics.md 8) ------------------------------ */

/* A policy is a venue protection a scenario lists under a venue's
 * `policies:` key (scenarios/README.md), not a figure of the profile: its
 * keys are a params struct of its own (params_size bytes, starting with
 * `int enabled`, whose key is RULE_POLICY_ENABLED_KEY), with defaults
 * every listed policy starts from. The engine (venue.c, venue_liq.c) calls
 * a venue's enabled policies in registry order at four points, each hook
 * NULL where the policy does not act there:
 *   mark     at the start of every cascade pass, at the venue's clock and
 *            mark (a circuit breaker watches the mark here);
 *   order    at admission of every order (agents', liquidations' IOCs and
 *            the fund's and vault's unwinds), before the margin checks:
 *            it may reject, move the price (clip) or lower how many lots
 *            may open a position (trim);
 *   admits   before each liquidation starts: 0 defers it (the position
 *            stays in the trigger index and is taken again, in trigger
 *            order, at the next pass the policy admits);
 *   liquidated  after each liquidation, with the notional admitted;
 *   margin   after the mark hooks of a pass: the multiplier the venue's
 *            maintenance rates (and the inverse of its brackets' maximum
 *            leverage) are scaled by, in RULE_POLICY_MARGIN_ONE units; the
 *            engine rescales its copy of the profile and re-keys every
 *            position when it changes (venue_set_margin_multiplier).
 * The engine records what each call changed as a venue_policy_event
 * (venue.h) and the world counts them in the summary. A policy is
 * stateless, like every rule: the engine allocates state_size zeroed bytes
 * per venue for it, which init (optional) sets up once. */
typedef enum rule_policy_action {
    RULE_POLICY_NONE = -1,
    RULE_POLICY_HALT = 0, /* a halt began; value: the move, a fraction */
    RULE_POLICY_RESUME,   /* a halt ended; value: its length, s */
    RULE_POLICY_REJECT,   /* an order rejected; value: its price, quote */
    RULE_POLICY_CLIP,     /* an order's price moved; value: the new price,
                             quote */
    RULE_POLICY_TRIM,     /* an order's lots cut; value: the lots cut */
    RULE_POLICY_DEFER,    /* a liquidation deferred; value: the position's
                             notional at the mark, quote */
    RULE_POLICY_MARGIN,   /* the margin multiplier changed; value: the new
                             multiplier */
    RULE_POLICY_ACTIONS
} rule_policy_action;

/* Their names, in the enum's order ("halt", "resume", ...). */
extern const char *const rule_policy_action_names[];

/* What a hook is given: the policy's checked params, its state on this
 * venue, and the venue (its clock, mark, profile and ledger). */
typedef struct rule_policy_ctx {
    const void *params;
    void *state;
    const venue *v;
} rule_policy_ctx;

/* An order at admission. The hook may change price (clip) and lower
 * open_max; the engine sends the order at the price and cuts the lots
 * that would open or grow the position to open_max (an order cut to
 * nothing is rejected: a hook that leaves an order nothing returns its
 * reason instead). */
typedef struct rule_policy_order {
    uint32_t account;
    int side;          /* BOOK_BUY or BOOK_SELL */
    book_type type;
    int liquidation;   /* 1: a liquidation's IOC or a takeover's unwind */
    int64_t price;     /* ticks (a market order's: its limit) */
    int64_t reducing;  /* lots that would reduce the position */
    int64_t opening;   /* lots that would open or grow the position */
    int64_t open_max;  /* INT64_MAX until a policy lowers it */
} rule_policy_order;

typedef struct rule_policy rule_policy;

struct rule_policy {
    param_choice info; /* keys: offsets into the params struct */
    size_t params_size;
    const void *defaults;
    size_t state_size;
    /* The params (keys as "KEY: ..."), against the venue's profile. */
    int (*check)(const void *params, const profile *p, perr *e);
    void (*init)(const rule_policy_ctx *c);
    /* The action to record (RULE_POLICY_NONE for none) and its value. */
    rule_policy_action (*mark)(const rule_policy_ctx *c, double *value);
    /* VENUE_ACCEPTED, or the reason it rejects the order. */
    venue_reject (*order)(const rule_policy_ctx *c, rule_policy_order *o);
    /* 1 while a liquidation of pos, notional cash at the mark, may start. */
    int (*admits)(const rule_policy_ctx *c, const margin_position *pos,
                  int64_t notional);
    void (*liquidated)(const rule_policy_ctx *c, int64_t notional);
    int64_t (*margin)(const rule_policy_ctx *c);
};

/* A margin multiplier of 1 (RULE_POLICY_MARGIN hook): multipliers are
 * whole hundredths. */
#define RULE_POLICY_MARGIN_ONE 100

/* The `enabled` key every policy's table begins with: no or yes; a listed
 * policy is enabled unless it says no. */
extern const char *const rule_policy_enabled_names[];
#define RULE_POLICY_ENABLED_KEY(T)                                           \
    {"enabled", PARAM_ENUM, offsetof(T, enabled), NULL,                      \
     rule_policy_enabled_names}

/* At most one policy of each kind per venue. */
#define RULE_POLICY_MAX 8

/* ---- the registries (models/rules/registry.c) -------------------------- */

/* Each NULL-terminated, in the order models/venues/README.md lists them;
 * PARAM_CHOICES(rule_limits) is the registry of a PARAM_CHOICE key. */
extern const param_choice *const rule_limits[];
extern const param_choice *const rule_premiums[];
extern const param_choice *const rule_averages[];
extern const param_choice *const rule_pay_prices[];
extern const param_choice *const rule_marks[];
extern const param_choice *const rule_mm_bases[];
extern const param_choice *const rule_liqs[];
extern const param_choice *const rule_adl_ranks[];
extern const param_choice *const rule_adl_fills[];
extern const param_choice *const rule_policies[];

extern const rule_limit rule_limit_fixed;
extern const rule_limit rule_limit_mmr;
extern const rule_limit rule_limit_imf_mmf;
extern const rule_limit rule_limit_premium_clamp;
extern const rule_premium rule_premium_impact;
extern const rule_premium rule_premium_mid;
extern const rule_average rule_average_linear;
extern const rule_average rule_average_mean;
extern const rule_pay_price rule_pay_price_mark;
extern const rule_pay_price rule_pay_price_oracle;
extern const rule_mark rule_mark_median3;
extern const rule_mark rule_mark_fair;
extern const rule_mark rule_mark_basis_ma;
extern const rule_mark rule_mark_hl;
extern const rule_mark rule_mark_oracle;
extern const rule_mm_basis rule_mm_basis_mark;
extern const rule_mm_basis rule_mm_basis_entry;
extern const rule_liq rule_liq_full;
extern const rule_liq rule_liq_tiered;
extern const rule_liq rule_liq_chunked;
extern const rule_liq rule_liq_capped;
extern const rule_adl_rank rule_adl_pnl_margin_ratio;
extern const rule_adl_rank rule_adl_pnl_leverage;
extern const rule_adl_rank rule_adl_price_leverage;
extern const rule_adl_fill rule_adl_fill_bankruptcy;
extern const rule_adl_fill rule_adl_fill_mark;
extern const rule_policy rule_policy_circuit_breaker;
extern const rule_policy rule_policy_price_band;
extern const rule_policy rule_policy_liquidation_throttle;
extern const rule_policy rule_policy_oi_cap;
extern const rule_policy rule_policy_dynamic_margin;

/* ---- what rules share (models/rules/common.c) -------------------------- */

/* The rate of the rules with the interest term of Binance's formula:
 * *interest_part = clamp(interest - premium, -funding.clamp,
 * +funding.clamp), and F the premium plus it. */
int64_t rule_limit_dampened_rate(const profile *p, int64_t premium,
                                 int64_t interest, int64_t *interest_part);

/* funding.limit.factor, a rate in (0, 1000] (mmr, imf_mmf). */
extern const param_key rule_limit_factor_keys[];
int rule_limit_check_factor(const profile *p, perr *e);

/* mark.sample_period and mark.window (the rules that read a basis), and
 * the check of a moving average: a window of whole samples. */
extern const param_key rule_mark_basis_keys[];
int rule_mark_check_average(const profile *p, perr *e);

/* The step of a policy that closes the whole position at once (full,
 * capped), and the admission of one that never limits how many
 * liquidations start (full, tiered, chunked). */
rule_liq_step rule_liq_step_whole(const rule_liq_inputs *in);
int rule_liq_admit_all(const profile *p, rule_liq_window *w, int64_t now);

/* The check of a rule with nothing to check. */
int rule_check_nothing(const profile *p, perr *e);

/* A policy's rate key (its name: "move", "band") in (0, 100%): 0, or
 * PERR_INVALID saying so. */
int rule_policy_check_fraction(int64_t rate, const char *key, perr *e);

#endif

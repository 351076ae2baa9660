/*
 * agent_maker: market makers (agent_maker.h). At each arrival one maker,
 * chosen uniformly from the population's own stream, re-quotes:
 *
 *   1. it cancels its resting orders (venue_cancel_all);
 *   2. it reads the reference R in ticks: markets[m].index_ticks, or the
 *      book's mid after its own orders are gone (the index when a side is
 *      empty), and feeds it to the population's volatility estimate;
 *   3. it posts `levels` post-only limit orders per side. Level k (0 the
 *      innermost) of the bid sits at R x (1 - (h + k s + skew) / 1e4)
 *      rounded down to a tick, of the ask at R x (1 + (h + k s - skew) / 1e4)
 *      rounded up, where s is level_spacing_bps, h the half-spread and
 *        skew = skew_bps x clamp(inventory / max_inventory_notional, -1, 1)
 *      with the inventory valued at R: a long maker moves both quotes down,
 *      to sell, a short one up. Each level carries
 *        depth_notional x liquidity x size_factor x keep / levels
 *      of notional, floored to whole lots (a level under one lot is left
 *      out), where liquidity is markets[m].conditions.liquidity, keep is
 *      burst_keep inside a burst cooldown and 1 otherwise. A side is also
 *      capped at the inventory room it has left: the bid side posts at most
 *      max_inventory_notional - inventory, the ask side at most
 *      max_inventory_notional + inventory, so a maker at its limit stops
 *      quoting the side that would add to it, and every fill of its
 *      orders together cannot take it (much) past the limit.
 *
 * Volatility. The population keeps an exponentially weighted mean V of
 * squared log returns of R per second, updated at every re-quote from the
 * previous one dt seconds earlier with weight a = 1 - 2^(-dt / halflife):
 *     V <- (1 - a) V + a r^2 / dt,     sigma = sqrt(V)
 * (the RiskMetrics EWMA variance, J.P. Morgan 1996, with a time-based decay
 * for irregular observations). It starts at the normal level
 * sigma_n = vol_normal / sqrt(365.25 x 86400) (crypto trades every second
 * of the year), and
 *     excess = max(0, sigma / sigma_n - 1)
 *     h = spread_bps / 2 x (1 + vol_spread_mult x excess)
 *     size_factor = 1 / (1 + vol_size_mult x excess)
 * so quotes widen and thin out as volatility rises above normal, in the
 * manner of inventory-and-volatility quoting (Avellaneda and Stoikov 2008:
 * the optimal spread grows with sigma^2).
 *
 * Bursts. on_liquidated records the instant of each liquidation on the
 * population's market (several records of one account at one instant count
 * once: one per route). When the last burst_count + 1 fall within
 * burst_window the population enters a cooldown of burst_cooldown from the
 * last one, and at that moment every maker's resting orders are cancelled
 * (venue_cancel_all cannot fail): quotes are pulled at once, not at each
 * maker's next turn. Re-quotes inside the cooldown post burst_keep of the
 * usual depth (nothing at the default 0).
 *
 * Rejections (a post-only order that would cross, a margin refusal) are
 * counted and skipped. Solvency: at the defaults a maker's worst exposure
 * is its inventory limit plus one side's depth, 1.5 M quote at 10x, against
 * 5 M of capital: its margin balance stays above maintenance through any
 * price move under 200%.
 */
#include "agent_maker.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

const char *const agent_maker_reference_names[] = {"index", "mid", NULL};

typedef struct maker_pop {
    agent_pop base; /* first: what every population is */
    agent_maker_params p;
    venue *v;
    agent_units u;  /* of its venue */
    /* The volatility estimate. */
    double var_per_s;      /* V */
    double sigma_normal;   /* sigma_n, per square-root second */
    int64_t last_obs_ms;   /* -1 before the first observation */
    double last_ref;
    double half_spread_bps;
    double size_factor;
    /* Bursts. */
    int64_t *burst_times;  /* ring of burst_count + 1 instants */
    uint32_t burst_head;   /* the next slot written (the oldest when full) */
    uint32_t burst_n;
    uint32_t last_liq_account;
    int64_t last_liq_ms;
    int64_t cooldown_until; /* ms; pulled while now < cooldown_until */
    agent_maker_stats stats;
} maker_pop;

/* ---- the rules --------------------------------------------------------- */

static void maker_set_quoting(maker_pop *h)
{
    double sigma = sqrt(h->var_per_s);
    double excess = sigma / h->sigma_normal - 1;
    if (!(excess > 0))
        excess = 0;
    h->half_spread_bps = h->p.spread_bps / 2 * (1 + h->p.vol_spread_mult * excess);
    h->size_factor = 1 / (1 + h->p.vol_size_mult * excess);
}

/* Feeds the reference seen at now to the volatility estimate. Observations
 * within the millisecond of the previous one are dropped. */
static void maker_observe(maker_pop *h, int64_t now, double ref)
{
    if (h->last_obs_ms < 0) {
        h->last_obs_ms = now;
        h->last_ref = ref;
        return;
    }
    if (now <= h->last_obs_ms)
        return;
    double dt = (double)(now - h->last_obs_ms) / 1000;
    double r = log(ref / h->last_ref);
    double a = 1 - exp2(-dt * 1000 / (double)h->p.vol_halflife_ms);
    h->var_per_s = (1 - a) * h->var_per_s + a * r * r / dt;
    h->last_obs_ms = now;
    h->last_ref = ref;
    maker_set_quoting(h);
}

/* The reference in ticks, read after the makers' own orders are cancelled. */
static double maker_reference(const maker_pop *h, const agent_world *w)
{
    const agent_market *m = &w->markets[h->base.market];
    if (h->p.reference == AGENT_MAKER_REF_MID) {
        int64_t mid_x2 = book_mid_x2(venue_book_view(h->v));
        if (mid_x2 != BOOK_NO_PRICE)
            return (double)mid_x2 / 2;
    }
    return m->index_ticks;
}

static int maker_in_cooldown(const maker_pop *h, int64_t now)
{
    return now < h->cooldown_until;
}

/* Posts one side's levels for maker id; room is the notional (cash) the
 * side may still add. */
static int maker_post_side(maker_pop *h, uint32_t id, int side, double ref,
                           double skew_bps, double level_cash, double room,
                           perr *e)
{
    const book *b = venue_book_view(h->v);
    int64_t lo = book_min_price(b), hi = book_max_price(b);
    for (uint32_t k = 0; k < h->p.levels && room > 0; k++) {
        double offset = h->half_spread_bps + k * h->p.level_spacing_bps;
        double px = side > 0 ? floor(ref * (1 - (offset + skew_bps) / 1e4))
                             : ceil(ref * (1 + (offset - skew_bps) / 1e4));
        if (!(px >= (double)lo && px <= (double)hi))
            continue;
        int64_t price = (int64_t)px;
        double want = level_cash < room ? level_cash : room;
        double lots_f = floor(want / ((double)price * h->u.K));
        if (lots_f < 1)
            break; /* deeper levels are no larger */
        int64_t lots = lots_f > (double)BOOK_REST_SIZE_MAX ? BOOK_REST_SIZE_MAX
                                                             : (int64_t)lots_f;
        book_order_spec spec = {price, lots, id, side, BOOK_POST_ONLY, 0};
        book_result res;
        venue_reject why;
        int rc = venue_submit(h->v, id, &spec, &res, &why, e);
        if (rc != 0)
            return rc;
        if (res.outcome == BOOK_REJECTED) {
            h->stats.rejects++;
            continue;
        }
        h->stats.orders++;
        room -= (double)lots * (double)price * h->u.K;
    }
    return 0;
}

/* Maker i quotes around ref; its orders are already cancelled. */
static int maker_quote(maker_pop *h, const agent_world *w, uint32_t i,
                       double ref, perr *e)
{
    uint32_t id = agent_account(&h->base, 0, i);
    const account *a = venue_account(h->v, id);
    if (a->state == ACCOUNT_HELD || !(ref >= 1))
        return 0;
    h->stats.requotes++;
    double keep = 1;
    if (maker_in_cooldown(h, w->now)) {
        h->stats.pulled++;
        keep = h->p.burst_keep;
        if (keep <= 0)
            return 0;
    }
    double liquidity = w->markets[h->base.market].conditions.liquidity;
    if (!(liquidity > 0))
        return 0;
    if (liquidity > 1)
        liquidity = 1;
    double max_inv = h->p.max_inventory_notional * h->u.cash_per_quote;
    double inventory = (double)a->size * ref * h->u.K;
    double ratio = inventory / max_inv;
    ratio = ratio > 1 ? 1 : ratio < -1 ? -1 : ratio;
    double skew_bps = h->p.skew_bps * ratio;
    double level_cash = h->p.depth_notional * h->u.cash_per_quote * liquidity
                        * h->size_factor * keep / h->p.levels;
    double room_bid = max_inv - inventory, room_ask = max_inv + inventory;
    int rc = 0;
    if (room_bid <= 0)
        h->stats.limited++;
    else
        rc = maker_post_side(h, id, BOOK_BUY, ref, skew_bps, level_cash,
                             room_bid, e);
    if (rc != 0)
        return rc;
    if (room_ask <= 0)
        h->stats.limited++;
    else
        rc = maker_post_side(h, id, BOOK_SELL, ref, skew_bps, level_cash,
                             room_ask, e);
    return rc;
}

static int maker_wake(agent_pop *pop, agent_world *w, uint32_t i, perr *e)
{
    maker_pop *h = (maker_pop *)pop;
    h->stats.wakes++;
    venue_cancel_all(h->v, agent_account(pop, 0, i));
    double ref = maker_reference(h, w);
    maker_observe(h, w->now, ref);
    return maker_quote(h, w, i, ref, e);
}

int agent_maker_requote_all(agent_pop *pop, agent_world *w, perr *e)
{
    maker_pop *h = (maker_pop *)pop;
    for (uint32_t i = 0; i < h->p.count; i++)
        venue_cancel_all(h->v, agent_account(pop, 0, i));
    double ref = maker_reference(h, w);
    maker_observe(h, w->now, ref);
    for (uint32_t i = 0; i < h->p.count; i++) {
        int rc = maker_quote(h, w, i, ref, e);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static void maker_on_liquidated(agent_pop *pop, uint32_t market,
                                uint32_t account_id, int64_t now)
{
    maker_pop *h = (maker_pop *)pop;
    if (market != pop->market)
        return;
    if (account_id == h->last_liq_account && now == h->last_liq_ms)
        return; /* another route of the same liquidation */
    h->last_liq_account = account_id;
    h->last_liq_ms = now;
    uint32_t cap = h->p.burst_count + 1;
    h->burst_times[h->burst_head] = now;
    h->burst_head = h->burst_head + 1 == cap ? 0 : h->burst_head + 1;
    if (h->burst_n < cap)
        h->burst_n++;
    if (h->burst_n < cap || now - h->burst_times[h->burst_head] > h->p.burst_window_ms)
        return;
    if (!maker_in_cooldown(h, now)) {
        h->stats.bursts++;
        for (uint32_t i = 0; i < h->p.count; i++)
            venue_cancel_all(h->v, agent_account(pop, 0, i));
    }
    h->cooldown_until = now + h->p.burst_cooldown_ms;
}

static void maker_release(agent_pop *pop)
{
    free(((maker_pop *)pop)->burst_times);
}

/* ---- set-up ------------------------------------------------------------- */

static int maker_init(agent_pop *pop, const agent_setup *s, perr *e)
{
    maker_pop *h = (maker_pop *)pop;
    const agent_maker_params *p = &h->p;
    h->v = agent_setup_venue(s, 0);
    h->u = agent_units_of(venue_profile(h->v));
    h->sigma_normal = p->vol_normal / sqrt(365.25 * 86400);
    h->var_per_s = h->sigma_normal * h->sigma_normal;
    h->last_obs_ms = -1;
    h->last_liq_account = ACCOUNT_NONE;
    h->last_liq_ms = -1;
    h->cooldown_until = INT64_MIN;
    maker_set_quoting(h);
    h->burst_times = calloc((size_t)p->burst_count + 1, sizeof *h->burst_times);
    if (!h->burst_times)
        return perr_set(e, PERR_NOMEM, "no memory for population %s", s->name);
    return 0;
}

/* Each maker's account opens with capital at leverage. */
static agent_opening maker_opening(const void *params, const profile *prof)
{
    const agent_maker_params *p = params;
    double cash = p->capital * agent_units_of(prof).cash_per_quote;
    return (agent_opening){(int64_t)llround(cash), (int32_t)p->leverage};
}

void agent_maker_stats_get(const agent_pop *pop, agent_maker_stats *out)
{
    *out = ((const maker_pop *)pop)->stats;
}

double agent_maker_half_spread_bps(const agent_pop *pop)
{
    return ((const maker_pop *)pop)->half_spread_bps;
}

double agent_maker_size_factor(const agent_pop *pop)
{
    return ((const maker_pop *)pop)->size_factor;
}

double agent_maker_volatility(const agent_pop *pop)
{
    return sqrt(((const maker_pop *)pop)->var_per_s);
}

int agent_maker_pulled(const agent_pop *pop, int64_t now)
{
    return maker_in_cooldown((const maker_pop *)pop, now);
}

/* ---- the registry's view ----------------------------------------------- */

#define MAKER_KEY(key, type, member, unit)                                   \
    {key, type, offsetof(agent_maker_params, member), unit, NULL}

static const param_key maker_keys[] = {
    AGENT_COUNT_KEY(agent_maker_params),
    MAKER_KEY("capital", PARAM_DOUBLE, capital, "quote"),
    MAKER_KEY("leverage", PARAM_COUNT, leverage, "x"),
    MAKER_KEY("levels", PARAM_COUNT, levels, "orders per side"),
    MAKER_KEY("spread_bps", PARAM_DOUBLE, spread_bps, "bps"),
    MAKER_KEY("level_spacing_bps", PARAM_DOUBLE, level_spacing_bps, "bps"),
    {"reference", PARAM_ENUM, offsetof(agent_maker_params, reference), NULL,
     agent_maker_reference_names},
    MAKER_KEY("depth_notional", PARAM_DOUBLE, depth_notional, "quote"),
    MAKER_KEY("vol_halflife", PARAM_DURATION, vol_halflife_ms, "ms"),
    MAKER_KEY("vol_normal", PARAM_DOUBLE, vol_normal, "per year"),
    MAKER_KEY("vol_spread_mult", PARAM_DOUBLE, vol_spread_mult, "x"),
    MAKER_KEY("vol_size_mult", PARAM_DOUBLE, vol_size_mult, "x"),
    MAKER_KEY("skew_bps", PARAM_DOUBLE, skew_bps, "bps"),
    MAKER_KEY("max_inventory_notional", PARAM_DOUBLE, max_inventory_notional,
              "quote"),
    MAKER_KEY("burst_count", PARAM_COUNT, burst_count, "liquidations"),
    MAKER_KEY("burst_window", PARAM_DURATION, burst_window_ms, "ms"),
    MAKER_KEY("burst_cooldown", PARAM_DURATION, burst_cooldown_ms, "ms"),
    MAKER_KEY("burst_keep", PARAM_DOUBLE, burst_keep, "fraction"),
    AGENT_ARRIVAL_KEYS(agent_maker_params),
    PARAM_END,
};

static const agent_maker_params maker_defaults = {
    .count = 10,
    .capital = 5e6,
    .leverage = 10,
    .levels = 5,
    .spread_bps = 4,
    .level_spacing_bps = 2,
    .reference = AGENT_MAKER_REF_INDEX,
    .depth_notional = 5e5,
    .vol_halflife_ms = 60000,
    .vol_normal = 0.5,
    .vol_spread_mult = 1,
    .vol_size_mult = 1,
    .skew_bps = 5,
    .max_inventory_notional = 1e6,
    .burst_count = 20,
    .burst_window_ms = 10000,
    .burst_cooldown_ms = 30000,
    .burst_keep = 0,
    .arrival = ARRIVAL_PARAMS_DEFAULTS(5),
};

static const agent_rule maker_rules[] = {
    AGENT_RANGE("capital", "> 0 and < 1e12 quote currency"),
    AGENT_RANGE("leverage", "in [1, 10000]"),
    AGENT_RANGE("levels", "in [1, 64]"),
    AGENT_RANGE("spread_bps", "> 0 and < 10000"),
    AGENT_RANGE("level_spacing_bps", "in [0, 1000)"),
    AGENT_ONE_OF("reference"),
    AGENT_RANGE("depth_notional", "> 0 and < 1e12 quote currency"),
    AGENT_RANGE("vol_halflife", "> 0"),
    AGENT_RANGE("vol_normal", "in (0, 100]"),
    AGENT_RANGE("vol_spread_mult", "in [0, 1e6]"),
    AGENT_RANGE("vol_size_mult", "in [0, 1e6]"),
    AGENT_RANGE("skew_bps", "in [0, 10000)"),
    AGENT_RANGE("max_inventory_notional", "> 0 and < 1e12 quote currency"),
    AGENT_RANGE("burst_count", "in [1, 1000000]"),
    AGENT_RANGE("burst_window", "> 0"),
    AGENT_RANGE("burst_cooldown", ">= 0"),
    AGENT_RANGE("burst_keep", "in [0, 1]"),
    AGENT_RULES_END,
};

/* capital in the venue's cash units, as maker_opening deposits it. */
static const agent_rule maker_venue_rules[] = {
    AGENT_CASH("capital"),
    AGENT_RULES_END,
};

const agent_kind agent_maker_kind = {
    .kind = "market_maker",
    .summary = "market makers: layered post-only quotes around the index or "
               "mid, skewed by inventory, thinned by volatility, pulled after "
               "liquidation bursts",
    AGENT_PARAMS(agent_maker_params, maker_keys, &maker_defaults),
    .rules = maker_rules, .venue_rules = maker_venue_rules,
    AGENT_POP(maker_pop),
    .opening = maker_opening, .init = maker_init, .release = maker_release,
    .wake = maker_wake, .on_liquidated = maker_on_liquidated,
    .react = agent_maker_requote_all,
};

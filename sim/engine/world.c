/*
 * world: the event loop of one run (world.h). It owns every component of
 * the scenario and the records of what they did; the engine modules (venue,
 * mark, funding, metrics, output) know nothing of each other and meet here.
 *
 * Events carry a kind and a target (a population, a venue, a shock). Each
 * pending component has exactly one event queued at a time: the index its
 * next step, each population its next arrival, each venue's funding clock
 * its next sample or settlement, the output grid its next sample, each
 * shock its start and end. Popping one runs it and queues its successor, so
 * the queue holds a few events per component whatever the number of agents.
 *
 * Order at one instant is the order of insertion (event.h): components are
 * queued in the order index, funding, populations, samples at set-up, so a
 * sample at t sees every change made at t before it was queued again.
 *
 * Venue records are drained after every event that touched a venue
 * (drain_venue): the venue keeps them only until venue_clear_events, and the
 * mark rule has already read the last trade by then (mark.h). Each venue's
 * summary figures are accumulated as records and samples pass
 * (summary_venue.h), so the summary needs no second pass over the output.
 *
 * Errors: every handler returns the status of the call that failed, as it
 * is (perr.h), and stops the loop.
 */
#include "world.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "event.h"
#include "funding.h"
#include "index.h"
#include "liqmap.h"
#include "mark.h"
#include "metrics.h"
#include "shock.h"
#include "summary_venue.h"
#include "venue.h"

enum world_event {
    EV_INDEX,   /* the index's next step */
    EV_WAKE,    /* target: population */
    EV_FUNDING, /* target: venue */
    EV_SAMPLE,  /* the output grid */
    EV_SHOCK,   /* target: shock; payload 0 start, 1 end */
};

typedef struct world_site {
    venue *v;
    mark *mark;
    funding *funding;
    metrics *metrics;
    const profile *p;
    double ticks_per_quote;
    int64_t last;            /* the last trade, ticks */
    int out;                 /* the output's venue index, -1 without output */
    int trades;              /* write the trades table */
    uint32_t shock_account;  /* the account shocks trade from (shock.h) */
    int has_shock_account;
    uint32_t counterparty;   /* the other side of the initial positions */
    int has_initial;         /* some population starts with positions here */
    int has_grid;            /* the map on the output grid is kept */
    liqmap_grid grid;
    summary_venue *summary;  /* what the run's summary says of the venue */
    /* The place in rule_policies of the venue's k-th policy (in the order
     * added, which venue_policy_event.policy counts), and their names. */
    uint8_t policy_kind[RULE_POLICY_MAX];
    const char *policy_name[RULE_POLICY_MAX];
} world_site;

struct world {
    const scenario *s;
    index_process *index;
    world_site *venues;
    agent_market *markets;
    agent_world view;
    agent_pop **pops;
    size_t n_pops;
    event_queue q;
    shock_ctx shocks;        /* what the world lends the shock kinds' hooks */
    sink out;                /* ops NULL: no sink */
    uint64_t events;
    double liquidated; /* quote, all venues, for the progress line */
};

/* Whether venue wv's records of hook h go somewhere: the world has a sink
 * (the venue then has its index there, out >= 0) and the sink keeps them. */
#define SINK_KEEPS(w, wv, h) ((wv)->out >= 0 && (w)->out.ops->h)

/* ---- set-up -------------------------------------------------------------- */

/* Each venue's book and trigger buckets span the prices from its start
 * price / WORLD_PRICE_RANGE to its start price x WORLD_PRICE_RANGE, one level
 * per tick, set up once (scenarios/README.md, "venues"): orders are priced
 * within it and a mark outside it is an error (venue_set_mark), so a run
 * that needs a wider range (a crash of more than 80%) is a different study.
 * The range costs address space only where prices are reached (bigmem.h). */
#define WORLD_PRICE_RANGE 5

/* The liquidation map on the output grid is sampled at the samples whose
 * time is a multiple of the output step rounded up to a whole multiple of
 * this (README, "Commands"): a sample costs a pass over the accounts, and
 * a minute is fine enough for positions' triggers. */
#define WORLD_MAP_EVERY_MS INT64_C(60000)

/* Orders a venue's book pool is made with; it grows by doubling. */
#define WORLD_ORDERS_HINT ((size_t)1 << 16)

static int64_t quote_to_ticks(const world_site *wv, double quote)
{
    return (int64_t)llround(quote * wv->ticks_per_quote);
}

/* The risk policies venue i lists: each in its summary, and each enabled
 * one on the venue, in registry order (scenario.h). */
static int venue_policies(world *w, size_t i, perr *e)
{
    world_site *wv = &w->venues[i];
    const scenario_venue *sv = &w->s->venues[i];
    for (size_t k = 0; k < RULE_POLICY_MAX && rule_policies[k]; k++) {
        const void *params = sv->policies[k];
        if (!params)
            continue;
        summary_venue_list_policy(wv->summary, k);
        int enabled;
        memcpy(&enabled, params, sizeof enabled); /* the first member */
        if (!enabled)
            continue;
        size_t n = venue_policy_count(wv->v);
        int rc = venue_add_policy(
            wv->v, (const rule_policy *)rule_policies[k], params, e);
        if (rc != 0)
            return rc;
        wv->policy_kind[n] = (uint8_t)k;
        wv->policy_name[n] = rule_policies[k]->name;
    }
    return 0;
}

static int venue_setup(world *w, size_t i, const world_options *opt, perr *e)
{
    const scenario *s = w->s;
    world_site *wv = &w->venues[i];
    wv->p = &s->venues[i].profile;
    wv->out = -1;
    profile_decimal one = {1, 0};
    wv->ticks_per_quote = profile_price_to_ticks(wv->p, one);
    int64_t mark0 = quote_to_ticks(wv, index_price(w->index));
    if (mark0 < 10)
        return perr_set(e, PERR_INVALID,
                        "venues[%zu]: the index %g is below ten ticks of %s",
                        i, index_price(w->index), s->venues[i].name);
    int64_t lo = mark0 / WORLD_PRICE_RANGE > 1 ? mark0 / WORLD_PRICE_RANGE : 1;
    int64_t hi = mark0 * WORLD_PRICE_RANGE;
    size_t n_accounts = WORLD_SPARE_ACCOUNTS;
    for (size_t k = 0; k < s->n_populations; k++)
        n_accounts += world_population_agents_on(s, k, i);
    wv->v = venue_new(wv->p, lo, hi, mark0, n_accounts, WORLD_ORDERS_HINT, e);
    if (!wv->v)
        return perr_status(e, PERR_NOMEM);
    /* A run checks its ledger only when asked, and recounts once per as
     * many ledger events as the venue will have accounts (world.h): a
     * recount costs O(accounts), so a debug build's default (a recount per
     * call) would make a world of many agents quadratic. The end of every
     * run recounts all the same. */
    uint64_t period = n_accounts > WORLD_RECOUNT_EVERY ? n_accounts
                                                       : WORLD_RECOUNT_EVERY;
    venue_set_check(wv->v, opt && opt->check_invariants ? period : 0);
    if (!(wv->funding = funding_new(wv->p, s->start_utc_ms, e))
        || !(wv->mark = mark_new(wv->p, e))
        || !(wv->metrics = metrics_new(wv->p, s->output.every_ms,
                                       s->output.zscore_window_ms, e))
        || !(wv->summary = summary_venue_new(wv->p, s->duration_ms, e)))
        return perr_status(e, PERR_NOMEM);
    int rc = venue_policies(w, i, e);
    if (rc != 0)
        return rc;
    mark_attach(wv->mark, wv->v, wv->funding);
    mark_set_index(wv->mark, (double)mark0);
    wv->last = BOOK_NO_PRICE;
    wv->trades = s->output.trades;
    w->markets[i].venue = wv->v;
    w->markets[i].funding = wv->funding;
    w->markets[i].name = s->venues[i].name;
    w->markets[i].index_ticks = (double)mark0;
    w->markets[i].conditions = agent_conditions_normal();
    return 0;
}

static int push(world *w, int64_t t, uint32_t kind, uint32_t target,
                uint64_t payload, perr *e)
{
    if (t > w->s->duration_ms)
        return 0;
    int64_t seq = event_push(&w->q, t, kind, target, payload, e);
    return seq < 0 ? (int)seq : 0;
}

static int settle_venue(world *w, size_t i, perr *e);

/* ---- what the shock kinds may ask of the world (shock_ctx) ------------ */

static int shock_account(void *engine, uint32_t market, uint32_t *id, perr *e)
{
    world_site *wv = &((world *)engine)->venues[market];
    if (!wv->has_shock_account) {
        int rc = venue_open(wv->v, 0, ACCOUNT_CROSS, 1, &wv->shock_account, e);
        if (rc != 0)
            return rc;
        wv->has_shock_account = 1;
    }
    *id = wv->shock_account;
    return 0;
}

static int shock_react(void *engine, uint32_t market, perr *e)
{
    world *w = engine;
    for (size_t k = 0; k < w->n_pops; k++) {
        agent_pop *pop = w->pops[k];
        if (pop->market != market && pop->other_market != (int32_t)market)
            continue;
        int rc = agent_react(pop, &w->view, e);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int shock_settle(void *engine, uint32_t market, perr *e)
{
    return settle_venue(engine, market, e);
}

/* Each shock's set-up, then its start and end queued, then (index kinds)
 * an index tick at its instant: the order that fixes events at one
 * instant. */
static int shocks_setup(world *w, perr *e)
{
    const scenario *s = w->s;
    w->shocks = (shock_ctx){w->index, &w->view, w, shock_account, shock_react,
                            shock_settle};
    for (size_t k = 0; k < s->n_shocks; k++) {
        const scenario_shock *sh = &s->shocks[k];
        const shock_kind *kind = sh->kind;
        int rc = kind->setup ? kind->setup(sh, &w->shocks, e) : 0;
        if (rc == 0 && kind->start)
            rc = push(w, sh->at, EV_SHOCK, (uint32_t)k, 0, e);
        if (rc == 0 && kind->end)
            rc = push(w, sh->at + sh->duration, EV_SHOCK, (uint32_t)k, 1, e);
        if (rc != 0) {
            /* The engine names no key: say which shock it was. */
            char msg[sizeof e->msg];
            snprintf(msg, sizeof msg, "%s", e ? e->msg : "");
            return perr_set(e, rc, "%s: %s", sh->key_prefix, msg);
        }
        /* An index shock lands between steps: tick the index at its instant. */
        if (kind->target == SHOCK_ON_INDEX
            && (rc = push(w, sh->at, EV_INDEX, 1, 0, e)) != 0)
            return rc;
    }
    return 0;
}

/* The positions the run starts with (models/README.md, "Initial
 * positions"): on each venue where a population asks for some, one
 * counterparty account takes the other side of all of them (so it holds
 * their net), and is then funded so that no mark of the book's range can
 * liquidate it. A venue where none asks opens nothing. */
static int initial_positions(world *w, perr *e)
{
    const scenario *s = w->s;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < s->n_venues; i++) {
        world_site *wv = &w->venues[i];
        for (size_t k = 0; rc == 0 && k < w->n_pops; k++) {
            agent_pop *pop = w->pops[k];
            const scenario_population *sp = &s->populations[k];
            if (pop->market != i || !pop->kind->starts_holding
                || !pop->kind->place_initial
                || !pop->kind->starts_holding(sp->params))
                continue;
            if (!wv->has_initial
                && (rc = venue_open(wv->v, 0, ACCOUNT_CROSS, 1,
                                    &wv->counterparty, e)) != 0)
                break;
            wv->has_initial = 1;
            agent_setup setup = {&w->view, sp->venue, sp->other_venue,
                                 s->seed, sp->name, 0, sp->key_prefix};
            agent_start st = {&setup, wv->counterparty, s->index.drift_annual,
                              s->index.vol_annual};
            rc = pop->kind->place_initial(pop, &st, e);
        }
        if (rc == 0 && wv->has_initial)
            rc = venue_fund_beyond_range(wv->v, wv->counterparty, NULL, e);
    }
    return rc;
}

world *world_new(const scenario *s, const world_options *opt, perr *e)
{
    world *w = perr_zalloc(e, sizeof *w, "no memory for the world");
    if (!w)
        return NULL;
    w->s = s;
    index_params ip = s->index;
    ip.seed = s->seed;
    ip.start_utc_ms = s->start_utc_ms;
    w->venues = calloc(s->n_venues, sizeof *w->venues);
    w->markets = calloc(s->n_venues, sizeof *w->markets);
    w->pops = calloc(s->n_populations ? s->n_populations : 1, sizeof *w->pops);
    if (!w->venues || !w->markets || !w->pops) {
        perr_set(e, PERR_NOMEM, "no memory for the world");
        goto fail;
    }
    if (!(w->index = index_new(&ip, e)) || event_queue_init(&w->q, 64, e) != 0)
        goto fail;
    w->view.now = 0;
    w->view.start_utc_ms = s->start_utc_ms;
    w->view.index = index_price(w->index);
    w->view.n_markets = s->n_venues;
    w->view.markets = w->markets;
    for (size_t i = 0; i < s->n_venues; i++)
        if (venue_setup(w, i, opt, e) != 0)
            goto fail;
    /* Queue order fixes the order of events at one instant (the top). */
    if (push(w, 0, EV_INDEX, 0, 0, e) != 0)
        goto fail;
    for (size_t i = 0; i < s->n_venues; i++)
        if (push(w, funding_next_event(w->venues[i].funding), EV_FUNDING,
                 (uint32_t)i, 0, e) != 0)
            goto fail;
    for (size_t k = 0; k < s->n_populations; k++) {
        const scenario_population *sp = &s->populations[k];
        agent_setup setup = {&w->view, sp->venue, sp->other_venue, s->seed,
                             sp->name, 0, sp->key_prefix};
        if (!(w->pops[k] = agent_kind_create(sp->kind, sp->params, &setup, e)))
            goto fail;
        w->n_pops = k + 1;
        if (push(w, arrival_peek(&w->pops[k]->arrival), EV_WAKE, (uint32_t)k,
                 0, e) != 0)
            goto fail;
    }
    if (initial_positions(w, e) != 0 || shocks_setup(w, e) != 0
        || push(w, 0, EV_SAMPLE, 0, 0, e) != 0)
        goto fail;
    return w;
fail:
    world_free(w);
    return NULL;
}

void world_free(world *w)
{
    if (!w)
        return;
    for (size_t k = 0; k < w->n_pops; k++)
        agent_free(w->pops[k]);
    free(w->pops);
    for (size_t i = 0; w->venues && i < w->s->n_venues; i++) {
        world_site *wv = &w->venues[i];
        metrics_free(wv->metrics);
        mark_free(wv->mark);
        funding_free(wv->funding);
        venue_free(wv->v);
        summary_venue_free(wv->summary);
        liqmap_grid_free(&wv->grid);
    }
    free(w->venues);
    free(w->markets);
    index_free(w->index);
    event_queue_free(&w->q);
    free(w);
}

uint64_t world_events(const world *w)
{
    return w->events;
}

void world_book_counts(const world *w, venue_book_counts *out)
{
    *out = (venue_book_counts){0, 0, 0};
    for (size_t i = 0; i < w->s->n_venues; i++) {
        venue_book_counts c;
        venue_book_counts_get(w->venues[i].v, &c);
        out->orders += c.orders;
        out->cancels += c.cancels;
        out->fills += c.fills;
    }
}

void world_check_counts(const world *w, uint64_t *checks, uint64_t *recounts)
{
    *checks = *recounts = 0;
    for (size_t i = 0; i < w->s->n_venues; i++) {
        uint64_t c, r;
        venue_check_counts(w->venues[i].v, &c, &r);
        *checks += c;
        *recounts += r;
    }
}

uint64_t world_agents(const world *w)
{
    uint64_t n = 0;
    for (size_t k = 0; k < w->s->n_populations; k++)
        n += agent_kind_count(w->s->populations[k].kind,
                              w->s->populations[k].params);
    return n;
}

uint64_t world_population_agents_on(const scenario *s, size_t k, size_t v)
{
    const scenario_population *sp = &s->populations[k];
    if (sp->venue != v && sp->other_venue != (int32_t)v)
        return 0;
    return agent_kind_count(sp->kind, sp->params);
}

/* ---- draining a venue's records ------------------------------------------ */

static double cash_quote(const world_site *wv, int64_t cash)
{
    return (double)cash * profile_cash_to_quote(wv->p, 1);
}

static int drain_venue(world *w, size_t i, perr *e)
{
    world_site *wv = &w->venues[i];
    int64_t now = w->view.now;
    size_t n;
    int rc;
    const venue_liquidation *liq = venue_liquidations(wv->v, &n);
    if (n) {
        metrics_note_liquidations(wv->metrics, liq, n);
        summary_venue_note_liquidations(wv->summary, now, liq, n);
        if (SINK_KEEPS(w, wv, append_liquidations)
            && (rc = w->out.ops->append_liquidations(w->out.ctx,
                                                     (size_t)wv->out, liq, n,
                                                     e)) != 0)
            return rc;
        for (size_t k = 0; k < n; k++) {
            w->liquidated += cash_quote(wv, liq[k].notional);
            for (size_t p = 0; p < w->n_pops; p++)
                agent_on_liquidated(w->pops[p], (uint32_t)i, liq[k].account, now);
        }
    }
    const venue_adl *adl = venue_adls(wv->v, &n);
    if (n) {
        metrics_note_adls(wv->metrics, adl, n);
        summary_venue_note_adls(wv->summary, adl, n);
        if (SINK_KEEPS(w, wv, append_adls)
            && (rc = w->out.ops->append_adls(w->out.ctx, (size_t)wv->out, adl,
                                             n, e)) != 0)
            return rc;
    }
    const book_fill *fills = book_fills(venue_book_view(wv->v), &n);
    if (n) {
        metrics_note_fills(wv->metrics, fills, n);
        wv->last = fills[n - 1].price;
        if (wv->trades && SINK_KEEPS(w, wv, append_trades)
            && (rc = w->out.ops->append_trades(w->out.ctx, (size_t)wv->out,
                                               now, fills, n, e)) != 0)
            return rc;
    }
    const venue_policy_event *pe = venue_policy_events(wv->v, &n);
    if (n) {
        summary_venue_note_policy_events(wv->summary, pe, n,
                                         wv->policy_kind);
        if (SINK_KEEPS(w, wv, append_policy_events)
            && (rc = w->out.ops->append_policy_events(
                    w->out.ctx, (size_t)wv->out, pe, n, e)) != 0)
            return rc;
    }
    venue_clear_events(wv->v);
    const funding_settlement *fs = funding_settlements(wv->funding, &n);
    if (n) {
        summary_venue_note_settlements(wv->summary, fs, n);
        if (SINK_KEEPS(w, wv, append_funding)
            && (rc = w->out.ops->append_funding(w->out.ctx, (size_t)wv->out,
                                                fs, n, e)) != 0)
            return rc;
        funding_clear_settlements(wv->funding);
    }
    return 0;
}

/* Runs the cascade of venue i at now and drains what it did. */
static int settle_venue(world *w, size_t i, perr *e)
{
    int rc = venue_update(w->venues[i].v, w->view.now, e);
    if (rc != 0)
        return rc;
    return drain_venue(w, i, e);
}

/* ---- events ----------------------------------------------------------------- */

/* The mean mid of the venues other than i, in i's ticks; NaN if none. */
static double external_mid(const world *w, size_t i)
{
    double sum = 0;
    int n = 0;
    for (size_t j = 0; j < w->s->n_venues; j++) {
        if (j == i)
            continue;
        int64_t x2 = book_mid_x2(venue_book_view(w->venues[j].v));
        if (x2 <= 0)
            continue;
        double quote = (double)x2 / 2 / w->venues[j].ticks_per_quote;
        sum += quote * w->venues[i].ticks_per_quote;
        n++;
    }
    return n ? sum / n : NAN;
}

static int on_index(world *w, const event *ev, perr *e)
{
    double price = index_advance(w->index, ev->time);
    w->view.index = price;
    for (size_t i = 0; i < w->s->n_venues; i++) {
        world_site *wv = &w->venues[i];
        double ticks = price * wv->ticks_per_quote;
        w->markets[i].index_ticks = ticks;
        mark_set_index(wv->mark, ticks);
        if (w->s->n_venues > 1)
            mark_set_external_mid(wv->mark, external_mid(w, i));
        int rc = settle_venue(w, i, e);
        if (rc != 0)
            return rc;
    }
    /* target 1: an extra tick at a shock's instant, off the grid */
    if (ev->target == 0)
        return push(w, ev->time + w->s->index.step_ms, EV_INDEX, 0, 0, e);
    return 0;
}

static int on_wake(world *w, const event *ev, perr *e)
{
    agent_pop *pop = w->pops[ev->target];
    arrival_next(&pop->arrival);
    int rc;
    if ((rc = agent_wake(pop, &w->view, e)) != 0
        || (rc = settle_venue(w, pop->market, e)) != 0)
        return rc;
    if (pop->other_market >= 0
        && (rc = settle_venue(w, (size_t)pop->other_market, e)) != 0)
        return rc;
    return push(w, arrival_peek(&pop->arrival), EV_WAKE, ev->target, 0, e);
}

static int on_funding(world *w, const event *ev, perr *e)
{
    world_site *wv = &w->venues[ev->target];
    int rc;
    if ((rc = funding_advance(wv->funding, wv->v, ev->time,
                              w->markets[ev->target].index_ticks, e)) != 0
        || (rc = drain_venue(w, ev->target, e)) != 0)
        return rc;
    return push(w, funding_next_event(wv->funding), EV_FUNDING, ev->target, 0, e);
}

/* The liquidation map's step: output.every times the least whole number
 * that makes it at least WORLD_MAP_EVERY_MS. */
static int64_t map_every_ms(const world *w)
{
    int64_t every = w->s->output.every_ms;
    return every * ((WORLD_MAP_EVERY_MS + every - 1) / every);
}

static int on_sample(world *w, const event *ev, perr *e)
{
    for (size_t i = 0; i < w->s->n_venues; i++) {
        world_site *wv = &w->venues[i];
        metrics_row row;
        int rc = metrics_sample(wv->metrics, wv->v, ev->time,
                                w->markets[i].index_ticks, wv->last,
                                wv->funding, &row, e);
        if (rc != 0)
            return rc;
        summary_venue_note_row(wv->summary, &row);
        if (wv->has_grid && ev->time % map_every_ms(w) == 0
            && (rc = liqmap_grid_sample(&wv->grid, wv->v,
                                        (double)ev->time / 1000, e)) != 0)
            return rc;
        if (SINK_KEEPS(w, wv, append_row)
            && (rc = w->out.ops->append_row(w->out.ctx, (size_t)wv->out, &row,
                                            e)) != 0)
            return rc;
    }
    return push(w, ev->time + w->s->output.every_ms, EV_SAMPLE, 0, 0, e);
}

/* A shock's start (payload 0) or end (1): its kind's hook. */
static int on_shock(world *w, const event *ev, perr *e)
{
    const scenario_shock *sh = &w->s->shocks[ev->target];
    return ev->payload == 0 ? sh->kind->start(sh, &w->shocks, e)
                            : sh->kind->end(sh, &w->shocks, e);
}

/* ---- the loop -------------------------------------------------------------- */

int world_run(world *w, const sink *out, world_progress_fn progress,
              void *ctx, perr *e)
{
    const scenario *s = w->s;
    if (out)
        w->out = *out;
    for (size_t i = 0; out && i < s->n_venues; i++) {
        int k = out->ops->add_venue(out->ctx, s->venues[i].name, w->venues[i].p,
                                    s->output.trades, e);
        if (k < 0)
            return k;
        w->venues[i].out = k;
        world_site *wv = &w->venues[i];
        size_t np = venue_policy_count(wv->v);
        int rc;
        if (np > 0 && SINK_KEEPS(w, wv, add_policies)
            && (rc = w->out.ops->add_policies(w->out.ctx, (size_t)wv->out,
                                              wv->policy_name, np, e)) != 0)
            return rc;
    }
    /* Where liquidations sit at the start, on the venues that start with
     * positions. */
    for (size_t i = 0; out && i < s->n_venues; i++) {
        world_site *wv = &w->venues[i];
        if (!wv->has_initial || !SINK_KEEPS(w, wv, add_liquidation_map))
            continue;
        liqmap m;
        int rc = liqmap_build(wv->v, &m, e);
        if (rc == 0)
            rc = w->out.ops->add_liquidation_map(w->out.ctx, (size_t)wv->out,
                                                 &m, e);
        /* and on the output grid, on the start's buckets */
        if (rc == 0 && SINK_KEEPS(w, wv, add_liquidation_map_grid)
            && (rc = liqmap_grid_init(&wv->grid, &m, e)) == 0)
            wv->has_grid = 1;
        liqmap_free(&m);
        if (rc != 0)
            return rc;
    }
    /* The world begins: every population that adjusts to the world (makers
     * posting their first quotes) does so before the first event, so the
     * book is not empty at the first sample. */
    int rc = 0;
    for (size_t k = 0; rc == 0 && k < w->n_pops; k++)
        rc = agent_react(w->pops[k], &w->view, e);
    for (size_t i = 0; rc == 0 && i < s->n_venues; i++)
        rc = settle_venue(w, i, e);
    if (rc != 0)
        return rc;
    event ev;
    while (rc == 0 && event_pop(&w->q, &ev)) {
        w->view.now = ev.time;
        w->events++;
        switch ((enum world_event)ev.kind) {
        case EV_INDEX:
            rc = on_index(w, &ev, e);
            break;
        case EV_WAKE:
            rc = on_wake(w, &ev, e);
            break;
        case EV_FUNDING:
            rc = on_funding(w, &ev, e);
            break;
        case EV_SAMPLE:
            rc = on_sample(w, &ev, e);
            break;
        case EV_SHOCK:
            rc = on_shock(w, &ev, e);
            break;
        }
        if (progress && (w->events & 0xffff) == 0) {
            world_progress p = {ev.time, s->duration_ms, w->events, w->liquidated};
            progress(ctx, &p);
        }
    }
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < s->n_venues; i++) {
        world_site *wv = &w->venues[i];
        if (wv->has_grid
            && (rc = w->out.ops->add_liquidation_map_grid(
                    w->out.ctx, (size_t)wv->out, &wv->grid,
                    (double)map_every_ms(w) / 1000, e)) != 0)
            return rc;
    }
    for (size_t i = 0; i < s->n_venues; i++) {
        perr audit;
        perr_clear(&audit);
        if ((rc = venue_audit(w->venues[i].v, NULL, &audit)) != 0)
            return perr_set(e, rc, "%s: the ledger's invariants do not hold "
                            "at the end of the run: %s",
                            s->venues[i].name, audit.msg);
    }
    if (progress) {
        world_progress p = {s->duration_ms, s->duration_ms, w->events, w->liquidated};
        progress(ctx, &p);
    }
    return 0;
}

/* ---- the summary ------------------------------------------------------------- */

int world_summarize(const world *w, summary *out, perr *e)
{
    int rc;
    for (size_t i = 0; i < w->s->n_venues; i++)
        if ((rc = summary_venue_write(w->venues[i].summary,
                                      w->s->venues[i].name, out, e)) != 0)
            return rc;
    for (size_t k = 0; k < w->s->n_expects; k++) {
        const scenario_expect *x = &w->s->expects[k];
        if (summary_check_add(out, x->metric, x->low, x->high) != 0)
            return perr_set(e, PERR_NOMEM, "no memory for the summary");
    }
    return 0;
}

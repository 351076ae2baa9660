/*
 * output_sink: the HDF5 output as the engine's sink (sink.h): each entry of
 * the table hands its records to the output.h call of the same name, so
 * the engine writes a run's file without knowing of it.
 */
#include <stddef.h>
#include <stdint.h>

#include "output.h"

static int sink_add_venue(void *o, const char *name, const profile *p,
                          int trades, perr *e)
{
    return output_add_venue(o, name, p, trades, e);
}

static int sink_row(void *o, size_t vi, const metrics_row *row, perr *e)
{
    return output_append_row(o, vi, row, e);
}

static int sink_liquidations(void *o, size_t vi, const venue_liquidation *l,
                             size_t n, perr *e)
{
    return output_append_liquidations(o, vi, l, n, e);
}

static int sink_adls(void *o, size_t vi, const venue_adl *a, size_t n,
                     perr *e)
{
    return output_append_adls(o, vi, a, n, e);
}

static int sink_funding(void *o, size_t vi, const funding_settlement *f,
                        size_t n, perr *e)
{
    return output_append_funding(o, vi, f, n, e);
}

static int sink_trades(void *o, size_t vi, int64_t now, const book_fill *f,
                       size_t n, perr *e)
{
    return output_append_trades(o, vi, now, f, n, e);
}

static int sink_liqmap(void *o, size_t vi, const liqmap *m, perr *e)
{
    return output_add_liquidation_map(o, vi, m, e);
}

static int sink_liqmap_grid(void *o, size_t vi, const liqmap_grid *g,
                            double every_s, perr *e)
{
    return output_add_liquidation_map_grid(o, vi, g, every_s, e);
}

static int sink_policies(void *o, size_t vi, const char *const *names,
                         size_t n, perr *e)
{
    return output_add_policies(o, vi, names, n, e);
}

static int sink_policy_events(void *o, size_t vi,
                              const venue_policy_event *x, size_t n, perr *e)
{
    return output_append_policy_events(o, vi, x, n, e);
}

static const sink_ops output_sink_ops = {
    .add_venue = sink_add_venue,
    .append_row = sink_row,
    .append_liquidations = sink_liquidations,
    .append_adls = sink_adls,
    .append_funding = sink_funding,
    .append_trades = sink_trades,
    .add_policies = sink_policies,
    .append_policy_events = sink_policy_events,
    .add_liquidation_map = sink_liqmap,
    .add_liquidation_map_grid = sink_liqmap_grid,
};

sink output_sink(output *o)
{
    return (sink){&output_sink_ops, o};
}

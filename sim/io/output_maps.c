/*
 * output_maps: the liquidation maps of a run's file (output.h has the
 * layout): /venues/<v>/liquidation_map, the map at the start as one
 * compound table of price buckets, and /venues/<v>/liquidation_map_grid,
 * the map on the output grid as 2-D datasets over dimension scales t and
 * price_low (HDF5's dimension-scale API, H5DS). Both are written whole, once,
 * with the output's compression; a failure goes through output_fail, so the
 * part file is removed as for any other write.
 */
#include <hdf5.h>
#include <hdf5_hl.h>
#include <stddef.h>

#include "h5util.h"
#include "liqmap.h"
#include "output_internal.h"

/* ---- the liquidation map ------------------------------------------------ */

static const out_field liqmap_fields[] = {
    FIELD(liqmap_row, price_low, K_F64, "quote/base"),
    FIELD(liqmap_row, price_high, K_F64, "quote/base"),
    FIELD(liqmap_row, long_notional, K_F64, "quote"),
    FIELD(liqmap_row, short_notional, K_F64, "quote"),
    FIELD(liqmap_row, long_positions, K_U32, "1"),
    FIELD(liqmap_row, short_positions, K_U32, "1"),
};

static int write_liqmap(output *o, out_venue *v, const liqmap *m)
{
    hid_t g = H5Gopen2(o->venues, v->name, H5P_DEFAULT);
    hid_t mem = output_compound(o, liqmap_fields, COUNT(liqmap_fields), sizeof(liqmap_row), 0), file = output_compound(o, liqmap_fields, COUNT(liqmap_fields), sizeof(liqmap_row), 1);
    hsize_t n = m->n;
    hid_t sp = H5Screate_simple(1, &n, NULL);
    hid_t d = H5I_INVALID_HID;
    const char *units[COUNT(liqmap_fields)];
    for (size_t i = 0; i < COUNT(liqmap_fields); i++)
        units[i] = liqmap_fields[i].unit;
    int bad = g < 0 || mem < 0 || file < 0 || sp < 0;
    if (!bad) {
        hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
        bad = dcpl < 0 || H5Pset_obj_track_times(dcpl, 0) < 0
              || (d = H5Dcreate2(g, "liquidation_map", file, sp, H5P_DEFAULT,
                                 dcpl, H5P_DEFAULT)) < 0;
        if (dcpl >= 0)
            H5Pclose(dcpl);
    }
    bad = bad || (n && H5Dwrite(d, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                                m->rows) < 0)
          || output_units(o, d, v->p, units, COUNT(liqmap_fields)) < 0
          || h5u_attr_scalar(d, "bucket_bps", H5T_IEEE_F64LE,
                             &m->bucket_bps) < 0
          || h5u_attr_scalar(d, "start_price", H5T_IEEE_F64LE, &m->mark) < 0
          || h5u_attr_scalar(d, "long_beyond_notional", H5T_IEEE_F64LE,
                             &m->long_beyond) < 0
          || h5u_attr_scalar(d, "short_beyond_notional", H5T_IEEE_F64LE,
                             &m->short_beyond) < 0;
    h5u_close(d);
    h5u_close(sp);
    h5u_close(file);
    h5u_close(mem);
    h5u_close(g);
    return bad;
}

/* Writes one of venue vi's maps whole through write, with HDF5 quiet; a
 * failure is the output's (output_fail), naming /venues/<v>/what. */
static int add_map(output *o, size_t vi, const char *what,
                   int (*write)(output *, out_venue *, const void *, double),
                   const void *map, double every_s, perr *e)
{
    int rc;
    out_venue *v = output_venue_of(o, vi, &rc, e);
    if (!v)
        return rc;
    h5u_quiet q;
    h5u_quiet_begin(&q);
    int bad = write(o, v, map, every_s);
    h5u_quiet_end(&q);
    if (bad)
        return output_fail(o, e, "cannot write /venues/%s/%s", v->name, what);
    return 0;
}

static int write_start_map(output *o, out_venue *v, const void *map,
                           double every_s)
{
    (void)every_s;
    return write_liqmap(o, v, map);
}

int output_add_liquidation_map(output *o, size_t vi, const liqmap *m,
                               perr *e)
{
    return add_map(o, vi, "liquidation_map", write_start_map, m, 0, e);
}

/* ---- the liquidation map on the output grid ------------------------------ */

/* A dataset of doubles of rank 1 or 2 (dims), deflated in chunks of up to
 * 16 samples when it holds any, its units attribute set. */
static hid_t grid_dataset(const output *o, const out_venue *v, hid_t g,
                          const char *name, int rank, const hsize_t *dims,
                          const char *unit, const double *data)
{
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    hid_t d = H5I_INVALID_HID;
    hsize_t chunk[2] = {dims[0] < 16 ? dims[0] : 16, rank > 1 ? dims[1] : 1};
    int empty = dims[0] == 0 || (rank > 1 && dims[1] == 0);
    int bad = sp < 0 || dcpl < 0 || H5Pset_obj_track_times(dcpl, 0) < 0
              || (!empty && (H5Pset_chunk(dcpl, rank, chunk) < 0
                             || H5Pset_shuffle(dcpl) < 0
                             || H5Pset_deflate(dcpl, OUTPUT_DEFLATE) < 0))
              || (d = H5Dcreate2(g, name, H5T_IEEE_F64LE, sp, H5P_DEFAULT,
                                 dcpl, H5P_DEFAULT)) < 0
              || (!empty && H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL,
                                     H5P_DEFAULT, data) < 0)
              || output_units(o, d, v->p, &unit, 0) < 0;
    h5u_close(dcpl);
    h5u_close(sp);
    if (bad) {
        h5u_close(d);
        return H5I_INVALID_HID;
    }
    return d;
}

static int write_liqmap_grid(output *o, out_venue *v, const liqmap_grid *m,
                             double every_s)
{
    hid_t vg = H5Gopen2(o->venues, v->name, H5P_DEFAULT);
    hid_t g = vg < 0 ? vg : h5u_make_group(vg, "liquidation_map_grid");
    hsize_t dims[2] = {m->n, m->buckets};
    hid_t t = H5I_INVALID_HID, price = H5I_INVALID_HID;
    int bad = g < 0
              || h5u_attr_scalar(g, "bucket_bps", H5T_IEEE_F64LE,
                                 &m->bucket_bps) < 0
              || h5u_attr_scalar(g, "every_s", H5T_IEEE_F64LE, &every_s) < 0
              || (t = grid_dataset(o, v, g, "t", 1, dims, "s", m->t)) < 0
              || (price = grid_dataset(o, v, g, "price_low", 1, dims + 1,
                                       "quote/base", m->price_low)) < 0
              || H5DSset_scale(t, "t") < 0
              || H5DSset_scale(price, "price_low") < 0;
    static const char *const cells[2] = {"long_notional", "short_notional"};
    const double *cell_data[2] = {m->longs, m->shorts};
    for (int k = 0; !bad && k < 2; k++) {
        hid_t d = grid_dataset(o, v, g, cells[k], 2, dims, "quote",
                               cell_data[k]);
        bad = d < 0 || H5DSattach_scale(d, t, 0) < 0
              || H5DSattach_scale(d, price, 1) < 0;
        h5u_close(d);
    }
    static const char *const ones[5] = {"mark", "long_beyond", "short_beyond",
                                        "long_off_grid", "short_off_grid"};
    static const char *const one_units[5] = {"quote/base", "quote", "quote",
                                             "quote", "quote"};
    const double *one_data[5] = {m->mark, m->long_beyond, m->short_beyond,
                                 m->long_off_grid, m->short_off_grid};
    for (int k = 0; !bad && k < 5; k++) {
        hid_t d = grid_dataset(o, v, g, ones[k], 1, dims, one_units[k],
                               one_data[k]);
        bad = d < 0 || H5DSattach_scale(d, t, 0) < 0;
        h5u_close(d);
    }
    h5u_close(price);
    h5u_close(t);
    if (g >= 0 && g != vg)
        h5u_close(g);
    h5u_close(vg);
    return bad;
}

static int write_grid_map(output *o, out_venue *v, const void *map,
                          double every_s)
{
    return write_liqmap_grid(o, v, map, every_s);
}

int output_add_liquidation_map_grid(output *o, size_t vi,
                                    const liqmap_grid *g, double every_s,
                                    perr *e)
{
    return add_map(o, vi, "liquidation_map_grid", write_grid_map, g, every_s,
                   e);
}

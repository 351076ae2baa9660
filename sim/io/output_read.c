/*
 * output_read: what `perpsim inspect` reads of a finished result file
 * (output.h, output_read): the metadata, the venues' names, the rows of the
 * series and the summary with its checks. The writer is output.c; both
 * follow the layout output.h documents.
 */
#define _POSIX_C_SOURCE 200809L
#include "output.h"

#include <errno.h>
#include <hdf5.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "h5util.h"

static herr_t on_venue(hid_t group, const char *name, const H5L_info_t *li,
                       void *data)
{
    (void)group;
    (void)li;
    output_info *info = data;
    if (info->n_venues < sizeof info->venues / sizeof info->venues[0])
        snprintf(info->venues[info->n_venues], sizeof info->venues[0], "%s",
                 name);
    info->n_venues++;
    return 0;
}

typedef struct read_summary {
    summary *s;
    int failed;
} read_summary;

static herr_t on_summary_attr(hid_t obj, const char *name,
                              const H5A_info_t *ai, void *data)
{
    (void)ai;
    read_summary *r = data;
    static const char prefix[] = "expect:";
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0)
        return -1;
    hid_t sp = H5Aget_space(a);
    hssize_t n = sp < 0 ? -1 : H5Sget_simple_extent_npoints(sp);
    int check = strncmp(name, prefix, sizeof prefix - 1) == 0;
    double v[4];
    herr_t rc = -1;
    if (n == (check ? 4 : 1))
        rc = H5Aread(a, H5T_NATIVE_DOUBLE, v);
    if (sp >= 0)
        H5Sclose(sp);
    H5Aclose(a);
    if (rc < 0)
        return -1;
    if (!check) {
        if (summary_add(r->s, name, v[0]))
            return r->failed = PERR_NOMEM, -1;
        return 0;
    }
    if (summary_check_add(r->s, name + sizeof prefix - 1, v[0], v[1]))
        return r->failed = PERR_NOMEM, -1;
    summary_check *c = &r->s->checks[r->s->n_checks - 1];
    c->value = v[2]; /* as the run recorded it */
    c->pass = v[3] != 0;
    return 0;
}

static int read_file(hid_t f, const char *path, output_info *info,
                     summary *s, perr *e)
{
    char reason[160];
    int32_t version = 0;
    int got = h5u_read_attr_number(f, "format_version", H5T_NATIVE_INT32, &version);
    if (got == 0)
        return perr_set(e, PERR_INVALID,
                        "%s: not a perpsim result (no format_version "
                        "attribute)",
                        path);
    if (got < 0) {
        h5u_reason(reason, sizeof reason);
        return perr_set(e, PERR_INVALID,
                        "%s: not a perpsim result (unreadable "
                        "format_version: %s)",
                        path, reason);
    }
    if (version != OUTPUT_FORMAT_VERSION)
        return perr_set(e, PERR_INVALID,
                        "%s: format_version %d; this perpsim reads "
                        "format_version %d",
                        path, (int)version, OUTPUT_FORMAT_VERSION);

    /* What every finished result has (output.h); a file without one of
     * them was cut short or edited, and its summary cannot be trusted. */
    static const char *const required[] = {"scenario", "venues", "summary"};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (H5Lexists(f, required[i], H5P_DEFAULT) <= 0)
            return perr_set(e, PERR_INVALID,
                            "%s: not a complete perpsim result: /%s is "
                            "missing",
                            path, required[i]);

    output_info in;
    memset(&in, 0, sizeof in);
    in.format_version = (int)version;
    if (h5u_read_attr_string(f, "scenario", in.scenario_name,
                         sizeof in.scenario_name) < 0
        || h5u_read_attr_string(f, "perpsim_version", in.perpsim_version,
                            sizeof in.perpsim_version) < 0
        || h5u_read_attr_string(f, "source", in.source, sizeof in.source) < 0
        || h5u_read_attr_string(f, "sets", in.sets, sizeof in.sets) < 0
        || h5u_read_attr_number(f, "seed", H5T_NATIVE_UINT64, &in.seed) < 0
        || h5u_read_attr_number(f, "start_utc_ms", H5T_NATIVE_INT64,
                            &in.start_utc_ms) < 0
        || h5u_read_attr_number(f, "duration_ms", H5T_NATIVE_INT64,
                            &in.duration_ms) < 0) {
        h5u_reason(reason, sizeof reason);
        return perr_set(e, PERR_IO, "%s: cannot read the root attributes (%s)",
                        path, reason);
    }

    {
        hid_t g = H5Gopen2(f, "venues", H5P_DEFAULT);
        herr_t rc = -1;
        if (g >= 0) {
            rc = H5Literate(g, H5_INDEX_CRT_ORDER, H5_ITER_INC, NULL,
                            on_venue, &in);
            if (rc < 0) { /* a file without the creation-order index */
                in.n_venues = 0;
                H5Eclear2(H5E_DEFAULT);
                rc = H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, NULL,
                                on_venue, &in);
            }
            H5Gclose(g);
        }
        if (rc < 0) {
            h5u_reason(reason, sizeof reason);
            return perr_set(e, PERR_IO, "%s: cannot list /venues (%s)", path,
                            reason);
        }
    }
    if (in.n_venues > 0) {
        char t[128];
        snprintf(t, sizeof t, "venues/%s/series/t", in.venues[0]);
        hid_t d = H5Dopen2(f, t, H5P_DEFAULT);
        hid_t sp = d < 0 ? H5I_INVALID_HID : H5Dget_space(d);
        hsize_t rows = 0;
        int ok = sp >= 0 && H5Sget_simple_extent_ndims(sp) == 1
                 && H5Sget_simple_extent_dims(sp, &rows, NULL) == 1;
        h5u_close(sp);
        h5u_close(d);
        if (!ok) {
            h5u_reason(reason, sizeof reason);
            return perr_set(e, PERR_INVALID, "%s: cannot read /%s (%s)", path,
                            t, reason);
        }
        in.samples = (size_t)rows;
    }

    if (s) {
        size_t items0 = s->n_items, checks0 = s->n_checks;
        hid_t g = H5Gopen2(f, "summary", H5P_DEFAULT);
        read_summary r = {s, 0};
        herr_t rc = -1;
        if (g >= 0) {
            rc = H5Aiterate2(g, H5_INDEX_CRT_ORDER, H5_ITER_INC, NULL,
                             on_summary_attr, &r);
            if (rc < 0 && !r.failed && s->n_items == items0
                && s->n_checks == checks0) {
                H5Eclear2(H5E_DEFAULT);
                rc = H5Aiterate2(g, H5_INDEX_NAME, H5_ITER_INC, NULL,
                                 on_summary_attr, &r);
            }
            H5Gclose(g);
        }
        if (rc < 0) {
            s->n_items = items0;
            s->n_checks = checks0;
            if (r.failed)
                return perr_set(e, r.failed, "%s: no memory for the summary",
                                path);
            h5u_reason(reason, sizeof reason);
            return perr_set(e, PERR_INVALID, "%s: cannot read /summary (%s)",
                            path, reason);
        }
    }
    if (info)
        *info = in;
    return 0;
}

int output_read(const char *path, output_info *info, summary *s, perr *e)
{
    struct stat st;
    if (!path || stat(path, &st) != 0)
        return perr_set(e, PERR_IO, "%s: cannot open: %s",
                        path ? path : "(null)", strerror(errno));
    if (!S_ISREG(st.st_mode))
        return perr_set(e, PERR_INVALID,
                        "%s: not a perpsim result (not a regular file)", path);
    h5u_quiet q;
    h5u_quiet_begin(&q);
    int rc;
    char reason[160];
    htri_t is = H5Fis_hdf5(path);
    if (is == 0) {
        rc = perr_set(e, PERR_INVALID,
                      "%s: not a perpsim result (not an HDF5 file)", path);
    } else if (is < 0) {
        h5u_reason(reason, sizeof reason);
        rc = perr_set(e, PERR_IO, "%s: cannot open (%s)", path, reason);
    } else {
        hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
        if (f < 0) {
            h5u_reason(reason, sizeof reason);
            rc = perr_set(e, PERR_IO, "%s: cannot open (%s)", path, reason);
        } else {
            rc = read_file(f, path, info, s, e);
            H5Fclose(f);
        }
    }
    H5Eclear2(H5E_DEFAULT);
    h5u_quiet_end(&q);
    return rc;
}

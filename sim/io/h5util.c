/*
 * h5util: shared HDF5 helpers (h5util.h).
 */
#include "h5util.h"

#include <stdio.h>
#include <stdlib.h>

void h5u_quiet_begin(h5u_quiet *q)
{
    H5Eget_auto2(H5E_DEFAULT, &q->fn, &q->data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

void h5u_quiet_end(const h5u_quiet *q)
{
    H5Eset_auto2(H5E_DEFAULT, q->fn, q->data);
}

static herr_t innermost(unsigned n, const H5E_error2_t *err, void *out)
{
    if (n == 0 && err->desc)
        snprintf(out, 160, "%s", err->desc);
    return 0;
}

void h5u_reason(char *out, size_t size)
{
    char desc[160] = "";
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost, desc);
    H5Eclear2(H5E_DEFAULT);
    snprintf(out, size, "%s", desc[0] ? desc : "HDF5 error");
}

int h5u_quiet_finish(const h5u_quiet *q, int bad, char *out, size_t size)
{
    out[0] = '\0';
    if (bad)
        h5u_reason(out, size);
    H5Eclear2(H5E_DEFAULT);
    h5u_quiet_end(q);
    return bad;
}

static herr_t attr_write(hid_t obj, const char *name, hid_t type, hid_t space,
                         const void *value)
{
    hid_t a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0)
        return -1;
    herr_t rc = H5Awrite(a, type, value);
    H5Aclose(a);
    return rc;
}

herr_t h5u_attr_scalar(hid_t obj, const char *name, hid_t type,
                       const void *value)
{
    hid_t s = H5Screate(H5S_SCALAR);
    if (s < 0)
        return -1;
    herr_t rc = attr_write(obj, name, type, s, value);
    H5Sclose(s);
    return rc;
}

herr_t h5u_attr_array(hid_t obj, const char *name, hid_t type, hsize_t n,
                      const void *values)
{
    hid_t s = H5Screate_simple(1, &n, NULL);
    if (s < 0)
        return -1;
    herr_t rc = attr_write(obj, name, type, s, values);
    H5Sclose(s);
    return rc;
}

herr_t h5u_attr_string(hid_t obj, const char *name, hid_t str_type,
                       const char *value)
{
    const char *v = value ? value : "";
    return h5u_attr_scalar(obj, name, str_type, &v);
}

void h5u_close(hid_t id)
{
    if (id < 0)
        return;
    switch (H5Iget_type(id)) {
    case H5I_DATATYPE: H5Tclose(id); break;
    case H5I_DATASPACE: H5Sclose(id); break;
    case H5I_ATTR: H5Aclose(id); break;
    case H5I_DATASET: H5Dclose(id); break;
    case H5I_GROUP: H5Gclose(id); break;
    case H5I_GENPROP_LST: H5Pclose(id); break;
    default: break;
    }
}

hid_t h5u_string_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0)
        return t;
    if (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
        H5Tclose(t);
        return H5I_INVALID_HID;
    }
    return t;
}

hid_t h5u_make_group(hid_t parent, const char *name)
{
    hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
    if (gcpl < 0)
        return gcpl;
    hid_t g = H5I_INVALID_HID;
    unsigned order = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;
    if (H5Pset_link_creation_order(gcpl, order) >= 0
        && H5Pset_attr_creation_order(gcpl, order) >= 0
        && H5Pset_obj_track_times(gcpl, 0) >= 0)
        g = H5Gcreate2(parent, name, H5P_DEFAULT, gcpl, H5P_DEFAULT);
    H5Pclose(gcpl);
    return g;
}

int h5u_read_attr_string(hid_t obj, const char *name, char *out,
                         size_t size)
{
    out[0] = '\0';
    if (H5Aexists(obj, name) <= 0)
        return 0;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t t = a < 0 ? H5I_INVALID_HID : H5Aget_type(a);
    hid_t mt = H5I_INVALID_HID;
    int rc = -1;
    if (t >= 0 && H5Tget_class(t) == H5T_STRING) {
        mt = H5Tcopy(H5T_C_S1);
        if (mt >= 0 && H5Tset_cset(mt, H5Tget_cset(t)) < 0) {
            H5Tclose(mt);
            mt = H5I_INVALID_HID;
        }
        if (mt >= 0 && H5Tis_variable_str(t) > 0) {
            char *s = NULL;
            if (H5Tset_size(mt, H5T_VARIABLE) >= 0
                && H5Aread(a, mt, &s) >= 0) {
                snprintf(out, size, "%s", s ? s : "");
                rc = 0;
            }
            H5free_memory(s);
        } else if (mt >= 0) {
            size_t n = H5Tget_size(t);
            char *buf = calloc(n + 1, 1);
            if (buf && H5Tset_size(mt, n + 1) >= 0
                && H5Aread(a, mt, buf) >= 0) {
                snprintf(out, size, "%s", buf);
                rc = 0;
            }
            free(buf);
        }
    }
    h5u_close(mt);
    h5u_close(t);
    h5u_close(a);
    return rc;
}

int h5u_read_attr_number(hid_t obj, const char *name, hid_t type, void *out)
{
    if (H5Aexists(obj, name) <= 0)
        return 0;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0)
        return -1;
    herr_t rc = H5Aread(a, type, out);
    H5Aclose(a);
    return rc < 0 ? -1 : 1;
}

/*
 * cmd_options: the messages of a subcommand's option parsing (cmd.h),
 * shared by the commands that parse with getopt_long, so that every
 * command says "perpsim CMD: what 'arg'; try 'perpsim CMD --help'" and
 * suggests the nearest option the same way.
 */
#define _GNU_SOURCE /* getopt_long's struct option */
#include "cmd.h"

#include <getopt.h>
#include <string.h>

#ifdef PERPSIM_HAVE_MPI
#include "mpipool.h"
#endif
#include "suggest.h"

int cmd_usage(const char *cmd, const char *what, const char *arg)
{
    fprintf(stderr, "perpsim %s: %s%s%s%s; try 'perpsim %s --help'\n", cmd,
            what, arg ? " '" : "", arg ? arg : "", arg ? "'" : "", cmd);
    return EXIT_USAGE;
}

int cmd_unknown_option(const char *cmd, const struct option *options,
                       const char *arg)
{
    const char *names[32];
    char buf[32][32];
    size_t n = 0;
    for (const struct option *o = options; o->name && n < 32; o++, n++) {
        snprintf(buf[n], sizeof buf[n], "--%s", o->name);
        names[n] = buf[n];
    }
    char want[64];
    snprintf(want, sizeof want, "%.*s", (int)strcspn(arg, "="), arg);
    const char *near = suggest_nearest(want, names, n);
    if (!near)
        return cmd_usage(cmd, "unknown option", want);
    fprintf(stderr,
            "perpsim %s: unknown option '%s' (did you mean '%s'?); try "
            "'perpsim %s --help'\n",
            cmd, want, near, cmd);
    return EXIT_USAGE;
}

int cmd_uses_mpi(const cmd_sweep_opts *c)
{
#ifdef PERPSIM_HAVE_MPI
    return c->mpi || mpipool_launched();
#else
    if (c->mpi)
        return cmd_usage(c->cmd, "this perpsim was built without MPI; "
                         "rebuild with OpenMPI installed, or drop",
                         "--mpi");
    return 0;
#endif
}

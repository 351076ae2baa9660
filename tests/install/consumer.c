/*
 * consumer: a program a user of the installed library would write (the
 * install test, run.sh, builds it with pkg-config and with CMake's
 * find_package). It loads a scenario file, runs it with no output file and
 * prints the number of events and the summary, as `perpsim run` prints
 * them.
 *
 *   consumer SCENARIO.yaml
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <perpsim/scenario_load.h>
#include <perpsim/summary.h>
#include <perpsim/world.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fputs("usage: consumer SCENARIO.yaml\n", stderr);
        return 2;
    }
    perr e;
    perr_clear(&e);
    scenario sc;
    if (scenario_load_file(argv[1], NULL, 0, &sc, &e) != 0) {
        fprintf(stderr, "consumer: %s\n", e.msg);
        return 2;
    }
    world_options opt = {0};
    world *w = world_new(&sc, &opt, &e);
    summary sum = {0};
    int status = w ? world_run(w, NULL, NULL, NULL, &e) : -1;
    if (status == 0)
        status = world_summarize(w, &sum, &e);
    if (status == 0) {
        printf("events: %" PRIu64 "\n", world_events(w));
        summary_print(stdout, &sum);
    } else {
        fprintf(stderr, "consumer: %s\n", e.msg);
    }
    summary_free(&sum);
    world_free(w);
    scenario_free(&sc);
    return status == 0 ? 0 : 1;
}

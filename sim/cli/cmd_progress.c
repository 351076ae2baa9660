/*
 * cmd_progress: the progress line of a batch of runs (cmd.h), drawn on
 * stderr when it is a terminal: items done of the total, failures, time
 * elapsed and an estimate of the time left from the mean time per item so
 * far.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "cmd.h"
#include "wallclock.h"

#include <time.h>

/* "1h02m", "3m50s", "12s" */
static void span(char *out, size_t size, double s)
{
    long t = s > 0 ? (long)(s + 0.5) : 0;
    if (t >= 3600)
        snprintf(out, size, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else if (t >= 60)
        snprintf(out, size, "%ldm%02lds", t / 60, t % 60);
    else
        snprintf(out, size, "%lds", t);
}

void cmd_progress_start(cmd_progress *p, FILE *out, const char *noun,
                        size_t total)
{
    *p = (cmd_progress){out, noun, total, 0, 0, wallclock_seconds(), 0, 0};
}

static void draw(cmd_progress *p)
{
    if (!p->out)
        return;
    double now = wallclock_seconds(), elapsed = now - p->start;
    char el[32], eta[48] = "";
    span(el, sizeof el, elapsed);
    if (p->done > 0 && p->done < p->total) {
        char left[32];
        span(left, sizeof left,
             elapsed / (double)p->done * (double)(p->total - p->done));
        snprintf(eta, sizeof eta, "  ETA %s", left);
    }
    fprintf(p->out, "\r  %zu/%zu %s  %zu failed  %s elapsed%s\033[K", p->done,
            p->total, p->noun, p->failed, el, eta);
    fflush(p->out);
    p->last_draw = now;
    p->drawn = 1;
}

void cmd_progress_step(cmd_progress *p, int failed)
{
    p->done++;
    p->failed += failed != 0;
    draw(p);
}

void cmd_progress_draw(cmd_progress *p)
{
    if (p->out && wallclock_seconds() - p->last_draw >= 0.25)
        draw(p);
}

void cmd_progress_clear(cmd_progress *p)
{
    if (p->out && p->drawn) {
        fputs("\r\033[K", p->out);
        fflush(p->out);
        p->drawn = 0;
    }
}

void cmd_progress_finish(cmd_progress *p)
{
    if (!p->out)
        return;
    draw(p);
    fputc('\n', p->out);
    p->drawn = 0;
}

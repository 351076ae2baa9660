/*
 * Tests of the ledger's audit (issue #19, items 8 and 9): the running totals
 * that every transfer keeps and their O(1) check (account.h, venue.h:
 * venue_set_check), the recount every N ledger events that --check-invariants
 * asks for (world.h: WORLD_RECOUNT_EVERY), and the deposits and withdrawals
 * on the output grid from which a reader proves the ledger
 * (/venues/<v>/audit/ deposits and withdrawals: cash_total - deposits +
 * withdrawals is the same at every sample).
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>

#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "profile_yaml.h"
#include "runner.h"
#include "scenario_load.h"
#include "support.h"
#include "world.h"

/* ---- the check on one venue ---------------------------------------------- */

/* Binance over 40,000 to 70,000.0 (ticks of 0.1) with the mark at 60,000,
 * checked after every call with a recount every `every` checks
 * (venue_set_check), and one account, *id, of 10,000 USDT cross at 10x. */
static venue *checked_venue(uint64_t every, uint32_t *id)
{
    perr e = {0, ""};
    venue *v = venue_new(builtin_profile("binance"), 400000, 700000, 600000,
                         16, 16, &e);
    cr_assert_not_null(v, "venue_new: %s", e.msg);
    *id = open_account(v, 10000000000, ACCOUNT_CROSS, 10);
    venue_set_check(v, every);
    return v;
}

/* A deposit into id on v, which must fail the ledger's check with a message
 * holding want; the message. */
static perr broken_deposit(venue *v, uint32_t id, const char *want)
{
    perr e = {0, ""};
    int rc = venue_deposit(v, id, 1000, &e);
    cr_assert_eq(rc, PERR_STATE, "%d %s", rc, e.msg);
    cr_expect_not_null(strstr(e.msg, want), "%s", e.msg);
    return e;
}

/* The ledger as the engine may not touch it: tests break it on purpose. */
static accounts *ledger_of(venue *v)
{
    return (accounts *)venue_accounts(v);
}

Test(audit, a_transfer_that_creates_cash_fails_the_next_call)
{
    /* A recount only every million calls: what fails below is the O(1)
     * check of the running totals. */
    uint32_t id;
    venue *v = checked_venue(1000000, &id);
    uint64_t c0, r0;
    venue_check_counts(v, &c0, &r0);
    /* One leg of a transfer without the other, as a bug would make it: the
     * account's cash and the running total move, nothing pays for it. */
    accounts *t = ledger_of(v);
    t->a[id].cash += 7;
    t->cash_total += 7;
    perr e = broken_deposit(v, id, "ledger invariant broken after "
                                   "venue_deposit: running totals: cash ");
    cr_expect_not_null(strstr(e.msg, "(off by 7)"), "%s", e.msg);
    uint64_t checks, recounts;
    venue_check_counts(v, &checks, &recounts);
    cr_expect_eq(checks - c0, 1);
    cr_expect_eq(recounts - r0, 0, "the running totals alone caught it");
    venue_free(v);
}

Test(audit, a_fill_whose_lots_do_not_balance_fails_the_next_call)
{
    uint32_t id;
    venue *v = checked_venue(1000000, &id);
    /* A long leg without its short leg. */
    ledger_of(v)->long_lots += 3;
    broken_deposit(v, id, "running totals: long lots ");
    venue_free(v);
}

Test(audit, the_recount_catches_cash_changed_behind_the_ledger_within_n_calls)
{
    uint32_t id;
    venue *v = checked_venue(4, &id);
    /* Cash that no transfer moved: the running totals cannot see it. */
    ledger_of(v)->a[id].cash += 1;
    perr e = {0, ""};
    for (int k = 1; k <= 3; k++)
        cr_assert_eq(venue_deposit(v, id, 1000, &e), 0, "call %d: %s", k,
                     e.msg);
    /* The 4th call recounts. */
    e = broken_deposit(v, id, "ledger invariant broken after "
                              "venue_deposit: cash recounted ");
    cr_expect_not_null(strstr(e.msg, "the running total says"), "%s", e.msg);
    cr_expect_not_null(strstr(e.msg, "(off by 1)"), "%s", e.msg);
    venue_free(v);
}

Test(audit, recounts_once_every_n_checked_calls)
{
    uint32_t id;
    venue *v = checked_venue(10, &id);
    uint64_t c0, r0;
    venue_check_counts(v, &c0, &r0);
    perr e = {0, ""};
    for (int k = 0; k < 95; k++) {
        cr_assert_eq(venue_deposit(v, id, 1000, &e), 0, "%s", e.msg);
        cr_assert_eq(venue_withdraw(v, id, 400, &e), 0, "%s", e.msg);
    }
    uint64_t checks, recounts;
    venue_check_counts(v, &checks, &recounts);
    cr_expect_eq(checks - c0, 190);
    cr_expect_eq(recounts - r0, 19);
    venue_set_check(v, 1);
    cr_assert_eq(venue_deposit(v, id, 1000, &e), 0, "%s", e.msg);
    venue_check_counts(v, &checks, &recounts);
    cr_expect_eq(recounts - r0, 20, "1: a recount after every call");
    venue_set_check(v, 0);
    cr_assert_eq(venue_deposit(v, id, 1000, &e), 0, "%s", e.msg);
    uint64_t c1, r1;
    venue_check_counts(v, &c1, &r1);
    cr_expect(c1 == checks && r1 == recounts, "0: no check at all");
    /* The books have every deposit and withdrawal. */
    venue_totals b;
    venue_books(v, &b);
    cr_expect_eq(b.ledger.deposits, 10000000000 + 97 * 1000);
    cr_expect_eq(b.ledger.withdrawals, 95 * 400);
    cr_expect_eq(b.ledger.cash_total - b.ledger.deposits + b.ledger.withdrawals,
                 venue_profile(v)->insurance_fund
                     + venue_profile(v)->backstop_vault);
    support_audit(v);
    venue_free(v);
}

/* ---- a whole run ------------------------------------------------------------ */

/* The default scenario (scenarios/quickstart.yaml): noise takers deposit
 * as their orders need margin, leveraged holders deposit and withdraw to
 * keep their leverage. */
static void load_default(scenario *s)
{
    perr e = {0, ""};
    cr_assert_eq(scenario_load_default(NULL, 0, s, &e), 0, "%s", e.msg);
}

Test(audit, check_invariants_recounts_once_per_n_events_not_every_event)
{
    scenario s;
    load_default(&s);
    world_options opt = {.check_invariants = 1};
    perr e = {0, ""};
    world *w = world_new(&s, &opt, &e);
    cr_assert_not_null(w, "%s", e.msg);
    cr_assert_eq(world_run(w, NULL, NULL, NULL, &e), 0, "%s", e.msg);
    uint64_t checks, recounts;
    world_check_counts(w, &checks, &recounts);
    uint64_t agents = world_agents(w);
    cr_assert_gt(agents, WORLD_RECOUNT_EVERY,
                 "the period is the accounts' number here");
    /* Every account opened, order, deposit, withdrawal, liquidation pass
     * and settlement is checked: more checks than events; a recount comes
     * once per as many ledger events as the venue has accounts (a recount
     * per event took over 300 s in this scenario). */
    cr_expect_gt(checks, world_events(w), "%llu checks, %llu events",
                 (unsigned long long)checks,
                 (unsigned long long)world_events(w));
    uint64_t most = checks / agents;
    cr_expect_geq(recounts, 2);
    cr_expect_leq(recounts, most, "%llu recounts in %llu checks",
                  (unsigned long long)recounts, (unsigned long long)checks);
    world_free(w);

    /* Without the option: no check during the run. */
    w = world_new(&s, NULL, &e);
    cr_assert_not_null(w, "%s", e.msg);
    cr_assert_eq(world_run(w, NULL, NULL, NULL, &e), 0, "%s", e.msg);
    world_check_counts(w, &checks, &recounts);
    cr_expect(checks == 0 && recounts == 0);
    world_free(w);
    scenario_free(&s);
}

/* The whole of a file, or fails the test; *n gets its size. */
static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot read %s", path);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)size + 1);
    cr_assert_not_null(buf);
    cr_assert_eq(fread(buf, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    *n = (size_t)size;
    return buf;
}

/* /venues/<vname>/audit/<name> of file as int64s (the caller frees);
 * *n gets the number of samples. */
static int64_t *read_audit(hid_t file, const char *vname, const char *name,
                           size_t *n)
{
    char path[256];
    snprintf(path, sizeof path, "/venues/%s/audit/%s", vname, name);
    cr_assert_gt(H5Lexists(file, path, H5P_DEFAULT), 0, "no %s", path);
    hid_t d = H5Dopen2(file, path, H5P_DEFAULT);
    hid_t sp = H5Dget_space(d);
    *n = (size_t)H5Sget_simple_extent_npoints(sp);
    int64_t *out = malloc((*n ? *n : 1) * sizeof *out);
    cr_assert_not_null(out);
    cr_assert_geq(H5Dread(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                          out), 0);
    H5Sclose(sp);
    H5Dclose(d);
    return out;
}

/* Runs the default scenario into dir, with or without the check; path
 * gets the result's path. */
static void run_default(const char *dir, int check, char *path, size_t size)
{
    runner_job job = {.out_dir = dir, .force = 1, .check_invariants = check};
    runner_result res;
    perr e = {0, ""};
    cr_assert_eq(runner_run(&job, &res, &e), 0, "runner_run: %s", e.msg);
    snprintf(path, size, "%s", res.path);
    runner_result_free(&res);
}

Test(audit, the_file_proves_the_ledger_and_the_check_changes_no_byte)
{
    char d1[] = "/tmp/perpsim-audit-XXXXXX", d2[] = "/tmp/perpsim-audit-XXXXXX";
    cr_assert_not_null(mkdtemp(d1));
    cr_assert_not_null(mkdtemp(d2));
    char plain[4096], checked[4096];
    run_default(d1, 0, plain, sizeof plain);
    run_default(d2, 1, checked, sizeof checked);

    size_t n1, n2;
    char *b1 = slurp(plain, &n1), *b2 = slurp(checked, &n2);
    cr_expect(n1 == n2 && memcmp(b1, b2, n1) == 0,
              "--check-invariants changed the result (%zu and %zu bytes)",
              n1, n2);
    free(b1);
    free(b2);

    scenario s;
    load_default(&s);
    const profile *p = &s.venues[0].profile;
    int64_t opened_with = p->insurance_fund + p->backstop_vault;
    hid_t f = H5Fopen(checked, H5F_ACC_RDONLY, H5P_DEFAULT);
    cr_assert_geq(f, 0);
    size_t n, nd, nw;
    int64_t *cash = read_audit(f, s.venues[0].name, "cash_total", &n);
    int64_t *dep = read_audit(f, s.venues[0].name, "deposits", &nd);
    int64_t *wd = read_audit(f, s.venues[0].name, "withdrawals", &nw);
    cr_assert(n > 100 && nd == n && nw == n, "%zu %zu %zu samples", n, nd, nw);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(cash[i] - dep[i] + wd[i], opened_with,
                     "sample %zu: cash %lld - deposits %lld + withdrawals "
                     "%lld", i, (long long)cash[i], (long long)dep[i],
                     (long long)wd[i]);
        cr_assert_gt(dep[i], 0);
        cr_assert_geq(wd[i], 0);
        if (i > 0) {
            cr_assert_geq(dep[i], dep[i - 1], "sample %zu", i);
            cr_assert_geq(wd[i], wd[i - 1], "sample %zu", i);
        }
    }
    /* Money came in and went out during the run, not only at set-up. */
    cr_expect_gt(dep[n - 1], dep[0]);
    cr_expect_gt(wd[n - 1], wd[0]);
    cr_expect_gt(cash[n - 1], cash[0]);
    free(cash);
    free(dep);
    free(wd);
    H5Fclose(f);
    scenario_free(&s);
    remove(plain);
    remove(checked);
    rmdir(d1);
    rmdir(d2);
}

/* ---- what the check costs -------------------------------------------------- */

/* CPU seconds (user + system) this process has used. */
static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec
           + (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

/* The CPU time of the default scenario without a file. */
static double time_default(int check)
{
    runner_job job = {.check_invariants = check};
    runner_result res;
    perr e = {0, ""};
    double t0 = cpu_seconds();
    cr_assert_eq(runner_run(&job, &res, &e), 0, "runner_run: %s", e.msg);
    double t = cpu_seconds() - t0;
    runner_result_free(&res);
    return t;
}

Test(audit, check_invariants_costs_at_most_three_plain_runs)
{
#ifndef NDEBUG
    cr_skip_test("timed in the release build only: the sanitizers' cost "
                 "differs between the two");
#endif
    /* Each the fastest of three, taken in turn: CPU time, so that the other
     * processes on the machine count as little as they can. A recount per
     * event took over 300 s here; a plain run about 0.2 s. */
    double plain = 1e9, checked = 1e9;
    for (int k = 0; k < 3; k++) {
        double a = time_default(0), b = time_default(1);
        plain = a < plain ? a : plain;
        checked = b < checked ? b : checked;
    }
    cr_expect_leq(checked, 3 * plain, "%.3f s with the check, %.3f s without",
                  checked, plain);
}

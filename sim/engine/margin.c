/*
 * margin: bracket arithmetic, the exact liquidation test and the liquidation
 * and bankruptcy prices (see margin.h for the model and its invariants).
 *
 * Every product that can pass 2^63 (lots x ticks x K x rate) is taken in
 * 128-bit integers; GCC and Clang provide them, and __extension__ keeps
 * -Wpedantic quiet about it.
 */
#include "margin.h"

#include <math.h>

#include "rule.h"

__extension__ typedef __int128 i128;

static int64_t saturate(i128 v)
{
    if (v > (i128)INT64_MAX)
        return INT64_MAX;
    if (v < (i128)INT64_MIN)
        return INT64_MIN;
    return (int64_t)v;
}

/* Ceiling of a / b for b > 0. */
static i128 ceil_div(i128 a, i128 b)
{
    i128 q = a / b;
    return q + (a % b > 0);
}

static int64_t abs64(int64_t v)
{
    return v < 0 ? -v : v;
}

int64_t margin_notional(const profile *p, int64_t lots, int64_t price)
{
    return saturate((i128)abs64(lots) * price * p->cash_per_tick_lot);
}

int margin_bracket(const profile *p, int64_t notional)
{
    int i = 0;
    while (i + 1 < p->nbrackets && notional > p->brackets[i].cap)
        i++;
    return i;
}

/* notional x mmr - cum of bracket b, rounded up, and never below 0. */
static i128 maintenance_in(const profile_bracket *b, i128 notional)
{
    if (notional <= 0)
        return 0;
    i128 mm = ceil_div(notional * b->mmr, PROFILE_RATE_ONE) - b->cum;
    return mm < 0 ? 0 : mm;
}

int64_t margin_maintenance(const profile *p, int64_t notional)
{
    return saturate(
        maintenance_in(&p->brackets[margin_bracket(p, notional)], notional));
}

int64_t margin_initial(int64_t notional, int32_t leverage)
{
    return saturate(ceil_div(notional, leverage < 1 ? 1 : leverage));
}

int32_t margin_max_leverage(const profile *p, int64_t notional)
{
    return p->brackets[margin_bracket(p, notional)].max_leverage;
}

static i128 balance128(const profile *p, const margin_position *pos,
                       int64_t mark)
{
    return (i128)pos->cash + (i128)pos->size * mark * p->cash_per_tick_lot;
}

int64_t margin_balance(const profile *p, const margin_position *pos,
                       int64_t mark)
{
    return saturate(balance128(p, pos, mark));
}

/* The notional the maintenance margin is measured on, as an exact i128. */
static i128 basis_notional(const profile *p, const margin_position *pos,
                           int64_t mark)
{
    return p->mm_basis->notional(p, pos, mark);
}

int64_t margin_basis_notional(const profile *p, const margin_position *pos,
                              int64_t mark)
{
    return saturate(basis_notional(p, pos, mark));
}

static i128 maintenance128(const profile *p, const margin_position *pos,
                           int64_t mark)
{
    i128 notional = basis_notional(p, pos, mark);
    return maintenance_in(&p->brackets[margin_bracket(p, saturate(notional))],
                          notional);
}

int64_t margin_position_maintenance(const profile *p,
                                    const margin_position *pos, int64_t mark)
{
    return saturate(maintenance128(p, pos, mark));
}

int margin_liquidatable(const profile *p, const margin_position *pos,
                        int64_t mark)
{
    if (pos->size == 0)
        return 0;
    /* balance < ceil(notional x mmr / ONE) - cum, without the division:
     * for integers, x < ceil(y / ONE) exactly when x x ONE < y; and where
     * cum exceeds notional x mmr the maintenance is 0, the test balance < 0. */
    i128 notional = basis_notional(p, pos, mark);
    i128 balance = balance128(p, pos, mark);
    if (notional <= 0)
        return balance < 0;
    const profile_bracket *b = &p->brackets[margin_bracket(p, saturate(notional))];
    i128 mm_scaled = notional * b->mmr - (i128)b->cum * PROFILE_RATE_ONE;
    if (mm_scaled < 0)
        mm_scaled = 0;
    return balance * PROFILE_RATE_ONE < mm_scaled;
}

double margin_liq_price(const profile *p, const margin_position *pos,
                        int *bracket)
{
    int i;
    double lp = p->mm_basis->liq_price(p, pos, &i);
    if (bracket)
        *bracket = i;
    return lp;
}

double margin_bankruptcy_price(const profile *p, const margin_position *pos)
{
    return -(double)pos->cash
           / ((double)pos->size * (double)p->cash_per_tick_lot);
}

int64_t margin_bankruptcy_value(const margin_position *pos, int64_t lots)
{
    i128 num = -(i128)pos->cash * lots;
    i128 den = pos->size;
    if (den < 0) {
        /* A short buys back: it pays, rounded down. */
        num = -num, den = -den;
        i128 v = num / den - (num % den < 0);
        return v < 0 ? 0 : saturate(v);
    }
    i128 v = ceil_div(num, den);
    return v < 0 ? 0 : saturate(v);
}

/* The exact edge of the liquidatable marks, from an estimate m. The marks
 * of pos that are liquidatable form one interval reaching end (1 for a long,
 * max_mark for a short), so walk from m toward end until one is, then gallop
 * the other way (step: +1 for a long, -1 for a short) to the last one. The
 * estimate is within a tick or two; doubling strides bound the steps if
 * rounding were ever far off. end itself is known to be liquidatable. */
static int64_t trigger_edge(const profile *p, const margin_position *pos,
                            int64_t m, int step, int64_t max_mark)
{
    int64_t end = step > 0 ? 1 : max_mark;
    int64_t stride = 1;
    while (!margin_liquidatable(p, pos, m)) {
        m -= step * stride;
        stride *= 2;
        if (step > 0 ? m <= 1 : m >= max_mark) {
            m = end;
            break;
        }
    }
    stride = 1;
    for (;;) {
        int64_t beyond = m + step;
        if (beyond < 1 || beyond > max_mark
            || !margin_liquidatable(p, pos, beyond))
            return m;
        int64_t next = m + step * stride;
        if (next < 1 || next > max_mark || !margin_liquidatable(p, pos, next)) {
            stride = 1; /* overshot: creep from m again */
            continue;
        }
        m = next;
        stride *= 2;
    }
}

int64_t margin_trigger(const profile *p, const margin_position *pos,
                       int64_t max_mark)
{
    /* Liquidatable at M iff M <= trigger (long) or M >= trigger (short).
     * The never case first: it is common (a well-funded maker, the fund)
     * and needs no estimate. A long whose cash is not negative is never
     * liquidated where maintenance is measured at the mark: its balance,
     * cash + notional, is at least the notional, and maintenance, notional
     * x mmr - cum with mmr < 1 and cum >= 0 (profile_check), is below it. */
    if (pos->size > 0 && pos->cash >= 0 && p->mm_basis->funded_long_is_safe)
        return MARGIN_NEVER_LONG;
    if (pos->size > 0 ? !margin_liquidatable(p, pos, 1)
                      : !margin_liquidatable(p, pos, max_mark))
        return pos->size > 0 ? MARGIN_NEVER_LONG : MARGIN_NEVER_SHORT;
    double lp = margin_liq_price(p, pos, NULL);
    int64_t estimate = !(lp >= 1.0)               ? 1
                       : lp >= (double)max_mark   ? max_mark
                       : pos->size > 0            ? (int64_t)floor(lp)
                                                  : (int64_t)ceil(lp);
    return trigger_edge(p, pos, estimate, pos->size > 0 ? 1 : -1, max_mark);
}

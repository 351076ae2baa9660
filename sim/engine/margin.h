/*
 * margin: the arithmetic of margin on one venue. Brackets, maintenance and
 * initial margin, margin balance, the liquidation test, and the liquidation
 * and bankruptcy prices. Pure functions of a profile and a position; the
 * accounts, the liquidation engine and `perpsim calc` all call these, so the
 * calculator prints exactly what the engine acts on.
 *
 * A position is held the way a clearing house holds it (dYdX v4 does the
 * same): size in signed lots, and a cash balance that every trade moves by
 * its notional (a buyer's falls by price x lots, a seller's rises). The margin
 * balance at mark M is then cash + size x M x K (K = cash per tick-lot), and
 * the trader's wallet balance in the sense of Binance's formulas is
 * cash + cost, where cost is the signed entry notional. Every transfer is
 * integer; rounding is always against the trader (maintenance and initial
 * margin round up).
 *
 * The liquidation test is margin balance < maintenance margin, evaluated
 * exactly in 128-bit integers. The maintenance margin is
 * notional x mmr - cum of the notional's bracket, with the notional taken at
 * the mark (Binance, Hyperliquid, dYdX) or at the entry (Bybit's published
 * formula), as the profile's margin basis says (a rule, models/rule.h,
 * which also gives the liquidation price). Because cum makes the
 * maintenance margin
 * continuous and rates stay below 1, the margin balance minus maintenance is
 * monotone in the mark: a long is liquidatable exactly at the marks at or
 * below one tick (its trigger), a short exactly at or above one. That is
 * what lets the engine keep positions ordered by trigger and touch only
 * those that cross (ARCHITECTURE.md, "Margin, the ledger and the liquidation
 * engine").
 *
 * Liquidation price (mechanics.md 3; Binance's isolated formula, which
 * Hyperliquid's and dYdX's are algebraic forms of):
 *     LP = (cash + cum) / (K x (|s| x mmr - s))
 * with the bracket of LP's own notional: when the notional at the first
 * bracket's LP falls in another bracket, the price is recomputed with that
 * bracket's rate and cum until it is consistent. Bankruptcy price: the mark
 * at which the margin balance is zero, BP = -cash / (s x K).
 */
#ifndef PERPSIM_MARGIN_H
#define PERPSIM_MARGIN_H

#include <stdint.h>

#include "profile.h"

/* Trigger value of a position that no positive mark can liquidate (a long)
 * or no representable mark can (a short). */
#define MARGIN_NEVER_LONG INT64_C(0)
#define MARGIN_NEVER_SHORT INT64_MAX

typedef struct margin_position {
    int64_t size; /* lots, > 0 long, < 0 short */
    int64_t cost; /* signed entry notional, cash units: sum of size x price x K
                     over the fills that built the position (long > 0) */
    int64_t cash; /* the cash balance backing the position: the whole wallet
                     in cross margin, the isolated margin in isolated */
} margin_position;

/* |lots| x price x K, cash units; saturates at INT64_MAX. */
int64_t margin_notional(const profile *p, int64_t lots, int64_t price);

/* The index of the bracket holding notional (>= 0). */
int margin_bracket(const profile *p, int64_t notional);

/* notional x mmr - cum of its bracket, rounded up; 0 for a zero notional. */
int64_t margin_maintenance(const profile *p, int64_t notional);

/* notional / leverage rounded up; leverage >= 1. */
int64_t margin_initial(int64_t notional, int32_t leverage);

/* The largest leverage allowed for a position of this notional. */
int32_t margin_max_leverage(const profile *p, int64_t notional);

/* Margin balance at mark: cash + size x mark x K, saturated to int64. */
int64_t margin_balance(const profile *p, const margin_position *pos,
                       int64_t mark);

/* The notional pos's maintenance is measured on at mark (the profile's
 * margin basis), saturated to int64. */
int64_t margin_basis_notional(const profile *p, const margin_position *pos,
                              int64_t mark);

/* The maintenance margin of pos at mark, on the profile's basis. */
int64_t margin_position_maintenance(const profile *p,
                                    const margin_position *pos, int64_t mark);

/* 1 when pos is liquidatable at mark (margin balance < maintenance), exactly. */
int margin_liquidatable(const profile *p, const margin_position *pos,
                        int64_t mark);

/* The trigger tick of pos: for a long, the highest mark at which it is
 * liquidatable (MARGIN_NEVER_LONG when none >= 1); for a short, the lowest
 * (MARGIN_NEVER_SHORT when none up to max_mark). Exact: found with
 * margin_liquidatable from the rational estimate. size must not be 0. */
int64_t margin_trigger(const profile *p, const margin_position *pos,
                       int64_t max_mark);

/* The liquidation price in ticks (not rounded to the grid), with the bracket
 * used in *bracket when bracket is not NULL. May be <= 0 for a long that no
 * price liquidates, or infinite for a short. size must not be 0. */
double margin_liq_price(const profile *p, const margin_position *pos,
                        int *bracket);

/* The bankruptcy price in ticks: the mark at which the margin balance is 0. */
double margin_bankruptcy_price(const profile *p, const margin_position *pos);

/* The cash that changes hands when lots of pos are closed at its bankruptcy
 * price: the exact -cash x lots / size, rounded in the bankrupt position's
 * favour (up when it sells, a long; down when it buys, a short), so closing
 * a position piece by piece at this price never leaves it below zero. */
int64_t margin_bankruptcy_value(const margin_position *pos, int64_t lots);

#endif

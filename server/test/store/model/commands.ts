/**
 * fast-check commands over the operations of `operations.ts`: `Step` runs one operation
 * and checks the invariants; `Together` issues a few at once (`Promise.all`, through both
 * store objects) and accepts any serial order that explains every answer and the state after.
 */
import fc from 'fast-check';
import { checkInvariants } from './invariants.js';
import { PERMISSIONS, type Permission } from '../../../src/store/types.js';
import { cloneModel, PRODUCTS, SETTLE_AFTER_MS, type Model } from './model.js';
import {
  AdminAdjust,
  Authorize,
  CallStep,
  ChangeThenReserve,
  ClaimEvent,
  CompleteTopup,
  CreateKey,
  CreateTopup,
  FinishEvent,
  PaddleAdjustment,
  Reconcile,
  RefundCall,
  Register,
  Reserve,
  RevokeKey,
  RotateKey,
  SeeUpdate,
  SetStatus,
  SetThreshold,
  StarsCharge,
  StarsRefund,
  Tick,
  UpdateKey,
  UpdateTopup,
  performOn,
  type Bound,
  type CallAction,
  type CompletionAmount,
  type RevisionChange,
  type HashKind,
  type KeyChange,
  type Operation,
  type Restrictions,
} from './operations.js';
import { tally, type Real } from './real.js';

const HOUR = 3_600_000;

/** Runs one operation, compares its answer with the model's, then checks the invariants. */
export class Step implements fc.AsyncCommand<Model, Real> {
  constructor(readonly operation: Operation) {}
  check = (model: Readonly<Model>): boolean => this.operation.bind(model) !== null;
  async run(model: Model, real: Real): Promise<void> {
    const bound = this.operation.bind(model)!;
    const actual = await performOn(bound, real);
    const expected = bound.expect(model, actual);
    real.counts.commands += 1;
    real.counts.operations += 1;
    tally(real.counts, this.operation.toString(), actual.tally ?? actual.result);
    if (actual.result !== expected) throw new Error(`${this.operation}: the model expects ${expected}, the ${real.kind} store answered ${actual.result}`);
    await checkInvariants(model, real);
  }
  toString = (): string => this.operation.toString();
}

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, index) => permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]));
}

/**
 * Operations issued together. Each is bound to the model before any runs; the answers
 * must be those of at least one serial order, whose model then stands.
 */
export class Together implements fc.AsyncCommand<Model, Real> {
  constructor(readonly operations: Operation[]) {}
  check = (model: Readonly<Model>): boolean => this.operations.every((operation) => operation.bind(model as Model) !== null);
  async run(model: Model, real: Real): Promise<void> {
    const bound = this.operations.map((operation) => operation.bind(model)!);
    const actual = await Promise.all(bound.map((operation) => performOn(operation, real)));
    real.counts.commands += 1;
    real.counts.operations += bound.length;
    this.operations.forEach((operation, index) => tally(real.counts, `Together/${operation}`, actual[index]!.tally ?? actual[index]!.result));
    // Several orders may give the same answers but different states (a credit before or
    // after a clamped debit): the store's state must then be that of one of them.
    const tried: string[] = [];
    let firstFailure: unknown = null;
    for (const order of permutations(bound.map((_, index) => index))) {
      const candidate = cloneModel(model);
      const expected = order.map((index) => (bound[index] as Bound).expect(candidate, actual[index]!));
      tried.push(`order ${order.join(',')}: ${expected.join(', ')}`);
      if (!order.every((index, position) => expected[position] === actual[index]!.result)) continue;
      try {
        await checkInvariants(candidate, real);
      } catch (error) {
        firstFailure ??= error;
        continue;
      }
      Object.assign(model, candidate);
      return;
    }
    if (firstFailure !== null) throw firstFailure as Error;
    throw new Error(
      `${this}: the ${real.kind} store answered ${actual.map((outcome) => outcome.result).join(', ')}; no serial order gives that (${tried.join('; ')})`,
    );
  }
  toString = (): string => `Together(${this.operations.join(' | ')})`;
}

// Arbitraries -------------------------------------------------------------------------

const pick = fc.nat({ max: 7 });
const via = fc.constantFrom<0 | 1>(0, 1);
const product = fc.constantFrom(...PRODUCTS);
/** Mostly prices that fit; now and then free, a fraction or past $1,000,000 (refused before anything). */
const price = fc.oneof(
  { arbitrary: fc.constantFrom(100, 250, 1_000, 4_000), weight: 12 },
  { arbitrary: fc.constantFrom(0, 0.5, 10_000_000_000_000), weight: 1 },
);
const hashKind = fc.constantFrom<HashKind>('current', 'current', 'current', 'previous', 'retired', 'forged');
const period = fc.constantFrom(null, 'daily' as const, 'weekly' as const, 'monthly' as const);
/** Now and then out of bounds (0, a fraction, past $1,000,000): the key is not created or changed. */
const spendLimit = fc.oneof(
  { arbitrary: fc.constantFrom(null, 300, 1_000, 5_000), weight: 12 },
  { arbitrary: fc.constantFrom(0, 2.5, 10_000_000_000_000), weight: 1 },
);
/** Any subset: often every one (as the bot and the Mini App create), often without products:call. */
const permissions: fc.Arbitrary<Permission[]> = fc.oneof(fc.constant<Permission[]>([...PERMISSIONS]), fc.subarray<Permission>([...PERMISSIONS]));
const allowedProducts = fc.option(fc.subarray([...PRODUCTS], { minLength: 1 }), { nil: null });
const refIndex = fc.nat({ max: 2 }); // a small pool, so references repeat (replays, mismatched amounts)
/** Mostly a new call; now and then one reserved before, again. */
const replayPick = fc.oneof({ arbitrary: fc.constant(null), weight: 4 }, { arbitrary: pick, weight: 1 });

const restrictions: fc.Arbitrary<Restrictions> = fc.record({
  allowedProducts,
  permissions,
  spendLimit,
  period,
  expiresInMs: fc.constantFrom(null, null, null, 2 * HOUR),
});

const keyChange: fc.Arbitrary<KeyChange> = fc.oneof(
  fc.record({ enabled: fc.boolean() }),
  fc.record({ allowedProducts }),
  fc.record({ permissions }),
  fc.record({ spendLimit, period }),
  fc.record({ expiresInMs: fc.constantFrom(null, HOUR) }),
);

const register = fc.tuple(fc.nat({ max: 3 }), via).map(([user, through]) => new Register(user, through));
/**
 * Amounts that fit, credits that pass the ceiling of 50,000 (MAX_BALANCE) from a few
 * steps up, and amounts out of bounds: 0, a fraction, 10^13 and 2^53 − 1 either way.
 */
const adminAmount = fc.oneof(
  { arbitrary: fc.constantFrom(500, 5_000, 20_000, 45_000, -300, -5_000), weight: 6 },
  { arbitrary: fc.constantFrom(0, 1.5, 10_000_000_000_000, -10_000_000_000_000, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER), weight: 1 },
);
const adminAdjust = fc.tuple(pick, adminAmount, fc.option(refIndex, { nil: null })).map(([account, amount, ref]) => new AdminAdjust(account, amount, ref));
const starsCharge = fc
  .tuple(pick, refIndex, fc.constantFrom(1, 2, 4), via)
  .map(([account, charge, stars, through]) => new StarsCharge(account, charge, stars, through));
const starsRefund = fc.tuple(pick, fc.option(pick, { nil: null, freq: 5 })).map(([account, charge]) => new StarsRefund(account, charge));
/** Mostly the top-up's amount (the payment paths check it first); now and then twice it, or out of bounds. */
const completionAmount = fc.oneof(
  { arbitrary: fc.constant<CompletionAmount>('asked'), weight: 8 },
  { arbitrary: fc.constant<CompletionAmount>('double'), weight: 1 },
  { arbitrary: fc.constantFrom<CompletionAmount>(0, 1.5, 10_000_000_000_000, 9_007_199_254_740_991), weight: 1 },
);
const completeTopup = fc
  .tuple(pick, pick, refIndex, completionAmount, via)
  .map(([account, topup, payment, amount, through]) => new CompleteTopup(account, topup, payment, amount, through));
const authorize = fc.tuple(pick, pick, hashKind, via).map(([account, key, hash, through]) => new Authorize(account, key, hash, through));
const reserve = fc
  .tuple(pick, pick, hashKind, product, price, replayPick, via)
  .map(([account, key, hash, productId, amount, replay, through]) => new Reserve(account, key, hash, productId, amount, replay, through));
const claimEvent = refIndex.map((event) => new ClaimEvent(event));
const seeUpdate = refIndex.map((update) => new SeeUpdate(update));
const refundCall = fc
  .tuple(pick, pick, via, fc.boolean())
  .map(([account, call, through, unanswered]) => new RefundCall(account, call, through, false, unanswered));
/**
 * An instance moves a call on: forwarded, answered (now and then with an error status),
 * settled; its batch mostly written now (flush), else held in memory (answers come often,
 * so that reconcilers find answered calls to keep).
 */
const callStep = fc
  .tuple(
    pick,
    pick,
    fc.constantFrom<CallAction>('forward', 'answer', 'answer', 'answer', 'settle', 'settle'),
    fc.constantFrom(200, 200, 404),
    via,
    fc.constantFrom(true, true, false),
  )
  .map(([account, call, action, status, through, flush]) => new CallStep(account, call, action, status, through, flush));
/** An instance is killed (what it held in memory lost) or not, time passes (past the threshold) or not, and the reconciler runs a pass. */
const reconcile = fc.tuple(via, fc.boolean(), fc.constantFrom(0, SETTLE_AFTER_MS + 1_000)).map(([through, crash, wait]) => new Reconcile(through, crash, wait));
/**
 * The reconciler (its clock past the threshold of every call reserved so far) racing
 * a late instance's batch of one change to the same call (settled, answered, forwarded), its
 * refund by an instance, or another reconciler, through the other store object: exactly one
 * of them acts on each call, and a call answered after the reconciler listed it is kept in
 * the same pass. A batch of several calls is not raced: the pass is a series of atomic
 * changes, so it may land between two of them, which no serial order explains.
 */
const AHEAD_MS = SETTLE_AFTER_MS + 1_000;
const reconcileRace = fc
  .tuple(pick, pick, via, fc.constantFrom('settle' as const, 'settle' as const, 'answer' as const, 'forward' as const, 'refund' as const, 'reconcile' as const))
  .map(([account, call, through, rival]) => {
    const other = (1 - through) as 0 | 1;
    const racer =
      rival === 'refund'
        ? new RefundCall(account, call, other, true)
        : rival === 'reconcile'
          ? new Reconcile(other, false, 0, AHEAD_MS, true)
          : new CallStep(account, call, rival, 200, other, true, true);
    return new Together([new Reconcile(through, false, 0, AHEAD_MS, true), racer]);
  });
const revokeKey = fc.tuple(pick, pick, via).map(([account, key, through]) => new RevokeKey(account, key, through));
const updateKey = fc.tuple(pick, pick, keyChange, via).map(([account, key, change, through]) => new UpdateKey(account, key, change, through));

/**
 * What may race in one `Together`: single store operations, and the few that read then
 * write or claim then credit and stay serializable (StarsRefund, StarsCharge,
 * CompleteTopup: the top-up's status and its credit are one atomic change, and a charge's
 * owner is the first claim).
 */
const concurrent: fc.Arbitrary<Operation> = fc.oneof(
  { arbitrary: reserve, weight: 5 },
  { arbitrary: refundCall, weight: 2 },
  { arbitrary: adminAdjust, weight: 2 },
  { arbitrary: starsCharge, weight: 1 },
  { arbitrary: completeTopup, weight: 2 },
  { arbitrary: starsRefund, weight: 1 },
  { arbitrary: authorize, weight: 1 },
  { arbitrary: revokeKey, weight: 1 },
  { arbitrary: updateKey, weight: 1 },
  { arbitrary: register, weight: 1 },
  { arbitrary: claimEvent, weight: 1 },
  { arbitrary: seeUpdate, weight: 1 },
);

/** Reserves on one account at the same moment, often for more than its balance covers together. */
const reserveRace = fc
  .tuple(pick, fc.array(fc.tuple(pick, fc.constantFrom(1_000, 4_000, 6_000), via), { minLength: 2, maxLength: 3 }))
  .map(([account, calls]) => new Together(calls.map(([key, amount, through]) => new Reserve(account, key, 'current', 'reliapi', amount, null, through))));

/** One Stars charge reported for two or three accounts at once (or one account twice): one owner, one credit. */
const starsRace = fc
  .tuple(refIndex, fc.array(fc.tuple(pick, via), { minLength: 2, maxLength: 3 }))
  .map(([charge, reports]) => new Together(reports.map(([account, through]) => new StarsCharge(account, charge, 1, through))));

/** Completions of one top-up at once, by the same or other transactions or charges: one credit. */
const completionRace = fc
  .tuple(pick, pick, fc.array(fc.tuple(refIndex, via), { minLength: 2, maxLength: 3 }))
  .map(([account, topup, payments]) => new Together(payments.map(([payment, through]) => new CompleteTopup(account, topup, payment, 'asked', through))));

/** A change through one store object, then at once a reserve through the other, which cached the key before it. */
const changeThenReserve = fc
  .tuple(pick, pick, fc.constantFrom<RevisionChange>('revoke', 'disable', 'enable', 'suspend', 'activate', 'rotate', 'drop_call', 'grant_all'), via)
  .map(([account, key, change, through]) => new ChangeThenReserve(account, key, change, through));

const step = (operation: fc.Arbitrary<Operation>) => operation.map((chosen) => new Step(chosen));

export const storeCommands: Array<fc.Arbitrary<fc.AsyncCommand<Model, Real>>> = [
  // Weights by repetition: registering and reserving come often; the rest now and then.
  step(register),
  step(register),
  step(adminAdjust),
  step(adminAdjust),
  step(
    fc
      .tuple(pick, fc.constantFrom('suspended' as const, 'active' as const, 'active' as const), via)
      .map(([account, status, through]) => new SetStatus(account, status, through)),
  ),
  step(fc.tuple(pick, fc.constantFrom(null, 1_000, 5_000, 20_000)).map(([account, threshold]) => new SetThreshold(account, threshold))),
  step(
    fc
      .tuple(
        pick,
        fc.constantFrom('paddle' as const, 'paddle' as const, 'stars' as const),
        fc.constantFrom(10_000, 26_000, 39_000, 10_000, 26_000, 39_000, 0, 10_000_000_000_000),
      )
      .map(([account, method, amount]) => new CreateTopup(account, method, amount)),
  ),
  step(
    fc
      .tuple(pick, pick, fc.constantFrom('checkout' as const, 'failed' as const, 'expired' as const), refIndex)
      .map(([account, topup, change, txn]) => new UpdateTopup(account, topup, change, txn)),
  ),
  step(completeTopup),
  step(completeTopup),
  step(completeTopup),
  step(
    fc
      .tuple(pick, pick, refIndex, fc.constantFrom('refund' as const, 'chargeback' as const, 'chargeback_reverse' as const), fc.boolean())
      .map(([account, topup, adjustment, action, full]) => new PaddleAdjustment(account, topup, adjustment, action, full)),
  ),
  step(starsCharge),
  step(starsRefund),
  step(fc.tuple(pick, restrictions).map(([account, chosen]) => new CreateKey(account, chosen))),
  step(updateKey),
  step(fc.tuple(pick, pick, fc.constantFrom(null, 30 * 60_000), via).map(([account, key, grace, through]) => new RotateKey(account, key, grace, through))),
  step(revokeKey),
  step(changeThenReserve),
  step(changeThenReserve),
  step(authorize),
  step(reserve),
  step(reserve),
  step(reserve),
  step(refundCall),
  step(callStep),
  step(callStep),
  step(callStep),
  step(reconcile),
  step(reconcile),
  step(claimEvent),
  step(fc.tuple(refIndex, fc.constantFrom('save' as const, 'release' as const)).map(([event, finish]) => new FinishEvent(event, finish))),
  step(seeUpdate),
  step(fc.constantFrom(1_000, 61_000, HOUR, 24 * HOUR, 7 * 24 * HOUR).map((ms) => new Tick(ms))),
  fc.array(concurrent, { minLength: 2, maxLength: 3 }).map((operations) => new Together(operations)),
  fc.array(concurrent, { minLength: 2, maxLength: 3 }).map((operations) => new Together(operations)),
  reserveRace,
  starsRace,
  completionRace,
  reconcileRace,
];

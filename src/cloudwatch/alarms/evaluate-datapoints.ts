/**
 * CloudWatch's decision for one metric alarm evaluation ("How alarm state is evaluated when data is
 * missing", CloudWatch User Guide), as a pure function of the datapoints in the evaluation range.
 * Hand-written: it is CloudWatch's own rule, which no library implements.
 */
export type AlarmState = "OK" | "ALARM" | "INSUFFICIENT_DATA";
export type TreatMissingData = "missing" | "ignore" | "breaching" | "notBreaching";

export interface Datapoint {
  timestamp: Date;
  value: number;
  /** An anomaly detection alarm's band at this datapoint. */
  band?: { lower: number; upper: number };
}

export interface EvaluationSettings {
  /** N: Evaluation Periods. */
  evaluationPeriods: number;
  /** M: Datapoints to Alarm. */
  datapointsToAlarm: number;
  treatMissingData: TreatMissingData;
  breaches: (value: number, d: Datapoint) => boolean;
}

export interface Evaluation {
  /** The new state; undefined keeps the current one (treat missing data as ignore). */
  state?: AlarmState;
  /** The real datapoints evaluated, oldest first. */
  evaluated: Datapoint[];
  /** How many missing datapoints were filled in (with breaching or notBreaching) to make up N. */
  filled: number;
  /** Breaching among what was evaluated, filled datapoints included. */
  breaching: number;
}

/**
 * The evaluation range is N + 2 periods, as in the guide's examples (N = 3, range 5): an alarm
 * looks a little further back than N when recent datapoints are missing.
 */
export const evaluationRange = (evaluationPeriods: number) => evaluationPeriods + 2;

/**
 * `range` holds one slot per period of the evaluation range, oldest first, undefined where the
 * datapoint is missing.
 */
export function evaluateDatapoints(range: Array<Datapoint | undefined>, s: EvaluationSettings): Evaluation {
  const N = s.evaluationPeriods;
  const M = s.datapointsToAlarm;
  const real = range.filter((d): d is Datapoint => d !== undefined);
  // Enough real datapoints: the N most recent decide, and missing data does not matter.
  if (real.length >= N) {
    const evaluated = real.slice(-N);
    const breaching = evaluated.filter((d) => s.breaches(d.value, d)).length;
    return { state: breaching >= M ? "ALARM" : "OK", evaluated, filled: 0, breaching };
  }
  const filled = N - real.length;
  const realBreaching = real.filter((d) => s.breaches(d.value, d)).length;
  // Every real datapoint of the range counts; missing ones fill in only as many as N needs.
  if (s.treatMissingData === "breaching" || s.treatMissingData === "notBreaching") {
    const breaching = realBreaching + (s.treatMissingData === "breaching" ? filled : 0);
    return { state: breaching >= M ? "ALARM" : "OK", evaluated: real, filled, breaching };
  }
  // missing and ignore: the missing datapoints are neither breaching nor not.
  const none = { evaluated: real, filled: 0, breaching: realBreaching };
  if (real.length === 0) return { ...none, state: s.treatMissingData === "missing" ? "INSUFFICIENT_DATA" : undefined };
  if (realBreaching >= M) return { ...none, state: "ALARM" };
  // Real data that is not breaching, and too little that is: OK.
  if (real.some((d) => !s.breaches(d.value, d))) return { ...none, state: "OK" };
  // Only breaching datapoints, fewer than M. "Avoiding premature transitions to alarm state": the
  // alarm goes to ALARM once the oldest of them is at least M periods old (the others being
  // breaching or missing); a fresh one waits for the next datapoint. Not for ignore, which keeps
  // the state whenever the real data cannot decide.
  const oldestAge = range.length - range.findIndex((d) => d !== undefined);
  if (s.treatMissingData === "missing" && oldestAge >= M) return { ...none, state: "ALARM" };
  return { ...none, state: s.treatMissingData === "missing" ? "INSUFFICIENT_DATA" : undefined };
}

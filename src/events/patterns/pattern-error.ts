/** Why a pattern is refused, in the words EventBridge's InvalidEventPatternException gives after "Reason: ". */
export class PatternError extends Error {}

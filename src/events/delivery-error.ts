/**
 * Why a delivery failed, as a dead-letter queue's ERROR_CODE and ERROR_MESSAGE attributes tell
 * it (AWS's codes: NO_PERMISSIONS, FAILED_TO_ASSUME_ROLE, SDK_CLIENT_ERROR, ...). A failure that
 * is not retryable (the target is gone, the endpoint refused the request for good) goes to the
 * dead-letter queue at once, as EventBridge sends it, instead of using up the retry policy.
 */
export class DeliveryError extends Error {
  constructor(readonly code: string, message: string, readonly retryable = true) {
    super(message);
    this.name = "DeliveryError";
  }
}

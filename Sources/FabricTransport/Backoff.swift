import FabricCore

/// Exponential backoff with full jitter between reconnect attempts (pure: the caller passes the
/// random generator, so tests and the simulator can replay it).
///
/// Attempt n waits a uniformly random delay in `[min, min(max, min·2^n)]`: jitter spreads the
/// reconnects of many nodes after a shared failure instead of letting them stampede together.
package struct Backoff: Sendable, Hashable {
    package let minimum: Duration
    package let maximum: Duration
    package private(set) var attempts: Int = 0

    package init(minimum: Duration, maximum: Duration) {
        precondition(minimum > .zero && maximum >= minimum, "backoff \(minimum)...\(maximum)")
        self.minimum = minimum
        self.maximum = maximum
    }

    /// The delay before the next attempt; counts the attempt.
    package mutating func nextDelay(using random: inout some RandomNumberGenerator) -> Duration {
        let shift = min(attempts, 30)
        attempts += 1
        let minimumNanos = minimum.nanoseconds
        let ceiling = min(maximum.nanoseconds, minimumNanos.multipliedReportingOverflow(by: 1 << shift).overflow
            ? maximum.nanoseconds : minimumNanos << shift)
        let nanos = minimumNanos >= ceiling ? ceiling : Int64.random(in: minimumNanos...ceiling, using: &random)
        return .nanoseconds(nanos)
    }

    /// Back to the first delay, after a success.
    package mutating func reset() { attempts = 0 }
}

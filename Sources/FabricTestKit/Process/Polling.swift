/// Waiting by looking again and again: log files and child processes give no notification the
/// harness could await without installing process-wide handlers.
enum Polling {
    /// How long to sleep between two looks: short next to any timeout a test names, long
    /// enough not to busy a shared machine.
    static let interval: Duration = .milliseconds(20)

    /// Calls `check` until it returns a value, and returns that; nil once `deadline` has passed.
    /// `check` is called at least once, even with a deadline in the past.
    static func value<Value>(
        until deadline: ContinuousClock.Instant, _ check: () throws -> Value?
    ) async throws -> Value? {
        while true {
            if let value = try check() { return value }
            let now = ContinuousClock.now
            if now >= deadline { return nil }
            try await Task.sleep(until: min(now.advanced(by: interval), deadline), clock: .continuous)
        }
    }
}

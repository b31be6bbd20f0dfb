import FabricCore

/// The outcome of one run of a health check (a TCP connect, an HTTP GET, a custom closure; the
/// shell runs them, this core only judges their results).
public enum HealthCheckStatus: Hashable, Sendable, CustomStringConvertible {
    /// The check succeeded.
    case passing
    /// The check succeeded but reported a concern (slow, nearly full). It lowers the health
    /// score and is reported, but it never makes a node not live or not ready.
    case warning(String)
    /// The check failed.
    case failing(String)

    /// `passing`, `warning: …` or `failing: …`.
    public var description: String {
        switch self {
        case .passing: "passing"
        case .warning(let message): "warning: \(message)"
        case .failing(let message): "failing: \(message)"
        }
    }
}

/// One run of a check: what it said and when.
public struct HealthCheckRun: Hashable, Sendable {
    /// What the check said.
    public let status: HealthCheckStatus
    /// When the check finished.
    public let at: Instant

    /// A run that said `status` at `at`.
    public init(status: HealthCheckStatus, at: Instant) {
        self.status = status
        self.at = at
    }
}

/// A named check with its last result and how often it is meant to run.
///
/// A result older than `interval × HealthEvaluatorConfiguration.checkStaleAfterIntervals`
/// counts as failing (the loop that runs the check has stopped turning, or the check hangs);
/// a check that has never run is pending.
public struct HealthCheckResult: Hashable, Sendable {
    /// The check's name, for operators (at most `Limits.healthCheckNameBytesMax` bytes).
    public let name: String
    /// How often the check runs.
    public let interval: Duration
    /// Whether liveness and readiness depend on it (an optional check only affects the score).
    public let isRequired: Bool
    /// The last result and when it was obtained, or nil if the check has not run yet.
    public let last: HealthCheckRun?

    /// A check result, or `invalidArgument` for an empty or too long name or an interval that
    /// is not positive.
    public init(
        name: String, interval: Duration, isRequired: Bool,
        last: HealthCheckRun?
    ) throws(FabricError) {
        guard !name.isEmpty, name.utf8.count <= Limits.healthCheckNameBytesMax else {
            throw .invalidArgument(
                "health check name \(name.debugDescription) must have 1 to \(Limits.healthCheckNameBytesMax) bytes")
        }
        guard interval > .zero else {
            throw .invalidArgument("health check \(name) interval \(interval) is not positive")
        }
        self.name = name
        self.interval = interval
        self.isRequired = isRequired
        self.last = last
    }

    /// What the result means at `now`: its status if fresh, `stale` if older than
    /// `interval × staleAfterIntervals`, `pending` if the check never ran.
    public func effectiveStatus(now: Instant, staleAfterIntervals: Int) -> EffectiveCheckStatus {
        guard let last else { return .pending }
        let age = now > last.at ? now.duration(since: last.at) : .zero
        if age > interval * staleAfterIntervals { return .stale(age: age) }
        switch last.status {
        case .passing: return .passing
        case .warning(let message): return .warning(message)
        case .failing(let message): return .failing(message)
        }
    }
}

/// A check's result as judged at one instant.
public enum EffectiveCheckStatus: Hashable, Sendable {
    /// Fresh and passing.
    case passing
    /// Fresh, passing with a concern.
    case warning(String)
    /// Fresh and failing.
    case failing(String)
    /// The last result is older than the check's interval × the stale factor: counts as failing.
    case stale(age: Duration)
    /// Never run: neither passing nor failing; blocks readiness, not liveness.
    case pending

    /// Whether this counts as failing (failing or stale).
    public var isFailing: Bool {
        switch self {
        case .failing, .stale: true
        case .passing, .warning, .pending: false
        }
    }

    /// Whether this lets a node be ready (passing or warning).
    public var allowsReadiness: Bool {
        switch self {
        case .passing, .warning: true
        case .failing, .stale, .pending: false
        }
    }

    /// For operators: `passing`, `warning: …`, `failing: …`, `stale (last result 12s old)`, `pending`.
    public var summary: String {
        switch self {
        case .passing: "passing"
        case .warning(let message): "warning: \(message)"
        case .failing(let message): "failing: \(message)"
        case .stale(let age): "stale (last result \(age) old)"
        case .pending: "pending (never run)"
        }
    }
}

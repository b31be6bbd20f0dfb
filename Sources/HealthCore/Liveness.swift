/// Whether this process can do its work: the answer a liveness probe gives (an orchestrator
/// restarts a process that is not live).
///
/// The rules, all of which must hold (`HealthEvaluator.liveness`):
/// 1. Its loops turn: the measured loop lag, when measured, is at most `loopLagMax`.
/// 2. Lifeguard's local health multiplier is not saturated (at its top value), unless
///    `saturatedLocalHealthIsNotLive` is off.
/// 3. No required check is failing or stale (pending or warning ones do not count).
/// 4. This node has not been declared down: a downed generation can never rejoin, so the
///    process should be restarted, which gives it a new generation (DESIGN.md §4).
public enum Liveness: Hashable, Sendable {
    /// Every rule holds.
    case live
    /// The rules that do not hold, one line each, for operators.
    case notLive(reasons: [String])

    /// Whether it is `live`.
    public var isLive: Bool {
        if case .live = self { return true }
        return false
    }
}

/// Whether this node should be sent work: the answer a readiness probe gives (a load balancer
/// stops routing to a node that is not ready; nothing is restarted).
///
/// The rules, all of which must hold (`HealthEvaluator.readiness`):
/// 1. It is live (each liveness reason is repeated here).
/// 2. It has joined and is seen as up: its own membership status is `alive` (not joining,
///    suspect, unreachable, leaving, down or left).
/// 3. At least `minimumMembers` members (itself included) are reachable.
/// 4. Every required check is passing or warning (failing, stale and pending ones block).
/// 5. No more than `Limits.healthChecksMax` checks were given (the rest could not be looked at).
public enum Readiness: Hashable, Sendable {
    /// Every rule holds.
    case ready
    /// The rules that do not hold, one line each, for operators.
    case notReady(reasons: [String])

    /// Whether it is `ready`.
    public var isReady: Bool {
        if case .ready = self { return true }
        return false
    }
}

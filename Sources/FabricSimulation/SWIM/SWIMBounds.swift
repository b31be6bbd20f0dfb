import FabricCore
import MembershipCore

/// The time bounds the SWIM invariants grant the protocol, derived from its configuration and
/// the cluster size (Lifeguard §IV-B for the suspicion timeout, SWIM §4.3 for the probe order).
///
/// - `suspicionMaximum`: the longest a suspicion can run before it times out: β·α·max(1, log10 n)
///   probe intervals with Lifeguard, α·max(1, log10 n) without (n the view size; the core uses
///   its own view's size, which is at most the cluster's, so this is an upper bound).
/// - `longestPeriod`: a protocol period stretched by the largest local health,
///   probeInterval·awarenessMax with Lifeguard (probeInterval without).
/// - `excuseWindow` (for "no live, reachable member is declared unreachable or down"): a
///   declaration about a member made within this long after the last fault of that member or
///   of the declaring member ended is excused. A probe that failed during the fault ends its
///   period at most one longest period after the fault ended, and the suspicion it starts
///   times out at most `suspicionMaximum` later; a suspicion started during the fault times
///   out sooner. So: `longestPeriod + suspicionMaximum + slack`, the slack (one probe interval)
///   covering message latency and the resumed member's first refutation reaching the others.
/// - `detectionBound` (for "a dead member is detected by all"): a crashed member is probed by
///   a given live member within 2(n − 1) of that member's periods (the round-robin order: at
///   worst at the end of one shuffle and then at the end of the next); its suspicion then times
///   out within `suspicionMaximum`. The bound assumes unscaled periods (local health stays low
///   at a member that has been up and whole for the bound, which the checker requires) and adds
///   10 probe intervals for gossip and lost messages.
public struct SWIMBounds: Sendable, Hashable {
    /// The longest a suspicion runs before it times out.
    public let suspicionMaximum: Duration
    /// The shortest suspicion timeout (all confirmations in; Lifeguard off: the only one).
    public let suspicionMinimum: Duration
    /// A protocol period at the largest local health.
    public let longestPeriod: Duration
    /// See the type's note.
    public let excuseWindow: Duration
    /// See the type's note.
    public let detectionBound: Duration

    /// The bounds for `members` members configured with `configuration`.
    public init(configuration: SWIMConfiguration, members: Int) {
        let scale = max(1.0, SWIMMath.log10(Double(max(1, members))))
        let minimum = Self.scale(configuration.probeInterval * configuration.suspicionMultiplier, by: scale)
        suspicionMinimum = minimum
        suspicionMaximum = configuration.lifeguard ? minimum * configuration.suspicionMaxTimeoutMultiplier : minimum
        longestPeriod = configuration.lifeguard
            ? configuration.probeInterval * configuration.awarenessMax : configuration.probeInterval
        excuseWindow = longestPeriod + suspicionMaximum + configuration.probeInterval
        detectionBound = configuration.probeInterval * (2 * max(1, members - 1) + 10) + suspicionMaximum
    }

    /// `duration` × `factor`, rounded up to whole milliseconds (a bound errs long).
    static func scale(_ duration: Duration, by factor: Double) -> Duration {
        let milliseconds = (Double(duration.nanoseconds) / 1e6 * factor).rounded(.up)
        return .milliseconds(Int64(milliseconds))
    }
}

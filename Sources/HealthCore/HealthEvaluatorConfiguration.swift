import FabricCore

/// The tunables of health scores, liveness and readiness (`HealthEvaluator`).
public struct HealthEvaluatorConfiguration: Hashable, Sendable {
    /// The phi at which the score's phi factor reaches 0: the detector's threshold (Akka: 8).
    public var phiThreshold: Double = 8
    /// A check result older than its interval times this counts as failing (default 3: two
    /// missed runs are tolerated, the third is not).
    public var checkStaleAfterIntervals = 3
    /// The longest loop lag (how late a timer set on a loop fires) with which the process is
    /// still live. 5 s by default: far beyond any lag a working loop shows (milliseconds), short
    /// of what an orchestrator waits before restarting a hung process.
    public var loopLagMax: Duration = .seconds(5)
    /// Whether a saturated local health multiplier makes the node not live (default true).
    /// Turn it off where a partition of this node alone is likelier than a stuck process: a
    /// node cut off from everyone also saturates it, and restarting it does not help.
    public var saturatedLocalHealthIsNotLive = true
    /// Members (this node included) that must be reachable for this node to be ready
    /// (default 1: this node alone suffices). Set it to the quorum a service needs.
    public var minimumMembers = 1

    /// The defaults named above.
    public init() {}

    /// `invalidArgument` if a value is out of range: the threshold positive, the stale factor
    /// at least 1, the lag not negative, `minimumMembers` at least 1.
    public func validate() throws(FabricError) {
        guard phiThreshold > 0 else { throw .invalidArgument("phiThreshold \(phiThreshold) is not positive") }
        guard checkStaleAfterIntervals >= 1 else {
            throw .invalidArgument("checkStaleAfterIntervals \(checkStaleAfterIntervals) is less than 1")
        }
        guard loopLagMax >= .zero else { throw .invalidArgument("loopLagMax \(loopLagMax) is negative") }
        guard minimumMembers >= 1 else { throw .invalidArgument("minimumMembers \(minimumMembers) is less than 1") }
    }
}
